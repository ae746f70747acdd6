//! `CreateTokenWithIAM`, jwt-bearer grant: a trusted issuer's assertion in,
//! an Identity Center id token carrying an identity context out.

use super::invalid_request;
use crate::errors::ApiError;
use crate::identity::context::IdentityContext;
use crate::identity::jwt::TokenError;
use crate::identity::{keys, Caller, Identity, IssuedTokens};
use serde_json::{json, Value};

pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

fn invalid_grant(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidGrantException", message)
}

fn string_field<'a>(body: &'a Value, name: &str) -> Result<Option<&'a str>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid_request(format!("{name} must be a string"))),
    }
}

pub async fn create_token_with_iam(
    identity: &Identity,
    body: &Value,
    caller: &Caller,
) -> Result<Value, ApiError> {
    let client_id = string_field(body, "clientId")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid_request("clientId is required"))?;
    let app = identity
        .application(client_id)
        .ok_or_else(|| {
            ApiError::new(
                401,
                "InvalidClientException",
                format!("clientId '{client_id}' is not a configured Identity Center application ([[identity.applications]])"),
            )
        })?;
    let root = format!("arn:aws:iam::{}:root", identity.account());
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
        .filter_map(|name| identity.issuer_named(name))
        .map(|mut i| {
            if let Some(auds) = &app.audiences {
                i.audiences = auds.clone();
            }
            i
        })
        .collect();
    let now = chrono::Utc::now().timestamp();
    let verified = identity
        .verify_token(
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
        if !identity.first_use_of_jti(&app.arn, jti) {
            return Err(invalid_grant(format!(
                "the assertion's jti was already used with application {}",
                app.arn
            )));
        }
    }

    let lifetime = i64::try_from(identity.settings().id_token_lifetime_seconds).unwrap_or(i64::MAX);
    let exp = now.saturating_add(lifetime);
    let context = IdentityContext {
        user: user.clone(),
        application: app.arn.clone(),
        issuer: identity.idc_issuer_url(),
        iat: now,
        exp,
    };
    let sealed = identity.seal_context(&context);
    let instance = crate::config::application_instance(&app.arn).unwrap_or_default();
    let mut claims = json!({
        "iss": identity.idc_issuer_url(),
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
    let id_token = identity
        .sign_idc_token(&claims)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let access_token = format!(
        "aoa{}",
        keys::b64url(keys::random_bytes(48).map_err(|e| ApiError::internal(e.to_string()))?)
    );
    identity.record_tokens(IssuedTokens {
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
