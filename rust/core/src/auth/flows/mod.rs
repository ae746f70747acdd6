//! The federated sign-in flows, one file each behind `flow::FlowSettings`.
//! A new flow: its file here, its line in `parse`, and its name in
//! `properties::Auth`.

pub mod adfs;
pub mod azure_ad;
pub mod browser_azure_ad;
pub mod browser_oidc_tip;
pub mod browser_saml;
pub mod browser_sso_oidc;
pub mod custom_provider;
pub mod external_credentials;
pub mod jwt;
pub mod jwt_tip;
pub mod okta;
pub mod ping;

use crate::auth::flow::Federated;
use crate::config::Parser;
use crate::properties::Auth;

/// The flow's settings from the connection's properties: `None` when `auth`
/// is not a federated flow, `Some(None)` when its settings have problems
/// (reported to `p`).
pub(crate) fn parse(auth: Auth, p: &mut Parser) -> Option<Option<Federated>> {
    Some(match auth {
        Auth::Jwt => jwt::parse(p).map(Federated::new),
        Auth::JwtTip => jwt_tip::parse(p).map(Federated::new),
        Auth::BrowserOidcTip => browser_oidc_tip::parse(p).map(Federated::new),
        Auth::ExternalCredentials => external_credentials::parse(p).map(Federated::new),
        Auth::Custom => custom_provider::parse(p).map(Federated::new),
        Auth::AzureAd => azure_ad::parse(p).map(Federated::new),
        Auth::BrowserAzureAd => browser_azure_ad::parse(p).map(Federated::new),
        Auth::Okta => okta::parse(p).map(Federated::new),
        Auth::Adfs => adfs::parse(p).map(Federated::new),
        Auth::Ping => ping::parse(p).map(Federated::new),
        Auth::BrowserSaml => browser_saml::parse(p).map(Federated::new),
        Auth::BrowserSsoOidc => browser_sso_oidc::parse(p).map(Federated::new),
        _ => return None,
    })
}
