//! HTTP server: routes Athena and SSO Admin (AWS JSON 1.1, by
//! `X-Amz-Target`), SSO-OIDC (`POST /token`) and STS (form-encoded `POST /`)
//! on one listener, plus admin endpoints.

use crate::athena::Athena;
use crate::config::Config;
use crate::errors::ApiError;
use crate::faults::{Fault, FaultAction, FaultKind, Faults};
use crate::identity::{self, sts, Caller, Identity, MintRequest, Settings};
use crate::recorder::{CallRecord, Recorder};
use crate::s3::{self, S3Error};
use crate::sigv4;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

const JSON_CONTENT_TYPE: &str = "application/x-amz-json-1.1";
const TARGET_PREFIX: &str = "AmazonAthena.";
const SSO_ADMIN_PREFIX: &str = "SWBExternalService.";
const ADMIN_PREFIX: &str = "/_athena_local/";
/// Athena's largest request (a 256 KiB query plus JSON) fits well within this.
const MAX_BODY: usize = 8 * 1024 * 1024;
/// PutObject bodies (UNLOAD files, test fixtures) may be larger.
const MAX_S3_BODY: usize = 512 * 1024 * 1024;

/// Shared state of one server.
pub struct AppState {
    pub athena: Athena,
    pub identity: Identity,
    pub recorder: Recorder,
    pub faults: Arc<Faults>,
}

/// A running server; dropping it stops accepting connections.
pub struct ServerHandle {
    addr: SocketAddr,
    scheme: &'static str,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
    state: Arc<AppState>,
}

impl ServerHandle {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT` (`https` with TLS), ready for an SDK's `endpoint_url`.
    pub fn endpoint_url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// `iss` of the built-in test issuer's tokens.
    pub fn test_issuer_url(&self) -> String {
        self.state.identity.test_issuer_url()
    }

    pub fn state(&self) -> &Arc<AppState> {
        &self.state
    }

    /// Stops accepting connections and waits for the accept loop to end.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// Binds `addr` (port 0 picks a free port) and serves plain HTTP until shut down.
pub async fn start(config: Config, addr: SocketAddr) -> Result<ServerHandle, crate::Error> {
    start_with_tls(config, addr, None).await
}

/// As `start`, serving HTTPS when `tls` is given.
pub async fn start_with_tls(
    config: Config,
    addr: SocketAddr,
    tls: Option<TlsAcceptor>,
) -> Result<ServerHandle, crate::Error> {
    // Bound first: the test issuer's URL is the bound address.
    let listener = TcpListener::bind(addr).await.map_err(crate::Error::Io)?;
    let addr = listener.local_addr().map_err(crate::Error::Io)?;
    let faults = Arc::new(Faults::default());
    faults.set_latency(std::time::Duration::from_millis(config.call_latency_ms));
    let scheme = if tls.is_some() { "https" } else { "http" };
    let identity = Identity::new(&config, &base_url(scheme, addr))?;
    let athena = Athena::new(config, Arc::clone(&faults)).await?;
    let state = Arc::new(AppState {
        athena,
        identity,
        recorder: Recorder::default(),
        faults,
    });
    let (tx, mut rx) = watch::channel(false);
    let loop_state = Arc::clone(&state);
    let task = tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = rx.changed() => break,
                accepted = listener.accept() => {
                    let Ok((stream, peer)) = accepted else { continue };
                    let st = Arc::clone(&loop_state);
                    let conn_rx = rx.clone();
                    let tls = tls.clone();
                    tokio::spawn(async move {
                        match tls {
                            None => serve_connection(stream, st, peer, conn_rx).await,
                            // A client that does not trust the certificate just goes away.
                            Some(tls) => if let Ok(stream) = tls.accept(stream).await {
                                serve_connection(stream, st, peer, conn_rx).await;
                            },
                        }
                    });
                }
            }
        }
    });
    Ok(ServerHandle {
        addr,
        scheme,
        shutdown: tx,
        task: Some(task),
        state,
    })
}

/// `http://HOST:PORT` that this process itself can reach (a wildcard bind
/// is reached through loopback).
/// Serves HTTP/1.1 on one accepted connection (plain or TLS) until it ends
/// or the server shuts down.
async fn serve_connection<S>(
    io: S,
    st: Arc<AppState>,
    peer: SocketAddr,
    mut conn_rx: watch::Receiver<bool>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req| {
        let st = Arc::clone(&st);
        async move { Ok::<_, Infallible>(WireBody::of(handle(st, peer, req).await).await) }
    });
    let conn = http1::Builder::new().serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = conn_rx.changed() => {
            // Let an in-flight response finish, then close.
            conn.as_mut().graceful_shutdown();
            let _ = conn.as_mut().await;
        }
    }
}

