//! Federated sign-in (JWT, JWT_TIP and BrowserOidcTip): the flows, their
//! process-wide cache and the credentials provider the Athena client signs with.
//!
//! Identity Center refuses a JWT whose `jti` it has seen, so a flow's result is
//! shared by every connection and thread of the process, keyed by a hash of
//! every setting that changes its answer (secrets enter only as their hashes),
//! and with `JwtTipFileCache=1` by other processes through a file.

pub mod arns;
pub mod browser;
pub mod file_cache;
pub mod oidc;
pub mod renewal;
pub mod services;
pub mod token;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::provider::{self, error::CredentialsError, ProvideCredentials};
use once_cell::sync::Lazy;
use sha2::{Digest, Sha256};

use crate::config::{
    ConnectionConfig, Credentials, JwtSettings, OidcSettings, Secret, TipSettings,
};
use crate::error::{Error, ErrorKind, Result};
use crate::log::Logger;
use oidc::{IdpTokens, OidcClient};
use services::Services;

/// The workgroup and application tag that name the next ARN of the flow.
pub const TAG_KEY: &str = "AthenaDriverOidcAppArn";

/// Credentials are renewed when less than this much of their life is left
/// (or half their life, for short-lived ones), so no call is signed with
/// credentials about to expire.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// An id token this close to its expiry is renewed before it is sent to AWS.
const ID_TOKEN_MARGIN: Duration = Duration::from_secs(30);

#[derive(Clone, PartialEq)]
pub struct TemporaryCredentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Secret,
    pub expiry: SystemTime,
    /// When this process (or the one that wrote the file cache) received them.
    pub received: SystemTime,
}

impl fmt::Debug for TemporaryCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TemporaryCredentials(expires {})",
            epoch_seconds(self.expiry)
        )
    }
}

impl TemporaryCredentials {
    pub fn is_fresh(&self, now: SystemTime) -> bool {
        let lifetime = self
            .expiry
            .duration_since(self.received)
            .unwrap_or_default();
        let margin = REFRESH_MARGIN.min(lifetime / 2);
        now + margin < self.expiry
    }
}

/// The Identity Center identity context of JWT_TIP step 4, reusable for step 5
/// until it expires.
#[derive(Clone, PartialEq)]
pub struct IdentityContext {
    pub assertion: Secret,
    pub expiry: SystemTime,
    pub application_arn: String,
    pub access_role_arn: String,
}

impl fmt::Debug for IdentityContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "IdentityContext(application {}, access role {}, expires {})",
            self.application_arn,
            self.access_role_arn,
            epoch_seconds(self.expiry)
        )
    }
}

pub fn epoch_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

#[derive(Debug, Default)]
struct State {
    /// JWT: the final credentials. JWT_TIP: the application role's (step 1).
    web_identity: Option<TemporaryCredentials>,
    context: Option<IdentityContext>,
    /// JWT_TIP: the identity-enhanced credentials (step 5).
    access: Option<TemporaryCredentials>,
    /// BrowserOidcTip: the identity provider's id token and its expiry.
    id_token: Option<(Secret, SystemTime)>,
    /// BrowserOidcTip: renews the id token without the browser.
    refresh_token: Option<Secret>,
    /// Identity Center has seen `id_token`: a new exchange needs another.
    id_token_spent: bool,
    file_read: bool,
}

impl State {
    /// Drops credentials AWS refused as expired and those they were signed
    /// in with (expired with them when revoked), so the next call signs in
    /// again. Credentials already renewed since are kept.
    fn forget(&mut self, access_key_id: &str, logger: &Logger) {
        let held = |c: &Option<TemporaryCredentials>| {
            c.as_ref().is_some_and(|c| c.access_key_id == access_key_id)
        };
        if held(&self.web_identity) || held(&self.access) {
            logger.info(|| {
                "AWS refused the session's credentials as expired before their time; signing in again"
                    .to_string()
            });
            self.web_identity = None;
            self.access = None;
        }
    }
}

#[derive(Debug)]
enum FlowSettings {
    Jwt(JwtSettings),
    Tip {
        token: Secret,
        tip: TipSettings,
    },
    Browser {
        oidc: OidcSettings,
        tip: TipSettings,
    },
}

