//! `CredentialsProvider=BrowserSSOOIDC`: IAM Identity Center in the browser.
//! The driver registers itself with Identity Center's OIDC service as a public
//! client (RegisterClient: the authorization code and refresh token grants,
//! the loopback redirect, `issuerUrl` = SsoStartUrl), sends the person to
//! `/authorize` (PKCE S256 and `state`), trades the code for an access token
//! (CreateToken), and the access token for the permission set's role
//! credentials at the AWS access portal (GetRoleCredentials).
//!
//! Renewal: the access token while it is valid, then the refresh token, and
//! the browser only when neither works. The registered client (until its
//! secret expires) and the tokens serve every connection of the process with
//! the same settings, and other processes through the file cache when
//! EnableTokenCaching is on.

use std::any::Any;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_sso::error::ProvideErrorMetadata;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::auth::credentials::{drop_if_holding, epoch_seconds, fresh};
use crate::auth::flow::{BoxFuture, FlowContext, FlowSettings, FlowState};
use crate::auth::oidc::random_token;
use crate::auth::{browser, file_cache, step_error, TemporaryCredentials};
use crate::config::Parser;
use crate::error::{from_sdk, Error, ErrorKind, Result};
use crate::log::Logger;
use crate::secret::Secret;

const NAME: &str = "BrowserSSOOIDC";
/// How the driver names itself to Identity Center (shown on its consent page).
const CLIENT_NAME: &str = "athena-native-jdbc";
const AUTHORIZATION_CODE: &str = "authorization_code";
const REFRESH_TOKEN: &str = "refresh_token";
/// An access token this close to its expiry is renewed before it is used.
const TOKEN_MARGIN: Duration = Duration::from_secs(60);
/// A registered client whose secret expires this soon is registered again.
const CLIENT_MARGIN: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, PartialEq)]
pub struct BrowserSsoOidcSettings {
    pub start_url: String,
    /// Identity Center's Region (SsoOidcRegion), not necessarily Athena's.
    pub region: String,
    pub account_id: String,
    pub role_name: String,
    pub scopes: Vec<String>,
    pub port: u16,
    pub response_timeout: Duration,
    /// SsoEndpoint: the AWS access portal (SsoOidcEndpoint is a connection endpoint).
    pub portal_endpoint: Option<String>,
    pub file_cache: bool,
}

pub(crate) fn parse(p: &mut Parser) -> Option<BrowserSsoOidcSettings> {
    let scopes: Vec<String> = p
        .text("sso_oidc_scopes")
        .unwrap_or_default()
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if scopes.is_empty() {
        p.problem("sso_oidc_scopes must name at least one scope (sso:account:access lets the token fetch role credentials)".into());
    }
    let account_id = p.text("SsoOidcAccountId")?;
    if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
        p.problem(format!(
            "SsoOidcAccountId must be a 12-digit AWS account id, not '{account_id}'"
        ));
    }
    let region = p.text("SsoOidcRegion")?;
    if region.is_empty()
        || !region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        p.problem(format!(
            "SsoOidcRegion must be an AWS Region such as us-east-1, not '{region}'"
        ));
    }
    Some(BrowserSsoOidcSettings {
        start_url: p.text("SsoStartUrl")?,
        region,
        account_id,
        role_name: p.text("SsoOidcRoleName")?,
        scopes,
        port: u16::try_from(p.integer("ListenPort")).ok()?,
        response_timeout: Duration::from_secs(p.integer("IdpResponseTimeout") as u64),
        portal_endpoint: p.text("SsoEndpoint"),
        file_cache: p.boolean("JwtTipFileCache"),
    })
}

impl FlowSettings for BrowserSsoOidcSettings {
    fn name(&self) -> &'static str {
        NAME
    }

    /// The person is known only once they have signed in.
    fn user_name(&self) -> Option<&str> {
        None
    }

    fn identity_fields(&self) -> Vec<String> {
        vec![
            self.start_url.clone(),
            self.region.clone(),
            self.account_id.clone(),
            self.role_name.clone(),
            self.scopes.join(" "),
            self.port.to_string(),
            self.portal_endpoint.clone().unwrap_or_default(),
        ]
    }

    fn other_fields(&self) -> Vec<String> {
        vec![self.response_timeout.as_secs().to_string()]
    }

    fn file_cache(&self) -> bool {
        self.file_cache
    }

    fn new_state(&self) -> Box<dyn FlowState> {
        Box::new(SsoFlow {
            settings: self.clone(),
            client: None,
            access: None,
            refresh: None,
            credentials: None,
            file_read: false,
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The driver as a client of Identity Center's OIDC service.
#[derive(Clone)]
struct RegisteredClient {
    client_id: String,
    secret: Secret,
    expiry: SystemTime,
    /// The loopback redirect it was registered with.
    redirect_uri: String,
}

impl std::fmt::Debug for RegisteredClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RegisteredClient({}, secret expires {})",
            self.client_id,
            epoch_seconds(self.expiry)
        )
    }
}

