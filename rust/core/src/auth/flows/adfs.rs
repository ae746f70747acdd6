//! `CredentialsProvider=ADFS`: AD FS's IdP-initiated sign-on page
//! (`/adfs/ls/IdpInitiatedSignOn.aspx?loginToRp=AdfsRelyingParty`) filled
//! with the user's name and password (forms authentication); the page that
//! comes back posts the SAML response, which the SAML core trades. Renewal
//! signs in again. Windows Integrated Authentication (`AdfsWiaEnabled`) needs
//! the Windows session's Kerberos ticket, which this driver cannot use.

use std::any::Any;

use crate::auth::flow::{BoxFuture, FlowContext, FlowSettings, FlowState};
use crate::auth::form_sign_in::{idp_base_url, sign_in, Field};
use crate::auth::saml::{SamlFlow, SamlResponse, SamlSettings, SamlSource};
use crate::config::Parser;
use crate::error::Result;
use crate::secret::Secret;

/// The relying party AWS's sign-in registers in AD FS.
pub const DEFAULT_RELYING_PARTY: &str = "urn:amazon:webservices";

#[derive(Debug, Clone, PartialEq)]
pub struct AdfsSettings {
    pub base_url: String,
    pub relying_party: String,
    pub user: String,
    pub password: Secret,
    pub saml: SamlSettings,
}

pub(crate) fn parse(p: &mut Parser) -> Option<AdfsSettings> {
    if p.boolean("AdfsWiaEnabled") {
        p.problem(
            "AdfsWiaEnabled=true is not supported yet: Windows Integrated Authentication needs a Windows session's Kerberos ticket, which this driver cannot use; set User and Password for forms authentication instead".into(),
        );
        return None;
    }
    Some(AdfsSettings {
        base_url: idp_base_url(p, "AdfsHostName", "AdfsPortNumber")?,
        relying_party: p
            .text("AdfsRelyingParty")
            .unwrap_or_else(|| DEFAULT_RELYING_PARTY.into()),
        user: p.text("User")?,
        password: Secret::new(p.value("Password")?.to_string()),
        saml: SamlSettings::parse(p),
    })
}

impl FlowSettings for AdfsSettings {
    fn name(&self) -> &'static str {
        "ADFS"
    }

    fn user_name(&self) -> Option<&str> {
        Some(&self.user)
    }

    fn identity_fields(&self) -> Vec<String> {
        let mut fields = vec![
            self.base_url.clone(),
            self.relying_party.clone(),
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
            "ADFS",
            self.saml.clone(),
            AdfsForm {
                settings: self.clone(),
            },
        )
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[derive(Debug)]
struct AdfsForm {
    settings: AdfsSettings,
}

impl SamlSource for AdfsForm {
    fn response<'a>(&'a mut self, cx: &'a FlowContext<'a>) -> BoxFuture<'a, Result<SamlResponse>> {
        Box::pin(async move {
            let s = &self.settings;
            let mut start =
                url::Url::parse(&format!("{}/adfs/ls/IdpInitiatedSignOn.aspx", s.base_url))
                    .map_err(|e| {
                        crate::error::Error::new(
                            crate::error::ErrorKind::InvalidProperties,
                            format!("AdfsHostName {}: {e}", s.base_url),
                        )
                    })?;
            start
                .query_pairs_mut()
                .append_pair("loginToRp", &s.relying_party);
            sign_in(
                cx,
                "ADFS",
                start.as_str(),
                &s.user,
                &s.password,
                |name, kind| {
                    let name = name.to_ascii_lowercase();
                    if name.contains("username") {
                        Field::User
                    } else if name.contains("password") || kind == "password" {
                        Field::Password
                    } else {
                        Field::Keep
                    }
                },
                &["errorText"],
            )
            .await
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{ConnectionConfig, Credentials};
    use crate::error::ErrorKind;

    use super::*;

    #[test]
    fn names_defaults_and_wia() {
        let url = "jdbc:athena://Region=us-east-1;CredentialsProvider=ADFS;User=corp\\ana;Password=pw-secret;AdfsHostName=sts.corp.example";
        let c = ConnectionConfig::from_url(url, &[]).unwrap();
        let Credentials::Federated(f) = &c.credentials else {
            panic!("not federated")
        };
        let s = f.settings::<AdfsSettings>().unwrap();
        assert_eq!(s.base_url, "https://sts.corp.example");
        assert_eq!(s.relying_party, DEFAULT_RELYING_PARTY);
        assert!(!format!("{s:?}").contains("pw-secret"));
        let err =
            ConnectionConfig::from_url(&format!("{url};AdfsWiaEnabled=true"), &[]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotSupported);
        assert!(err.to_string().contains("AdfsWiaEnabled"), "{err}");
    }
}