/// Where JWT_TIP's steps 1 and 4 get their JWT.
enum JwtSource<'a> {
    /// JWT_TIP: the token the user gave.
    Given(&'a Secret),
    /// BrowserOidcTip: the id token of a sign-in at the identity provider.
    Browser(&'a OidcSettings),
}

#[derive(Debug)]
struct Flow {
    /// The in-memory cache's key: `flow_key`.
    key: String,
    /// The file cache's key: `cache_key` (who signs in, not how they reach AWS).
    file_key: String,
    settings: FlowSettings,
    services: Services,
    state: tokio::sync::Mutex<State>,
    /// An access key AWS refused as expired, to drop at the next sign-in.
    rejected: Mutex<Option<String>>,
}

static FLOWS: Lazy<Mutex<HashMap<String, Arc<Flow>>>> = Lazy::new(Default::default);

/// Flows kept for connections yet to open; past this, flows no connection
/// holds are dropped (a pool or a BI tool opening connections with ever new
/// settings must not grow the process without end).
const MAX_FLOWS: usize = 64;

/// One connection's view of a shared flow: the credentials provider of its
/// Athena client.
#[derive(Clone)]
pub struct FederatedSignIn {
    flow: Arc<Flow>,
    logger: Logger,
}

impl fmt::Debug for FederatedSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FederatedSignIn({})", &self.flow.key[..12])
    }
}

impl FederatedSignIn {
    /// None for flows that are not federated.
    pub fn for_connection(
        config: &ConnectionConfig,
        services: Services,
        logger: Logger,
    ) -> Option<FederatedSignIn> {
        let settings = match &config.credentials {
            Credentials::Jwt(s) => FlowSettings::Jwt(s.clone()),
            Credentials::JwtTip { token, tip } => FlowSettings::Tip {
                token: token.clone(),
                tip: tip.clone(),
            },
            Credentials::BrowserOidcTip { oidc, tip } => FlowSettings::Browser {
                oidc: oidc.clone(),
                tip: tip.clone(),
            },
            _ => return None,
        };
        let file_key = cache_key(config)?;
        let key = flow_key(config, &file_key);
        let flow = {
            let mut flows = FLOWS.lock().unwrap_or_else(|p| p.into_inner());
            if !flows.contains_key(&key) && flows.len() >= MAX_FLOWS {
                // Only this map holds them: no connection is using them.
                flows.retain(|_, flow| Arc::strong_count(flow) > 1);
            }
            flows
                .entry(key.clone())
                .or_insert_with(|| {
                    Arc::new(Flow {
                        key,
                        file_key,
                        settings,
                        services,
                        state: Default::default(),
                        rejected: Mutex::new(None),
                    })
                })
                .clone()
        };
        Some(FederatedSignIn { flow, logger })
    }

    /// A sign-in that failed with nothing to keep leaves the process-wide cache,
    /// so the next connection starts afresh (after a wrong setting is fixed, or
    /// the identity provider is back). A flow holding an identity context is
    /// kept: its JWT was spent and cannot be exchanged again.
    fn drop_if_empty(&self, state: &State) {
        if state.web_identity.is_some() || state.context.is_some() || state.access.is_some() {
            return;
        }
        let mut flows = FLOWS.lock().unwrap_or_else(|p| p.into_inner());
        if flows
            .get(&self.flow.key)
            .is_some_and(|f| Arc::ptr_eq(f, &self.flow))
        {
            flows.remove(&self.flow.key);
            self.logger
                .debug(|| "sign-in failed: its cached flow is dropped".to_string());
        }
    }

    /// AWS refused `access_key_id` as expired: credentials holding it are
    /// not handed out again.
    pub fn reject(&self, access_key_id: &str) {
        let mut rejected = self.flow.rejected.lock().unwrap_or_else(|p| p.into_inner());
        *rejected = Some(access_key_id.to_string());
    }

    /// Valid credentials, from the cache or by running (part of) the flow.
    pub async fn credentials(&self) -> Result<TemporaryCredentials> {
        let mut state = self.flow.state.lock().await;
        let rejected = self
            .flow
            .rejected
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(key) = rejected {
            state.forget(&key, &self.logger);
        }
        let outcome = match &self.flow.settings {
            FlowSettings::Jwt(s) => self.jwt(&mut state, s).await,
            FlowSettings::Tip { token, tip } => {
                self.tip(&mut state, tip, &JwtSource::Given(token)).await
            }
            FlowSettings::Browser { oidc, tip } => {
                self.tip(&mut state, tip, &JwtSource::Browser(oidc)).await
            }
        };
        if outcome.is_err() {
            self.drop_if_empty(&state);
        }
        outcome
    }