impl RegisteredClient {
    fn usable_for(&self, redirect_uri: &str) -> bool {
        self.redirect_uri == redirect_uri && self.expiry > SystemTime::now() + CLIENT_MARGIN
    }
}

#[derive(Debug, Clone)]
struct AccessToken {
    token: Secret,
    expiry: SystemTime,
}

/// What CreateToken gave.
struct Tokens {
    access: AccessToken,
    refresh: Option<Secret>,
}

#[derive(Debug)]
struct SsoFlow {
    settings: BrowserSsoOidcSettings,
    client: Option<RegisteredClient>,
    access: Option<AccessToken>,
    refresh: Option<Secret>,
    /// The permission set's role credentials.
    credentials: Option<TemporaryCredentials>,
    file_read: bool,
}

impl FlowState for SsoFlow {
    fn credentials<'a>(
        &'a mut self,
        cx: &'a FlowContext<'a>,
    ) -> BoxFuture<'a, Result<TemporaryCredentials>> {
        Box::pin(self.get(cx))
    }

    /// Only the credentials: the access token that fetched them still works.
    fn forget(&mut self, access_key_id: &str, logger: &Logger) {
        if drop_if_holding(&mut self.credentials, access_key_id) {
            logger.info(|| {
                "AWS refused the role credentials as expired before their time; fetching new ones"
                    .to_string()
            });
        }
    }

    /// A registered client or a token spares the next attempt a step.
    fn holds_anything(&self) -> bool {
        self.client.is_some()
            || self.access.is_some()
            || self.refresh.is_some()
            || self.credentials.is_some()
    }
}

/// Why GetRoleCredentials failed.
enum PortalError {
    /// The portal does not accept the access token (expired or signed out).
    TokenRefused(Error),
    Other(Error),
}

impl SsoFlow {
    async fn get(&mut self, cx: &FlowContext<'_>) -> Result<TemporaryCredentials> {
        if self.settings.file_cache && !self.file_read {
            self.file_read = true;
            if let Some(entry) = file_cache::read(cx.file_key, cx.logger) {
                self.restore(entry);
            }
        }
        if let Some(c) = fresh(&self.credentials) {
            cx.logger.trace(|| {
                format!(
                    "{NAME}: cached role credentials, expiring at {}",
                    epoch_seconds(c.expiry)
                )
            });
            return Ok(c.clone());
        }
        let credentials = self.role_credentials(cx).await?;
        self.credentials = Some(credentials.clone());
        if self.settings.file_cache {
            file_cache::write(cx.file_key, &self.entry(), cx.logger);
        }
        cx.logger.info(|| {
            format!(
                "{NAME}: role {} of account {} signed in; credentials expire at {}",
                self.settings.role_name,
                self.settings.account_id,
                epoch_seconds(credentials.expiry)
            )
        });
        Ok(credentials)
    }

