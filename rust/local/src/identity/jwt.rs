//! OIDC token validation: signature against the issuer's JWKS (fetched over
//! HTTP via its discovery document and cached), then `exp`/`nbf`/`iat` and
//! `aud`. Error messages name the failed check but never the token.

use super::iso8601;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// STS rejects longer web identity tokens too.
const MAX_TOKEN_LEN: usize = 20_000;
/// Tolerated clock difference for `nbf` and `iat` (not for `exp`).
const FUTURE_LEEWAY_SECS: i64 = 60;
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_DOCUMENT: usize = 1024 * 1024;

/// An issuer accepted for one check, with the audiences it may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedIssuer {
    /// How trust lists name it: `test` or the URL.
    pub name: String,
    /// The `iss` value.
    pub url: String,
    pub audiences: Vec<String>,
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("{0}")]
    Malformed(String),
    #[error("{0}")]
    UntrustedIssuer(String),
    /// The issuer's discovery document or keys could not be read.
    #[error("{0}")]
    Unreachable(String),
    #[error("{0}")]
    BadSignature(String),
    #[error("{0}")]
    Expired(String),
    #[error("{0}")]
    NotYetValid(String),
    #[error("{0}")]
    Audience(String),
}

/// A token whose signature and claims checked out.
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    pub issuer: TrustedIssuer,
    /// The `aud` value that matched.
    pub audience: String,
    pub subject: String,
    pub expires_at: i64,
    pub claims: Map<String, Value>,
}

impl VerifiedToken {
    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }
}

/// Plain-HTTP GET of JSON documents (discovery, JWKS).
pub struct HttpFetcher {
    client: Client<HttpConnector, Empty<Bytes>>,
}

impl Default for HttpFetcher {
    fn default() -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(FETCH_TIMEOUT));
        HttpFetcher {
            client: Client::builder(TokioExecutor::new()).build(connector),
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

impl HttpFetcher {
    pub async fn get_json(&self, url: &str) -> Result<Value, String> {
        let uri: hyper::Uri = url.parse().map_err(|_| "not a valid URL".to_string())?;
        if uri.scheme_str() != Some("http") {
            return Err("only http:// URLs can be fetched (athena-local has no TLS client)".into());
        }
        let req = hyper::Request::get(uri)
            .header(hyper::header::ACCEPT, "application/json")
            .body(Empty::new())
            .map_err(|e| e.to_string())?;
        let resp = tokio::time::timeout(FETCH_TIMEOUT, self.client.request(req))
            .await
            .map_err(|_| "timed out".to_string())?
            .map_err(|e| error_chain(&e))?;
        let status = resp.status();
        let body = tokio::time::timeout(
            FETCH_TIMEOUT,
            Limited::new(resp.into_body(), MAX_DOCUMENT).collect(),
        )
        .await
        .map_err(|_| "timed out reading the response".to_string())?
        .map_err(|_| "the response could not be read or exceeds 1 MiB".to_string())?
        .to_bytes();
        if !status.is_success() {
            return Err(format!("HTTP status {}", status.as_u16()));
        }
        serde_json::from_slice(&body).map_err(|_| "the response is not JSON".to_string())
    }
}

struct KeyEntry {
    kid: Option<String>,
    jwk: Jwk,
}

/// Validates tokens; caches each issuer's keys.
#[derive(Default)]
pub struct JwtVerifier {
    http: HttpFetcher,
    keys: Mutex<HashMap<String, Arc<Vec<KeyEntry>>>>,
}

/// Algorithms accepted from issuers: asymmetric only, so a public key can
/// never be misused as an HMAC secret.
fn accepted_algorithm(alg: &str) -> Result<Algorithm, TokenError> {
    if alg == "none" {
        return Err(TokenError::Malformed(
            "the token is unsigned (alg 'none'); a signed JWT is required".into(),
        ));
    }
    let parsed = Algorithm::from_str(alg).map_err(|_| {
        TokenError::Malformed(format!(
            "the token's signing algorithm '{alg}' is not supported"
        ))
    })?;
    match parsed {
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => Err(TokenError::Malformed(
            format!("the token's signing algorithm '{alg}' is not accepted; tokens must be signed with an asymmetric key (RS*, PS*, ES*, EdDSA)"),
        )),
        a => Ok(a),
    }
}

fn json_part(part: &str, what: &str) -> Result<Map<String, Value>, TokenError> {
    let bytes = super::keys::b64url_decode(part).ok_or_else(|| {
        TokenError::Malformed(format!(
            "the token is not a valid JWT: its {what} is not base64url"
        ))
    })?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(TokenError::Malformed(format!(
            "the token is not a valid JWT: its {what} is not a JSON object"
        ))),
    }
}