    async fn jwt(&self, state: &mut State, s: &JwtSettings) -> Result<TemporaryCredentials> {
        if let Some(c) = state
            .web_identity
            .as_ref()
            .filter(|c| c.is_fresh(SystemTime::now()))
        {
            self.logger.trace(|| {
                format!(
                    "JWT: cached credentials, expiring at {}",
                    epoch_seconds(c.expiry)
                )
            });
            return Ok(c.clone());
        }
        let c = self
            .web_identity(
                &s.token,
                &s.role_arn,
                &s.session_name,
                s.duration,
                "JwtRoleArn",
            )
            .await?;
        state.web_identity = Some(c.clone());
        Ok(c)
    }

    async fn tip(
        &self,
        state: &mut State,
        s: &TipSettings,
        source: &JwtSource<'_>,
    ) -> Result<TemporaryCredentials> {
        let now = SystemTime::now();
        if s.file_cache && !state.file_read {
            state.file_read = true;
            if let Some(entry) = file_cache::read(&self.flow.file_key, &self.logger) {
                state.access = entry.access;
                state.context = entry.context;
                if let JwtSource::Browser(_) = source {
                    state.refresh_token = entry.refresh_token;
                }
            }
        }
        if let Some(c) = state.access.as_ref().filter(|c| c.is_fresh(now)) {
            self.logger.trace(|| {
                format!(
                    "JWT_TIP: cached identity-enhanced credentials, expiring at {}",
                    epoch_seconds(c.expiry)
                )
            });
            return Ok(c.clone());
        }
        let context = match state.context.clone().filter(|c| c.expiry > now) {
            Some(context) => {
                self.logger.debug(|| {
                    "JWT_TIP: reusing the cached identity context; steps 2 to 4 skipped".into()
                });
                context
            }
            None => {
                let context = self.exchange(state, s, source).await?;
                state.context = Some(context.clone());
                context
            }
        };
        let application = self.application_credentials(state, s, source).await?;
        self.logger.debug(|| {
            format!(
                "JWT_TIP step 5: STS AssumeRole as {} with the Identity Center context",
                context.access_role_arn
            )
        });
        let access = self
            .flow
            .services
            .assume_role_with_identity_context(
                &application,
                &context.access_role_arn,
                &s.session_name,
                duration_seconds(s.duration),
                &context.assertion,
            )
            .await
            .map_err(|e| step_error(e, "step 5", "AccessRoleArn", &context.access_role_arn))?;
        state.access = Some(access.clone());
        if s.file_cache {
            file_cache::write(
                &self.flow.file_key,
                &file_cache::Entry {
                    access: Some(access.clone()),
                    context: Some(context),
                    refresh_token: state.refresh_token.clone(),
                },
                &self.logger,
            );
        }
        self.logger.info(|| {
            format!(
                "JWT_TIP: signed in; credentials expire at {}",
                epoch_seconds(access.expiry)
            )
        });
        Ok(access)
    }

