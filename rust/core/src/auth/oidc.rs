//! OpenID Connect for `BrowserOidcTip` (seed 004): discovery, the authorization
//! request (code flow, PKCE S256, random `state` and `nonce`), the token
//! endpoint (code and refresh-token grants) and the id token checks.
//!
//! Nothing here prints a token, a code, a verifier or the client secret.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::auth::browser;
use crate::error::{describe_chain, Error, ErrorKind, Result};
use crate::log::Logger;
use crate::network::NetworkSettings;
use crate::secret::Secret;

const HTTP_TIMEOUT: Duration = Duration::from_secs(30);
/// Clock skew tolerated on the id token's times.
const LEEWAY_SECONDS: u64 = 60;

/// An OpenID provider and the person's sign-in through the browser
/// (BrowserOidcTip, seed 004).
#[derive(Debug, Clone, PartialEq)]
pub struct OidcSettings {
    pub well_known_url: String,
    pub client_id: String,
    pub client_secret: Option<Secret>,
    pub scope: String,
    pub port: u16,
    pub response_timeout: Duration,
}

/// The parts of the provider's discovery document the flow uses.
#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: Option<String>,
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    pub code_challenge_methods_supported: Option<Vec<String>>,
}

/// What one sign-in at the identity provider gave.
#[derive(Clone)]
pub struct IdpTokens {
    pub id_token: Secret,
    pub expiry: SystemTime,
    pub refresh_token: Option<Secret>,
}

impl std::fmt::Debug for IdpTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "IdpTokens(expires {}, refresh token: {})",
            crate::auth::epoch_seconds(self.expiry),
            self.refresh_token.is_some()
        )
    }
}

/// One authorization request: what the browser is sent to, and what the
/// answer must match.
pub struct AuthorizationRequest {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub verifier: Secret,
    pub redirect_uri: String,
}

/// Sends the person's browser to an authorization request: the listener
/// first (so a taken port fails before the browser opens), then the request,
/// then the browser. The flow waits on the returned listener for the code.
pub async fn open_authorization(
    logger: &Logger,
    flow: &str,
    (port, listener): (u16, browser::Settings),
    authorization_endpoint: &str,
    request: impl FnOnce() -> Result<AuthorizationRequest>,
) -> Result<(browser::Callback, AuthorizationRequest)> {
    let callback = browser::Callback::bind(port, listener).await?;
    let request = request()?;
    logger.info(|| {
        format!(
            "{flow}: opening the browser at {authorization_endpoint} (redirect {})",
            request.redirect_uri
        )
    });
    browser::open(&request.url)?;
    Ok((callback, request))
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
    refresh_token: Option<String>,
}

#[derive(Deserialize)]
struct OAuthError {
    error: String,
    error_description: Option<String>,
}

#[derive(Debug, Deserialize)]
struct IdClaims {
    exp: f64,
    nonce: Option<String>,
}

