//! Signing keys (ES256, generated at startup with ring), randomness and
//! base64url helpers.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde_json::{json, Value};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot generate a signing key: {0}")]
    Generate(&'static str),
    #[error("cannot sign a token: {0}")]
    Sign(String),
    #[error("the system random number generator failed")]
    Random,
    #[error("[[identity.saml_providers]]: {0}")]
    Saml(String),
}

pub fn b64url(data: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

pub fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

pub fn random_bytes(n: usize) -> Result<Vec<u8>, KeyError> {
    let mut buf = vec![0u8; n];
    SystemRandom::new()
        .fill(&mut buf)
        .map_err(|_| KeyError::Random)?;
    Ok(buf)
}

/// `n` characters of `alphabet`, whose length must divide 256 so every
/// character is equally likely.
fn random_from(alphabet: &[u8], n: usize) -> Result<String, KeyError> {
    debug_assert!(256 % alphabet.len() == 0);
    Ok(random_bytes(n)?
        .into_iter()
        .map(|b| char::from(alphabet[usize::from(b) % alphabet.len()]))
        .collect())
}

const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Upper-case letters and digits 2-7, like AWS key and principal ids.
pub fn random_id(n: usize) -> Result<String, KeyError> {
    random_from(BASE32, n)
}

/// Base64 alphabet characters, like AWS secret access keys.
pub fn random_secret(n: usize) -> Result<String, KeyError> {
    random_from(BASE64, n)
}

/// A stable id of `n` base32 characters derived from `seed` (role ids,
/// user ids), so the same role always reports the same id.
pub fn stable_id(seed: &str, n: usize) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(seed.as_bytes())
        .iter()
        .cycle()
        .take(n)
        .map(|b| char::from(BASE32[usize::from(*b) % BASE32.len()]))
        .collect()
}

/// An ES256 (P-256) key pair with its public JWK.
pub struct SigningKey {
    kid: String,
    pkcs8: Vec<u8>,
    jwk: Value,
}

impl SigningKey {
    pub fn generate(kid: &str) -> Result<SigningKey, KeyError> {
        let rng = SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| KeyError::Generate("P-256 key generation failed"))?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, doc.as_ref(), &rng)
            .map_err(|_| KeyError::Generate("generated key does not parse"))?;
        // ring gives the uncompressed point: 0x04 || X (32 bytes) || Y (32 bytes).
        let point = pair.public_key().as_ref();
        if point.len() != 65 || point[0] != 4 {
            return Err(KeyError::Generate("unexpected public key encoding"));
        }
        let jwk = json!({
            "kty": "EC",
            "crv": "P-256",
            "x": b64url(&point[1..33]),
            "y": b64url(&point[33..65]),
            "kid": kid,
            "alg": "ES256",
            "use": "sig",
        });
        Ok(SigningKey {
            kid: kid.to_string(),
            pkcs8: doc.as_ref().to_vec(),
            jwk,
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn public_jwk(&self) -> &Value {
        &self.jwk
    }

    /// A compact JWS with header `{"alg":"ES256","typ":"JWT","kid":...}`.
    pub fn sign(&self, claims: &Value) -> Result<String, KeyError> {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        // jsonwebtoken reads a PKCS#8 document for EC keys.
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_ec_der(&self.pkcs8))
            .map_err(|e| KeyError::Sign(e.to_string()))
    }
}

/// An `alg: none` token with an empty signature, for rejection tests.
pub fn unsigned_token(claims: &Value) -> String {
    let header = json!({"alg": "none", "typ": "JWT"});
    format!(
        "{}.{}.",
        b64url(header.to_string()),
        b64url(claims.to_string())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::jwk::Jwk;
    use jsonwebtoken::{DecodingKey, Validation};

    #[test]
    fn signs_and_verifies_with_public_jwk() {
        let key = SigningKey::generate("k1").unwrap();
        let token = key
            .sign(&json!({"sub": "u", "exp": 4_000_000_000u64}))
            .unwrap();
        let jwk: Jwk = serde_json::from_value(key.public_jwk().clone()).unwrap();
        let dk = DecodingKey::from_jwk(&jwk).unwrap();
        let data =
            jsonwebtoken::decode::<Value>(&token, &dk, &Validation::new(Algorithm::ES256)).unwrap();
        assert_eq!(data.claims["sub"], "u");
        assert_eq!(data.header.kid.as_deref(), Some("k1"));

        let other = SigningKey::generate("k1").unwrap();
        let forged = other
            .sign(&json!({"sub": "u", "exp": 4_000_000_000u64}))
            .unwrap();
        assert!(
            jsonwebtoken::decode::<Value>(&forged, &dk, &Validation::new(Algorithm::ES256))
                .is_err()
        );
    }

    #[test]
    fn ids() {
        let id = random_id(16).unwrap();
        assert_eq!(id.len(), 16);
        assert!(id.bytes().all(|b| BASE32.contains(&b)));
        assert_eq!(random_secret(40).unwrap().len(), 40);
        assert_eq!(stable_id("a", 17), stable_id("a", 17));
        assert_ne!(stable_id("a", 17), stable_id("b", 17));
        assert!(unsigned_token(&json!({})).ends_with('.'));
    }
}
