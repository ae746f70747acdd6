//! IAM Identity Center OIDC (REST-JSON): `POST /token?aws_iam=t`
//! (CreateTokenWithIAM).

mod token;

use super::{authenticate, with_request_id, RequestHead, ServeFuture, Served, Service};
use crate::errors::ApiError;
use crate::server::{apply_faults, response, AppState};
use bytes::Bytes;
use hyper::Method;
use serde_json::{json, Value};

pub struct SsoOidcService;

impl Service for SsoOidcService {
    fn name(&self) -> &'static str {
        "sso-oidc"
    }

    fn signing_name(&self) -> &'static str {
        "sso-oauth"
    }

    fn claims(&self, head: &RequestHead<'_>) -> bool {
        head.parts.uri.path() == "/token"
    }

    fn serve<'a>(
        &'a self,
        state: &'a AppState,
        head: &'a RequestHead<'a>,
        body: Result<Bytes, ApiError>,
        request_id: &'a str,
    ) -> ServeFuture<'a> {
        Box::pin(async move {
            let parts = head.parts;
            let with_iam = parts
                .uri
                .query()
                .unwrap_or("")
                .split('&')
                .any(|p| p == "aws_iam=t");
            let operation = if with_iam {
                "CreateTokenWithIAM"
            } else {
                "CreateToken"
            }
            .to_string();
            let mut caller = None;
            let result = async {
                let body = body.map_err(|e| invalid_request(e.message))?;
                if parts.method != Method::POST || !with_iam {
                    return Err(invalid_request(
                        "athena-local implements only CreateTokenWithIAM (POST /token?aws_iam=t)",
                    ));
                }
                let who = caller.insert(authenticate(state, self, parts, &body)?);
                apply_faults(state, &operation).await?;
                let json: Value = serde_json::from_slice(&body)
                    .map_err(|_| invalid_request("The request body is not a JSON object"))?;
                if !json.is_object() {
                    return Err(invalid_request("The request body is not a JSON object"));
                }
                token::create_token_with_iam(&state.identity, &json, who).await
            }
            .await;
            let resp = match &result {
                Ok(v) => response(200, v.to_string().into_bytes(), "application/json"),
                Err(e) => {
                    let mut r = response(
                        e.status,
                        error_body(e).to_string().into_bytes(),
                        "application/json",
                    );
                    if let Ok(v) = e.error_type.parse() {
                        r.headers_mut().insert("x-amzn-ErrorType", v);
                    }
                    r
                }
            };
            Served {
                response: with_request_id(resp, request_id),
                operation,
                caller,
                error_type: result.err().map(|e| e.error_type.to_string()),
            }
        })
    }
}

fn invalid_request(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidRequestException", message)
}

/// The OAuth `error` value of an SSO-OIDC exception, if it has one.
fn oauth_error_code(error_type: &str) -> Option<&'static str> {
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
fn error_body(e: &ApiError) -> Value {
    match oauth_error_code(e.error_type) {
        Some(code) => json!({
            "error": code,
            "error_description": e.message,
            "message": e.message,
        }),
        None => json!({ "message": e.message }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies() {
        let e = ApiError::new(400, "InvalidGrantException", "nope");
        let b = error_body(&e);
        assert_eq!(b["error"], "invalid_grant");
        assert_eq!(b["error_description"], "nope");
        assert_eq!(b["message"], "nope");
        let b = error_body(&ApiError::unrecognized_client());
        assert!(b.get("error").is_none());
        assert!(b["message"].is_string());
    }
}