    /// Steps 2 to 4: find the application and access role, and trade the JWT
    /// for Identity Center's identity context.
    async fn exchange(
        &self,
        state: &mut State,
        s: &TipSettings,
        source: &JwtSource<'_>,
    ) -> Result<IdentityContext> {
        let token = self.jwt_from(state, source, true).await?;
        let application = self.application_credentials(state, s, source).await?;
        let services = &self.flow.services;
        let application_arn = match &s.idc_application_arn {
            Some(arn) => arn.clone(),
            None => {
                self.logger.debug(|| {
                    format!(
                        "JWT_TIP step 2: Athena ListTagsForResource on {}",
                        s.workgroup_arn
                    )
                });
                let tags = services
                    .workgroup_tags(&application, &s.workgroup_arn)
                    .await
                    .map_err(|e| step_error(e, "step 2", "WorkGroupArn", &s.workgroup_arn))?;
                tagged_application(&tags, &s.workgroup_arn)?
            }
        };
        let access_role_arn = match &s.access_role_arn {
            Some(arn) => arn.clone(),
            None => {
                let instance = arns::sso_instance_arn(&application_arn).ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidProperties,
                        format!("the workgroup tag {TAG_KEY} holds '{application_arn}', which is not an Identity Center application ARN (arn:aws:sso::ACCOUNT:application/ssoins-…/apl-…); set CustomerIdcApplicationArn"),
                    )
                })?;
                self.logger.debug(|| {
                    format!("JWT_TIP step 3: SSO Admin ListTagsForResource on {application_arn}")
                });
                let tags = services
                    .application_tags(&application, &instance, &application_arn)
                    .await
                    .map_err(|e| {
                        step_error(e, "step 3", "CustomerIdcApplicationArn", &application_arn)
                    })?;
                tagged_role(&tags, &application_arn)?
            }
        };
        self.logger
            .debug(|| format!("JWT_TIP step 4: SSO-OIDC CreateTokenWithIAM for {application_arn}"));
        let id_token = services
            .create_token_with_iam(&application, &application_arn, &token)
            .await
            .map_err(|e| {
                let e = step_error(e, "step 4", "CustomerIdcApplicationArn", &application_arn);
                match source {
                    JwtSource::Given(_) => e.append(" Identity Center accepts each JWT once; if this token was exchanged before, supply a fresh JwtWebIdentityToken."),
                    JwtSource::Browser(_) => e,
                }
            })?;
        state.id_token_spent = true;
        let claims = token::claims(id_token.expose()).unwrap_or_default();
        let assertion = claims.identity_context.ok_or_else(|| {
            Error::new(
                ErrorKind::Authentication,
                "Identity Center's id token carries no sts:identity_context claim; check that the application allows the sts:identity_context scope",
            )
        })?;
        let expiry = claims
            .exp
            .map(|exp| UNIX_EPOCH + Duration::from_secs_f64(exp.max(0.0)))
            .unwrap_or_else(|| SystemTime::now() + s.duration);
        Ok(IdentityContext {
            assertion: Secret::new(assertion),
            expiry,
            application_arn,
            access_role_arn,
        })
    }

    async fn application_credentials(
        &self,
        state: &mut State,
        s: &TipSettings,
        source: &JwtSource<'_>,
    ) -> Result<TemporaryCredentials> {
        if let Some(c) = state
            .web_identity
            .as_ref()
            .filter(|c| c.is_fresh(SystemTime::now()))
        {
            return Ok(c.clone());
        }
        let token = self.jwt_from(state, source, false).await?;
        let c = self
            .web_identity(
                &token,
                &s.application_role_arn,
                &s.session_name,
                s.duration,
                "ApplicationRoleArn",
            )
            .await?;
        state.web_identity = Some(c.clone());
        Ok(c)
    }

    /// The JWT for steps 1 and 4. For the browser flow: the current id token,
    /// else one from the refresh token, else a sign-in in the browser;
    /// `unspent` asks for one Identity Center has not seen yet.
    async fn jwt_from(
        &self,
        state: &mut State,
        source: &JwtSource<'_>,
        unspent: bool,
    ) -> Result<Secret> {
        let oidc = match source {
            JwtSource::Given(token) => return Ok((*token).clone()),
            JwtSource::Browser(oidc) => oidc,
        };
        let spent = unspent && state.id_token_spent;
        if let Some((token, _)) = state
            .id_token
            .as_ref()
            .filter(|(_, expiry)| *expiry > SystemTime::now() + ID_TOKEN_MARGIN && !spent)
        {
            return Ok(token.clone());
        }
        let client = OidcClient::new(oidc, self.flow.services.network())?;
        let discovery = client.discover().await?;
        let tokens = match state.refresh_token.clone() {
            Some(refresh_token) => match client.refresh(&discovery, &refresh_token).await {
                Ok(tokens) => {
                    self.logger.debug(|| {
                        "BrowserOidcTip: renewed the id token with the refresh token".into()
                    });
                    tokens
                }
                Err(e) => {
                    self.logger.info(|| format!("BrowserOidcTip: the refresh token was not accepted ({e}); signing in with the browser"));
                    self.browser_sign_in(&client, &discovery, oidc).await?
                }
            },
            None => self.browser_sign_in(&client, &discovery, oidc).await?,
        };
        let token = tokens.id_token.clone();
        state.id_token = Some((tokens.id_token, tokens.expiry));
        state.refresh_token = tokens.refresh_token.or(state.refresh_token.take());
        state.id_token_spent = false;
        // New id token, new session with the application role.
        state.web_identity = None;
        Ok(token)
    }

    /// Seed 004: the listener first (so a taken port fails before the browser
    /// opens), then the browser, then the code for tokens.
    async fn browser_sign_in(
        &self,
        client: &OidcClient<'_>,
        discovery: &oidc::Discovery,
        oidc: &OidcSettings,
    ) -> Result<IdpTokens> {
        let callback = browser::Callback::bind(oidc.port).await?;
        let request = client.authorization_request(discovery)?;
        self.logger.info(|| {
            format!(
                "BrowserOidcTip: opening the browser at {} (redirect {})",
                discovery.authorization_endpoint, request.redirect_uri
            )
        });
        browser::open(&request.url)?;
        let code = callback
            .wait_for_code(&request.state, oidc.response_timeout)
            .await?;
        client.redeem_code(discovery, &request, &code).await
    }

    /// JWT's only step and JWT_TIP's step 1.
    async fn web_identity(
        &self,
        token: &Secret,
        role_arn: &str,
        session_name: &str,
        duration: Duration,
        role_property: &str,
    ) -> Result<TemporaryCredentials> {
        if let Some(exp) = token::claims(token.expose()).and_then(|c| c.exp) {
            let expiry = UNIX_EPOCH + Duration::from_secs_f64(exp.max(0.0));
            if expiry <= SystemTime::now() {
                return Err(Error::new(
                    ErrorKind::Authentication,
                    format!(
                        "the JWT in JwtWebIdentityToken expired at {} (Unix time); get a fresh token from the identity provider and connect again",
                        epoch_seconds(expiry)
                    ),
                ));
            }
        }
        self.logger.debug(|| {
            format!("STS AssumeRoleWithWebIdentity as {role_arn} (session {session_name})")
        });
        let c = self
            .flow
            .services
            .assume_role_with_web_identity(
                role_arn,
                session_name,
                token,
                duration_seconds(duration),
            )
            .await
            .map_err(|e| step_error(e, "the web identity step", role_property, role_arn))?;
        self.logger.trace(|| {
            format!(
                "STS AssumeRoleWithWebIdentity: credentials expire at {}",
                epoch_seconds(c.expiry)
            )
        });
        Ok(c)
    }
}

