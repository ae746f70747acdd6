//! `CredentialsProvider=AzureAD`: Microsoft Entra ID's resource owner password
//! grant at the tenant's token endpoint, asking for a SAML 2 token for the AWS
//! application (`requested_token_type=…saml2`). Entra answers the signed
//! Assertion (base64url) as `access_token`; wrapped in a successful
//! `samlp:Response`, as the official drivers do, it goes through the SAML core.
//! Renewal signs in again with the stored password, silently.
//!
//! The Entra application and its token endpoint (`EntraApp`) are shared with
//! `BrowserAzureAD`, which gets its grant from the browser instead.

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

/// The Entra ID application (the AWS SAML enterprise application) of a
/// tenant, and where its endpoints are.
#[derive(Debug, Clone, PartialEq)]
pub struct EntraApp {
    pub authority: String,
    pub tenant: String,
    pub client_id: String,
    /// AzureAD requires it; BrowserAzureAD sends it only when given (an
    /// application whose redirect is a public client's has none).
    pub client_secret: Option<Secret>,
}

/// What the token endpoint gave: the SAML response, and a refresh token when
/// Entra issued one (it does for the authorization code grant).
pub(crate) struct EntraToken {
    pub response: SamlResponse,
    pub refresh_token: Option<Secret>,
}

impl EntraApp {
    pub(crate) fn parse(p: &mut Parser) -> Option<EntraApp> {
        let authority = p
            .text("AzureAdEndpoint")
            .unwrap_or_else(|| DEFAULT_AUTHORITY.to_string())
            .trim_end_matches('/')
            .to_string();
        Some(EntraApp {
            authority,
            tenant: p.text("AzureAdTenantId")?,
            client_id: p.text("AzureAdClientId")?,
            client_secret: p.value("AzureAdClientSecret").map(Secret::new),
        })
    }

    /// `{endpoint}/{tenant}/oauth2/{name}` (Entra's v1 endpoints, as the
    /// official drivers use them).
    pub(crate) fn endpoint(&self, name: &str) -> String {
        format!("{}/{}/oauth2/{name}", self.authority, self.tenant)
    }

    /// Part of the flows' identity fields.
    pub(crate) fn fields(&self) -> Vec<String> {
        vec![
            self.authority.clone(),
            self.tenant.clone(),
            self.client_id.clone(),
        ]
    }

    /// The client secret as it may enter a key.
    pub(crate) fn secret_hash(&self) -> String {
        self.client_secret
            .as_ref()
            .map(Secret::hashed)
            .unwrap_or_default()
    }

