//! The AWS services athena-local answers, one module each behind the
//! [`Service`] interface: [`route`] picks the service a request is for and
//! [`Service::serve`] answers it. The server around them does the transport,
//! latency, faults on responses and the call record.
//!
//! A new service is a new module here and one entry in [`SERVICES`].

pub mod athena;
mod aws_json;
pub mod entra;
pub mod form_idp;
pub mod glue;
pub(crate) mod html;
pub mod lake_formation;
pub mod okta;
pub mod s3;
pub mod sso_admin;
pub mod sso_oidc;
pub mod sso_portal;
pub mod sts;
pub(crate) mod xml;

use crate::errors::ApiError;
use crate::identity::Caller;
use crate::server::AppState;
use crate::sigv4;
use bytes::Bytes;
use http_body_util::Full;
use hyper::http::request::Parts;
use hyper::Response;
use std::future::Future;
use std::pin::Pin;

/// The services in the order they are asked to claim a request; the first
/// that claims it serves it, so narrower claims come first.
static SERVICES: &[&dyn Service] = &[
    // S3 is REST: only the signature's scope names the service.
    &s3::S3Service,
    &sso_admin::SsoAdminService,
    &lake_formation::LakeFormationService,
    &entra::EntraService,
    &okta::OktaService,
    &form_idp::FormIdpService,
    &glue::GlueService,
    // Any other `X-Amz-Target`.
    &athena::AthenaService,
    &sso_oidc::SsoOidcService,
    &sso_portal::SsoPortalService,
    &sts::StsService,
];

/// Largest request body a service reads unless it says otherwise: Athena's
/// largest request (a 256 KiB query plus JSON) fits well within this.
pub const MAX_BODY: usize = 8 * 1024 * 1024;

/// What is known of a request before its body is read.
pub struct RequestHead<'a> {
    pub parts: &'a Parts,
    /// `X-Amz-Target`, empty when absent.
    pub target: &'a str,
    /// The service of the SigV4 credential scope, empty when unsigned.
    pub signed_for: &'a str,
}

/// What a served call produced: the finished response, and the operation,
/// caller and error code for the call record. `operation` also names the
/// call for response faults.
pub struct Served {
    pub response: Response<Full<Bytes>>,
    pub operation: String,
    pub caller: Option<Caller>,
    pub error_type: Option<String>,
}

/// [`Service::serve`]'s answer; boxed so that services stay one `dyn` list.
pub type ServeFuture<'a> = Pin<Box<dyn Future<Output = Served> + Send + 'a>>;

/// One AWS service's protocol: how its requests look and are answered.
pub trait Service: Sync {
    /// Name in the call record.
    fn name(&self) -> &'static str;

    /// SigV4 signing name the AWS SDKs use for the service.
    fn signing_name(&self) -> &'static str;

    /// Whether the request is for this service (asked in [`SERVICES`] order).
    fn claims(&self, head: &RequestHead<'_>) -> bool;

    /// Largest body read for a request.
    fn max_body(&self) -> usize {
        MAX_BODY
    }

    /// Answers one call; `body` is the error to answer when it could not be read.
    fn serve<'a>(
        &'a self,
        state: &'a AppState,
        head: &'a RequestHead<'a>,
        body: Result<Bytes, ApiError>,
        request_id: &'a str,
    ) -> ServeFuture<'a>;
}

/// The service a request is for.
pub fn route(head: &RequestHead<'_>) -> &'static dyn Service {
    SERVICES
        .iter()
        .copied()
        .find(|s| s.claims(head))
        // Anything else gets the Athena answers (signature check, then UnknownOperation).
        .unwrap_or(&athena::AthenaService)
}

/// Checks the request's SigV4 signature against the known credentials and
/// the service's signing name.
fn authenticate(
    state: &AppState,
    service: &dyn Service,
    parts: &Parts,
    body: &[u8],
) -> Result<Caller, ApiError> {
    let signed = sigv4::SignedRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: &parts.headers,
        body,
    };
    state
        .identity
        .authenticate(&signed, service.signing_name(), chrono::Utc::now())
}

/// A JSON protocol's error: `body`, with the code in `x-amzn-ErrorType` where
/// the SDKs read it.
fn error_response(
    e: &ApiError,
    body: &serde_json::Value,
    content_type: &str,
) -> Response<Full<Bytes>> {
    let mut r = crate::server::response(e.status, body.to_string().into_bytes(), content_type);
    if let Ok(v) = e.error_type.parse() {
        r.headers_mut().insert("x-amzn-ErrorType", v);
    }
    r
}

fn with_request_id(mut resp: Response<Full<Bytes>>, request_id: &str) -> Response<Full<Bytes>> {
    if let Ok(v) = request_id.parse() {
        resp.headers_mut().insert("x-amzn-RequestId", v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::Request;

    fn service_of(req: Request<()>, target: &str, signed_for: &str) -> &'static str {
        let (parts, ()) = req.into_parts();
        route(&RequestHead {
            parts: &parts,
            target,
            signed_for,
        })
        .name()
    }

    #[test]
    fn routes_in_order() {
        let post = |path: &str, content_type: &str| {
            Request::post(path)
                .header("content-type", content_type)
                .body(())
                .unwrap()
        };
        let form = "application/x-www-form-urlencoded; charset=utf-8";
        assert_eq!(service_of(post("/", form), "", "s3"), "s3");
        assert_eq!(
            service_of(
                post("/", form),
                "SWBExternalService.ListTagsForResource",
                ""
            ),
            "sso-admin"
        );
        assert_eq!(
            service_of(post("/token", form), "AmazonAthena.ListWorkGroups", ""),
            "athena"
        );
        assert_eq!(
            service_of(
                post("/", "application/x-amz-json-1.1"),
                "AWSGlue.GetCatalogs",
                ""
            ),
            "glue"
        );
        assert_eq!(service_of(post("/token", form), "", ""), "sso-oidc");
        assert_eq!(service_of(post("/authorize", form), "", ""), "sso-oidc");
        assert_eq!(
            service_of(post("/client/register", "application/json"), "", ""),
            "sso-oidc"
        );
        let portal = Request::get("/federation/credentials?account_id=1&role_name=r")
            .body(())
            .unwrap();
        assert_eq!(service_of(portal, "", ""), "sso");
        assert_eq!(service_of(post("/", form), "", "sts"), "sts");
        assert_eq!(service_of(post("/", "application/json"), "", ""), "athena");
        assert_eq!(
            service_of(
                post("/AssumeDecoratedRoleWithSAML", "application/json"),
                "",
                ""
            ),
            "lakeformation"
        );
        assert_eq!(
            service_of(post("/corp-tenant/oauth2/token", form), "", ""),
            "entra-id"
        );
        let get = Request::get("/")
            .header("content-type", form)
            .body(())
            .unwrap();
        assert_eq!(service_of(get, "", ""), "athena");
    }

    #[test]
    fn names() {
        let names: Vec<_> = SERVICES
            .iter()
            .map(|s| (s.name(), s.signing_name()))
            .collect();
        assert_eq!(
            names,
            [
                ("s3", "s3"),
                ("sso-admin", "sso"),
                ("lakeformation", "lakeformation"),
                ("entra-id", "entra-id"),
                ("okta", "okta"),
                ("form-idp", "form-idp"),
                ("glue", "glue"),
                ("athena", "athena"),
                ("sso-oidc", "sso-oauth"),
                ("sso", "awsssoportal"),
                ("sts", "sts"),
            ]
        );
    }
}