impl ProvideCredentials for FederatedSignIn {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(async move {
            self.credentials()
                .await
                .map(|c| c.to_sdk())
                .map_err(CredentialsError::provider_error)
        })
    }
}

fn duration_seconds(duration: Duration) -> i32 {
    i32::try_from(duration.as_secs()).unwrap_or(i32::MAX)
}

/// Names the step and the property whose value the service refused.
/// `step` reads after "at": "step 4", "the web identity step".
fn step_error(err: Error, step: &str, property: &str, value: &str) -> Error {
    err.prefix(&format!("Sign-in failed at {step} ({property} {value}): "))
}

fn tagged_application(tags: &[(String, String)], workgroup_arn: &str) -> Result<String> {
    tags.iter()
        .find(|(k, _)| k == TAG_KEY)
        .map(|(_, v)| v.clone())
        .ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidProperties,
                format!("the workgroup {workgroup_arn} has no tag {TAG_KEY} naming the Identity Center application; tag the workgroup or set CustomerIdcApplicationArn"),
            )
        })
}

/// AWS's setup names the application's tag key `AthenaDriverOidcAppArn` too, but
/// that is unconfirmed, so the one tag whose value is a role ARN wins.
fn tagged_role(tags: &[(String, String)], application_arn: &str) -> Result<String> {
    if let Some((_, v)) = tags
        .iter()
        .find(|(k, v)| k == TAG_KEY && arns::is_role_arn(v))
    {
        return Ok(v.clone());
    }
    let mut roles: Vec<&String> = tags
        .iter()
        .filter(|(_, v)| arns::is_role_arn(v))
        .map(|(_, v)| v)
        .collect();
    roles.dedup();
    match roles.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(Error::new(
            ErrorKind::InvalidProperties,
            format!("the Identity Center application {application_arn} has no tag whose value is an IAM role ARN; tag it ({TAG_KEY}=arn:aws:iam::ACCOUNT:role/NAME) or set AccessRoleArn"),
        )),
        _ => Err(Error::new(
            ErrorKind::InvalidProperties,
            format!("the Identity Center application {application_arn} has several tags naming IAM roles; set AccessRoleArn to choose one"),
        )),
    }
}

