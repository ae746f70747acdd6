//! IAM Identity Center OIDC `CreateTokenWithIAM` (REST-JSON), jwt-bearer grant.

use super::context::IdentityContext;
use super::jwt::TokenError;
use super::keys;
use super::{lock, Caller, Identity};
use crate::errors::ApiError;
use serde_json::{json, Value};

pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

fn invalid_request(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidRequestException", message)
}

fn invalid_grant(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidGrantException", message)
}

/// The OAuth `error` value of an SSO-OIDC exception, if it has one.
pub fn oauth_error_code(error_type: &str) -> Option<&'static str> {
    Some(match error_type {
        "InvalidGrantException" => "invalid_grant",
        "InvalidRequestException" => "invalid_request",
        "InvalidClientException" => "invalid_client",
        "UnsupportedGrantTypeException" => "unsupported_grant_type",
        "UnauthorizedClientException" => "unauthorized_client",
        "InvalidScopeException" => "invalid_scope",
        "AccessDeniedException" => "access_denied",
        "ExpiredTokenException" => "expired_token",
        "SlowDownException" => "slow_down",
        "InternalServerException" => "server_error",
        _ => return None,
    })
}

/// REST-JSON error body: the OAuth fields (for OAuth errors) plus `message`
/// for generic readers; the code travels in `x-amzn-ErrorType`.
pub fn error_body(e: &ApiError) -> Value {
    match oauth_error_code(e.error_type) {
        Some(code) => json!({
            "error": code,
            "error_description": e.message,
            "message": e.message,
        }),
        None => json!({ "message": e.message }),
    }
}

fn string_field<'a>(body: &'a Value, name: &str) -> Result<Option<&'a str>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid_request(format!("{name} must be a string"))),
    }
}

impl Identity {
    pub async fn create_token_with_iam(
        &self,
        body: &Value,
        caller: &Caller,
    ) -> Result<Value, ApiError> {
        let client_id = string_field(body, "clientId")?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid_request("clientId is required"))?;
        let app = self
            .config
            .applications
            .iter()
            .find(|a| a.arn == client_id)
            .ok_or_else(|| {
                ApiError::new(
                    401,
                    "InvalidClientException",
                    format!("clientId '{client_id}' is not a configured Identity Center application ([[identity.applications]])"),
                )
            })?;
        let root = format!("arn:aws:iam::{}:root", self.account);
        let allowed = app.trusted_principals.iter().any(|p| {
            p == "*" || *p == root || *p == caller.arn || caller.role_arn.as_deref() == Some(p)
        });
        if !allowed {
            return Err(ApiError::new(
                400,
                "AccessDeniedException",
                format!(
                    "{} may not call CreateTokenWithIAM for application {}: not in its trusted_principals",
                    caller.role_arn.as_deref().unwrap_or(&caller.arn),
                    app.arn
                ),
            ));
        }
        let grant = string_field(body, "grantType")?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid_request("grantType is required"))?;
        if grant != JWT_BEARER {
            return Err(ApiError::new(
                400,
                "UnsupportedGrantTypeException",
                format!("grantType '{grant}' is not supported by athena-local; use {JWT_BEARER}"),
            ));
        }
        let assertion = string_field(body, "assertion")?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid_request("assertion is required for the jwt-bearer grant"))?;

        let issuers: Vec<_> = app
            .trusted_issuers
            .iter()
            .filter_map(|name| self.issuer_named(name))
            .map(|mut i| {
                if let Some(auds) = &app.audiences {
                    i.audiences = auds.clone();
                }
                i
            })
            .collect();
        let now = chrono::Utc::now().timestamp();
        let verified = self
            .verifier
            .verify(
                assertion,
                &issuers,
                &format!("application {}", app.arn),
                now,
            )
            .await
            .map_err(|e| {
                let prefix = match e {
                    TokenError::Unreachable(_) => "the assertion's issuer could not be reached",
                    _ => "the assertion was rejected",
                };
                invalid_grant(format!("{prefix}: {e}"))
            })?;
        let user = if app.user_claim == "email" {
            verified
                .claim_str("email")
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    invalid_grant(format!(
                        "the assertion has no 'email' claim, which application {} maps to the user",
                        app.arn
                    ))
                })?
                .to_string()
        } else {
            verified.subject.clone()
        };
        if let Some(jti) = verified.claim_str("jti") {
            let mut issued = lock(&self.issued);
            let seen = issued.seen_jti.entry(app.arn.clone()).or_default();
            if !seen.insert(jti.to_string()) {
                return Err(invalid_grant(format!(
                    "the assertion's jti was already used with application {}",
                    app.arn
                )));
            }
        }

        let lifetime = i64::try_from(self.settings().id_token_lifetime_seconds).unwrap_or(i64::MAX);
        let exp = now.saturating_add(lifetime);
        let context = IdentityContext {
            user: user.clone(),
            application: app.arn.clone(),
            issuer: self.idc_issuer_url(),
            iat: now,
            exp,
        };
        let sealed = self.sealer.seal(&context);
        let instance = crate::config::application_instance(&app.arn).unwrap_or_default();
        let mut claims = json!({
            "iss": self.idc_issuer_url(),
            "aud": app.arn,
            "sub": user,
            "iat": now,
            "exp": exp,
            "jti": keys::random_id(26).map_err(|e| ApiError::internal(e.to_string()))?,
            "sts:identity_context": sealed,
            "aws:application_arn": app.arn,
            "aws:instance_arn": format!("arn:aws:sso:::instance/{instance}"),
        });
        if let Some(email) = verified.claim_str("email") {
            claims["email"] = json!(email);
        }
        let id_token = self
            .idc_key
            .sign(&claims)
            .map_err(|e| ApiError::internal(e.to_string()))?;
        let access_token = format!(
            "aoa{}",
            keys::b64url(keys::random_bytes(48).map_err(|e| ApiError::internal(e.to_string()))?)
        );
        lock(&self.issued).tokens.push(super::IssuedTokens {
            application: app.arn.clone(),
            user: context.user.clone(),
            id_token: id_token.clone(),
            access_token: access_token.clone(),
            context_assertion: sealed.clone(),
        });
        Ok(json!({
            "accessToken": access_token,
            "tokenType": "Bearer",
            "expiresIn": i32::try_from(lifetime).unwrap_or(i32::MAX),
            "idToken": id_token,
            "issuedTokenType": "urn:ietf:params:oauth:token-type:access_token",
            "scope": ["sts:identity_context", "openid"],
            "awsAdditionalDetails": {"identityContext": sealed},
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies() {
        let e = invalid_grant("nope");
        let b = error_body(&e);
        assert_eq!(b["error"], "invalid_grant");
        assert_eq!(b["error_description"], "nope");
        assert_eq!(b["message"], "nope");
        let b = error_body(&ApiError::unrecognized_client());
        assert!(b.get("error").is_none());
        assert!(b["message"].is_string());
    }
}