fn base_url(scheme: &str, addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        std::net::IpAddr::V4(v4) if v4.is_unspecified() => std::net::Ipv4Addr::LOCALHOST.into(),
        std::net::IpAddr::V6(v6) if v6.is_unspecified() => std::net::Ipv6Addr::LOCALHOST.into(),
        ip => ip,
    };
    format!("{scheme}://{}", SocketAddr::new(ip, addr.port()))
}

fn response(status: u16, body: Vec<u8>, content_type: &str) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = content_type.parse() {
        resp.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    resp
}

fn json_response(status: u16, body: &Value) -> Response<Full<Bytes>> {
    response(status, body.to_string().into_bytes(), "application/json")
}

fn api_response(result: Result<Vec<u8>, ApiError>, request_id: &str) -> Response<Full<Bytes>> {
    let mut resp = match result {
        Ok(v) => response(200, v, JSON_CONTENT_TYPE),
        Err(e) => {
            let mut r = response(
                e.status,
                e.body().to_string().into_bytes(),
                JSON_CONTENT_TYPE,
            );
            if let Ok(v) = e.error_type.parse() {
                r.headers_mut().insert("x-amzn-ErrorType", v);
            }
            r
        }
    };
    if let Ok(v) = request_id.parse() {
        resp.headers_mut().insert("x-amzn-RequestId", v);
    }
    resp
}

async fn handle(
    state: Arc<AppState>,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_string();
    if req.method() == Method::GET {
        // Discovery documents and JWKS hold only public keys: served to anyone,
        // so an issuer URL on a non-loopback address still works.
        if let Some(doc) = public_identity_document(&state.identity, &path) {
            return match doc {
                Some(v) => json_response(200, &v),
                None => json_response(404, &json!({"message": "the test issuer is disabled"})),
            };
        }
    }
    if path.starts_with(ADMIN_PREFIX) || path == "/_athena_local" {
        // Admin endpoints are unsigned, so only local clients may use them.
        if !peer.ip().is_loopback() {
            return json_response(404, &json!({"message": "Not found"}));
        }
        return admin(&state, req).await;
    }
    api(&state, req).await
}

/// `Some(Some(doc))` for a public identity path, `Some(None)` when it belongs
/// to the disabled test issuer, `None` for any other path.
fn public_identity_document(identity: &Identity, path: &str) -> Option<Option<Value>> {
    const DISCOVERY: &str = "/.well-known/openid-configuration";
    let path = path.trim_end_matches('/');
    if let Some(rest) = path.strip_prefix(identity::TEST_ISSUER_PATH) {
        return match rest {
            DISCOVERY => Some(identity.test_issuer_discovery()),
            "/jwks" => Some(identity.test_issuer_jwks()),
            _ => None,
        };
    }
    if let Some(rest) = path.strip_prefix(identity::IDC_ISSUER_PATH) {
        return match rest {
            DISCOVERY => Some(Some(identity.idc_discovery())),
            "/jwks" => Some(Some(identity.idc_jwks())),
            _ => None,
        };
    }
    None
}

async fn read_body(body: Incoming, limit: usize) -> Result<Bytes, ApiError> {
    Limited::new(body, limit)
        .collect()
        .await
        .map(|c| c.to_bytes())
        .map_err(|_| ApiError::serialization("Request body could not be read or is too large"))
}

/// Which service a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Athena,
    S3,
    SsoAdmin,
    SsoOidc,
    Sts,
}

