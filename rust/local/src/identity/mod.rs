//! Identity shared by every service: static and issued credentials (and the
//! SigV4 check of callers against them), the roles, applications and trusted
//! issuers of the config, signed identity contexts, the Identity Center key
//! and the built-in OIDC test issuer. The STS, SSO-OIDC and SSO Admin
//! protocols that use them live in `crate::services`.

pub mod context;
pub mod identity_center;
pub mod jwt;
pub mod keys;
pub mod saml;

use crate::config::{
    parse_role_arn, ApplicationConfig, Config, Credential, IdentityConfig, RoleConfig, TEST_ISSUER,
};
use crate::errors::ApiError;
use crate::sigv4::{self, SignedRequest, SigningSecret};
use chrono::{DateTime, Utc};
use context::{ContextError, ContextSealer, IdentityContext};
use jwt::{JwtVerifier, TokenError, TrustedIssuer, VerifiedToken};
use keys::{KeyError, SigningKey};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

/// Path of the built-in test issuer (its `iss` is `http://HOST:PORT` + this).
pub const TEST_ISSUER_PATH: &str = "/_athena_local/issuer";
/// Path of the emulated Identity Center issuer of id tokens.
pub const IDC_ISSUER_PATH: &str = "/_athena_local/identity-center";
/// The only context provider AssumeRole accepts.
pub const IDENTITY_CENTER_PROVIDER: &str = "arn:aws:iam::aws:contextProvider/IdentityCenter";

/// `YYYY-MM-DDTHH:MM:SSZ` for epoch seconds.
pub fn iso8601(epoch_secs: i64) -> String {
    DateTime::<Utc>::from_timestamp(epoch_secs, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| epoch_secs.to_string())
}

/// The authenticated caller of a signed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub access_key_id: String,
    /// Assumed-role ARN for issued credentials, the user ARN for static keys.
    pub arn: String,
    pub user_id: String,
    /// The role of an assumed-role session.
    pub role_arn: Option<String>,
    /// The Identity Center user the credentials carry, if any.
    pub identity_context_user: Option<String>,
    pub is_static: bool,
}

impl Caller {
    /// What the call record shows: the session ARN, or the static access key.
    pub fn record_principal(&self) -> String {
        if self.is_static {
            self.access_key_id.clone()
        } else {
            self.arn.clone()
        }
    }
}

/// Credentials athena-local handed out.
#[derive(Clone)]
pub struct IssuedCredential {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// Epoch milliseconds; `/_athena_local/identity/expire` moves it to now.
    pub expires_at_ms: i64,
    pub role_arn: String,
    pub assumed_role_arn: String,
    pub assumed_role_id: String,
    pub identity_context: Option<IdentityContext>,
}

// Hand-written so a debug print never shows the secrets.
impl std::fmt::Debug for IssuedCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCredential")
            .field("access_key_id", &self.access_key_id)
            .field("expires_at_ms", &self.expires_at_ms)
            .field("assumed_role_arn", &self.assumed_role_arn)
            .field("identity_context", &self.identity_context)
            .finish_non_exhaustive()
    }
}

impl IssuedCredential {
    pub fn expiration(&self) -> String {
        iso8601(self.expires_at_ms.div_euclid(1000))
    }
}

/// The secrets of one CreateTokenWithIAM answer.
pub(crate) struct IssuedTokens {
    pub(crate) application: String,
    pub(crate) user: String,
    pub(crate) id_token: String,
    pub(crate) access_token: String,
    pub(crate) context_assertion: String,
}

#[derive(Default)]
struct IssuedState {
    credentials: HashMap<String, IssuedCredential>,
    /// Issue order of `credentials`, for the admin listing.
    order: Vec<String>,
    tokens: Vec<IssuedTokens>,
    test_tokens: Vec<String>,
    /// `jti`s already exchanged, per application.
    seen_jti: HashMap<String, HashSet<String>>,
}

/// Settings that `/_athena_local/identity/settings` may change at runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub credential_lifetime_seconds: Option<u64>,
    pub id_token_lifetime_seconds: u64,
}

/// Body of `POST /_athena_local/issuer/token`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MintRequest {
    #[serde(default)]
    pub claims: Map<String, Value>,
    #[serde(default)]
    pub signing: Option<String>,
}

