//! `CredentialsProvider=BrowserAzureAD`: the person signs in to Microsoft
//! Entra ID in the browser (so multi-factor authentication and conditional
//! access work), the authorization code comes back to the loopback listener
//! (`response_mode=form_post`), and the token endpoint trades it, with the
//! PKCE verifier, for the same SAML 2 token the AzureAD flow asks for. The
//! tab that delivered the code waits to say whether that redemption and STS
//! succeeded.
//!
//! Renewal opens the browser only when it must: Entra's refresh token asks
//! for a new SAML token silently; only when it is refused does the browser
//! open again. With `EnableTokenCaching=1` (ODBC: `browser_azure_cache=1`) the
//! SAML core also keeps the credentials and the refresh token in the file
//! cache, so other processes skip the browser too.

use std::any::Any;
use std::time::Duration;

use crate::auth::browser;
use crate::auth::browser::Finish;
use crate::auth::flow::{BoxFuture, FlowContext, FlowSettings, FlowState};
use crate::auth::flows::azure_ad::{EntraApp, EntraToken};
use crate::auth::oidc::{self, AuthorizationRequest, Discovery, OidcClient, OidcSettings};
use crate::auth::saml::{SamlFlow, SamlResponse, SamlSettings, SamlSource};
use crate::config::Parser;
use crate::error::{Error, ErrorKind, Result};
use crate::network::NetworkSettings;
use crate::secret::Secret;

const FLOW: &str = "BrowserAzureAD";

#[derive(Debug, Clone, PartialEq)]
pub struct BrowserAzureAdSettings {
    pub app: EntraApp,
    /// The loopback port of the redirect `http://localhost:PORT/athena`.
    pub port: u16,
    pub response_timeout: Duration,
    pub saml: SamlSettings,
}

pub(crate) fn parse(p: &mut Parser) -> Option<BrowserAzureAdSettings> {
    Some(BrowserAzureAdSettings {
        app: EntraApp::parse(p)?,
        port: u16::try_from(p.integer("ListenPort")).ok()?,
        response_timeout: Duration::from_secs(p.integer("IdpResponseTimeout") as u64),
        saml: {
            let mut saml = SamlSettings::parse(p);
            // ODBC's name for EnableTokenCaching in this flow.
            saml.file_cache |= p.boolean("browser_azure_cache");
            saml
        },
    })
}

impl FlowSettings for BrowserAzureAdSettings {
    fn name(&self) -> &'static str {
        FLOW
    }

    /// Entra names the person only once they signed in.
    fn user_name(&self) -> Option<&str> {
        None
    }

    /// No user is given: the person is named by the tenant, the application
    /// and the port their browser session answers on.
    fn identity_fields(&self) -> Vec<String> {
        let mut fields = self.app.fields();
        fields.push(self.port.to_string());
        fields.extend(self.saml.fields());
        fields
    }

    fn other_fields(&self) -> Vec<String> {
        vec![
            self.app.secret_hash(),
            self.response_timeout.as_secs().to_string(),
        ]
    }

    fn file_cache(&self) -> bool {
        self.saml.file_cache
    }

    fn new_state(&self) -> Box<dyn FlowState> {
        SamlFlow::boxed(
            FLOW,
            self.saml.clone(),
            BrowserSignIn {
                settings: self.clone(),
                refresh_token: None,
                finish: None,
            },
        )
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[derive(Debug)]
struct BrowserSignIn {
    settings: BrowserAzureAdSettings,
    /// Entra's refresh token of the last sign-in: a new SAML token without
    /// the browser (kept in the file cache for other processes).
    refresh_token: Option<Secret>,
    /// The tab of the last browser sign-in, until STS has answered.
    finish: Option<Finish>,
}

impl SamlSource for BrowserSignIn {
    /// A SAML token from the refresh token, else from a sign-in in the browser.
    fn response<'a>(&'a mut self, cx: &'a FlowContext<'a>) -> BoxFuture<'a, Result<SamlResponse>> {
        Box::pin(async move {
            // A tab left from an abandoned sign-in gets the neutral page.
            self.finish = None;
            if let Some(refresh_token) = self.refresh_token.take() {
                let grant = [
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh_token.expose()),
                ];
                match self.settings.app.saml_token(cx, FLOW, &grant, None).await {
                    Ok(token) => {
                        cx.logger.debug(|| {
                            format!("{FLOW}: renewed the SAML token with the refresh token")
                        });
                        // Entra rotates refresh tokens; the old one serves if none came.
                        self.refresh_token = token.refresh_token.or(Some(refresh_token));
                        return Ok(token.response);
                    }
                    // Entra is out of reach: the browser would not help, and
                    // the refresh token stays for the next attempt.
                    Err(e) if e.kind() == ErrorKind::Transient => {
                        self.refresh_token = Some(refresh_token);
                        return Err(e);
                    }
                    Err(e) => cx.logger.info(|| {
                        format!("{FLOW}: the refresh token was not accepted ({e}); signing in with the browser")
                    }),
                }
            }
            let (token, finish) = browser_sign_in(cx, &self.settings).await?;
            self.refresh_token = token.refresh_token;
            self.finish = Some(finish);
            Ok(token.response)
        })
    }

    fn finished(&mut self, outcome: std::result::Result<(), &Error>) {
        if let Some(finish) = self.finish.take() {
            finish.done(outcome);
        }
    }

    fn refresh_token(&self) -> Option<Secret> {
        self.refresh_token.clone()
    }

    fn restore(&mut self, refresh_token: Option<Secret>) {
        self.refresh_token = refresh_token;
    }
}