impl Route {
    /// Name in the call record.
    fn service(self) -> &'static str {
        match self {
            Route::Athena => "athena",
            Route::S3 => "s3",
            Route::SsoAdmin => "sso-admin",
            Route::SsoOidc => "sso-oidc",
            Route::Sts => "sts",
        }
    }

    /// SigV4 signing name the AWS SDK uses for the service.
    fn signing_name(self) -> &'static str {
        match self {
            Route::Athena => "athena",
            Route::S3 => "s3",
            Route::SsoAdmin => "sso",
            Route::SsoOidc => "sso-oauth",
            Route::Sts => "sts",
        }
    }
}

fn route_of(parts: &hyper::http::request::Parts, target: &str, signed_for: &str) -> Route {
    // S3 is REST: only the signature's scope names the service.
    if signed_for == "s3" {
        return Route::S3;
    }
    if target.starts_with(SSO_ADMIN_PREFIX) {
        return Route::SsoAdmin;
    }
    if !target.is_empty() {
        return Route::Athena;
    }
    if parts.uri.path() == "/token" {
        return Route::SsoOidc;
    }
    let form = parts
        .headers
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if parts.method == Method::POST && form {
        return Route::Sts;
    }
    // Anything else gets the Athena answers (signature check, then UnknownOperation).
    Route::Athena
}

/// What a served call produced, for the response and the call record.
struct Served<T> {
    operation: String,
    caller: Option<Caller>,
    result: Result<T, ApiError>,
}

async fn api(state: &AppState, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let started = Instant::now();
    let arrived = chrono::Utc::now();
    let request_id = uuid::Uuid::new_v4().to_string();
    let (parts, body) = req.into_parts();
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let authorization = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| sigv4::parse_authorization(v).ok());
    let route = route_of(
        &parts,
        &target,
        authorization.as_ref().map_or("", |a| a.service.as_str()),
    );
    let access_key_id = authorization.map(|a| a.access_key_id);
    let latency = state.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let body = read_body(
        body,
        if route == Route::S3 {
            MAX_S3_BODY
        } else {
            MAX_BODY
        },
    )
    .await;

    let (resp, operation, caller, error_type) = match route {
        Route::Athena | Route::SsoAdmin => {
            let prefix = if route == Route::Athena {
                TARGET_PREFIX
            } else {
                SSO_ADMIN_PREFIX
            };
            let operation = target.strip_prefix(prefix).unwrap_or(&target).to_string();
            let served = serve_json(state, route, &parts, body, &target, prefix, operation).await;
            let err = served
                .result
                .as_ref()
                .err()
                .map(|e| e.error_type.to_string());
            let resp = api_response(served.result, &request_id);
            (resp, served.operation, served.caller, err)
        }
        Route::S3 => {
            let served = serve_s3(state, &parts, body, &request_id).await;
            (
                served.response,
                served.operation.to_string(),
                served.caller,
                served.error_code.map(str::to_string),
            )
        }
        Route::Sts => {
            let served = serve_sts(state, &parts, body).await;
            let resp = match &served.result {
                Ok(result) => response(
                    200,
                    sts::success_xml(&served.operation, result, &request_id).into_bytes(),
                    "text/xml",
                ),
                Err(e) => response(
                    e.status,
                    sts::error_xml(e, &request_id).into_bytes(),
                    "text/xml",
                ),
            };
            let err = served.result.err().map(|e| e.error_type.to_string());
            (
                with_request_id(resp, &request_id),
                served.operation,
                served.caller,
                err,
            )
        }
        Route::SsoOidc => {
            let served = serve_oidc(state, &parts, body).await;
            let resp = match &served.result {
                Ok(v) => response(200, v.to_string().into_bytes(), "application/json"),
                Err(e) => {
                    let mut r = response(
                        e.status,
                        identity::oidc_error_body(e).to_string().into_bytes(),
                        "application/json",
                    );
                    if let Ok(v) = e.error_type.parse() {
                        r.headers_mut().insert("x-amzn-ErrorType", v);
                    }
                    r
                }
            };
            let err = served.result.err().map(|e| e.error_type.to_string());
            (
                with_request_id(resp, &request_id),
                served.operation,
                served.caller,
                err,
            )
        }
    };
    let resp = match state.faults.take_response(&operation) {
        Some(kind) => response_fault(resp, kind).await,
        None => resp,
    };
    state.recorder.record(CallRecord {
        service: route.service().to_string(),
        operation,
        access_key_id,
        principal: caller.as_ref().map(Caller::record_principal),
        identity_context_user: caller.and_then(|c| c.identity_context_user),
        status: resp.status().as_u16(),
        error_type,
        request_id,
        timestamp: arrived.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    });
    resp
}