pub struct Identity {
    account: String,
    base_url: String,
    config: IdentityConfig,
    static_credentials: Vec<Credential>,
    max_clock_skew_secs: i64,
    test_key: SigningKey,
    /// Same kid as `test_key` but not published: for badly signed tokens.
    wrong_key: SigningKey,
    idc_key: SigningKey,
    sealer: ContextSealer,
    verifier: JwtVerifier,
    settings: Mutex<Settings>,
    issued: Mutex<IssuedState>,
    saml: saml::SamlProviders,
    identity_center: identity_center::IdentityCenter,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every update below leaves the state consistent, even if a holder panicked.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

impl Identity {
    /// `base_url` is `http://HOST:PORT` of the bound listener.
    pub fn new(config: &Config, base_url: &str) -> Result<Identity, KeyError> {
        let test_key = SigningKey::generate(&format!("test-{}", keys::random_id(8)?))?;
        // Same kid as the published key, so only the signature gives it away.
        let wrong_key = SigningKey::generate(test_key.kid())?;
        Ok(Identity {
            account: config.account.clone(),
            base_url: base_url.trim_end_matches('/').to_string(),
            config: config.identity.clone(),
            static_credentials: config.credentials.clone(),
            max_clock_skew_secs: config.max_clock_skew_secs,
            test_key,
            wrong_key,
            idc_key: SigningKey::generate(&format!("idc-{}", keys::random_id(8)?))?,
            sealer: ContextSealer::new()?,
            verifier: JwtVerifier::default(),
            settings: Mutex::new(Settings {
                credential_lifetime_seconds: config.identity.credential_lifetime_seconds,
                id_token_lifetime_seconds: config.identity.id_token_lifetime_seconds,
            }),
            issued: Mutex::new(IssuedState::default()),
            saml: saml::SamlProviders::load(&config.identity.saml_providers)
                .map_err(KeyError::Saml)?,
            identity_center: identity_center::IdentityCenter::new(
                &config.identity.identity_center_users,
            ),
        })
    }

    pub(crate) fn saml(&self) -> &saml::SamlProviders {
        &self.saml
    }

    /// `http://HOST:PORT` of the listener, for links in answers.
    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The `[[identity.idp_users]]` entry signing in as `name` (any case).
    pub(crate) fn idp_user(&self, name: &str) -> Option<&crate::config::IdpUserConfig> {
        self.config
            .idp_users
            .iter()
            .find(|u| u.name.eq_ignore_ascii_case(name))
    }

    /// IAM Identity Center's people, clients and tokens (BrowserSSOOIDC).
    pub(crate) fn identity_center(&self) -> &identity_center::IdentityCenter {
        &self.identity_center
    }

    pub(crate) fn entra_apps(&self) -> &[crate::config::EntraAppConfig] {
        &self.config.entra_apps
    }

    /// AssumeRoleWithSAML and AssumeDecoratedRoleWithSAML: the verified
    /// assertion, the role's trust, the session's length, the credentials.
    pub(crate) fn saml_session(
        &self,
        role_arn: &str,
        principal_arn: &str,
        assertion: &str,
        requested_seconds: Option<i64>,
        now_ms: i64,
    ) -> Result<(IssuedCredential, saml::VerifiedAssertion), saml::SamlError> {
        use saml::SamlError;
        let verified = self
            .saml
            .verify(assertion, role_arn, principal_arn, now_ms)?;
        let role = self.role(role_arn).ok_or_else(|| {
            SamlError::Denied(format!(
                "Not authorized to perform sts:AssumeRoleWithSAML: role {role_arn} does not exist ([[identity.roles]])"
            ))
        })?;
        if !role
            .trusted_saml_providers
            .iter()
            .any(|p| p == principal_arn)
        {
            return Err(SamlError::Denied(format!(
                "Not authorized to perform sts:AssumeRoleWithSAML: role {role_arn} does not trust {principal_arn} (trusted_saml_providers)"
            )));
        }
        let requested = match requested_seconds {
            None => 3600.min(role.max_session_seconds),
            Some(d) if !(900..=43_200).contains(&d) => {
                return Err(SamlError::Validation(format!(
                    "1 validation error detected: Value '{d}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200"
                )))
            }
            Some(d) if d as u64 > role.max_session_seconds => {
                return Err(SamlError::Validation(format!(
                    "The requested DurationSeconds exceeds the MaxSessionDuration set for this role ({d} > {}).",
                    role.max_session_seconds
                )))
            }
            Some(d) => d as u64,
        };
        // The assertion's SessionDuration can only shorten the session.
        let seconds = verified
            .session_duration
            .map_or(requested, |d| d.clamp(900, 43_200).min(requested));
        let credential = self
            .issue(role_arn, &verified.session_name, seconds, None, now_ms)
            .map_err(|e| SamlError::Validation(e.message))?;
        Ok((credential, verified))
    }

    pub fn account(&self) -> &str {
        &self.account
    }

