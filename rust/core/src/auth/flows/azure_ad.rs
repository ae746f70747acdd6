//! `CredentialsProvider=AzureAD`: Microsoft Entra ID's resource owner password
//! grant at the tenant's token endpoint, asking for a SAML 2 token for the AWS
//! application (`requested_token_type=…saml2`). Entra answers the signed
//! Assertion (base64url) as `access_token`; wrapped in a successful
//! `samlp:Response`, as the official drivers do, it goes through the SAML core.
//! Renewal signs in again with the stored password, silently.

use std::any::Any;
use std::time::Duration;

use base64::Engine;

use crate::auth::flow::{BoxFuture, FlowContext, FlowSettings, FlowState};
use crate::auth::saml::{SamlFlow, SamlResponse, SamlSettings, SamlSource};
use crate::config::Parser;
use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;

/// Entra ID's public cloud; sovereign clouds and test servers set `AzureAdEndpoint`.
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";
const SAML2: &str = "urn:ietf:params:oauth:token-type:saml2";
/// One token request may take this long.
const TOKEN_TIMEOUT: Duration = Duration::from_secs(60);
/// Of Entra's error description, its first line (the AADSTS code and text).
const DESCRIPTION_SHOWN: usize = 300;

#[derive(Debug, Clone, PartialEq)]
pub struct AzureAdSettings {
    pub authority: String,
    pub tenant: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub user: String,
    pub password: Secret,
    pub saml: SamlSettings,
}

pub(crate) fn parse(p: &mut Parser) -> Option<AzureAdSettings> {
    let authority = p
        .text("AzureAdEndpoint")
        .unwrap_or_else(|| DEFAULT_AUTHORITY.to_string())
        .trim_end_matches('/')
        .to_string();
    Some(AzureAdSettings {
        authority,
        tenant: p.text("AzureAdTenantId")?,
        client_id: p.text("AzureAdClientId")?,
        client_secret: Secret::new(p.value("AzureAdClientSecret")?.to_string()),
        user: p.text("User")?,
        password: Secret::new(p.value("Password")?.to_string()),
        saml: SamlSettings::parse(p),
    })
}

impl FlowSettings for AzureAdSettings {
    fn name(&self) -> &'static str {
        "AzureAD"
    }

    fn user_name(&self) -> Option<&str> {
        Some(&self.user)
    }

    fn identity_fields(&self) -> Vec<String> {
        let mut fields = vec![
            self.authority.clone(),
            self.tenant.clone(),
            self.client_id.clone(),
            self.user.clone(),
        ];
        fields.extend(self.saml.fields());
        fields
    }

    /// A changed password or client secret must sign in again.
    fn other_fields(&self) -> Vec<String> {
        vec![self.password.hashed(), self.client_secret.hashed()]
    }

    fn new_state(&self) -> Box<dyn FlowState> {
        SamlFlow::boxed(
            "AzureAD",
            self.saml.clone(),
            PasswordGrant {
                settings: self.clone(),
            },
        )
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[derive(Debug)]
struct PasswordGrant {
    settings: AzureAdSettings,
}

impl SamlSource for PasswordGrant {
    fn response<'a>(&'a mut self, cx: &'a FlowContext<'a>) -> BoxFuture<'a, Result<SamlResponse>> {
        Box::pin(async move {
            let s = &self.settings;
            let url = format!("{}/{}/oauth2/token", s.authority, s.tenant);
            cx.logger
                .debug(|| format!("AzureAD: password grant for {} at {url}", s.user));
            let http = crate::network::idp_http_client(cx.services.network(), TOKEN_TIMEOUT)?;
            let form = [
                ("grant_type", "password"),
                ("requested_token_type", SAML2),
                ("username", s.user.as_str()),
                ("password", s.password.expose()),
                ("client_id", s.client_id.as_str()),
                ("client_secret", s.client_secret.expose()),
                ("resource", s.client_id.as_str()),
            ];
            let unreachable = |e: reqwest::Error| {
                Error::new(
                    ErrorKind::Transient,
                    format!(
                        "AzureAD: the token endpoint {url} could not be reached: {}",
                        crate::error::describe_chain(&e)
                    ),
                )
            };
            let response = http
                .post(&url)
                .form(&form)
                .send()
                .await
                .map_err(unreachable)?;
            let status = response.status();
            let bytes = response.bytes().await.map_err(unreachable)?;
            let json: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| {
                Error::new(
                    ErrorKind::Authentication,
                    format!(
                        "AzureAD: the token endpoint {url} answered HTTP {} without JSON: check AzureAdTenantId and AzureAdEndpoint",
                        status.as_u16()
                    ),
                )
            })?;
            if !status.is_success() || json.get("error").is_some() {
                return Err(entra_error(&json, s));
            }
            let token = json["access_token"].as_str().unwrap_or_default();
            let issued = json["issued_token_type"].as_str().unwrap_or(SAML2);
            if token.is_empty() || issued != SAML2 {
                return Err(Error::new(
                    ErrorKind::Authentication,
                    format!(
                        "AzureAD: the token endpoint did not issue a SAML 2 token (issued_token_type {issued}): the application {} must be the AWS SAML application (enterprise application with SAML single sign-on)",
                        s.client_id
                    ),
                ));
            }
            SamlResponse::parse(&wrap(token)?)
                .map_err(|e| e.prefix("AzureAD: the SAML token is not usable: "))
        })
    }
}

