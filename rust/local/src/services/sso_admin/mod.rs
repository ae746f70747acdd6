//! SSO Admin (`SWBExternalService`, AWS JSON 1.1): application tags.

use super::{aws_json, RequestHead, ServeFuture, Service};
use crate::config::application_instance;
use crate::errors::ApiError;
use crate::identity::Identity;
use crate::server::AppState;
use bytes::Bytes;
use serde_json::{json, Value};

const TARGET_PREFIX: &str = "SWBExternalService.";

pub struct SsoAdminService;

impl Service for SsoAdminService {
    fn name(&self) -> &'static str {
        "sso-admin"
    }

    fn signing_name(&self) -> &'static str {
        "sso"
    }

    fn claims(&self, head: &RequestHead<'_>) -> bool {
        head.target.starts_with(TARGET_PREFIX)
    }

    fn serve<'a>(
        &'a self,
        state: &'a AppState,
        head: &'a RequestHead<'a>,
        body: Result<Bytes, ApiError>,
        request_id: &'a str,
    ) -> ServeFuture<'a> {
        Box::pin(aws_json::serve_now(
            state,
            self,
            head,
            body,
            request_id,
            TARGET_PREFIX,
            |operation, json| dispatch(&state.identity, operation, json),
        ))
    }
}

fn validation(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "ValidationException", message)
}

fn not_found(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "ResourceNotFoundException", message)
}

fn string_field<'a>(body: &'a Value, name: &str) -> Result<Option<&'a str>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::serialization(format!("{name} must be a string"))),
    }
}

/// The `ssoins-...` part of `arn:aws:sso:::instance/ssoins-...`.
fn instance_id(arn: &str) -> Option<&str> {
    arn.strip_prefix("arn:aws:sso:::instance/")
        .filter(|id| id.starts_with("ssoins-"))
}

fn dispatch(identity: &Identity, operation: &str, body: &Value) -> Result<Value, ApiError> {
    match operation {
        "ListTagsForResource" => list_application_tags(identity, body),
        other => Err(ApiError::unknown_operation(other)),
    }
}

fn list_application_tags(identity: &Identity, body: &Value) -> Result<Value, ApiError> {
    let resource = string_field(body, "ResourceArn")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| validation("ResourceArn is required"))?;
    let app = identity
        .application(resource)
        .ok_or_else(|| {
            not_found(format!(
                "Resource {resource} is not a configured Identity Center application ([[identity.applications]])"
            ))
        })?;
    if let Some(instance) = string_field(body, "InstanceArn")?.filter(|s| !s.is_empty()) {
        let id = instance_id(instance).ok_or_else(|| {
            validation(format!(
                "InstanceArn '{instance}' is not arn:aws:sso:::instance/ssoins-ID"
            ))
        })?;
        if application_instance(&app.arn) != Some(id) {
            return Err(not_found(format!(
                "Resource {resource} does not belong to instance {instance}"
            )));
        }
    }
    let tags: Vec<Value> = app
        .tags
        .iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    Ok(json!({ "Tags": tags }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_arns() {
        assert_eq!(
            instance_id("arn:aws:sso:::instance/ssoins-1"),
            Some("ssoins-1")
        );
        assert_eq!(instance_id("arn:aws:sso:::instance/x"), None);
    }
}