    pub fn test_issuer_url(&self) -> String {
        format!("{}{TEST_ISSUER_PATH}", self.base_url)
    }

    pub fn idc_issuer_url(&self) -> String {
        format!("{}{IDC_ISSUER_PATH}", self.base_url)
    }

    pub fn settings(&self) -> Settings {
        *lock(&self.settings)
    }

    pub fn set_settings(&self, settings: Settings) {
        *lock(&self.settings) = settings;
    }

    // ---- issuers ----------------------------------------------------------

    fn test_issuer(&self) -> Option<TrustedIssuer> {
        self.config.test_issuer.enabled.then(|| TrustedIssuer {
            name: TEST_ISSUER.to_string(),
            url: self.test_issuer_url(),
            audiences: self.config.test_issuer.audiences.clone(),
        })
    }

    /// `test` or an issuer URL from the config.
    pub(crate) fn issuer_named(&self, name: &str) -> Option<TrustedIssuer> {
        if name == TEST_ISSUER {
            return self.test_issuer();
        }
        self.config
            .issuers
            .iter()
            .find(|i| i.url.trim_end_matches('/') == name.trim_end_matches('/'))
            .map(|i| TrustedIssuer {
                name: i.url.trim_end_matches('/').to_string(),
                url: i.url.clone(),
                audiences: i.audiences.clone(),
            })
    }

    /// Every issuer athena-local knows (the account's OIDC providers).
    pub(crate) fn all_issuers(&self) -> Vec<TrustedIssuer> {
        self.test_issuer()
            .into_iter()
            .chain(
                self.config
                    .issuers
                    .iter()
                    .filter_map(|i| self.issuer_named(&i.url)),
            )
            .collect()
    }

    pub(crate) fn role(&self, arn: &str) -> Option<&RoleConfig> {
        self.config.roles.iter().find(|r| r.arn == arn)
    }

    /// The configured Identity Center application with this ARN.
    pub(crate) fn application(&self, arn: &str) -> Option<&ApplicationConfig> {
        self.config.applications.iter().find(|a| a.arn == arn)
    }

    // ---- tokens and identity contexts ------------------------------------

    /// Validates a token from one of `issuers` (keys are cached per issuer).
    pub(crate) async fn verify_token(
        &self,
        token: &str,
        issuers: &[TrustedIssuer],
        trust_owner: &str,
        now: i64,
    ) -> Result<VerifiedToken, TokenError> {
        self.verifier.verify(token, issuers, trust_owner, now).await
    }

    /// An `sts:identity_context` assertion only this server can have made.
    pub(crate) fn seal_context(&self, context: &IdentityContext) -> String {
        self.sealer.seal(context)
    }

    pub(crate) fn open_context(
        &self,
        assertion: &str,
        now: i64,
    ) -> Result<IdentityContext, ContextError> {
        self.sealer.open(assertion, now)
    }

    /// Signs an id token with the Identity Center key (published at its JWKS).
    pub(crate) fn sign_idc_token(&self, claims: &Value) -> Result<String, KeyError> {
        self.idc_key.sign(claims)
    }

    /// False when `jti` was already exchanged with `application`: an
    /// assertion is good for one exchange per application.
    pub(crate) fn first_use_of_jti(&self, application: &str, jti: &str) -> bool {
        let mut issued = lock(&self.issued);
        let seen = issued.seen_jti.entry(application.to_string()).or_default();
        seen.insert(jti.to_string())
    }

    /// Keeps a CreateTokenWithIAM answer for the admin listing.
    pub(crate) fn record_tokens(&self, tokens: IssuedTokens) {
        lock(&self.issued).tokens.push(tokens);
    }

    // ---- credentials ------------------------------------------------------

    fn static_caller(&self, c: &Credential) -> Caller {
        Caller {
            access_key_id: c.access_key_id.clone(),
            arn: c.arn.clone().unwrap_or_else(|| {
                format!("arn:aws:iam::{}:user/{}", self.account, c.access_key_id)
            }),
            user_id: format!("AIDA{}", keys::stable_id(&c.access_key_id, 17)),
            role_arn: None,
            identity_context_user: None,
            is_static: true,
        }
    }

