//! `CredentialsProvider=BrowserOidcTip` (seed 004): the person signs in at an
//! OpenID provider in the browser; its id token is the JWT of trusted identity
//! propagation (see `tip`). A refresh token renews the id token without the
//! browser.

use std::any::Any;
use std::time::{Duration, SystemTime};

use crate::auth::browser;
use crate::auth::flow::{BoxFuture, FlowContext, FlowSettings, FlowState};
use crate::auth::oidc::{self, IdpTokens, OidcClient, OidcSettings};
use crate::auth::tip::{JwtSource, TipFlow, TipSettings};
use crate::config::Parser;
use crate::error::Result;
use crate::properties::Auth;
use crate::secret::Secret;

/// An id token this close to its expiry is renewed before it is sent to AWS.
const ID_TOKEN_MARGIN: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, PartialEq)]
pub struct BrowserOidcTipSettings {
    pub oidc: OidcSettings,
    pub tip: TipSettings,
}

pub(crate) fn parse(p: &mut Parser) -> Option<BrowserOidcTipSettings> {
    let scope = p.text("Scope").unwrap_or_default();
    if !scope.split_whitespace().any(|s| s == "openid") {
        p.problem(format!(
            "Scope must include openid, or the identity provider returns no id token; not '{scope}'"
        ));
    }
    let oidc = OidcSettings {
        well_known_url: p.text("IdpWellKnownConfigurationUrl")?,
        client_id: p.text("OidcClientId")?,
        client_secret: p.text("OidcClientSecret").map(Secret::new),
        scope,
        port: u16::try_from(p.integer("IdpPortNumber")).ok()?,
        response_timeout: Duration::from_secs(p.integer("IdpResponseTimeout") as u64),
    };
    Some(BrowserOidcTipSettings {
        oidc,
        tip: TipSettings::parse(p, Auth::BrowserOidcTip)?,
    })
}

impl FlowSettings for BrowserOidcTipSettings {
    fn name(&self) -> &'static str {
        "BrowserOidcTip"
    }

    fn user_name(&self) -> Option<&str> {
        Some(&self.tip.session_name)
    }

    /// No token is given: the person who signs in is named by the provider,
    /// the client and the port their browser session answers on.
    fn identity_fields(&self) -> Vec<String> {
        let mut fields = vec![
            self.oidc.well_known_url.clone(),
            self.oidc.client_id.clone(),
            self.oidc.scope.clone(),
            self.oidc.port.to_string(),
        ];
        fields.extend(self.tip.fields());
        fields
    }

    fn other_fields(&self) -> Vec<String> {
        vec![
            self.oidc
                .client_secret
                .as_ref()
                .map(Secret::hashed)
                .unwrap_or_default(),
            self.oidc.response_timeout.as_secs().to_string(),
        ]
    }

    fn file_cache(&self) -> bool {
        self.tip.file_cache
    }

    fn new_state(&self) -> Box<dyn FlowState> {
        TipFlow::boxed(
            self.tip.clone(),
            BrowserTokens {
                oidc: self.oidc.clone(),
                id_token: None,
                refresh_token: None,
                spent: false,
            },
        )
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The identity provider's tokens.
#[derive(Debug)]
struct BrowserTokens {
    oidc: OidcSettings,
    /// The id token and its expiry.
    id_token: Option<(Secret, SystemTime)>,
    /// Renews the id token without the browser.
    refresh_token: Option<Secret>,
    /// Identity Center has seen `id_token`: a new exchange needs another.
    spent: bool,
}

impl JwtSource for BrowserTokens {
    /// The current id token, else one from the refresh token, else a sign-in
    /// in the browser.
    fn jwt<'a>(
        &'a mut self,
        cx: &'a FlowContext<'a>,
        unspent: bool,
    ) -> BoxFuture<'a, Result<(Secret, bool)>> {
        Box::pin(async move {
            let spent = unspent && self.spent;
            if let Some((token, _)) = self
                .id_token
                .as_ref()
                .filter(|(_, expiry)| *expiry > SystemTime::now() + ID_TOKEN_MARGIN && !spent)
            {
                return Ok((token.clone(), false));
            }
            let client = OidcClient::new(&self.oidc, cx.services.network())?;
            let discovery = client.discover().await?;
            let tokens = match self.refresh_token.clone() {
                Some(refresh_token) => match client.refresh(&discovery, &refresh_token).await {
                    Ok(tokens) => {
                        cx.logger.debug(|| {
                            "BrowserOidcTip: renewed the id token with the refresh token".into()
                        });
                        tokens
                    }
                    Err(e) => {
                        cx.logger.info(|| format!("BrowserOidcTip: the refresh token was not accepted ({e}); signing in with the browser"));
                        browser_sign_in(cx, &client, &discovery, &self.oidc).await?
                    }
                },
                None => browser_sign_in(cx, &client, &discovery, &self.oidc).await?,
            };
            let token = tokens.id_token.clone();
            self.id_token = Some((tokens.id_token, tokens.expiry));
            self.refresh_token = tokens.refresh_token.or(self.refresh_token.take());
            self.spent = false;
            Ok((token, true))
        })
    }

    fn spent(&mut self) {
        self.spent = true;
    }

    fn exchange_hint(&self) -> Option<&'static str> {
        None
    }

    fn refresh_token(&self) -> Option<Secret> {
        self.refresh_token.clone()
    }

    fn restore(&mut self, refresh_token: Option<Secret>) {
        self.refresh_token = refresh_token;
    }
}