/// The base64 `SAMLResponse` around Entra's base64url-encoded Assertion.
fn wrap(token: &str) -> Result<String> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    let assertion = URL_SAFE_NO_PAD
        .decode(token.trim().trim_end_matches('='))
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Authentication,
                "AzureAD: the token endpoint's access_token is not a base64url SAML assertion",
            )
        })?;
    let response = format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>{assertion}</samlp:Response>"#
    );
    Ok(STANDARD.encode(response))
}

/// Entra's OAuth error as a driver error: the AADSTS code says what to fix.
fn entra_error(json: &serde_json::Value, s: &AzureAdSettings) -> Error {
    let error = json["error"].as_str().unwrap_or("unknown_error");
    let description: String = json["error_description"]
        .as_str()
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(DESCRIPTION_SHOWN)
        .collect();
    let code = description
        .split(':')
        .next()
        .filter(|c| c.starts_with("AADSTS"))
        .unwrap_or_default();
    let (kind, hint) = match code {
        "AADSTS50126" => (
            ErrorKind::Authentication,
            format!("wrong user name or password for {}", s.user),
        ),
        "AADSTS50034" => (
            ErrorKind::Authentication,
            format!("no user {} in tenant {}", s.user, s.tenant),
        ),
        "AADSTS50053" => (
            ErrorKind::Authentication,
            format!("the account {} is locked", s.user),
        ),
        "AADSTS50055" => (
            ErrorKind::Authentication,
            format!("the password of {} has expired", s.user),
        ),
        "AADSTS50076" | "AADSTS50079" | "AADSTS50158" => (
            ErrorKind::Authentication,
            "the tenant asks this user for multi-factor authentication, which a password sign-in cannot give: use CredentialsProvider=BrowserAzureAD".to_string(),
        ),
        "AADSTS7000215" | "AADSTS7000216" | "AADSTS7000222" => (
            ErrorKind::Authentication,
            "AzureAdClientSecret is wrong or expired".to_string(),
        ),
        "AADSTS700016" => (
            ErrorKind::InvalidProperties,
            format!(
                "AzureAdClientId {} is not an application of tenant {}",
                s.client_id, s.tenant
            ),
        ),
        "AADSTS90002" | "AADSTS900023" => (
            ErrorKind::InvalidProperties,
            format!("AzureAdTenantId {} is not a tenant", s.tenant),
        ),
        _ => (ErrorKind::Authentication, error.to_string()),
    };
    Error::new(
        kind,
        format!("AzureAD sign-in refused: {hint} ({description})"),
    )
}