/// The listener first (so a taken port fails before the browser opens), then
/// the browser, then the code for the SAML token. A refused code is told to
/// the tab here; else its `Finish` waits for STS.
async fn browser_sign_in(
    cx: &FlowContext<'_>,
    s: &BrowserAzureAdSettings,
) -> Result<(EntraToken, Finish)> {
    let (callback, request) = oidc::open_authorization(
        cx.logger,
        FLOW,
        (s.port, browser::LISTEN_PORT),
        &s.app.endpoint("authorize"),
        || authorization_request(s, cx.services.network()),
    )
    .await?;
    let (code, finish) = callback
        .wait_for_code_finishing(&request.state, s.response_timeout)
        .await
        .map_err(|e| e.prefix(&format!("{FLOW}: ")))?;
    cx.logger.debug(|| {
        format!(
            "{FLOW}: authorization code received; redeeming it at {}",
            s.app.endpoint("token")
        )
    });
    let grant = [
        ("grant_type", "authorization_code"),
        ("code", code.expose()),
        ("redirect_uri", request.redirect_uri.as_str()),
        ("code_verifier", request.verifier.expose()),
        ("scope", "openid"),
    ];
    match s.app.saml_token(cx, FLOW, &grant, None).await {
        Ok(token) => Ok((token, finish)),
        Err(e) => {
            finish.done(Err(&e));
            Err(e)
        }
    }
}

/// Entra's authorization request: the OpenID code request (PKCE S256, state,
/// nonce) at the tenant's authorize endpoint, answered by a form POST to the
/// listener as the official drivers ask for it.
fn authorization_request(
    s: &BrowserAzureAdSettings,
    network: &NetworkSettings,
) -> Result<AuthorizationRequest> {
    let oidc = OidcSettings {
        well_known_url: String::new(),
        client_id: s.app.client_id.clone(),
        client_secret: None,
        scope: "openid".into(),
        port: s.port,
        response_timeout: s.response_timeout,
    };
    let entra = Discovery {
        issuer: format!("{}/{}/", s.app.authority, s.app.tenant),
        authorization_endpoint: s.app.endpoint("authorize"),
        token_endpoint: s.app.endpoint("token"),
        jwks_uri: None,
        token_endpoint_auth_methods_supported: None,
        code_challenge_methods_supported: None,
    };
    let mut request = OidcClient::new(&oidc, network)?.authorization_request(&entra)?;
    request.url.push_str("&response_mode=form_post");
    Ok(request)
}

#[cfg(test)]
mod tests {
    use crate::config::{ConnectionConfig, Credentials};
    use crate::error::Error;

    use super::*;

    fn settings(url: &str) -> std::result::Result<BrowserAzureAdSettings, Error> {
        let c = ConnectionConfig::from_url(url, &[])?;
        let Credentials::Federated(f) = &c.credentials else {
            return Err(Error::internal(format!("not federated: {c:?}")));
        };
        f.settings::<BrowserAzureAdSettings>()
            .cloned()
            .ok_or_else(|| Error::internal("not BrowserAzureAD"))
    }

    const URL: &str = "jdbc:athena://Region=us-east-1;CredentialsProvider=BrowserAzureAD;AzureAdTenantId=corp-tenant;AzureAdClientId=app-1";