    /// Verifies SigV4 against static and issued credentials and checks the
    /// signing service name fits the route.
    pub fn authenticate(
        &self,
        req: &SignedRequest<'_>,
        service: &str,
        now: DateTime<Utc>,
    ) -> Result<Caller, ApiError> {
        let mut caller = None;
        let now_ms = now.timestamp_millis();
        let auth = sigv4::verify_with(req, self.max_clock_skew_secs, now, |akid| {
            if let Some(c) = self
                .static_credentials
                .iter()
                .find(|c| c.access_key_id == akid)
            {
                caller = Some(self.static_caller(c));
                return Some(SigningSecret {
                    secret_access_key: c.secret_access_key.clone(),
                    session_token: c.session_token.clone(),
                    expired: c.expired,
                });
            }
            let issued = lock(&self.issued);
            let c = issued.credentials.get(akid)?;
            caller = Some(Caller {
                access_key_id: c.access_key_id.clone(),
                arn: c.assumed_role_arn.clone(),
                user_id: c.assumed_role_id.clone(),
                role_arn: Some(c.role_arn.clone()),
                identity_context_user: c.identity_context.as_ref().map(|x| x.user.clone()),
                is_static: false,
            });
            Some(SigningSecret {
                secret_access_key: c.secret_access_key.clone(),
                session_token: Some(c.session_token.clone()),
                expired: now_ms >= c.expires_at_ms,
            })
        })?;
        if auth.service != service {
            return Err(ApiError::invalid_signature(format!(
                "Credential should be scoped to correct service: '{service}'."
            )));
        }
        caller.ok_or_else(ApiError::unrecognized_client)
    }

    /// New temporary credentials for a role session.
    pub(crate) fn issue(
        &self,
        role_arn: &str,
        session_name: &str,
        duration_secs: u64,
        identity_context: Option<IdentityContext>,
        now_ms: i64,
    ) -> Result<IssuedCredential, ApiError> {
        let rand_err = |e: KeyError| ApiError::internal(e.to_string());
        let role_name = parse_role_arn(role_arn).map(|(_, n)| n).unwrap_or(role_arn);
        let lifetime = match self.settings().credential_lifetime_seconds {
            Some(cap) => duration_secs.min(cap),
            None => duration_secs,
        };
        let lifetime_ms = i64::try_from(lifetime.saturating_mul(1000)).unwrap_or(i64::MAX);
        let cred = IssuedCredential {
            access_key_id: format!("ASIA{}", keys::random_id(16).map_err(rand_err)?),
            secret_access_key: keys::random_secret(40).map_err(rand_err)?,
            session_token: keys::b64url(keys::random_bytes(96).map_err(rand_err)?),
            expires_at_ms: now_ms.saturating_add(lifetime_ms),
            role_arn: role_arn.to_string(),
            assumed_role_arn: format!(
                "arn:aws:sts::{}:assumed-role/{role_name}/{session_name}",
                self.account
            ),
            assumed_role_id: format!("AROA{}:{session_name}", keys::stable_id(role_arn, 17)),
            identity_context,
        };
        let mut issued = lock(&self.issued);
        issued.order.push(cred.access_key_id.clone());
        issued
            .credentials
            .insert(cred.access_key_id.clone(), cred.clone());
        Ok(cred)
    }

    // ---- admin ------------------------------------------------------------

    /// Every credential issued so far, and every Identity Center access
    /// token, expires now; returns how many credentials.
    pub fn expire_all(&self) -> usize {
        let now = now_ms();
        self.identity_center.expire_access_tokens(now);
        let mut issued = lock(&self.issued);
        for c in issued.credentials.values_mut() {
            c.expires_at_ms = c.expires_at_ms.min(now);
        }
        issued.credentials.len()
    }

    /// The secrets handed out, so tests can check none leaked into logs.
    pub fn issued_json(&self) -> Value {
        let issued = lock(&self.issued);
        let credentials: Vec<Value> = issued
            .order
            .iter()
            .filter_map(|k| issued.credentials.get(k))
            .map(|c| {
                json!({
                    "access_key_id": c.access_key_id,
                    "secret_access_key": c.secret_access_key,
                    "session_token": c.session_token,
                    "expiration": c.expiration(),
                    "role_arn": c.role_arn,
                    "assumed_role_arn": c.assumed_role_arn,
                    "identity_context_user": c.identity_context.as_ref().map(|x| x.user.clone()),
                })
            })
            .collect();
        // Flat "name": "secret" pairs, easy to scan from any language.
        let tokens: Vec<Value> = issued
            .tokens
            .iter()
            .map(|t| {
                json!({
                    "application": t.application,
                    "user": t.user,
                    "id_token": t.id_token,
                    "access_token": t.access_token,
                    "context_assertion": t.context_assertion,
                })
            })
            .collect();
        let test_tokens: Vec<Value> = issued
            .test_tokens
            .iter()
            .map(|t| json!({ "token": t }))
            .collect();
        json!({
            "credentials": credentials,
            "tokens": tokens,
            "test_tokens": test_tokens,
            "identity_center": self.identity_center.issued_json(),
        })
    }