#[cfg(test)]
mod tests {
    use crate::config::{ConnectionConfig, Credentials};

    use super::*;

    fn settings(url: &str) -> std::result::Result<AzureAdSettings, String> {
        let c = ConnectionConfig::from_url(url, &[]).map_err(|e| e.to_string())?;
        let Credentials::Federated(f) = &c.credentials else {
            return Err(format!("not federated: {c:?}"));
        };
        f.settings::<AzureAdSettings>()
            .cloned()
            .ok_or_else(|| "not AzureAD".into())
    }

    const URL: &str = "jdbc:athena://Region=us-east-1;CredentialsProvider=AzureAD;User=ana@corp.example;Password=pw-secret;AzureAdTenantId=corp-tenant;AzureAdClientId=app-1;AzureAdClientSecret=cs-secret";

    #[test]
    fn jdbc_names_defaults_and_no_secret_in_debug() {
        let s = settings(URL).unwrap();
        assert_eq!(s.authority, DEFAULT_AUTHORITY);
        assert_eq!(s.tenant, "corp-tenant");
        assert_eq!(s.client_id, "app-1");
        assert_eq!(s.user, "ana@corp.example");
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("pw-secret") && !shown.contains("cs-secret"),
            "{shown}"
        );
        let odbc = settings("jdbc:athena://Region=us-east-1;AuthenticationType=AzureAD;UID=ana;PWD=pw;idp_tenant=t;client_id=c;client_secret=s;AzureAdEndpoint=http://127.0.0.1:1/").unwrap();
        assert_eq!(odbc.authority, "http://127.0.0.1:1");
        assert_eq!((odbc.tenant.as_str(), odbc.client_id.as_str()), ("t", "c"));
    }

    #[test]
    fn every_required_setting_is_named() {
        for name in [
            "User",
            "Password",
            "AzureAdTenantId",
            "AzureAdClientId",
            "AzureAdClientSecret",
        ] {
            let url = URL
                .split(';')
                .filter(|kv| !kv.starts_with(&format!("{name}=")))
                .collect::<Vec<_>>()
                .join(";");
            let err = settings(&url).unwrap_err();
            assert!(err.contains(name), "{name}: {err}");
        }
    }

    #[test]
    fn the_assertion_is_wrapped_in_a_successful_response() {
        let assertion = r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a"><saml:AttributeStatement><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role"><saml:AttributeValue>arn:aws:iam::1:role/r,arn:aws:iam::1:saml-provider/p</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion>"#;
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(assertion);
        let response = SamlResponse::parse(&wrap(&token).unwrap()).unwrap();
        let role = response.choose_role(None).unwrap();
        assert_eq!(role.role_arn, "arn:aws:iam::1:role/r");
        assert!(wrap("%%%").is_err());
    }

    #[test]
    fn entra_codes_say_what_to_fix() {
        let s = settings(URL).unwrap();
        let err = |description: &str| {
            entra_error(
                &serde_json::json!({"error": "invalid_grant", "error_description": description}),
                &s,
            )
        };
        let wrong = err("AADSTS50126: Error validating credentials due to invalid username or password.\r\nTrace ID: 1");
        assert_eq!(wrong.kind(), ErrorKind::Authentication);
        assert!(wrong
            .to_string()
            .contains("wrong user name or password for ana@corp.example"));
        assert!(!wrong.to_string().contains("Trace ID"));
        assert!(err("AADSTS50076: Due to a configuration change")
            .to_string()
            .contains("BrowserAzureAD"));
        assert_eq!(
            err("AADSTS90002: Tenant 'x' not found.").kind(),
            ErrorKind::InvalidProperties
        );
    }
}
