//! AWS JSON 1.1 (Athena, Glue, SSO Admin): `POST /` with `X-Amz-Target:
//! Prefix.Operation` and a JSON object body; errors as JSON documents named
//! in `x-amzn-ErrorType`.

use super::{authenticate, error_response, with_request_id, RequestHead, Served, Service};
use crate::errors::ApiError;
use crate::identity::Caller;
use crate::server::{apply_faults_as, response, AppState};
use bytes::Bytes;
use http_body_util::Full;
use hyper::{Method, Response};
use serde_json::{json, Value};

const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// The operation a target names: the target without `prefix` (the whole
/// target when it lacks the prefix, so the call record shows what came).
pub(super) fn operation(target: &str, prefix: &str) -> String {
    target.strip_prefix(prefix).unwrap_or(target).to_string()
}

/// Everything before the operation runs: authenticates the caller (kept in
/// `caller` even when a later step fails, for the call record), checks the
/// method and target, applies faults, and parses the body.
pub(super) async fn accept<'c>(
    state: &AppState,
    service: &dyn Service,
    head: &RequestHead<'_>,
    body: Result<Bytes, ApiError>,
    prefix: &str,
    operation: &str,
    caller: &'c mut Option<Caller>,
) -> Result<(&'c Caller, Value), ApiError> {
    let body = body?;
    let who = caller.insert(authenticate(state, service, head.parts, &body)?);
    if head.parts.method != Method::POST || !head.target.starts_with(prefix) {
        return Err(ApiError::unknown_operation(head.target));
    }
    // An injected refusal names the caller and the action, as IAM's does.
    apply_faults_as(state, operation, || {
        crate::faults::iam_denial(
            Some(&who.arn),
            &format!("{}:{operation}", service.signing_name()),
        )
    })
    .await?;
    let json: Value = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::serialization(format!("Malformed request body: {e}")))?
    };
    if !json.is_object() {
        return Err(ApiError::serialization(
            "Request body must be a JSON object",
        ));
    }
    Ok((who, json))
}

/// A whole call of a service whose operations answer at once: [`accept`],
/// then `dispatch` (the operation and the request body), then [`served`].
pub(super) async fn serve_now(
    state: &AppState,
    service: &dyn Service,
    head: &RequestHead<'_>,
    body: Result<Bytes, ApiError>,
    request_id: &str,
    prefix: &str,
    dispatch: impl FnOnce(&str, &Value) -> Result<Value, ApiError>,
) -> Served {
    let operation = operation(head.target, prefix);
    let mut caller = None;
    let result = match accept(state, service, head, body, prefix, &operation, &mut caller).await {
        Ok((_, json)) => dispatch(&operation, &json).map(|v| v.to_string().into_bytes()),
        Err(e) => Err(e),
    };
    served(result, operation, caller, request_id)
}

/// The finished call.
pub(super) fn served(
    result: Result<Vec<u8>, ApiError>,
    operation: String,
    caller: Option<Caller>,
    request_id: &str,
) -> Served {
    let error_type = result.as_ref().err().map(|e| e.error_type.to_string());
    Served {
        response: api_response(result, request_id),
        operation,
        caller,
        error_type,
    }
}

fn api_response(result: Result<Vec<u8>, ApiError>, request_id: &str) -> Response<Full<Bytes>> {
    let resp = match result {
        Ok(v) => response(200, v, CONTENT_TYPE),
        Err(e) => error_response(&e, &e.body(), CONTENT_TYPE),
    };
    with_request_id(resp, request_id)
}