    /// From the access token while valid, else the refresh token's, else the browser's.
    async fn role_credentials(&mut self, cx: &FlowContext<'_>) -> Result<TemporaryCredentials> {
        let valid = self
            .access
            .as_ref()
            .filter(|t| t.expiry > SystemTime::now() + TOKEN_MARGIN)
            .map(|t| t.token.clone());
        if let Some(token) = valid {
            match get_role_credentials(cx, &self.settings, &token).await {
                Ok(c) => return Ok(c),
                Err(PortalError::TokenRefused(e)) => {
                    cx.logger.info(|| {
                        format!("{NAME}: the access portal no longer accepts the access token ({e}); renewing it")
                    });
                    self.access = None;
                }
                Err(PortalError::Other(e)) => return Err(e),
            }
        }
        let renewable = self
            .client
            .clone()
            .filter(|c| c.expiry > SystemTime::now())
            .zip(self.refresh.clone());
        if let Some((client, refresh)) = renewable {
            match create_token(cx, &self.settings, &client, Grant::Refresh(&refresh)).await {
                Ok(tokens) => {
                    cx.logger.debug(|| {
                        format!("{NAME}: renewed the access token with the refresh token")
                    });
                    let token = self.keep(tokens);
                    return portal_result(get_role_credentials(cx, &self.settings, &token).await);
                }
                Err(e) if e.kind() == ErrorKind::Transient => return Err(e),
                Err(e) => {
                    cx.logger.info(|| {
                        format!("{NAME}: the refresh token was not accepted ({e}); signing in with the browser")
                    });
                    self.refresh = None;
                }
            }
        }
        let (token, finish) = self.browser_sign_in(cx).await?;
        // The tab says "finished" only once the portal gave credentials: an
        // unassigned permission set shows there too.
        let result = portal_result(get_role_credentials(cx, &self.settings, &token).await);
        finish.done(result.as_ref().map(|_| ()));
        result
    }

    /// The listener first (a taken port fails before anything else), the
    /// client, the browser, then the code for tokens.
    async fn browser_sign_in(&mut self, cx: &FlowContext<'_>) -> Result<(Secret, browser::Finish)> {
        let s = &self.settings;
        let callback = browser::Callback::bind(s.port, browser::LISTEN_PORT).await?;
        let redirect_uri = callback.redirect_uri();
        let client = match self.client.clone().filter(|c| c.usable_for(&redirect_uri)) {
            Some(client) => client,
            None => {
                let client = register_client(cx, s, &redirect_uri).await?;
                self.client = Some(client.clone());
                client
            }
        };
        let verifier = random_token(32)?;
        let state = random_token(24)?;
        let endpoint = cx.services.sso_oidc_url(&s.region);
        let url = authorization_url(
            &endpoint,
            &client.client_id,
            &redirect_uri,
            &s.scopes,
            &state,
            &verifier,
        )?;
        cx.logger.info(|| {
            format!("{NAME}: opening the browser at {endpoint}/authorize (redirect {redirect_uri})")
        });
        browser::open(&url)?;
        let (code, finish) = callback
            .wait_for_code_finishing(&state, s.response_timeout)
            .await?;
        let form = CodeGrant {
            code,
            verifier: Secret::new(verifier),
            redirect_uri,
        };
        let tokens = match create_token(cx, s, &client, Grant::Code(&form)).await {
            Ok(tokens) => tokens,
            Err(e) => {
                // A client Identity Center no longer knows is registered anew next time.
                if e.to_string().contains("InvalidClientException") {
                    self.client = None;
                }
                finish.done(Err(&e));
                return Err(e);
            }
        };
        Ok((self.keep(tokens), finish))
    }

    /// Keeps new tokens; a refresh answered without a new refresh token keeps the old one.
    fn keep(&mut self, tokens: Tokens) -> Secret {
        let token = tokens.access.token.clone();
        self.access = Some(tokens.access);
        if tokens.refresh.is_some() {
            self.refresh = tokens.refresh;
        }
        token
    }

    fn entry(&self) -> file_cache::Entry {
        let client = self.client.as_ref().map(|c| {
            json!({
                "client_id": c.client_id,
                "client_secret": c.secret.expose(),
                "expiry": epoch_seconds(c.expiry),
                "redirect_uri": c.redirect_uri,
            })
        });
        let access = self.access.as_ref().map(|t| {
            json!({
                "token": t.token.expose(),
                "expiry": epoch_seconds(t.expiry),
            })
        });
        file_cache::Entry {
            access: self.credentials.clone(),
            context: None,
            refresh_token: self.refresh.clone(),
            flow: Some(file_cache::FlowData {
                value: json!({ "client": client, "access_token": access }),
                usable_until: self.access.as_ref().map_or(UNIX_EPOCH, |t| t.expiry),
            }),
        }
    }