/// Hex SHA-256 over the flow's inputs; the token enters only as its own hash.
/// Also the file cache's file name, so its derivation is part of the file
/// cache's documented format: SHA-256 of the `|`-joined fields below.
fn cache_key(config: &ConnectionConfig) -> Option<String> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let fields: Vec<String> = match &config.credentials {
        Credentials::Jwt(s) => vec![
            "v1".into(),
            "JWT".into(),
            hashed(&s.token),
            s.role_arn.clone(),
            s.session_name.clone(),
            s.duration.as_secs().to_string(),
        ],
        Credentials::JwtTip { token, tip } => {
            let mut fields = vec!["v1".into(), "JWT_TIP".into(), hashed(token)];
            fields.extend(tip_fields(tip));
            fields
        }
        // No token is given: the person who signs in is named by the provider,
        // the client and the port their browser session answers on.
        Credentials::BrowserOidcTip { oidc, tip } => {
            let mut fields = vec![
                "v1".into(),
                "BrowserOidcTip".into(),
                oidc.well_known_url.clone(),
                oidc.client_id.clone(),
                oidc.scope.clone(),
                oidc.port.to_string(),
            ];
            fields.extend(tip_fields(tip));
            fields
        }
        _ => return None,
    };
    let mut all = fields;
    all.extend([
        opt(&config.region),
        opt(&config.endpoints.sts),
        opt(&config.endpoints.sso_oidc),
        opt(&config.endpoints.sso_admin),
        opt(&config.athena_endpoint),
    ]);
    Some(hex(&Sha256::digest(all.join("|").as_bytes())))
}

/// The in-memory cache's key: the file cache's key and every other setting
/// that changes how the flow reaches its services or what it answers (a
/// corrected proxy password, another client secret, CA bundle or timeout is
/// another flow). Secrets enter as their SHA-256 only.
fn flow_key(config: &ConnectionConfig, file_key: &str) -> String {
    let network = &config.network;
    let mut fields = vec![
        "flow-v1".to_string(),
        file_key.to_string(),
        format!("{:?}", config.network_timeout),
        format!("{:?}", config.num_retries),
        config.application_name.clone().unwrap_or_default(),
        network.proxy_for_idp.to_string(),
        network
            .trusted_certs
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
    ];
    match &network.proxy {
        None => fields.push("direct".into()),
        Some(p) => {
            fields.push(format!("{}:{}", p.host, p.port));
            fields.push(p.exempt_hosts.join(","));
            if let Some((user, password)) = &p.credentials {
                fields.push(user.clone());
                fields.push(hashed(password));
            }
        }
    }
    match &config.credentials {
        Credentials::JwtTip { tip, .. } => fields.push(tip.file_cache.to_string()),
        Credentials::BrowserOidcTip { oidc, tip } => {
            fields.push(tip.file_cache.to_string());
            fields.push(oidc.client_secret.as_ref().map(hashed).unwrap_or_default());
            fields.push(oidc.response_timeout.as_secs().to_string());
        }
        _ => {}
    }
    hex(&Sha256::digest(fields.join("|").as_bytes()))
}

fn tip_fields(s: &TipSettings) -> Vec<String> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    vec![
        s.workgroup_arn.clone(),
        s.application_role_arn.clone(),
        opt(&s.access_role_arn),
        opt(&s.idc_application_arn),
        s.session_name.clone(),
        s.duration.as_secs().to_string(),
    ]
}