    fn discovery(&self, issuer: &str) -> Value {
        json!({
            "issuer": issuer,
            "jwks_uri": format!("{issuer}/jwks"),
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "nbf", "jti", "email"],
        })
    }

    pub fn test_issuer_discovery(&self) -> Option<Value> {
        self.config
            .test_issuer
            .enabled
            .then(|| self.discovery(&self.test_issuer_url()))
    }

    pub fn test_issuer_jwks(&self) -> Option<Value> {
        self.config
            .test_issuer
            .enabled
            .then(|| json!({"keys": [self.test_key.public_jwk()]}))
    }

    pub fn idc_discovery(&self) -> Value {
        self.discovery(&self.idc_issuer_url())
    }

    pub fn idc_jwks(&self) -> Value {
        json!({"keys": [self.idc_key.public_jwk()]})
    }

    /// Mints a test-issuer token: defaults overridden by `req.claims`
    /// (a `null` claim is removed).
    pub fn mint(&self, req: &MintRequest) -> Result<String, String> {
        if !self.config.test_issuer.enabled {
            return Err(
                "the test issuer is disabled ([identity.test_issuer] enabled = false)".into(),
            );
        }
        let now = Utc::now().timestamp();
        let jti = keys::random_id(26).map_err(|e| e.to_string())?;
        let mut claims = Map::new();
        claims.insert("iss".into(), json!(self.test_issuer_url()));
        let aud = self
            .config
            .test_issuer
            .audiences
            .first()
            .cloned()
            .unwrap_or_default();
        claims.insert("aud".into(), json!(aud));
        claims.insert("sub".into(), json!("test-user"));
        claims.insert("email".into(), json!("test-user@example.com"));
        claims.insert("iat".into(), json!(now));
        claims.insert("exp".into(), json!(now + 3600));
        claims.insert("jti".into(), json!(jti));
        for (k, v) in &req.claims {
            if v.is_null() {
                claims.remove(k);
            } else {
                claims.insert(k.clone(), v.clone());
            }
        }
        let claims = Value::Object(claims);
        let token = match req.signing.as_deref().unwrap_or("valid") {
            "valid" => self.test_key.sign(&claims).map_err(|e| e.to_string())?,
            "wrong-key" => self.wrong_key.sign(&claims).map_err(|e| e.to_string())?,
            "none" => keys::unsigned_token(&claims),
            other => {
                return Err(format!(
                    "signing must be \"valid\", \"wrong-key\" or \"none\", not \"{other}\""
                ))
            }
        };
        lock(&self.issued).test_tokens.push(token.clone());
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_minting() {
        let id = Identity::new(&Config::default(), "http://127.0.0.1:9/").unwrap();
        assert_eq!(
            id.test_issuer_url(),
            "http://127.0.0.1:9/_athena_local/issuer"
        );
        assert_eq!(id.wrong_key.kid(), id.test_key.kid());
        assert_ne!(id.wrong_key.public_jwk(), id.test_key.public_jwk());
        let req: MintRequest =
            serde_json::from_value(json!({"claims": {"sub": "bob", "email": null}})).unwrap();
        let token = id.mint(&req).unwrap();
        let payload = token.split('.').nth(1).unwrap();
        let claims: Value = serde_json::from_slice(&keys::b64url_decode(payload).unwrap()).unwrap();
        assert_eq!(claims["sub"], "bob");
        assert!(claims.get("email").is_none());
        assert_eq!(claims["aud"], "athena-local");
        let bad: MintRequest = serde_json::from_value(json!({"signing": "x"})).unwrap();
        assert!(id.mint(&bad).is_err());
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn issue_caps_lifetime_and_expire_all() {
        let id = Identity::new(&Config::default(), "http://127.0.0.1:9").unwrap();
        id.set_settings(Settings {
            credential_lifetime_seconds: Some(60),
            id_token_lifetime_seconds: 3600,
        });
        let c = id
            .issue("arn:aws:iam::111122223333:role/r", "s", 3600, None, 1_000)
            .unwrap();
        assert_eq!(c.expires_at_ms, 61_000);
        assert!(c.access_key_id.starts_with("ASIA") && c.access_key_id.len() == 20);
        assert_eq!(
            c.assumed_role_arn,
            "arn:aws:sts::111122223333:assumed-role/r/s"
        );
        assert_eq!(id.expire_all(), 1);
        let issued = id.issued_json();
        assert_eq!(
            issued["credentials"][0]["secret_access_key"],
            c.secret_access_key
        );
    }
}