    /// What another process kept; parts that do not read are left out.
    fn restore(&mut self, entry: file_cache::Entry) {
        self.credentials = entry.access;
        self.refresh = entry.refresh_token;
        let Some(flow) = entry.flow else {
            return;
        };
        let at = |v: &Value| v.as_u64().map(|s| UNIX_EPOCH + Duration::from_secs(s));
        let text = |v: &Value| v.as_str().map(str::to_string);
        let c = &flow.value["client"];
        if let (Some(client_id), Some(secret), Some(expiry), Some(redirect_uri)) = (
            text(&c["client_id"]),
            text(&c["client_secret"]),
            at(&c["expiry"]),
            text(&c["redirect_uri"]),
        ) {
            self.client = Some(RegisteredClient {
                client_id,
                secret: Secret::new(secret),
                expiry,
                redirect_uri,
            });
        }
        let t = &flow.value["access_token"];
        if let (Some(token), Some(expiry)) = (text(&t["token"]), at(&t["expiry"])) {
            self.access = Some(AccessToken {
                token: Secret::new(token),
                expiry,
            });
        }
    }
}

fn portal_result(
    result: std::result::Result<TemporaryCredentials, PortalError>,
) -> Result<TemporaryCredentials> {
    result.map_err(|e| match e {
        PortalError::TokenRefused(e) | PortalError::Other(e) => e,
    })
}

/// `{endpoint}/authorize` with the code flow's parameters as Identity Center
/// reads them (`scopes`, space-separated), PKCE S256 and `state`.
fn authorization_url(
    endpoint: &str,
    client_id: &str,
    redirect_uri: &str,
    scopes: &[String],
    state: &str,
    verifier: &str,
) -> Result<String> {
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let mut url = reqwest::Url::parse(&format!("{endpoint}/authorize")).map_err(|e| {
        Error::new(
            ErrorKind::InvalidProperties,
            format!("SsoOidcEndpoint '{endpoint}' is not a URL: {e}"),
        )
    })?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scopes", &scopes.join(" "))
        .append_pair("state", state)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    Ok(url.into())
}

fn at_epoch(seconds: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(u64::try_from(seconds).unwrap_or(0))
}

/// SSO-OIDC RegisterClient: a public client allowed the code and refresh
/// token grants, redirected to the loopback listener only.
async fn register_client(
    cx: &FlowContext<'_>,
    s: &BrowserSsoOidcSettings,
    redirect_uri: &str,
) -> Result<RegisteredClient> {
    cx.logger.debug(|| {
        format!(
            "{NAME}: SSO-OIDC RegisterClient in {} for {} (redirect {redirect_uri})",
            s.region, s.start_url
        )
    });
    let out = cx
        .services
        .sso_oidc_in(&s.region)
        .register_client()
        .client_name(CLIENT_NAME)
        .client_type("public")
        .set_scopes(Some(s.scopes.clone()))
        .redirect_uris(redirect_uri)
        .grant_types(AUTHORIZATION_CODE)
        .grant_types(REFRESH_TOKEN)
        .issuer_url(&s.start_url)
        .send()
        .await
        .map_err(|e| {
            step_error(
                from_sdk("SSO-OIDC RegisterClient", e),
                "registering the driver with IAM Identity Center",
                "SsoStartUrl",
                &s.start_url,
            )
        })?;
    match (out.client_id(), out.client_secret()) {
        (Some(id), Some(secret)) if !id.is_empty() && !secret.is_empty() => Ok(RegisteredClient {
            client_id: id.to_string(),
            secret: Secret::new(secret),
            expiry: at_epoch(out.client_secret_expires_at()),
            redirect_uri: redirect_uri.to_string(),
        }),
        _ => Err(Error::new(
            ErrorKind::Transient,
            "SSO-OIDC RegisterClient returned no client id or secret (an answer cut short on the way)",
        )),
    }
}

/// The browser's answer, and what proves this driver asked for it.
struct CodeGrant {
    code: Secret,
    verifier: Secret,
    redirect_uri: String,
}

/// What CreateToken is asked to exchange.
enum Grant<'a> {
    /// Asked once, as a code is good for one exchange: no retries.
    Code(&'a CodeGrant),
    /// No browser.
    Refresh(&'a Secret),
}

impl Grant<'_> {
    fn name(&self) -> &'static str {
        match self {
            Grant::Code(_) => AUTHORIZATION_CODE,
            Grant::Refresh(_) => REFRESH_TOKEN,
        }
    }
}