/// Marks a response whose body is to be cut once half of it is sent.
#[derive(Clone, Copy)]
struct CutMark;

/// `Malformed` halves the body now (a readable HTTP answer with unreadable
/// content); `CutBody` marks it to be cut while it is sent.
async fn response_fault(resp: Response<Full<Bytes>>, kind: FaultKind) -> Response<Full<Bytes>> {
    let (mut parts, body) = resp.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    if kind == FaultKind::CutBody {
        parts.extensions.insert(CutMark);
        return Response::from_parts(parts, Full::new(bytes));
    }
    let half = bytes.slice(..bytes.len() / 2);
    parts.headers.insert(
        hyper::header::CONTENT_LENGTH,
        hyper::header::HeaderValue::from(half.len()),
    );
    Response::from_parts(parts, Full::new(half))
}

/// The body athena-local sends: whole, or (a `CutBody` fault) its first
/// half under a Content-Length of the whole, then an error that makes the
/// server close the connection.
pub enum WireBody {
    Whole(Full<Bytes>),
    Cut { half: Option<Bytes>, promised: u64 },
}

impl WireBody {
    async fn of(resp: Response<Full<Bytes>>) -> Response<WireBody> {
        if resp.extensions().get::<CutMark>().is_none() {
            return resp.map(WireBody::Whole);
        }
        let (parts, body) = resp.into_parts();
        let bytes = body
            .collect()
            .await
            .map(|c| c.to_bytes())
            .unwrap_or_default();
        let body = WireBody::Cut {
            half: Some(bytes.slice(..bytes.len() / 2)),
            promised: bytes.len() as u64,
        };
        Response::from_parts(parts, body)
    }
}

impl hyper::body::Body for WireBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, std::io::Error>>> {
        match self.get_mut() {
            WireBody::Whole(full) => std::pin::Pin::new(full)
                .poll_frame(cx)
                .map_err(|never| match never {}),
            WireBody::Cut { half, .. } => std::task::Poll::Ready(Some(match half.take() {
                Some(bytes) => Ok(hyper::body::Frame::data(bytes)),
                None => Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "athena-local: injected cut_body fault",
                )),
            })),
        }
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        match self {
            WireBody::Whole(full) => full.size_hint(),
            WireBody::Cut { promised, .. } => hyper::body::SizeHint::with_exact(*promised),
        }
    }
}

fn with_request_id(mut resp: Response<Full<Bytes>>, request_id: &str) -> Response<Full<Bytes>> {
    if let Ok(v) = request_id.parse() {
        resp.headers_mut().insert("x-amzn-RequestId", v);
    }
    resp
}

fn signed_request<'a>(
    parts: &'a hyper::http::request::Parts,
    body: &'a [u8],
) -> sigv4::SignedRequest<'a> {
    sigv4::SignedRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: &parts.headers,
        body,
    }
}

async fn apply_faults(state: &AppState, operation: &str) -> Result<(), ApiError> {
    match state.faults.take(operation) {
        Some(FaultAction::Fail(e)) => Err(e),
        Some(FaultAction::Delay(d)) => {
            tokio::time::sleep(d).await;
            Ok(())
        }
        None => Ok(()),
    }
}