/// A secret as it may enter a key: its SHA-256, in hex.
fn hashed(secret: &Secret) -> String {
    hex(&Sha256::digest(secret.expose().as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_errors_name_the_step_once() {
        let e = step_error(
            Error::internal("boom"),
            "step 4",
            "CustomerIdcApplicationArn",
            "arn:x",
        );
        assert_eq!(
            e.to_string(),
            "Sign-in failed at step 4 (CustomerIdcApplicationArn arn:x): boom"
        );
        let e = step_error(
            Error::internal("boom"),
            "the web identity step",
            "RoleArn",
            "arn:r",
        );
        assert!(e
            .to_string()
            .starts_with("Sign-in failed at the web identity step (RoleArn arn:r)"));
    }

    fn creds(received: u64, expiry: u64) -> TemporaryCredentials {
        TemporaryCredentials {
            access_key_id: "ASIA".into(),
            secret_access_key: Secret::new("secret-key-value"),
            session_token: Secret::new("session-token-value"),
            expiry: UNIX_EPOCH + Duration::from_secs(expiry),
            received: UNIX_EPOCH + Duration::from_secs(received),
        }
    }

    #[test]
    fn credentials_are_renewed_before_they_expire() {
        let c = creds(0, 3600);
        assert!(c.is_fresh(UNIX_EPOCH + Duration::from_secs(3000)));
        assert!(!c.is_fresh(UNIX_EPOCH + Duration::from_secs(3301)));
        let short = creds(0, 4);
        assert!(short.is_fresh(UNIX_EPOCH + Duration::from_secs(1)));
        assert!(!short.is_fresh(UNIX_EPOCH + Duration::from_secs(2)));
    }

    #[test]
    fn debug_output_hides_secrets() {
        let text = format!("{:?}", creds(0, 1));
        assert!(!text.contains("secret-key-value") && !text.contains("session-token-value"));
    }

    #[test]
    fn access_role_comes_from_the_tag_holding_a_role() {
        let tags = vec![
            ("team".to_string(), "data".to_string()),
            (
                TAG_KEY.to_string(),
                "arn:aws:iam::1:role/access".to_string(),
            ),
        ];
        assert_eq!(
            tagged_role(&tags, "app").unwrap(),
            "arn:aws:iam::1:role/access"
        );
        let other_key = vec![("Role".to_string(), "arn:aws:iam::1:role/r".to_string())];
        assert_eq!(
            tagged_role(&other_key, "app").unwrap(),
            "arn:aws:iam::1:role/r"
        );
        let err = tagged_role(&[], "app").unwrap_err();
        assert!(err.to_string().contains("AccessRoleArn"), "{err}");
    }

    #[test]
    fn missing_workgroup_tag_names_the_property_to_set() {
        let err = tagged_application(&[], "arn:aws:athena:r:1:workgroup/w").unwrap_err();
        assert!(
            err.to_string().contains("CustomerIdcApplicationArn"),
            "{err}"
        );
    }

    fn flow_key_of(url: &str) -> String {
        let config = ConnectionConfig::from_url(url, &[]).unwrap();
        flow_key(&config, &cache_key(&config).unwrap())
    }

    #[test]
    fn the_flow_key_changes_with_every_setting_that_changes_the_answer() {
        let base = "jdbc:athena://Region=us-east-1;CredentialsProvider=BrowserOidcTip;IdpWellKnownConfigurationUrl=https://idp.example.com/.well-known/openid-configuration;OidcClientId=c;WorkGroupArn=arn:aws:athena:us-east-1:1:workgroup/w;ApplicationRoleArn=arn:aws:iam::1:role/a;JwtRoleSessionName=s";
        let key = flow_key_of(base);
        assert_eq!(key, flow_key_of(base), "the same settings share one flow");
        let variants = [
            "OidcClientSecret=s3cret-one",
            "ProxyHost=proxy.example.com;ProxyPort=3128",
            "ProxyHost=proxy.example.com;ProxyPort=3129",
            "ProxyHost=proxy.example.com;ProxyPort=3128;ProxyUsername=u;ProxyPassword=wrong-pass",
            "ProxyHost=proxy.example.com;ProxyPort=3128;ProxyUsername=u;ProxyPassword=right-pass",
            "ProxyHost=proxy.example.com;ProxyPort=3128;ProxyEnabledForIdP=true",
            "TrustedCerts=/etc/ssl/one.pem",
            "NetworkTimeoutMillis=5000",
            "IdpResponseTimeout=30",
            "JwtTipFileCache=1",
        ];
        let mut keys = vec![key];
        for extra in variants {
            let k = flow_key_of(&format!("{base};{extra}"));
            assert!(!keys.contains(&k), "{extra} must be a flow of its own");
            assert!(!k.contains("s3cret") && !k.contains("pass"));
            keys.push(k);
        }
        // The file cache's name stays who signs in, not how AWS is reached.
        let config = |u: &str| ConnectionConfig::from_url(u, &[]).unwrap();
        assert_eq!(
            cache_key(&config(base)),
            cache_key(&config(&format!("{base};ProxyHost=p;ProxyPort=1")))
        );
    }

    #[test]
    fn the_cache_key_hides_the_token() {
        let url = "jdbc:athena://CredentialsProvider=JWT;JwtWebIdentityToken=eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln;JwtRoleArn=arn:aws:iam::1:role/r;JwtRoleSessionName=s;Region=us-east-1";
        let config = ConnectionConfig::from_url(url, &[]).unwrap();
        let key = cache_key(&config).unwrap();
        assert_eq!(key.len(), 64);
        assert!(!key.contains("eyJ"));
    }
}
