//! `sts:identity_context` assertions: base64url JSON plus an HMAC-SHA256 over
//! it with a per-server secret, so AssumeRole can tell ours from forgeries.

use super::keys::{b64url, b64url_decode, random_bytes, KeyError};
use ring::hmac;
use serde::{Deserialize, Serialize};

/// What an assertion says: who the user is and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityContext {
    /// The Identity Center user.
    pub user: String,
    /// Application that exchanged the token.
    pub application: String,
    /// Identity Center issuer URL.
    pub issuer: String,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContextError {
    #[error("the context assertion is malformed")]
    Malformed,
    #[error("the context assertion was not issued by this IAM Identity Center or was modified")]
    Forged,
    #[error("the context assertion expired at {0}")]
    Expired(String),
}

pub struct ContextSealer {
    key: hmac::Key,
}

impl ContextSealer {
    pub fn new() -> Result<ContextSealer, KeyError> {
        Ok(ContextSealer {
            key: hmac::Key::new(hmac::HMAC_SHA256, &random_bytes(32)?),
        })
    }

    pub fn seal(&self, context: &IdentityContext) -> String {
        // Serialising a struct of strings and integers cannot fail.
        let json = serde_json::to_vec(context).unwrap_or_default();
        let payload = b64url(json);
        let tag = hmac::sign(&self.key, payload.as_bytes());
        format!("{payload}.{}", b64url(tag.as_ref()))
    }

    /// Checks the tag (constant time) and the expiry.
    pub fn open(&self, assertion: &str, now: i64) -> Result<IdentityContext, ContextError> {
        let (payload, tag) = assertion.split_once('.').ok_or(ContextError::Malformed)?;
        let tag = b64url_decode(tag).ok_or(ContextError::Malformed)?;
        let json = b64url_decode(payload).ok_or(ContextError::Malformed)?;
        hmac::verify(&self.key, payload.as_bytes(), &tag).map_err(|_| ContextError::Forged)?;
        let context: IdentityContext =
            serde_json::from_slice(&json).map_err(|_| ContextError::Malformed)?;
        if context.exp <= now {
            return Err(ContextError::Expired(super::iso8601(context.exp)));
        }
        Ok(context)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(exp: i64) -> IdentityContext {
        IdentityContext {
            user: "alice".into(),
            application: "app".into(),
            issuer: "iss".into(),
            iat: 0,
            exp,
        }
    }

    #[test]
    fn round_trip_forgery_and_expiry() {
        let s = ContextSealer::new().unwrap();
        let sealed = s.seal(&ctx(100));
        assert_eq!(s.open(&sealed, 50).unwrap().user, "alice");
        assert!(matches!(
            s.open(&sealed, 100),
            Err(ContextError::Expired(_))
        ));
        let other = ContextSealer::new().unwrap();
        assert_eq!(other.open(&sealed, 50), Err(ContextError::Forged));
        let (_, tag) = sealed.split_once('.').unwrap();
        let tampered = format!("{}.{tag}", b64url(serde_json::to_vec(&ctx(999)).unwrap()));
        assert_eq!(s.open(&tampered, 50), Err(ContextError::Forged));
        assert_eq!(s.open("nope", 50), Err(ContextError::Malformed));
        assert_eq!(s.open("a.!!", 50), Err(ContextError::Malformed));
    }
}