    /// A SAML 2 token from the token endpoint for `grant` (the grant's own
    /// fields); `user` names who signs in, in errors, when known.
    pub(crate) async fn saml_token(
        &self,
        cx: &FlowContext<'_>,
        flow: &str,
        grant: &[(&str, &str)],
        user: Option<&str>,
    ) -> Result<EntraToken> {
        let url = self.endpoint("token");
        let http = crate::network::idp_http_client(cx.services.network(), TOKEN_TIMEOUT)?;
        let mut form: Vec<(&str, &str)> = grant.to_vec();
        form.extend([
            ("requested_token_type", SAML2),
            ("client_id", self.client_id.as_str()),
            ("resource", self.client_id.as_str()),
        ]);
        if let Some(secret) = &self.client_secret {
            form.push(("client_secret", secret.expose()));
        }
        let unreachable = |e: reqwest::Error| {
            let chain = crate::error::describe_chain(&e);
            if crate::error::is_untrusted_certificate(&chain) {
                return Error::new(
                    ErrorKind::InvalidProperties,
                    format!(
                        "{flow}: the token endpoint {url}: its TLS certificate is not trusted ({chain}); {}",
                        crate::error::TRUSTED_CERTS_HINT
                    ),
                );
            }
            Error::new(
                ErrorKind::Transient,
                format!("{flow}: the token endpoint {url} could not be reached: {chain}"),
            )
        };
        let response = http
            .post(&url)
            .header("Accept", "application/json")
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
                    "{flow}: the token endpoint {url} answered HTTP {} without JSON: check AzureAdTenantId and AzureAdEndpoint",
                    status.as_u16()
                ),
            )
        })?;
        if !status.is_success() || json.get("error").is_some() {
            let e = entra_error(&json, self, flow, user);
            // Entra's own trouble (HTTP 5xx) passes; the request was not refused.
            if status.is_server_error() {
                return Err(Error::new(ErrorKind::Transient, e.to_string()));
            }
            return Err(e);
        }
        let token = json["access_token"].as_str().unwrap_or_default();
        let issued = json["issued_token_type"].as_str().unwrap_or(SAML2);
        if token.is_empty() || issued != SAML2 {
            return Err(Error::new(
                ErrorKind::Authentication,
                format!(
                    "{flow}: the token endpoint did not issue a SAML 2 token (issued_token_type {issued}): the application {} must be the AWS SAML application (enterprise application with SAML single sign-on)",
                    self.client_id
                ),
            ));
        }
        let response = SamlResponse::parse(&wrap(token, flow)?)
            .map_err(|e| e.prefix(&format!("{flow}: the SAML token is not usable: ")))?;
        Ok(EntraToken {
            response,
            refresh_token: json["refresh_token"]
                .as_str()
                .filter(|t| !t.is_empty())
                .map(Secret::new),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AzureAdSettings {
    pub app: EntraApp,
    pub user: String,
    pub password: Secret,
    pub saml: SamlSettings,
}

pub(crate) fn parse(p: &mut Parser) -> Option<AzureAdSettings> {
    let app = EntraApp::parse(p)?;
    // Required for AzureAD: its absence is already reported by name.
    app.client_secret.as_ref()?;
    Some(AzureAdSettings {
        app,
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
        let mut fields = self.app.fields();
        fields.push(self.user.clone());
        fields.extend(self.saml.fields());
        fields
    }

    /// A changed password or client secret must sign in again.
    fn other_fields(&self) -> Vec<String> {
        vec![self.password.hashed(), self.app.secret_hash()]
    }

    fn file_cache(&self) -> bool {
        self.saml.file_cache
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
            cx.logger.debug(|| {
                format!(
                    "AzureAD: password grant for {} at {}",
                    s.user,
                    s.app.endpoint("token")
                )
            });
            let grant = [
                ("grant_type", "password"),
                ("username", s.user.as_str()),
                ("password", s.password.expose()),
            ];
            let token = s
                .app
                .saml_token(cx, "AzureAD", &grant, Some(&s.user))
                .await?;
            Ok(token.response)
        })
    }
}

/// The base64 `SAMLResponse` around Entra's base64url-encoded Assertion.
fn wrap(token: &str, flow: &str) -> Result<String> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    let assertion = URL_SAFE_NO_PAD
        .decode(token.trim().trim_end_matches('='))
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Authentication,
                format!(
                    "{flow}: the token endpoint's access_token is not a base64url SAML assertion"
                ),
            )
        })?;
    let response = format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>{assertion}</samlp:Response>"#
    );
    Ok(STANDARD.encode(response))
}