/// SSO-OIDC CreateToken for the access (and refresh) token.
async fn create_token(
    cx: &FlowContext<'_>,
    s: &BrowserSsoOidcSettings,
    client: &RegisteredClient,
    grant: Grant<'_>,
) -> Result<Tokens> {
    let grant_type = grant.name();
    cx.logger
        .debug(|| format!("{NAME}: SSO-OIDC CreateToken ({grant_type})"));
    let request = cx
        .services
        .sso_oidc_in(&s.region)
        .create_token()
        .client_id(&client.client_id)
        .client_secret(client.secret.expose())
        .grant_type(grant_type);
    let sent = match grant {
        Grant::Code(code) => {
            request
                .code(code.code.expose())
                .code_verifier(code.verifier.expose())
                .redirect_uri(&code.redirect_uri)
                .customize()
                .config_override(
                    aws_sdk_ssooidc::config::Builder::default()
                        .retry_config(aws_sdk_ssooidc::config::retry::RetryConfig::disabled()),
                )
                .send()
                .await
        }
        Grant::Refresh(refresh) => request.refresh_token(refresh.expose()).send().await,
    };
    let out = sent.map_err(|e| token_error(from_sdk("SSO-OIDC CreateToken", e)))?;
    tokens(out.access_token(), out.expires_in(), out.refresh_token())
}

fn token_error(e: Error) -> Error {
    e.prefix(&format!("Sign-in failed at {NAME}'s token exchange: "))
}

fn tokens(access: Option<&str>, expires_in: i32, refresh: Option<&str>) -> Result<Tokens> {
    let access = access.filter(|t| !t.is_empty()).ok_or_else(|| {
        Error::new(
            ErrorKind::Transient,
            "SSO-OIDC CreateToken returned no access token (an answer cut short on the way)",
        )
    })?;
    Ok(Tokens {
        access: AccessToken {
            token: Secret::new(access),
            expiry: SystemTime::now() + Duration::from_secs(u64::try_from(expires_in).unwrap_or(0)),
        },
        refresh: refresh.filter(|t| !t.is_empty()).map(Secret::new),
    })
}

