//! AWS-shaped error responses (AWS JSON 1.1 protocol).
//!
//! The SDK reads the error code from the `x-amzn-ErrorType` header or the
//! `__type` body field, and the modelled members (`Message`, `AthenaErrorCode`,
//! ...) from the body, so both are always written.

use serde_json::{json, Map, Value};

/// An error returned to the client as an AWS JSON error document.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{error_type}: {message}")]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// AWS error code, e.g. `InvalidRequestException`.
    pub error_type: &'static str,
    /// Human readable message.
    pub message: String,
    /// Extra modelled members (e.g. `AthenaErrorCode`, `Reason`).
    pub extra: Vec<(&'static str, String)>,
}

impl ApiError {
    pub fn new(status: u16, error_type: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            error_type,
            message: message.into(),
            extra: Vec::new(),
        }
    }

    fn with(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.extra.push((key, value.into()));
        self
    }

    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidRequestException", message)
    }

    /// InvalidRequestException with an `AthenaErrorCode` (e.g. `INVALID_INPUT`).
    pub fn invalid_request_code(code: &str, message: impl Into<String>) -> Self {
        Self::invalid_request(message).with("AthenaErrorCode", code)
    }

    pub fn missing_field(field: &str) -> Self {
        Self::invalid_request_code("INVALID_INPUT", format!("{field} is a required parameter"))
    }

    pub fn metadata(message: impl Into<String>) -> Self {
        Self::new(400, "MetadataException", message)
    }

    pub fn resource_not_found(message: impl Into<String>, resource: &str) -> Self {
        Self::new(400, "ResourceNotFoundException", message).with("ResourceName", resource)
    }

    pub fn throttled() -> Self {
        Self::new(400, "TooManyRequestsException", "Rate exceeded")
            .with("Reason", "CONCURRENT_QUERY_LIMIT_EXCEEDED")
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "InternalServerException", message)
    }

    pub fn unavailable() -> Self {
        Self::new(503, "ServiceUnavailableException", "Service is unavailable")
    }

    pub fn unknown_operation(target: &str) -> Self {
        Self::new(
            400,
            "UnknownOperationException",
            format!("Unknown operation: {target}"),
        )
    }

    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new(400, "SerializationException", message)
    }

    pub fn missing_authentication() -> Self {
        Self::new(
            403,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        )
    }

    pub fn incomplete_signature(message: impl Into<String>) -> Self {
        Self::new(403, "IncompleteSignatureException", message)
    }

    pub fn unrecognized_client() -> Self {
        Self::new(
            403,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        )
    }

    pub fn invalid_signature(message: impl Into<String>) -> Self {
        Self::new(403, "InvalidSignatureException", message)
    }

    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(400, "AccessDeniedException", message)
    }

    pub fn expired_token() -> Self {
        Self::new(
            403,
            "ExpiredTokenException",
            "The security token included in the request is expired",
        )
    }

    /// S3's answer to a session key sent with another session token.
    pub fn invalid_s3_token() -> Self {
        Self::new(
            400,
            "InvalidToken",
            "The provided token is malformed or otherwise invalid.",
        )
    }

    /// A malformed presigned URL (S3's code for it).
    pub fn query_parameters(message: impl Into<String>) -> Self {
        Self::new(400, "AuthorizationQueryParametersError", message)
    }

    /// Both an `Authorization` header and query authentication.
    pub fn conflicting_authentication() -> Self {
        Self::new(
            400,
            "InvalidArgument",
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
        )
    }

    /// A presigned URL past its `X-Amz-Date + X-Amz-Expires`, with the
    /// members S3's answer carries (times as `YYYY-MM-DDTHH:MM:SSZ`).
    pub fn request_expired(expires_secs: i64, expires_at: &str, server_time: &str) -> Self {
        Self::new(403, "AccessDenied", "Request has expired")
            .with("X-Amz-Expires", expires_secs.to_string())
            .with("Expires", expires_at)
            .with("ServerTime", server_time)
    }

    /// A presigned URL dated later than the allowed clock skew; S3 reports
    /// its `X-Amz-Date` in epoch milliseconds.
    pub fn request_not_yet_valid(amz_date_ms: i64, expires_at: &str, server_time: &str) -> Self {
        Self::new(403, "AccessDenied", "Request is not yet valid")
            .with("X-Amz-Date", amz_date_ms.to_string())
            .with("Expires", expires_at)
            .with("ServerTime", server_time)
    }

    /// The JSON body, e.g. `{"__type":"InvalidRequestException","Message":"..."}`.
    pub fn body(&self) -> Value {
        let mut map = Map::new();
        map.insert("__type".into(), json!(self.error_type));
        // `Message` is the modelled member; `message` is what generic AWS parsers read.
        map.insert("Message".into(), json!(self.message));
        map.insert("message".into(), json!(self.message));
        for (k, v) in &self.extra {
            map.insert((*k).into(), json!(v));
        }
        Value::Object(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_type_message_and_code() {
        let e = ApiError::invalid_request_code("INVALID_INPUT", "bad");
        let b = e.body();
        assert_eq!(b["__type"], "InvalidRequestException");
        assert_eq!(b["Message"], "bad");
        assert_eq!(b["message"], "bad");
        assert_eq!(b["AthenaErrorCode"], "INVALID_INPUT");
        assert_eq!(e.status, 400);
    }
}