/// Athena and SSO Admin: AWS JSON 1.1.
async fn serve_json(
    state: &AppState,
    route: Route,
    parts: &hyper::http::request::Parts,
    body: Result<Bytes, ApiError>,
    target: &str,
    prefix: &str,
    operation: String,
) -> Served<Vec<u8>> {
    let mut caller = None;
    let result = async {
        let body = body?;
        let who = state.identity.authenticate(
            &signed_request(parts, &body),
            route.signing_name(),
            chrono::Utc::now(),
        )?;
        let who = caller.insert(who);
        if parts.method != Method::POST || !target.starts_with(prefix) {
            return Err(ApiError::unknown_operation(target));
        }
        apply_faults(state, &operation).await?;
        let json: Value = if body.is_empty() {
            json!({})
        } else {
            serde_json::from_slice(&body)
                .map_err(|e| ApiError::serialization(format!("Malformed request body: {e}")))?
        };
        if !json.is_object() {
            return Err(ApiError::serialization("Request body must be a JSON object"));
        }
        if route == Route::SsoAdmin {
            return state
                .identity
                .sso_admin(&operation, &json)
                .map(|v| v.to_string().into_bytes());
        }
        if who.identity_context_user.is_none() {
            if let Some(wg) = state.athena.identity_context_workgroup(&operation, &json) {
                return Err(ApiError::access_denied(format!(
                    "workgroup {wg} requires identity-enhanced credentials (trusted identity propagation); the caller's credentials carry no IAM Identity Center context"
                )));
            }
        }
        state.athena.dispatch_bytes(&operation, &json).await
    }
    .await;
    Served {
        operation,
        caller,
        result,
    }
}

/// What a served S3 call produced.
struct ServedS3 {
    response: Response<Full<Bytes>>,
    operation: &'static str,
    caller: Option<Caller>,
    error_code: Option<&'static str>,
}

/// S3: REST-XML, path-style.
async fn serve_s3(
    state: &AppState,
    parts: &hyper::http::request::Parts,
    body: Result<Bytes, ApiError>,
    request_id: &str,
) -> ServedS3 {
    let operation = s3::operation_of(parts);
    let head = parts.method == Method::HEAD;
    let failed = |e: S3Error, caller: Option<Caller>| ServedS3 {
        response: e.response(request_id, head),
        operation,
        caller,
        error_code: Some(e.code()),
    };
    let body = match body {
        Ok(b) => b,
        Err(e) => return failed(S3Error::from_api(&e), None),
    };
    let caller = match state.identity.authenticate(
        &signed_request(parts, &body),
        Route::S3.signing_name(),
        chrono::Utc::now(),
    ) {
        Ok(c) => c,
        Err(e) => return failed(S3Error::from_api(&e), None),
    };
    if let Err(e) = apply_faults(state, operation).await {
        return failed(S3Error::from_api(&e), Some(caller));
    }
    let denied = |bucket: &str, key: &str| state.athena.result_reads_denied(bucket, key);
    let buckets = &state.athena.config().buckets;
    let outcome = s3::serve(
        state.athena.storage(),
        &denied,
        buckets,
        parts,
        &body,
        request_id,
    );
    ServedS3 {
        response: outcome.response,
        operation: outcome.operation,
        caller: Some(caller),
        error_code: outcome.error_code,
    }
}

/// STS: awsQuery form body, XML answers.
async fn serve_sts(
    state: &AppState,
    parts: &hyper::http::request::Parts,
    body: Result<Bytes, ApiError>,
) -> Served<String> {
    let mut operation = String::new();
    let mut caller = None;
    let result = async {
        let body = body?;
        let params = sts::parse_form(&body)?;
        operation = params.get("Action").cloned().unwrap_or_default();
        // AssumeRoleWithWebIdentity is unsigned: the token is the credential.
        if operation != "AssumeRoleWithWebIdentity" {
            let who = state
                .identity
                .authenticate(&signed_request(parts, &body), "sts", chrono::Utc::now())
                .map_err(sts::auth_error)?;
            caller = Some(who);
        }
        apply_faults(state, &operation).await?;
        state
            .identity
            .sts(&operation, &params, caller.as_ref())
            .await
    }
    .await;
    Served {
        operation,
        caller,
        result,
    }
}