/// Entra's OAuth error as a driver error: the AADSTS code says what to fix.
/// `user` is who signed in, when the flow knows it.
fn entra_error(json: &serde_json::Value, app: &EntraApp, flow: &str, user: Option<&str>) -> Error {
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
    let of_user = |what: &str| match user {
        Some(u) => format!("{what} {u}"),
        None => what.to_string(),
    };
    let auth = ErrorKind::Authentication;
    let (kind, hint) = match code {
        "AADSTS50126" => (auth, of_user("wrong user name or password for")),
        "AADSTS50034" => (
            auth,
            match user {
                Some(u) => format!("no user {u} in tenant {}", app.tenant),
                None => format!("the user is not in tenant {}", app.tenant),
            },
        ),
        "AADSTS50053" => (auth, format!("{} is locked", of_user("the account"))),
        "AADSTS50055" => (auth, format!("the password of {} has expired", of_user("the user"))),
        "AADSTS50076" | "AADSTS50079" | "AADSTS50158" if flow == "AzureAD" => (
            auth,
            "the tenant asks this user for multi-factor authentication, which a password sign-in cannot give: use CredentialsProvider=BrowserAzureAD".to_string(),
        ),
        "AADSTS7000215" | "AADSTS7000216" | "AADSTS7000222" => {
            (auth, "AzureAdClientSecret is wrong or expired".to_string())
        }
        "AADSTS7000218" => (
            ErrorKind::InvalidProperties,
            "the application requires a client secret because its redirect URI is registered for the Web platform: register http://localhost:PORT/athena under Mobile and desktop applications, or set AzureAdClientSecret".to_string(),
        ),
        "AADSTS700016" => (
            ErrorKind::InvalidProperties,
            format!(
                "AzureAdClientId {} is not an application of tenant {}",
                app.client_id, app.tenant
            ),
        ),
        "AADSTS90002" | "AADSTS900023" => (
            ErrorKind::InvalidProperties,
            format!("AzureAdTenantId {} is not a tenant", app.tenant),
        ),
        "AADSTS50011" | "AADSTS500112" => (
            ErrorKind::InvalidProperties,
            format!("the redirect URI is not registered for AzureAdClientId {}: add http://localhost:PORT/athena (PORT is ListenPort, 7890 by default) under Mobile and desktop applications", app.client_id),
        ),
        "AADSTS54005" => (auth, "the authorization code was already redeemed; connect again".to_string()),
        "AADSTS70008" => (auth, "the authorization code expired before it was redeemed; connect again".to_string()),
        "AADSTS700082" | "AADSTS700084" | "AADSTS50173" => (auth, "the refresh token is no longer valid; sign in again".to_string()),
        "AADSTS50148" | "AADSTS501481" => (auth, "the code_verifier does not match the sign-in's PKCE code_challenge".to_string()),
        "AADSTS65001" => (auth, format!("nobody has consented to AzureAdClientId {} for this user: grant admin consent to the application", app.client_id)),
        "AADSTS50105" => (auth, format!("{} is not assigned to the AWS application {}", of_user("the user"), app.client_id)),
        _ => (auth, error.to_string()),
    };
    Error::new(
        kind,
        format!("{flow} sign-in refused: {hint} ({description})"),
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
        assert_eq!(s.app.authority, DEFAULT_AUTHORITY);
        assert_eq!(s.app.tenant, "corp-tenant");
        assert_eq!(s.app.client_id, "app-1");
        assert_eq!(s.user, "ana@corp.example");
        assert_eq!(
            s.app.endpoint("token"),
            "https://login.microsoftonline.com/corp-tenant/oauth2/token"
        );
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("pw-secret") && !shown.contains("cs-secret"),
            "{shown}"
        );
        let odbc = settings("jdbc:athena://Region=us-east-1;AuthenticationType=AzureAD;UID=ana;PWD=pw;idp_tenant=t;client_id=c;client_secret=s;AzureAdEndpoint=http://127.0.0.1:1/").unwrap();
        assert_eq!(odbc.app.authority, "http://127.0.0.1:1");
        assert_eq!(
            (odbc.app.tenant.as_str(), odbc.app.client_id.as_str()),
            ("t", "c")
        );
        assert_eq!(
            odbc.app.client_secret.as_ref().map(Secret::expose),
            Some("s")
        );
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
        let response = SamlResponse::parse(&wrap(&token, "AzureAD").unwrap()).unwrap();
        let role = response.choose_role(None).unwrap();
        assert_eq!(role.role_arn, "arn:aws:iam::1:role/r");
        let err = wrap("%%%", "BrowserAzureAD").unwrap_err();
        assert!(err.to_string().starts_with("BrowserAzureAD: "), "{err}");
    }

    #[test]
    fn entra_codes_say_what_to_fix() {
        let s = settings(URL).unwrap();
        let err = |description: &str, flow: &str, user: Option<&str>| {
            entra_error(
                &serde_json::json!({"error": "invalid_grant", "error_description": description}),
                &s.app,
                flow,
                user,
            )
        };
        let wrong = err("AADSTS50126: Error validating credentials due to invalid username or password.\r\nTrace ID: 1", "AzureAD", Some("ana@corp.example"));
        assert_eq!(wrong.kind(), ErrorKind::Authentication);
        assert!(wrong
            .to_string()
            .contains("AzureAD sign-in refused: wrong user name or password for ana@corp.example"));
        assert!(!wrong.to_string().contains("Trace ID"));
        assert!(err(
            "AADSTS50076: Due to a configuration change",
            "AzureAD",
            None
        )
        .to_string()
        .contains("BrowserAzureAD"));
        assert_eq!(
            err("AADSTS90002: Tenant 'x' not found.", "AzureAD", None).kind(),
            ErrorKind::InvalidProperties
        );
        // The browser flow does not know who signed in, and is told what to register.
        let locked = err("AADSTS50053: locked", "BrowserAzureAD", None).to_string();
        assert!(
            locked.starts_with("BrowserAzureAD sign-in refused: the account is locked"),
            "{locked}"
        );
        let redirect = err(
            "AADSTS500112: The reply address does not match",
            "BrowserAzureAD",
            None,
        );
        assert_eq!(redirect.kind(), ErrorKind::InvalidProperties);
        assert!(
            redirect.to_string().contains("Mobile and desktop"),
            "{redirect}"
        );
        assert!(err(
            "AADSTS7000218: The request body must contain client_secret",
            "BrowserAzureAD",
            None
        )
        .to_string()
        .contains("AzureAdClientSecret"));
    }
}