pub fn random_token(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)
        .map_err(|e| Error::internal(format!("no randomness from the system: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

pub fn redirect_uri(port: u16) -> String {
    format!("http://localhost:{port}/athena")
}

/// A client of one identity provider, as the connection's properties name it.
pub struct OidcClient<'a> {
    http: reqwest::Client,
    settings: &'a OidcSettings,
}

impl<'a> OidcClient<'a> {
    pub fn new(settings: &'a OidcSettings, network: &NetworkSettings) -> Result<Self> {
        let http = crate::network::idp_http_client(network, HTTP_TIMEOUT)?;
        Ok(OidcClient { http, settings })
    }

    fn unreachable(&self, what: &str, url: &str, e: &reqwest::Error) -> Error {
        let chain = describe_chain(e);
        if crate::error::is_untrusted_certificate(&chain) {
            return Error::new(
                ErrorKind::InvalidProperties,
                format!(
                    "the identity provider's {what} ({url}): its TLS certificate is not trusted ({chain}); {}",
                    crate::error::TRUSTED_CERTS_HINT
                ),
            );
        }
        Error::new(
            ErrorKind::Transient,
            format!("the identity provider's {what} ({url}) could not be read: {chain}"),
        )
    }

    async fn get_json<T: for<'de> Deserialize<'de>>(&self, what: &str, url: &str) -> Result<T> {
        let response = self
            .http
            .get(url)
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|e| self.unreachable(what, url, &e))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.unreachable(what, url, &e))?;
        if !status.is_success() {
            return Err(Error::new(
                ErrorKind::InvalidProperties,
                format!("the identity provider's {what} ({url}) answered HTTP {status}"),
            ));
        }
        serde_json::from_slice(&body).map_err(|e| {
            Error::new(
                ErrorKind::InvalidProperties,
                format!("the identity provider's {what} ({url}) is not what OpenID Connect defines: {e}"),
            )
        })
    }

    pub async fn discover(&self) -> Result<Discovery> {
        let url = &self.settings.well_known_url;
        let discovery: Discovery = self
            .get_json("discovery document", url)
            .await
            .map_err(|e| e.prefix("IdpWellKnownConfigurationUrl: "))?;
        if let Some(methods) = &discovery.code_challenge_methods_supported {
            if !methods.iter().any(|m| m == "S256") {
                return Err(Error::new(
                    ErrorKind::InvalidProperties,
                    format!("IdpWellKnownConfigurationUrl: the identity provider at {} does not offer PKCE S256, which this driver requires", discovery.issuer),
                ));
            }
        }
        Ok(discovery)
    }

    /// The authorization code request with PKCE S256, `state` and `nonce`.
    pub fn authorization_request(&self, discovery: &Discovery) -> Result<AuthorizationRequest> {
        let verifier = random_token(32)?;
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        let state = random_token(24)?;
        let nonce = random_token(24)?;
        let redirect_uri = redirect_uri(self.settings.port);
        let mut url = reqwest::Url::parse(&discovery.authorization_endpoint).map_err(|e| {
            Error::new(
                ErrorKind::InvalidProperties,
                format!("the identity provider's authorization_endpoint is not a URL: {e}"),
            )
        })?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &self.settings.client_id)
                .append_pair("redirect_uri", &redirect_uri)
                .append_pair("scope", &self.settings.scope)
                .append_pair("state", &state)
                .append_pair("nonce", &nonce)
                .append_pair("code_challenge", &challenge)
                .append_pair("code_challenge_method", "S256");
            // OpenID Connect Core §11: offline access is asked for with consent.
            if self.wants_offline_access() {
                query.append_pair("prompt", "consent");
            }
        }
        Ok(AuthorizationRequest {
            url: url.into(),
            state,
            nonce,
            verifier: Secret::new(verifier),
            redirect_uri,
        })
    }

    fn wants_offline_access(&self) -> bool {
        self.settings
            .scope
            .split_whitespace()
            .any(|s| s == "offline_access")
    }

    /// The code from the browser, exchanged at the token endpoint.
    pub async fn redeem_code(
        &self,
        discovery: &Discovery,
        request: &AuthorizationRequest,
        code: &Secret,
    ) -> Result<IdpTokens> {
        let form = vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code.expose().to_string()),
            ("redirect_uri", request.redirect_uri.clone()),
            ("code_verifier", request.verifier.expose().to_string()),
        ];
        let response = self.token_request(discovery, form).await?;
        self.accept(discovery, response, Some(&request.nonce), None)
            .await
    }

    /// A new id token from the refresh token, without the browser.
    pub async fn refresh(
        &self,
        discovery: &Discovery,
        refresh_token: &Secret,
    ) -> Result<IdpTokens> {
        let mut form = vec![
            ("grant_type", "refresh_token".to_string()),
            ("refresh_token", refresh_token.expose().to_string()),
        ];
        if !self.settings.scope.is_empty() {
            form.push(("scope", self.settings.scope.clone()));
        }
        let response = self.token_request(discovery, form).await?;
        self.accept(discovery, response, None, Some(refresh_token))
            .await
    }

    /// POSTs to the token endpoint, authenticating the client the way the
    /// provider advertises: HTTP Basic unless only `client_secret_post` is offered.
    async fn token_request(
        &self,
        discovery: &Discovery,
        mut form: Vec<(&'static str, String)>,
    ) -> Result<TokenResponse> {
        let url = &discovery.token_endpoint;
        let mut request = self.http.post(url).header("Accept", "application/json");
        match &self.settings.client_secret {
            Some(secret) if self.secret_in_body(discovery) => {
                form.push(("client_id", self.settings.client_id.clone()));
                form.push(("client_secret", secret.expose().to_string()));
            }
            Some(secret) => {
                let basic = basic_credentials(&self.settings.client_id, secret.expose());
                request = request.header("Authorization", format!("Basic {basic}"));
            }
            None => form.push(("client_id", self.settings.client_id.clone())),
        }
        let response = request
            .form(&form)
            .send()
            .await
            .map_err(|e| self.unreachable("token endpoint", url, &e))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.unreachable("token endpoint", url, &e))?;
        if !status.is_success() {
            let detail = match serde_json::from_slice::<OAuthError>(&body) {
                Ok(e) => describe_oauth_error(&e.error, e.error_description.as_deref()),
                Err(_) => format!("HTTP {status}"),
            };
            let hint = if self.settings.client_secret.is_none() && detail.contains("invalid_client")
            {
                "; if the identity provider requires a client secret, set OidcClientSecret"
            } else {
                ""
            };
            return Err(Error::new(
                ErrorKind::Authentication,
                format!("the identity provider's token endpoint refused the request (OidcClientId {}): {detail}{hint}", self.settings.client_id),
            ));
        }
        serde_json::from_slice(&body).map_err(|e| {
            Error::new(
                ErrorKind::Service,
                format!("the identity provider's token endpoint answered something that is not a token response: {e}"),
            )
        })
    }

    fn secret_in_body(&self, discovery: &Discovery) -> bool {
        match &discovery.token_endpoint_auth_methods_supported {
            // The OpenID Connect default when the list is absent.
            None => false,
            Some(methods) => {
                !methods.iter().any(|m| m == "client_secret_basic")
                    && methods.iter().any(|m| m == "client_secret_post")
            }
        }
    }

    async fn accept(
        &self,
        discovery: &Discovery,
        response: TokenResponse,
        nonce: Option<&str>,
        previous_refresh: Option<&Secret>,
    ) -> Result<IdpTokens> {
        let id_token = response.id_token.ok_or_else(|| {
            Error::new(
                ErrorKind::Authentication,
                "the identity provider returned no id token; include openid in Scope",
            )
        })?;
        let claims = self.verify_id_token(discovery, &id_token, nonce).await?;
        Ok(IdpTokens {
            id_token: Secret::new(id_token),
            expiry: UNIX_EPOCH + Duration::from_secs_f64(claims.exp.max(0.0)),
            // A provider that does not rotate refresh tokens keeps the old one valid.
            refresh_token: response
                .refresh_token
                .map(Secret::new)
                .or_else(|| previous_refresh.cloned()),
        })
    }

    /// Fetches the provider's JWKS and checks the id token against it.
    async fn verify_id_token(
        &self,
        discovery: &Discovery,
        token: &str,
        nonce: Option<&str>,
    ) -> Result<IdClaims> {
        let jwks_uri = discovery.jwks_uri.as_deref().ok_or_else(|| {
            refused("the discovery document names no jwks_uri to check its signature".into())
        })?;
        let jwks: JwkSet = self.get_json("JWKS", jwks_uri).await?;
        check_id_token(
            &jwks,
            &discovery.issuer,
            &self.settings.client_id,
            token,
            nonce,
        )
    }
}

