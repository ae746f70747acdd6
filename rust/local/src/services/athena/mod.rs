//! Amazon Athena (AWS JSON 1.1, `X-Amz-Target: AmazonAthena.*`).

pub mod operations;

pub use operations::Athena;

use super::{aws_json, RequestHead, ServeFuture, Service};
use crate::errors::ApiError;
use crate::server::AppState;
use bytes::Bytes;

const TARGET_PREFIX: &str = "AmazonAthena.";

pub struct AthenaService;

impl Service for AthenaService {
    fn name(&self) -> &'static str {
        "athena"
    }

    fn signing_name(&self) -> &'static str {
        "athena"
    }

    /// Any `X-Amz-Target` the services before it in the list left.
    fn claims(&self, head: &RequestHead<'_>) -> bool {
        !head.target.is_empty()
    }

    fn serve<'a>(
        &'a self,
        state: &'a AppState,
        head: &'a RequestHead<'a>,
        body: Result<Bytes, ApiError>,
        request_id: &'a str,
    ) -> ServeFuture<'a> {
        Box::pin(async move {
            let operation = aws_json::operation(head.target, TARGET_PREFIX);
            let mut caller = None;
            let result = async {
                let (who, json) = aws_json::accept(
                    state,
                    self,
                    head,
                    body,
                    TARGET_PREFIX,
                    &operation,
                    &mut caller,
                )
                .await?;
                if who.identity_context_user.is_none() {
                    if let Some(wg) = state.athena.identity_context_workgroup(&operation, &json) {
                        return Err(ApiError::access_denied(format!(
                            "workgroup {wg} requires identity-enhanced credentials (trusted identity propagation); the caller's credentials carry no IAM Identity Center context"
                        )));
                    }
                }
                if let Some(denied) = state.athena.table_metadata_denied(&operation, &json, who) {
                    return Err(denied);
                }
                state.athena.dispatch_bytes(&operation, &json).await
            }
            .await;
            aws_json::served(result, operation, caller, request_id)
        })
    }
}
