//! Amazon S3 (REST-XML, path-style), over the buckets the Athena results
//! are written to.

pub mod operations;

use super::{authenticate, RequestHead, ServeFuture, Served, Service};
use crate::errors::ApiError;
use crate::identity::Caller;
use crate::server::{apply_faults_as, AppState};
use crate::sigv4;
use bytes::Bytes;
use hyper::Method;
use operations::S3Error;

/// PutObject bodies (UNLOAD files, test fixtures) may be large.
const MAX_S3_BODY: usize = 512 * 1024 * 1024;

pub struct S3Service;

impl Service for S3Service {
    fn name(&self) -> &'static str {
        "s3"
    }

    fn signing_name(&self) -> &'static str {
        "s3"
    }

    /// S3 is REST: only the signature's scope names the service.
    fn claims(&self, head: &RequestHead<'_>) -> bool {
        head.signed_for == self.signing_name()
    }

    fn max_body(&self) -> usize {
        MAX_S3_BODY
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
            let operation = operations::operation_of(parts);
            let head_request = parts.method == Method::HEAD;
            let failed = |e: S3Error, caller: Option<Caller>| Served {
                response: e.response(request_id, head_request),
                operation: operation.to_string(),
                caller,
                error_type: Some(e.code().to_string()),
            };
            let body = match body {
                Ok(b) => b,
                Err(e) => return failed(S3Error::from_api(&e), None),
            };
            let caller = match authenticate(state, self, parts, &body) {
                Ok(c) => c,
                Err(e) => return failed(S3Error::from_api(&e), None),
            };
            // Presigned URLs are for reading objects only here.
            if !matches!(operation, "GetObject" | "HeadObject")
                && sigv4::is_presigned(parts.uri.query().unwrap_or(""))
            {
                let e = S3Error::access_denied(format!(
                    "athena-local accepts presigned URLs only for GetObject and HeadObject, not {operation}"
                ));
                return failed(e, Some(caller));
            }
            // S3 words an injected refusal as it words every denial.
            let denied = || ApiError::new(403, "AccessDenied", "Access Denied");
            if let Err(e) = apply_faults_as(state, operation, denied).await {
                return failed(S3Error::from_api(&e), Some(caller));
            }
            let denied = |bucket: &str, key: &str| state.athena.result_reads_denied(bucket, key);
            let buckets = &state.athena.config().buckets;
            let outcome = operations::serve(
                state.athena.storage(),
                &denied,
                buckets,
                parts,
                &body,
                request_id,
            );
            Served {
                response: outcome.response,
                operation: outcome.operation.to_string(),
                caller: Some(caller),
                error_type: outcome.error_code.map(str::to_string),
            }
        })
    }
}
