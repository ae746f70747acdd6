//! IAM Identity Center OIDC (REST-JSON): CreateTokenWithIAM (`POST
//! /token?aws_iam=t`, signed) for trusted identity propagation, and the calls
//! of registered clients (unsigned, the client secret is the proof):
//! RegisterClient, StartDeviceAuthorization and CreateToken (`client`), with
//! the person's pages in the browser (`pages`).

mod client;
mod pages;
mod token;

use super::{
    authenticate, error_response, with_request_id, RequestHead, ServeFuture, Served, Service,
};
use crate::errors::ApiError;
use crate::identity::now_ms;
use crate::server::{apply_faults, response, AppState};
use bytes::Bytes;
use hyper::Method;
use serde_json::{json, Value};

pub(crate) use client::reaches_portal;

const PATHS: &[&str] = &[
    "/token",
    "/client/register",
    "/device_authorization",
    "/authorize",
    "/device",
];

pub struct SsoOidcService;

/// The operation a request is, for the record and the faults.
fn operation(method: &Method, path: &str, with_iam: bool) -> &'static str {
    match (path, *method == Method::POST) {
        ("/token", true) if with_iam => "CreateTokenWithIAM",
        ("/token", _) => "CreateToken",
        ("/client/register", _) => "RegisterClient",
        ("/device_authorization", _) => "StartDeviceAuthorization",
        ("/authorize", false) => "Authorize",
        ("/authorize", true) => "AuthorizeSignIn",
        ("/device", false) => "DeviceVerificationPage",
        _ => "DeviceVerification",
    }
}

impl Service for SsoOidcService {
    fn name(&self) -> &'static str {
        "sso-oidc"
    }

    fn signing_name(&self) -> &'static str {
        "sso-oauth"
    }

    fn claims(&self, head: &RequestHead<'_>) -> bool {
        head.target.is_empty() && PATHS.contains(&head.parts.uri.path())
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
            let path = parts.uri.path();
            let query = parts.uri.query().unwrap_or("");
            let with_iam = query.split('&').any(|p| p == "aws_iam=t");
            let operation = operation(&parts.method, path, with_iam);
            if matches!(path, "/authorize" | "/device") {
                return self.page(state, head, body, request_id, operation).await;
            }
            let mut caller = None;
            let result = async {
                let body = body.map_err(|e| invalid_request(e.message))?;
                if parts.method != Method::POST {
                    return Err(invalid_request(format!(
                        "{operation} is called with POST {path}"
                    )));
                }
                if with_iam {
                    let who = caller.insert(authenticate(state, self, parts, &body)?);
                    apply_faults(state, operation).await?;
                    let json = json_object(&body)?;
                    return token::create_token_with_iam(&state.identity, &json, who).await;
                }
                apply_faults(state, operation).await?;
                let json = json_object(&body)?;
                let identity = &state.identity;
                match operation {
                    "RegisterClient" => {
                        client::register_client(identity.identity_center(), &json, now_ms() / 1000)
                    }
                    "StartDeviceAuthorization" => {
                        client::start_device_authorization(identity, &json, now_ms())
                    }
                    _ => client::create_token(identity, &json, now_ms()),
                }
            }
            .await;
            let resp = match &result {
                Ok(v) => response(200, v.to_string().into_bytes(), "application/json"),
                Err(e) => error_response(e, &error_body(e), "application/json"),
            };
            Served {
                response: with_request_id(resp, request_id),
                operation: operation.to_string(),
                caller,
                error_type: result.err().map(|e| e.error_type.to_string()),
            }
        })
    }
}

impl SsoOidcService {
    /// The sign-in pages: HTML, never cached, redirects as `302 Location`.
    async fn page(
        &self,
        state: &AppState,
        head: &RequestHead<'_>,
        body: Result<Bytes, ApiError>,
        request_id: &str,
        operation: &'static str,
    ) -> Served {
        let parts = head.parts;
        let query = parts.uri.query().unwrap_or("");
        let body = body.unwrap_or_default();
        let page = match apply_faults(state, operation).await {
            Err(e) => pages::Page {
                status: e.status,
                html: format!(
                    "<!DOCTYPE html><html><body><p id=\"error\">{}</p></body></html>",
                    crate::services::xml::escape(&e.message)
                ),
                location: None,
            },
            Ok(()) => match operation {
                "Authorize" => pages::authorize_page(&state.identity, query, now_ms()),
                "AuthorizeSignIn" => pages::authorize_sign_in(&state.identity, &body, now_ms()),
                "DeviceVerificationPage" => pages::device_page(query),
                _ => pages::device_sign_in(&state.identity, &body, now_ms()),
            },
        };
        let mut resp = response(
            page.status,
            page.html.into_bytes(),
            "text/html; charset=utf-8",
        );
        let headers = resp.headers_mut();
        if let Some(location) = page.location.and_then(|l| l.parse().ok()) {
            headers.insert(hyper::header::LOCATION, location);
        }
        headers.insert(
            hyper::header::CACHE_CONTROL,
            hyper::header::HeaderValue::from_static("no-store"),
        );
        Served {
            response: with_request_id(resp, request_id),
            operation: operation.to_string(),
            caller: None,
            error_type: (page.status >= 400).then(|| page.status.to_string()),
        }
    }
}

fn json_object(body: &[u8]) -> Result<Value, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(v) if v.is_object() => Ok(v),
        _ => Err(invalid_request("The request body is not a JSON object")),
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
        "AuthorizationPendingException" => "authorization_pending",
        "InvalidClientMetadataException" => "invalid_client_metadata",
        "InvalidRedirectUriException" => "invalid_redirect_uri",
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