/// SSO-OIDC: REST-JSON `POST /token?aws_iam=t`.
async fn serve_oidc(
    state: &AppState,
    parts: &hyper::http::request::Parts,
    body: Result<Bytes, ApiError>,
) -> Served<Value> {
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
    let invalid_request = |m: &str| ApiError::new(400, "InvalidRequestException", m);
    let result = async {
        let body = body.map_err(|e| invalid_request(&e.message))?;
        if parts.method != Method::POST || !with_iam {
            return Err(invalid_request(
                "athena-local implements only CreateTokenWithIAM (POST /token?aws_iam=t)",
            ));
        }
        let who = state.identity.authenticate(
            &signed_request(parts, &body),
            Route::SsoOidc.signing_name(),
            chrono::Utc::now(),
        )?;
        let who = caller.insert(who);
        apply_faults(state, &operation).await?;
        let json: Value = serde_json::from_slice(&body)
            .map_err(|_| invalid_request("The request body is not a JSON object"))?;
        if !json.is_object() {
            return Err(invalid_request("The request body is not a JSON object"));
        }
        state.identity.create_token_with_iam(&json, who).await
    }
    .await;
    Served {
        operation,
        caller,
        result,
    }
}

async fn admin(state: &AppState, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path().trim_end_matches('/').to_string();
    let method = req.method().clone();
    match (method, path.as_str()) {
        (Method::GET, "/_athena_local/health") => json_response(200, &json!({"status": "ok"})),
        (Method::GET, "/_athena_local/calls") => json_response(200, &json!(state.recorder.calls())),
        (Method::DELETE, "/_athena_local/calls") => {
            json_response(200, &json!({"cleared": state.recorder.clear()}))
        }
        (Method::GET, "/_athena_local/faults") => json_response(200, &json!(state.faults.list())),
        (Method::DELETE, "/_athena_local/faults") => {
            state.faults.clear();
            json_response(200, &json!({"faults": []}))
        }
        (Method::POST, "/_athena_local/faults") => {
            let body = match read_body(req.into_body(), MAX_BODY).await {
                Ok(b) => b,
                Err(e) => return json_response(400, &json!({"message": e.message})),
            };
            // Accepts one fault object or a list of them.
            let parsed: Result<Vec<Fault>, _> = serde_json::from_slice::<Fault>(&body)
                .map(|f| vec![f])
                .or_else(|_| serde_json::from_slice::<Vec<Fault>>(&body));
            match parsed {
                Ok(faults) => {
                    for f in faults {
                        state.faults.add(f);
                    }
                    json_response(200, &json!({"faults": state.faults.list()}))
                }
                Err(e) => json_response(400, &json!({"message": format!("invalid fault: {e}")})),
            }
        }
        (Method::POST, "/_athena_local/issuer/token") => {
            let body = match read_body(req.into_body(), MAX_BODY).await {
                Ok(b) => b,
                Err(e) => return json_response(400, &json!({"message": e.message})),
            };
            let parsed: Result<MintRequest, _> = if body.is_empty() {
                Ok(MintRequest::default())
            } else {
                serde_json::from_slice(&body)
            };
            match parsed {
                Ok(mint) => match state.identity.mint(&mint) {
                    Ok(token) => json_response(200, &json!({ "token": token })),
                    Err(message) => json_response(400, &json!({ "message": message })),
                },
                Err(e) => json_response(
                    400,
                    &json!({"message": format!("invalid token request: {e}")}),
                ),
            }
        }
        (Method::GET, "/_athena_local/latency") => json_response(
            200,
            &json!({"ms": u64::try_from(state.faults.latency().as_millis()).unwrap_or(u64::MAX)}),
        ),
        (Method::PUT, "/_athena_local/latency") => {
            let body = match read_body(req.into_body(), MAX_BODY).await {
                Ok(b) => b,
                Err(e) => return json_response(400, &json!({"message": e.message})),
            };
            match serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v.get("ms").and_then(Value::as_u64))
            {
                Some(ms) => {
                    state
                        .faults
                        .set_latency(std::time::Duration::from_millis(ms));
                    json_response(200, &json!({ "ms": ms }))
                }
                None => json_response(
                    400,
                    &json!({"message": "body must be {\"ms\": N} with N a whole number of milliseconds"}),
                ),
            }
        }
        (Method::POST, "/_athena_local/identity/expire") => {
            json_response(200, &json!({"expired": state.identity.expire_all()}))
        }
        (Method::GET, "/_athena_local/identity/issued") => {
            json_response(200, &state.identity.issued_json())
        }
        (Method::GET, "/_athena_local/identity/settings") => {
            json_response(200, &settings_json(state.identity.settings()))
        }
        (Method::PUT, "/_athena_local/identity/settings") => {
            let body = match read_body(req.into_body(), MAX_BODY).await {
                Ok(b) => b,
                Err(e) => return json_response(400, &json!({"message": e.message})),
            };
            match update_settings(state.identity.settings(), &body) {
                Ok(s) => {
                    state.identity.set_settings(s);
                    json_response(200, &settings_json(s))
                }
                Err(message) => json_response(400, &json!({ "message": message })),
            }
        }
        // A query's current state, for tests that check what the driver did on the server.
        (Method::GET, p) if p.starts_with("/_athena_local/queries/") => {
            let id = &p["/_athena_local/queries/".len()..];
            match state
                .athena
                .dispatch("GetQueryExecution", &json!({ "QueryExecutionId": id }))
                .await
            {
                Ok(value) => {
                    let query_state = value["QueryExecution"]["Status"]["State"].clone();
                    json_response(
                        200,
                        &json!({ "state": query_state, "queryExecution": value["QueryExecution"] }),
                    )
                }
                Err(_) => json_response(404, &json!({ "message": format!("no query {id}") })),
            }
        }
        _ => json_response(404, &json!({"message": "Not found"})),
    }
}