fn refused(why: String) -> Error {
    Error::new(
        ErrorKind::Authentication,
        format!("the id token from the identity provider was refused: {why}"),
    )
}

/// Signature (against the provider's keys), issuer, audience (the client id),
/// expiry and, after the browser, the nonce.
fn check_id_token(
    jwks: &JwkSet,
    issuer: &str,
    client_id: &str,
    token: &str,
    nonce: Option<&str>,
) -> Result<IdClaims> {
    let header = jsonwebtoken::decode_header(token)
        .map_err(|e| refused(format!("it is not a JWT ({e})")))?;
    if !matches!(
        header.alg,
        Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512
            | Algorithm::ES256
            | Algorithm::ES384
            | Algorithm::EdDSA
    ) {
        return Err(refused(format!(
            "it is signed with {:?}, not with a key from the provider's JWKS",
            header.alg
        )));
    }
    let jwk = match &header.kid {
        Some(kid) => jwks.find(kid),
        None if jwks.keys.len() == 1 => jwks.keys.first(),
        None => None,
    }
    .ok_or_else(|| refused("its signing key is not in the provider's JWKS".into()))?;
    let key = DecodingKey::from_jwk(jwk)
        .map_err(|e| refused(format!("the provider's signing key cannot be used: {e}")))?;
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[client_id]);
    validation.set_required_spec_claims(&["exp", "iss", "aud"]);
    validation.leeway = LEEWAY_SECONDS;
    let data = jsonwebtoken::decode::<IdClaims>(token, &key, &validation).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind as Jwt;
        refused(match e.kind() {
            Jwt::InvalidSignature => "its signature does not match the provider's key".into(),
            Jwt::ExpiredSignature => "it has expired".into(),
            Jwt::ImmatureSignature => "it is not valid yet".into(),
            Jwt::InvalidIssuer => format!("its issuer is not {issuer}"),
            Jwt::InvalidAudience => format!("its audience is not OidcClientId {client_id}"),
            other => format!("{other:?}"),
        })
    })?;
    if let Some(expected) = nonce {
        if data.claims.nonce.as_deref() != Some(expected) {
            return Err(refused("its nonce is not the one this sign-in sent".into()));
        }
    }
    Ok(data.claims)
}