/// The AWS access portal's GetRoleCredentials for the permission set.
async fn get_role_credentials(
    cx: &FlowContext<'_>,
    s: &BrowserSsoOidcSettings,
    token: &Secret,
) -> std::result::Result<TemporaryCredentials, PortalError> {
    cx.logger.debug(|| {
        format!(
            "{NAME}: SSO GetRoleCredentials for role {} in account {}",
            s.role_name, s.account_id
        )
    });
    let answer = cx
        .services
        .sso_portal_in(&s.region, s.portal_endpoint.as_deref())
        .get_role_credentials()
        .account_id(&s.account_id)
        .role_name(&s.role_name)
        .access_token(token.expose())
        .send()
        .await;
    let out = match answer {
        Ok(out) => out,
        Err(e) => {
            let code = e
                .as_service_error()
                .and_then(|e| e.code())
                .map(str::to_string);
            let error = from_sdk("SSO GetRoleCredentials", e);
            return Err(match code.as_deref() {
                Some("UnauthorizedException") => PortalError::TokenRefused(error),
                Some("ForbiddenException") | Some("ResourceNotFoundException") => {
                    PortalError::Other(Error::new(
                        ErrorKind::Authentication,
                        format!(
                            "{error}; the signed-in user has no permission set named SsoOidcRoleName '{}' in SsoOidcAccountId '{}': check the user's assignments in IAM Identity Center (the AWS access portal lists them)",
                            s.role_name, s.account_id
                        ),
                    ))
                }
                _ => PortalError::Other(error),
            });
        }
    };
    let c = out.role_credentials();
    let part = |v: Option<&str>| v.filter(|v| !v.is_empty()).map(str::to_string);
    let expiration = c.map_or(0, |c| c.expiration());
    match (
        c.and_then(|c| part(c.access_key_id())),
        c.and_then(|c| part(c.secret_access_key())),
        c.and_then(|c| part(c.session_token())),
    ) {
        (Some(id), Some(secret), Some(session)) if expiration > 0 => Ok(TemporaryCredentials {
            access_key_id: id,
            secret_access_key: Secret::new(secret),
            session_token: Secret::new(session),
            // The portal's expiration is in epoch milliseconds.
            expiry: UNIX_EPOCH + Duration::from_millis(expiration as u64),
            received: SystemTime::now(),
        }),
        _ => Err(PortalError::Other(Error::new(
            ErrorKind::Transient,
            "SSO GetRoleCredentials returned incomplete credentials (an answer cut short on the way)",
        ))),
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{ConnectionConfig, Credentials};

    use super::*;

    fn parse(url: &str) -> crate::error::Result<ConnectionConfig> {
        ConnectionConfig::from_url(url, &[])
    }

    fn settings(c: &ConnectionConfig) -> &BrowserSsoOidcSettings {
        let Credentials::Federated(f) = &c.credentials else {
            panic!("not federated: {c:?}")
        };
        f.settings().unwrap()
    }

    const JDBC: &str = "jdbc:athena://Region=us-east-1;CredentialsProvider=BrowserSSOOIDC;SsoStartUrl=https://d-123.awsapps.com/start;SsoOidcRegion=eu-west-1;SsoOidcAccountId=111122223333;SsoOidcRoleName=AthenaAnalyst";

    #[test]
    fn jdbc_names_and_the_official_defaults() {
        let c = parse(JDBC).unwrap();
        let s = settings(&c);
        assert_eq!(s.start_url, "https://d-123.awsapps.com/start");
        assert_eq!(s.region, "eu-west-1");
        assert_eq!(s.account_id, "111122223333");
        assert_eq!(s.role_name, "AthenaAnalyst");
        assert_eq!(s.scopes, ["sso:account:access"]);
        assert_eq!(s.port, 7890);
        assert_eq!(s.response_timeout, Duration::from_secs(120));
        assert_eq!(s.portal_endpoint, None);
        assert!(!s.file_cache);
        assert_eq!(c.user_name(), None);
        let cached = parse(&format!(
            "{JDBC};EnableTokenCaching=true;ListenPort=8123;IdpResponseTimeout=30"
        ))
        .unwrap();
        let s = settings(&cached);
        assert!(s.file_cache);
        assert_eq!(s.port, 8123);
        assert_eq!(s.response_timeout, Duration::from_secs(30));
    }

    #[test]
    fn odbc_names() {
        let c = parse("jdbc:athena://AwsRegion=us-east-1;AuthenticationType=BrowserSSOOIDC;sso_oidc_start_url=https://d-9.awsapps.com/start;sso_oidc_region=us-west-2;sso_oidc_account_id=444455556666;sso_oidc_role_name=Reader;sso_oidc_scopes=sso:account:access,openid;sso_oidc_timeout=60;listen_port=9001;sso_oidc_cache=1;SSOOIDCEndpointOverride=http://127.0.0.1:1;SSOEndpointOverride=http://127.0.0.1:2").unwrap();
        let s = settings(&c);
        assert_eq!(s.start_url, "https://d-9.awsapps.com/start");
        assert_eq!(s.region, "us-west-2");
        assert_eq!(s.account_id, "444455556666");
        assert_eq!(s.role_name, "Reader");
        assert_eq!(s.scopes, ["sso:account:access", "openid"]);
        assert_eq!(s.response_timeout, Duration::from_secs(60));
        assert_eq!(s.port, 9001);
        assert!(s.file_cache);
        assert_eq!(s.portal_endpoint.as_deref(), Some("http://127.0.0.1:2"));
        assert_eq!(c.endpoints.sso_oidc.as_deref(), Some("http://127.0.0.1:1"));
    }

    #[test]
    fn missing_and_malformed_settings_are_named() {
        let err =
            parse("jdbc:athena://Region=us-east-1;CredentialsProvider=BrowserSSOOIDC").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidProperties, "{err}");
        let text = err.to_string();
        for needed in [
            "SsoStartUrl is required for BrowserSSOOIDC",
            "SsoOidcRegion is required for BrowserSSOOIDC",
            "SsoOidcAccountId is required for BrowserSSOOIDC",
            "SsoOidcRoleName is required for BrowserSSOOIDC",
        ] {
            assert!(text.contains(needed), "{text}");
        }
        let err = parse(&format!(
            "{};SsoOidcAccountId=1234;SsoOidcRegion=EU West;sso_oidc_scopes=,",
            JDBC.replace(";SsoOidcAccountId=111122223333", "")
                .replace(";SsoOidcRegion=eu-west-1", "")
        ))
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("SsoOidcAccountId must be a 12-digit AWS account id, not '1234'"),
            "{text}"
        );
        assert!(
            text.contains("SsoOidcRegion must be an AWS Region"),
            "{text}"
        );
        assert!(
            text.contains("sso_oidc_scopes must name at least one scope"),
            "{text}"
        );
    }

    #[test]
    fn every_setting_that_changes_the_answer_is_in_the_key() {
        let fields_of = |url: &str| settings(&parse(url).unwrap()).identity_fields();
        let base = fields_of(JDBC);
        for (key, value) in [
            ("SsoOidcRoleName", "Admin"),
            ("SsoOidcAccountId", "999988887777"),
            ("SsoStartUrl", "https://d-456.awsapps.com/start"),
            ("SsoOidcRegion", "us-east-2"),
        ] {
            let url: Vec<String> = JDBC
                .split(';')
                .map(|p| match p.split_once('=') {
                    Some((k, _)) if k == key => format!("{key}={value}"),
                    _ => p.to_string(),
                })
                .collect();
            assert_ne!(base, fields_of(&url.join(";")), "{key}");
        }
        for extra in [
            "ListenPort=9999",
            "SsoEndpoint=http://127.0.0.1:3",
            "sso_oidc_scopes=openid",
        ] {
            assert_ne!(base, fields_of(&format!("{JDBC};{extra}")), "{extra}");
        }
    }

    #[test]
    fn the_authorization_url_carries_pkce_state_and_the_scopes() {
        let url = authorization_url(
            "http://127.0.0.1:1",
            "client-1",
            "http://localhost:7890/athena",
            &["sso:account:access".to_string(), "openid".to_string()],
            "the-state",
            "the-verifier",
        )
        .unwrap();
        let parsed = reqwest::Url::parse(&url).unwrap();
        assert_eq!(parsed.path(), "/authorize");
        let query: std::collections::HashMap<String, String> =
            parsed.query_pairs().into_owned().collect();
        assert_eq!(query["response_type"], "code");
        assert_eq!(query["client_id"], "client-1");
        assert_eq!(query["redirect_uri"], "http://localhost:7890/athena");
        assert_eq!(query["scopes"], "sso:account:access openid");
        assert_eq!(query["state"], "the-state");
        assert_eq!(query["code_challenge_method"], "S256");
        assert_eq!(
            query["code_challenge"],
            URL_SAFE_NO_PAD.encode(Sha256::digest(b"the-verifier"))
        );
        assert!(!url.contains("the-verifier"));
    }

    fn flow() -> SsoFlow {
        let c = parse(JDBC).unwrap();
        SsoFlow {
            settings: settings(&c).clone(),
            client: None,
            access: None,
            refresh: None,
            credentials: None,
            file_read: false,
        }
    }

    #[test]
    fn the_file_entry_round_trips_without_showing_secrets_in_debug() {
        let now = SystemTime::now();
        let mut a = flow();
        a.client = Some(RegisteredClient {
            client_id: "client-1".into(),
            secret: Secret::new("client-secret-value"),
            expiry: now + Duration::from_secs(86_400),
            redirect_uri: "http://localhost:7890/athena".into(),
        });
        a.access = Some(AccessToken {
            token: Secret::new("access-token-value"),
            expiry: now + Duration::from_secs(3600),
        });
        a.refresh = Some(Secret::new("refresh-token-value"));
        let debug = format!("{a:?}");
        for secret in [
            "client-secret-value",
            "access-token-value",
            "refresh-token-value",
        ] {
            assert!(!debug.contains(secret), "{debug}");
        }
        let entry = a.entry();
        assert_eq!(
            epoch_seconds(entry.flow.as_ref().unwrap().usable_until),
            epoch_seconds(now + Duration::from_secs(3600))
        );
        let mut b = flow();
        b.restore(entry);
        let client = b.client.unwrap();
        assert_eq!(client.client_id, "client-1");
        assert_eq!(client.secret.expose(), "client-secret-value");
        assert!(client.usable_for("http://localhost:7890/athena"));
        assert!(!client.usable_for("http://localhost:7891/athena"));
        assert_eq!(b.access.unwrap().token.expose(), "access-token-value");
        assert_eq!(b.refresh.unwrap().expose(), "refresh-token-value");
    }

    #[test]
    fn a_client_near_its_expiry_is_registered_again() {
        let client = RegisteredClient {
            client_id: "c".into(),
            secret: Secret::new("s"),
            expiry: SystemTime::now() + Duration::from_secs(60),
            redirect_uri: "r".into(),
        };
        assert!(!client.usable_for("r"));
    }
}