fn settings_json(s: Settings) -> Value {
    json!({
        "credential_lifetime_seconds": s.credential_lifetime_seconds,
        "id_token_lifetime_seconds": s.id_token_lifetime_seconds,
    })
}

/// Applies the keys present in `body`; `null` clears the credential cap.
fn update_settings(mut s: Settings, body: &[u8]) -> Result<Settings, String> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return Err("body must be a JSON object".into());
    };
    let positive = |k: &str, v: &Value| {
        v.as_u64()
            .filter(|n| *n >= 1)
            .ok_or_else(|| format!("{k} must be a whole number of seconds, at least 1"))
    };
    for (k, v) in &map {
        match k.as_str() {
            "credential_lifetime_seconds" if v.is_null() => s.credential_lifetime_seconds = None,
            "credential_lifetime_seconds" => s.credential_lifetime_seconds = Some(positive(k, v)?),
            "id_token_lifetime_seconds" => s.id_token_lifetime_seconds = positive(k, v)?,
            other => return Err(format!("unknown setting {other}")),
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_updates() {
        let s = Settings {
            credential_lifetime_seconds: None,
            id_token_lifetime_seconds: 3600,
        };
        let u = update_settings(s, br#"{"credential_lifetime_seconds": 5}"#).unwrap();
        assert_eq!(u.credential_lifetime_seconds, Some(5));
        let u = update_settings(
            u,
            br#"{"credential_lifetime_seconds": null, "id_token_lifetime_seconds": 9}"#,
        )
        .unwrap();
        assert_eq!(
            u,
            Settings {
                credential_lifetime_seconds: None,
                id_token_lifetime_seconds: 9
            }
        );
        assert!(update_settings(s, br#"{"credential_lifetime_seconds": 0}"#).is_err());
        assert!(update_settings(s, br#"{"nope": 1}"#).is_err());
        assert!(update_settings(s, b"[]").is_err());
    }

    #[test]
    fn base_urls() {
        assert_eq!(
            base_url("http", "0.0.0.0:80".parse().unwrap()),
            "http://127.0.0.1:80"
        );
        assert_eq!(
            base_url("http", "[::]:80".parse().unwrap()),
            "http://[::1]:80"
        );
        assert_eq!(
            base_url("https", "10.0.0.1:8".parse().unwrap()),
            "https://10.0.0.1:8"
        );
    }
}
