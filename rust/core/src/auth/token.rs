//! Reading a JWT's claims without verifying it: the services verify tokens; the
//! driver only needs the expiry (to know when a refresh is possible) and the
//! identity context of Identity Center's id token.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct Claims {
    pub exp: Option<f64>,
    pub nbf: Option<f64>,
    #[serde(rename = "sts:identity_context")]
    pub identity_context: Option<String>,
}

/// Why a value is not a JWT, in words that never quote the value.
pub fn check_shape(token: &str) -> Result<(), &'static str> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err("it does not have three dot-separated parts");
    }
    for part in &parts[..2] {
        let bytes = URL_SAFE_NO_PAD
            .decode(part.trim_end_matches('='))
            .map_err(|_| "a part is not base64url")?;
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&bytes)
            .map_err(|_| "its header or payload is not a JSON object")?;
    }
    Ok(())
}

pub fn claims(token: &str) -> Option<Claims> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"ES256"}"#),
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    #[test]
    fn shape_errors_do_not_quote_the_value() {
        assert!(check_shape("not-a-token").is_err());
        assert!(check_shape("a.b.c").is_err());
        assert!(check_shape(&jwt(r#"{"sub":"x"}"#)).is_ok());
    }

    #[test]
    fn claims_are_read() {
        let c = claims(&jwt(r#"{"exp":1700000000,"sts:identity_context":"ctx"}"#)).unwrap();
        assert_eq!(c.exp, Some(1_700_000_000.0));
        assert_eq!(c.identity_context.as_deref(), Some("ctx"));
    }
}