/// RFC 6749 §2.3.1: client id and secret form-encoded, then Base64.
fn basic_credentials(client_id: &str, secret: &str) -> String {
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    STANDARD.encode(format!("{}:{}", encode(client_id), encode(secret)))
}

/// `error: description` as OAuth 2.0 sends them (never secrets).
pub fn describe_oauth_error(error: &str, description: Option<&str>) -> String {
    match description {
        Some(d) if !d.is_empty() => format!("{error} ({d})"),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(scope: &str) -> OidcSettings {
        OidcSettings {
            well_known_url: "http://127.0.0.1:1/.well-known/openid-configuration".into(),
            client_id: "desktop app".into(),
            client_secret: None,
            scope: scope.into(),
            port: 7890,
            response_timeout: Duration::from_secs(120),
        }
    }

    fn discovery() -> Discovery {
        Discovery {
            issuer: "http://idp".into(),
            authorization_endpoint: "http://idp/auth?tenant=1".into(),
            token_endpoint: "http://idp/token".into(),
            jwks_uri: None,
            token_endpoint_auth_methods_supported: None,
            code_challenge_methods_supported: None,
        }
    }

    #[test]
    fn the_authorization_request_carries_pkce_state_and_nonce() {
        let s = settings("openid email offline_access");
        let client = OidcClient::new(&s, &NetworkSettings::default()).unwrap();
        let request = client.authorization_request(&discovery()).unwrap();
        let url = reqwest::Url::parse(&request.url).unwrap();
        let query: std::collections::HashMap<String, String> =
            url.query_pairs().into_owned().collect();
        assert_eq!(query["tenant"], "1");
        assert_eq!(query["client_id"], "desktop app");
        assert_eq!(query["redirect_uri"], "http://localhost:7890/athena");
        assert_eq!(query["code_challenge_method"], "S256");
        assert_eq!(
            query["code_challenge"],
            URL_SAFE_NO_PAD.encode(Sha256::digest(request.verifier.expose().as_bytes()))
        );
        assert_eq!(query["state"], request.state);
        assert_eq!(query["nonce"], request.nonce);
        assert_eq!(query["prompt"], "consent");
        assert!(!request.url.contains(request.verifier.expose()));
        let again = client.authorization_request(&discovery()).unwrap();
        assert_ne!(again.state, request.state);
        assert_ne!(again.nonce, request.nonce);
        let no_offline = settings("openid email");
        let plain = OidcClient::new(&no_offline, &NetworkSettings::default())
            .unwrap()
            .authorization_request(&discovery())
            .unwrap();
        assert!(!plain.url.contains("prompt="));
    }

    /// An ES256 key pair as the provider's JWKS and a signer of id tokens.
    fn provider_keys(kid: &str) -> (JwkSet, jsonwebtoken::EncodingKey) {
        use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
        let point = pair.public_key().as_ref();
        let jwks = serde_json::json!({"keys": [{
            "kty": "EC", "crv": "P-256", "kid": kid, "alg": "ES256", "use": "sig",
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
        }]});
        (
            serde_json::from_value(jwks).unwrap(),
            jsonwebtoken::EncodingKey::from_ec_der(pkcs8.as_ref()),
        )
    }

    fn id_token(key: &jsonwebtoken::EncodingKey, kid: &str, changes: serde_json::Value) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let mut claims = serde_json::json!({
            "iss": "http://idp", "aud": "desktop", "sub": "alice",
            "iat": now, "exp": now + 600, "nonce": "n-1",
        });
        for (k, v) in changes.as_object().unwrap() {
            claims[k] = v.clone();
        }
        let mut header = jsonwebtoken::Header::new(Algorithm::ES256);
        header.kid = Some(kid.into());
        jsonwebtoken::encode(&header, &claims, key).unwrap()
    }

    #[test]
    fn id_tokens_are_checked_for_signature_issuer_audience_expiry_and_nonce() {
        let (jwks, key) = provider_keys("k1");
        let check =
            |token: &str, nonce| check_id_token(&jwks, "http://idp", "desktop", token, nonce);
        let good = id_token(&key, "k1", serde_json::json!({}));
        assert!(check(&good, Some("n-1")).is_ok());
        // A refreshed id token need not repeat the nonce.
        assert!(check(&good, None).is_ok());
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let (_, other_key) = provider_keys("k1");
        let cases = [
            (
                id_token(&key, "k1", serde_json::json!({"iss": "http://evil"})),
                "issuer is not http://idp",
            ),
            (
                id_token(&key, "k1", serde_json::json!({"aud": "someone-else"})),
                "audience is not OidcClientId desktop",
            ),
            (
                id_token(&key, "k1", serde_json::json!({"exp": now - 3600})),
                "expired",
            ),
            (
                id_token(&key, "k1", serde_json::json!({"nonce": "n-2"})),
                "nonce",
            ),
            (
                id_token(&key, "k2", serde_json::json!({})),
                "not in the provider's JWKS",
            ),
            (
                id_token(&other_key, "k1", serde_json::json!({})),
                "signature does not match",
            ),
            ("not.a.jwt".to_string(), "not a JWT"),
        ];
        for (token, says) in cases {
            let err = check(&token, Some("n-1")).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Authentication);
            assert!(err.to_string().contains(says), "{err} should say {says}");
            assert!(!err.to_string().contains(&token), "{err}");
        }
    }

    #[test]
    fn basic_credentials_form_encode_both_parts() {
        let decoded = STANDARD
            .decode(basic_credentials("my app", "s:e&c=r+t"))
            .unwrap();
        assert_eq!(
            String::from_utf8(decoded).unwrap(),
            "my+app:s%3Ae%26c%3Dr%2Bt"
        );
    }

    #[test]
    fn the_secret_goes_where_the_provider_advertises() {
        let s = settings("openid");
        let client = OidcClient::new(&s, &NetworkSettings::default()).unwrap();
        let mut d = discovery();
        assert!(!client.secret_in_body(&d));
        d.token_endpoint_auth_methods_supported = Some(vec!["client_secret_post".into()]);
        assert!(client.secret_in_body(&d));
        d.token_endpoint_auth_methods_supported = Some(vec![
            "client_secret_post".into(),
            "client_secret_basic".into(),
        ]);
        assert!(!client.secret_in_body(&d));
    }
}