    #[test]
    fn jdbc_names_and_the_official_defaults() {
        let s = settings(URL).unwrap();
        assert_eq!(
            s.app.authority,
            crate::auth::flows::azure_ad::DEFAULT_AUTHORITY
        );
        assert_eq!(
            (s.app.tenant.as_str(), s.app.client_id.as_str()),
            ("corp-tenant", "app-1")
        );
        assert!(s.app.client_secret.is_none());
        assert_eq!(s.port, 7890);
        assert_eq!(s.response_timeout, Duration::from_secs(120));
        assert_eq!(s.saml.preferred_role, None);
        assert!(!s.saml.lake_formation);
        assert!(!s.saml.file_cache && !s.file_cache());
        let cached = settings(&format!("{URL};browser_azure_cache=1")).unwrap();
        assert!(cached.file_cache());
    }

    #[test]
    fn odbc_names_and_an_optional_client_secret_kept_out_of_debug() {
        let s = settings("jdbc:athena://Region=us-east-1;AuthenticationType=BrowserAzureAD;idp_tenant=t;client_id=c;client_secret=shh-secret;listen_port=7777;timeout=30;preferred_role=arn:aws:iam::1:role/r;duration=900;AzureAdEndpoint=http://127.0.0.1:9/").unwrap();
        assert_eq!(
            (s.app.tenant.as_str(), s.app.client_id.as_str()),
            ("t", "c")
        );
        assert_eq!(
            s.app.client_secret.as_ref().map(Secret::expose),
            Some("shh-secret")
        );
        assert_eq!(s.port, 7777);
        assert_eq!(s.response_timeout, Duration::from_secs(30));
        assert_eq!(
            s.saml.preferred_role.as_deref(),
            Some("arn:aws:iam::1:role/r")
        );
        assert_eq!(s.saml.duration, Some(Duration::from_secs(900)));
        assert_eq!(s.app.authority, "http://127.0.0.1:9");
        assert!(!format!("{s:?}").contains("shh-secret"));
    }

    #[test]
    fn missing_and_wrong_settings_are_named() {
        let err = settings("jdbc:athena://Region=us-east-1;CredentialsProvider=BrowserAzureAD")
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidProperties, "{err}");
        for name in ["AzureAdTenantId", "AzureAdClientId"] {
            assert!(
                err.to_string()
                    .contains(&format!("{name} is required for BrowserAzureAD")),
                "{err}"
            );
        }
        for (extra, says) in [
            (
                "ListenPort=0",
                "ListenPort must be a whole number from 1 to 65535",
            ),
            ("IdpResponseTimeout=0", "IdpResponseTimeout must be"),
            ("User=ana", "User applies only to"),
            ("Password=pw", "Password applies only to"),
        ] {
            let err = settings(&format!("{URL};{extra}")).unwrap_err();
            assert!(err.to_string().contains(says), "{extra}: {err}");
            assert!(!err.to_string().contains("pw;"), "{err}");
        }
    }

    #[test]
    fn the_port_and_tenant_name_who_signs_in() {
        let key = |url: &str| settings(url).unwrap().identity_fields();
        assert_ne!(key(URL), key(&format!("{URL};ListenPort=7891")));
        assert_ne!(key(URL), key(&URL.replace("corp-tenant", "other-tenant")));
        let secret = |url: &str| settings(url).unwrap().other_fields().join("|");
        let with = secret(&format!("{URL};AzureAdClientSecret=one-secret"));
        assert_ne!(secret(URL), with);
        assert!(!with.contains("one-secret"));
    }

    #[test]
    fn the_authorization_request_asks_for_a_form_post_with_pkce() {
        let s = settings(&format!(
            "{URL};ListenPort=7777;AzureAdEndpoint=https://login.example.com/"
        ))
        .unwrap();
        let request = authorization_request(&s, &NetworkSettings::default()).unwrap();
        let url = reqwest::Url::parse(&request.url).unwrap();
        assert_eq!(
            url.as_str().split('?').next(),
            Some("https://login.example.com/corp-tenant/oauth2/authorize")
        );
        let query: std::collections::HashMap<String, String> =
            url.query_pairs().into_owned().collect();
        assert_eq!(query["client_id"], "app-1");
        assert_eq!(query["response_type"], "code");
        assert_eq!(query["response_mode"], "form_post");
        assert_eq!(query["scope"], "openid");
        assert_eq!(query["redirect_uri"], "http://localhost:7777/athena");
        assert_eq!(request.redirect_uri, "http://localhost:7777/athena");
        assert_eq!(query["state"], request.state);
        assert_eq!(query["code_challenge_method"], "S256");
        assert!(!query["code_challenge"].is_empty());
        assert!(!request.url.contains(request.verifier.expose()));
    }
}
