//! `CredentialsProvider=Ping`: PingFederate's IdP-initiated SSO
//! (`/idp/startSSO.ping?PartnerSpId=…`), its HTML Form Adapter filled with
//! the user's name and password (`pf.username`, `pf.pass`); the page that
//! comes back posts the SAML response, which the SAML core trades. Renewal
//! signs in again.

use std::any::Any;

use crate::auth::flow::{BoxFuture, FlowContext, FlowSettings, FlowState};
use crate::auth::form_sign_in::{idp_base_url, sign_in, Field};
use crate::auth::saml::{SamlFlow, SamlResponse, SamlSettings, SamlSource};
use crate::config::Parser;
use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;

/// The service provider id AWS's sign-in has in PingFederate.
pub const DEFAULT_PARTNER_SP_ID: &str = "urn:amazon:webservices";

#[derive(Debug, Clone, PartialEq)]
pub struct PingSettings {
    pub base_url: String,
    pub partner_sp_id: String,
    /// ODBC `ping_uri_param`: extra query text for startSSO.ping.
    pub uri_param: Option<String>,
    pub user: String,
    pub password: Secret,
    pub saml: SamlSettings,
}

pub(crate) fn parse(p: &mut Parser) -> Option<PingSettings> {
    Some(PingSettings {
        base_url: idp_base_url(p, "PingHostName", "PingPortNumber")?,
        partner_sp_id: p
            .text("PingPartnerSpId")
            .unwrap_or_else(|| DEFAULT_PARTNER_SP_ID.into()),
        uri_param: p.text("ping_uri_param"),
        user: p.text("User")?,
        password: Secret::new(p.value("Password")?.to_string()),
        saml: SamlSettings::parse(p),
    })
}

impl FlowSettings for PingSettings {
    fn name(&self) -> &'static str {
        "Ping"
    }

    fn user_name(&self) -> Option<&str> {
        Some(&self.user)
    }

    fn identity_fields(&self) -> Vec<String> {
        let mut fields = vec![
            self.base_url.clone(),
            self.partner_sp_id.clone(),
            self.uri_param.clone().unwrap_or_default(),
            self.user.clone(),
        ];
        fields.extend(self.saml.fields());
        fields
    }

    fn other_fields(&self) -> Vec<String> {
        vec![self.password.hashed()]
    }

    fn file_cache(&self) -> bool {
        self.saml.file_cache
    }

    fn new_state(&self) -> Box<dyn FlowState> {
        SamlFlow::boxed(
            "Ping",
            self.saml.clone(),
            PingForm {
                settings: self.clone(),
            },
        )
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[derive(Debug)]
struct PingForm {
    settings: PingSettings,
}

impl SamlSource for PingForm {
    fn response<'a>(&'a mut self, cx: &'a FlowContext<'a>) -> BoxFuture<'a, Result<SamlResponse>> {
        Box::pin(async move {
            let s = &self.settings;
            let mut start =
                url::Url::parse(&format!("{}/idp/startSSO.ping", s.base_url)).map_err(|e| {
                    Error::new(
                        ErrorKind::InvalidProperties,
                        format!("PingHostName {}: {e}", s.base_url),
                    )
                })?;
            start
                .query_pairs_mut()
                .append_pair("PartnerSpId", &s.partner_sp_id);
            if let Some(extra) = &s.uri_param {
                let query = format!("{}&{extra}", start.query().unwrap_or_default());
                start.set_query(Some(&query));
            }
            sign_in(
                cx,
                "Ping",
                start.as_str(),
                &s.user,
                &s.password,
                |name, kind| match name {
                    "pf.username" => Field::User,
                    "pf.pass" => Field::Password,
                    "pf.cancel" => Field::Drop,
                    _ if kind == "password" => Field::Password,
                    _ if name.to_ascii_lowercase().contains("username") => Field::User,
                    _ => Field::Keep,
                },
                &["ping-error", "errorText"],
            )
            .await
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{ConnectionConfig, Credentials};

    use super::*;

    #[test]
    fn names_and_defaults() {
        let url = "jdbc:athena://Region=us-east-1;AuthenticationType=Ping;UID=ana;PWD=pw-secret;IdP_Host=sso.corp.example;IdP_Port=9031;Partner_SPID=urn:aws";
        let c = ConnectionConfig::from_url(url, &[]).unwrap();
        let Credentials::Federated(f) = &c.credentials else {
            panic!("not federated")
        };
        let s = f.settings::<PingSettings>().unwrap();
        assert_eq!(s.base_url, "https://sso.corp.example:9031");
        assert_eq!(s.partner_sp_id, "urn:aws");
        assert!(!format!("{s:?}").contains("pw-secret"));
    }
}
