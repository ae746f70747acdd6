//! AWS Lake Formation (REST JSON), for the SAML flows' `LakeFormationEnabled`:
//! `POST /AssumeDecoratedRoleWithSAML`. Answered signed or unsigned: the
//! assertion is the proof, and AWS does not say how the drivers call it.

use super::{error_response, with_request_id, RequestHead, ServeFuture, Served, Service};
use crate::errors::ApiError;
use crate::identity::now_ms;
use crate::identity::saml::SamlError;
use crate::server::{apply_faults, response, AppState};
use bytes::Bytes;
use hyper::Method;
use serde_json::{json, Value};

const PATH: &str = "/AssumeDecoratedRoleWithSAML";

pub struct LakeFormationService;

impl Service for LakeFormationService {
    fn name(&self) -> &'static str {
        "lakeformation"
    }

    fn signing_name(&self) -> &'static str {
        "lakeformation"
    }

    fn claims(&self, head: &RequestHead<'_>) -> bool {
        head.target.is_empty() && head.parts.uri.path() == PATH
    }

    fn serve<'a>(
        &'a self,
        state: &'a AppState,
        head: &'a RequestHead<'a>,
        body: Result<Bytes, ApiError>,
        request_id: &'a str,
    ) -> ServeFuture<'a> {
        Box::pin(async move {
            let operation = "AssumeDecoratedRoleWithSAML".to_string();
            let result = async {
                let body = body?;
                if head.parts.method != Method::POST {
                    return Err(invalid_input("AssumeDecoratedRoleWithSAML takes POST"));
                }
                apply_faults(state, &operation).await?;
                let json: Value = serde_json::from_slice(&body)
                    .map_err(|_| invalid_input("The request body is not a JSON object"))?;
                let field = |name: &str| {
                    json[name]
                        .as_str()
                        .filter(|v| !v.is_empty())
                        .ok_or_else(|| invalid_input(format!("{name} is required")))
                };
                let requested = match &json["DurationSeconds"] {
                    Value::Null => None,
                    v => Some(
                        v.as_i64()
                            .ok_or_else(|| invalid_input("DurationSeconds must be an integer"))?,
                    ),
                };
                let (cred, _) = state
                    .identity
                    .saml_session(
                        field("RoleArn")?,
                        field("PrincipalArn")?,
                        field("SAMLAssertion")?,
                        requested,
                        now_ms(),
                    )
                    .map_err(|e| match e {
                        SamlError::Denied(m) => ApiError::new(403, "AccessDeniedException", m),
                        SamlError::Invalid(m)
                        | SamlError::Expired(m)
                        | SamlError::Validation(m) => invalid_input(m),
                    })?;
                Ok(json!({
                    "AccessKeyId": cred.access_key_id,
                    "SecretAccessKey": cred.secret_access_key,
                    "SessionToken": cred.session_token,
                    "Expiration": cred.expires_at_ms as f64 / 1000.0,
                }))
            }
            .await;
            let resp = match &result {
                Ok(v) => response(200, v.to_string().into_bytes(), "application/json"),
                Err(e) => error_response(e, &json!({"Message": e.message}), "application/json"),
            };
            Served {
                response: with_request_id(resp, request_id),
                operation,
                caller: None,
                error_type: result.err().map(|e| e.error_type.to_string()),
            }
        })
    }
}

fn invalid_input(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidInputException", message)
}