fn numeric_claim(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, TokenError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .or_else(|| v.as_f64().map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| {
                TokenError::Malformed(format!("the token's '{name}' claim is not a number"))
            }),
    }
}

fn audiences(claims: &Map<String, Value>) -> Vec<String> {
    match claims.get("aud") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

fn same_issuer(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

impl JwtVerifier {
    /// Validates `token` from one of `issuers`; `trust_owner` names who
    /// trusts them, for the untrusted-issuer message.
    pub async fn verify(
        &self,
        token: &str,
        issuers: &[TrustedIssuer],
        trust_owner: &str,
        now: i64,
    ) -> Result<VerifiedToken, TokenError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(TokenError::Malformed(format!(
                "the token is longer than {MAX_TOKEN_LEN} characters"
            )));
        }
        let parts: Vec<&str> = token.split('.').collect();
        if parts.len() != 3 || parts[0].is_empty() || parts[1].is_empty() {
            return Err(TokenError::Malformed(
                "the token is not a valid JWT (expected three base64url parts: header.payload.signature)".into(),
            ));
        }
        let header = json_part(parts[0], "header")?;
        let alg = header
            .get("alg")
            .and_then(Value::as_str)
            .ok_or_else(|| TokenError::Malformed("the token header has no 'alg'".into()))?;
        let alg = accepted_algorithm(alg)?;
        let kid = header
            .get("kid")
            .and_then(Value::as_str)
            .map(str::to_string);
        let claims = json_part(parts[1], "payload")?;
        if parts[2].is_empty() {
            return Err(TokenError::Malformed("the token has no signature".into()));
        }

        let iss = claims
            .get("iss")
            .and_then(Value::as_str)
            .ok_or_else(|| TokenError::Malformed("the token has no 'iss' claim".into()))?;
        let issuer = issuers
            .iter()
            .find(|i| same_issuer(&i.url, iss))
            .ok_or_else(|| {
                TokenError::UntrustedIssuer(format!(
                    "the token's issuer '{iss}' is not trusted by {trust_owner}"
                ))
            })?;

        self.check_signature(token, &issuer.url, alg, kid.as_deref())
            .await?;

        let exp = numeric_claim(&claims, "exp")?
            .ok_or_else(|| TokenError::Malformed("the token has no 'exp' claim".into()))?;
        if exp <= now {
            return Err(TokenError::Expired(format!(
                "the token expired at {} (now {})",
                iso8601(exp),
                iso8601(now)
            )));
        }
        if let Some(nbf) = numeric_claim(&claims, "nbf")? {
            if nbf > now + FUTURE_LEEWAY_SECS {
                return Err(TokenError::NotYetValid(format!(
                    "the token is not valid before {} ('nbf'; now {})",
                    iso8601(nbf),
                    iso8601(now)
                )));
            }
        }
        if let Some(iat) = numeric_claim(&claims, "iat")? {
            if iat > now + FUTURE_LEEWAY_SECS {
                return Err(TokenError::NotYetValid(format!(
                    "the token was issued in the future ('iat' {}; now {})",
                    iso8601(iat),
                    iso8601(now)
                )));
            }
        }
        let token_auds = audiences(&claims);
        let audience = token_auds
            .iter()
            .find(|a| issuer.audiences.contains(a))
            .cloned()
            .ok_or_else(|| {
                let shown = if token_auds.is_empty() {
                    "(none)".to_string()
                } else {
                    token_auds.join("', '")
                };
                TokenError::Audience(format!(
                    "the token audience '{shown}' is not accepted for issuer '{}' (accepted: '{}')",
                    issuer.url,
                    issuer.audiences.join("', '")
                ))
            })?;
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| TokenError::Malformed("the token has no 'sub' claim".into()))?
            .to_string();
        Ok(VerifiedToken {
            issuer: issuer.clone(),
            audience,
            subject,
            expires_at: exp,
            claims,
        })
    }

    async fn check_signature(
        &self,
        token: &str,
        issuer: &str,
        alg: Algorithm,
        kid: Option<&str>,
    ) -> Result<(), TokenError> {
        let cached = self.cached(issuer);
        let fresh = cached.is_none();
        let mut keys = match cached {
            Some(k) => k,
            None => self.fetch(issuer).await?,
        };
        let matches = |keys: &[KeyEntry]| -> bool {
            keys.iter()
                .any(|k| kid.is_none() || k.kid.as_deref() == kid)
        };
        if !matches(&keys) && !fresh {
            // Issuers rotate keys: look once more before giving up.
            keys = self.fetch(issuer).await?;
        }
        let candidates: Vec<&KeyEntry> = keys
            .iter()
            .filter(|k| kid.is_none() || k.kid.as_deref() == kid)
            .collect();
        if candidates.is_empty() {
            return Err(TokenError::BadSignature(match kid {
                Some(k) => {
                    format!("the issuer '{issuer}' publishes no key with the token's kid '{k}'")
                }
                None => format!("the issuer '{issuer}' publishes no keys"),
            }));
        }
        let mut validation = Validation::new(alg);
        // Claims are checked by the caller, with specific messages.
        validation.required_spec_claims = HashSet::new();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        let mut last = None;
        for key in candidates {
            // A key that declares its algorithm may only verify that one.
            if let Some(declared) = key.jwk.common.key_algorithm {
                let declared = serde_json::to_value(declared).unwrap_or(Value::Null);
                if declared != serde_json::to_value(alg).unwrap_or(Value::Null) {
                    last = Some(format!(
                        "the issuer's key '{}' is for {}, not the token's {alg:?}",
                        key.kid.as_deref().unwrap_or("(no kid)"),
                        declared.as_str().unwrap_or("another algorithm")
                    ));
                    continue;
                }
            }
            let Ok(dk) = DecodingKey::from_jwk(&key.jwk) else {
                last = Some(format!(
                    "the issuer's key '{}' is not a usable public key",
                    key.kid.as_deref().unwrap_or("")
                ));
                continue;
            };
            match jsonwebtoken::decode::<Value>(token, &dk, &validation) {
                Ok(_) => return Ok(()),
                Err(e) => {
                    use jsonwebtoken::errors::ErrorKind;
                    let kid_text = key.kid.as_deref().unwrap_or("(no kid)");
                    last = Some(match e.kind() {
                        ErrorKind::InvalidSignature => format!(
                            "the token's signature does not verify with the issuer's key '{kid_text}'"
                        ),
                        ErrorKind::InvalidAlgorithm => format!(
                            "the token's algorithm {alg:?} does not fit the issuer's key '{kid_text}'"
                        ),
                        ErrorKind::Base64(_) | ErrorKind::InvalidToken => {
                            return Err(TokenError::Malformed(
                                "the token is not a valid JWT: its signature is not base64url".into(),
                            ))
                        }
                        _ => format!(
                            "the token's signature could not be checked with the issuer's key '{kid_text}'"
                        ),
                    });
                }
            }
        }
        Err(TokenError::BadSignature(last.unwrap_or_else(|| {
            "the token's signature does not verify".to_string()
        })))
    }

    fn cached(&self, issuer: &str) -> Option<Arc<Vec<KeyEntry>>> {
        self.keys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(issuer.trim_end_matches('/'))
            .cloned()
    }

    async fn fetch(&self, issuer: &str) -> Result<Arc<Vec<KeyEntry>>, TokenError> {
        let base = issuer.trim_end_matches('/');
        let discovery_url = format!("{base}/.well-known/openid-configuration");
        let doc = self.http.get_json(&discovery_url).await.map_err(|e| {
            TokenError::Unreachable(format!(
                "cannot read the issuer's OpenID discovery document {discovery_url}: {e}"
            ))
        })?;
        // OpenID Connect Discovery 1.0 §4.3: the document must name the same issuer.
        let named = doc.get("issuer").and_then(Value::as_str).unwrap_or("");
        if !same_issuer(named, issuer) {
            return Err(TokenError::Unreachable(format!(
                "the discovery document {discovery_url} names issuer '{named}', not '{issuer}'"
            )));
        }
        let jwks_uri = doc.get("jwks_uri").and_then(Value::as_str).ok_or_else(|| {
            TokenError::Unreachable(format!(
                "the discovery document {discovery_url} has no jwks_uri"
            ))
        })?;
        let jwks = self.http.get_json(jwks_uri).await.map_err(|e| {
            TokenError::Unreachable(format!("cannot read the issuer's JWKS {jwks_uri}: {e}"))
        })?;
        let list = jwks.get("keys").and_then(Value::as_array).ok_or_else(|| {
            TokenError::Unreachable(format!("the JWKS {jwks_uri} has no 'keys' array"))
        })?;
        // Keys of kinds jsonwebtoken does not know are skipped, not fatal.
        let keys: Vec<KeyEntry> = list
            .iter()
            .filter_map(|k| serde_json::from_value::<Jwk>(k.clone()).ok())
            .map(|jwk| KeyEntry {
                kid: jwk.common.key_id.clone(),
                jwk,
            })
            .collect();
        let keys = Arc::new(keys);
        self.keys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(base.to_string(), Arc::clone(&keys));
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithms() {
        assert!(accepted_algorithm("RS256").is_ok());
        assert!(accepted_algorithm("ES256").is_ok());
        assert!(
            matches!(accepted_algorithm("none"), Err(TokenError::Malformed(m)) if m.contains("unsigned"))
        );
        assert!(
            matches!(accepted_algorithm("HS256"), Err(TokenError::Malformed(m)) if m.contains("asymmetric"))
        );
        assert!(accepted_algorithm("XX1").is_err());
    }

    #[test]
    fn claims_helpers() {
        let m: Map<String, Value> =
            serde_json::from_str(r#"{"aud":["a","b"],"exp":1.5,"nbf":"x"}"#).unwrap();
        assert_eq!(audiences(&m), ["a", "b"]);
        assert_eq!(numeric_claim(&m, "exp").unwrap(), Some(1));
        assert!(numeric_claim(&m, "nbf").is_err());
        assert_eq!(numeric_claim(&m, "iat").unwrap(), None);
        assert!(same_issuer("http://x/", "http://x"));
    }

    #[tokio::test]
    async fn malformed_tokens_never_reach_the_network() {
        let v = JwtVerifier::default();
        let issuers = [TrustedIssuer {
            name: "t".into(),
            url: "http://127.0.0.1:1".into(),
            audiences: vec!["a".into()],
        }];
        for bad in ["", "abc", "a.b", "a.b.c.d", "!!.!!.!!"] {
            let e = v.verify(bad, &issuers, "x", 0).await.unwrap_err();
            assert!(matches!(e, TokenError::Malformed(_)), "{bad}: {e:?}");
        }
        let header = super::super::keys::b64url(r#"{"alg":"ES256"}"#);
        let payload = super::super::keys::b64url(r#"{"iss":"http://other"}"#);
        let e = v
            .verify(&format!("{header}.{payload}.sig"), &issuers, "x", 0)
            .await
            .unwrap_err();
        assert!(matches!(e, TokenError::UntrustedIssuer(m) if m.contains("http://other")));
    }
}