/// Seed 004: the listener first (so a taken port fails before the browser
/// opens), then the browser, then the code for tokens.
async fn browser_sign_in(
    cx: &FlowContext<'_>,
    client: &OidcClient<'_>,
    discovery: &oidc::Discovery,
    oidc: &OidcSettings,
) -> Result<IdpTokens> {
    let (callback, request) = oidc::open_authorization(
        cx.logger,
        "BrowserOidcTip",
        (oidc.port, browser::OIDC_TIP),
        &discovery.authorization_endpoint,
        || client.authorization_request(discovery),
    )
    .await?;
    let (code, finish) = callback
        .wait_for_code_finishing(&request.state, oidc.response_timeout)
        .await?;
    // The tab answers once the code is redeemed and the id token checked.
    // Identity Center's token exchange comes later (tip.rs, after this flow
    // hands over the id token): its refusal reaches only the connection.
    let tokens = client.redeem_code(discovery, &request, &code).await;
    finish.done(tokens.as_ref().map(|_| ()));
    tokens
}

#[cfg(test)]
mod tests {
    use crate::config::{ConnectionConfig, Credentials};

    use super::*;

    fn parse(url: &str) -> crate::error::Result<ConnectionConfig> {
        ConnectionConfig::from_url(url, &[])
    }

    fn settings(c: &ConnectionConfig) -> &BrowserOidcTipSettings {
        let Credentials::Federated(f) = &c.credentials else {
            panic!("not federated: {c:?}")
        };
        f.settings().unwrap()
    }

    #[test]
    fn browser_settings_with_odbc_names_and_seed_defaults() {
        let c = parse("jdbc:athena://AuthenticationType=BrowserOidcTip;WorkgroupArn=arn:aws:athena:us-east-1:1:workgroup/w;ApplicationRoleArn=arn:aws:iam::1:role/a;role_session_name=s;IdpWellKnownConfigurationUrl=http://x/.well-known/openid-configuration;client_id=c;client_secret=shh").unwrap();
        let BrowserOidcTipSettings { oidc, tip } = settings(&c);
        assert_eq!(oidc.client_id, "c");
        assert_eq!(oidc.client_secret.as_ref().unwrap().expose(), "shh");
        assert_eq!(oidc.scope, "openid email offline_access");
        assert_eq!(oidc.port, 7890);
        assert_eq!(oidc.response_timeout, Duration::from_secs(120));
        // Seed 004: 3600 seconds, unlike JWT_TIP's 900.
        assert_eq!(tip.duration, Duration::from_secs(3600));
        assert!(!tip.file_cache);
        assert!(!format!("{c:?}").contains("shh"));
        let err = parse("jdbc:athena://CredentialsProvider=BrowserOidcTip;WorkGroupArn=arn:aws:athena:us-east-1:1:workgroup/w;ApplicationRoleArn=arn:aws:iam::1:role/a;JwtRoleSessionName=s;Scope=email").unwrap_err();
        let text = err.to_string();
        for needed in [
            "IdpWellKnownConfigurationUrl is required for BrowserOidcTip",
            "OidcClientId is required for BrowserOidcTip",
            "Scope must include openid",
        ] {
            assert!(text.contains(needed), "{text}");
        }
    }

    #[test]
    fn odbc_client_id_follows_the_flow() {
        let c = parse("jdbc:athena://AuthenticationType=BrowserOidcTip;IdpWellKnownConfigurationUrl=https://idp/.well-known/openid-configuration;client_id=abc;listen_port=7777;WorkgroupArn=arn:aws:athena:us-west-2:111122223333:workgroup/tip;ApplicationRoleArn=arn:aws:iam::111122223333:role/app;role_session_name=alice").unwrap();
        assert_eq!(settings(&c).oidc.client_id, "abc");
        assert_eq!(settings(&c).oidc.port, 7777);
        assert_eq!(c.user_name(), Some("alice"));
    }
}
