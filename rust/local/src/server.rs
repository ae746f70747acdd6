//! HTTP server: one listener (plain or TLS) for every service in
//! `crate::services`, the public test-issuer documents and the admin
//! endpoints (`/_athena_local/...`). Around each service call it applies the
//! configured latency and response faults and records the call.

use crate::config::Config;
use crate::errors::ApiError;
use crate::faults::{Fault, FaultAction, FaultKind, Faults};
use crate::identity::{self, Caller, Identity, MintRequest, Settings};
use crate::recorder::{CallRecord, Recorder};
use crate::services::athena::Athena;
use crate::services::{self, RequestHead, MAX_BODY};
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

const ADMIN_PREFIX: &str = "/_athena_local/";

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

/// `http://HOST:PORT` that this process itself can reach (a wildcard bind
/// is reached through loopback).
fn base_url(scheme: &str, addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        std::net::IpAddr::V4(v4) if v4.is_unspecified() => std::net::Ipv4Addr::LOCALHOST.into(),
        std::net::IpAddr::V6(v6) if v6.is_unspecified() => std::net::Ipv6Addr::LOCALHOST.into(),
        ip => ip,
    };
    format!("{scheme}://{}", SocketAddr::new(ip, addr.port()))
}

pub(crate) fn response(status: u16, body: Vec<u8>, content_type: &str) -> Response<Full<Bytes>> {
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

/// One service call: picks the service, lets it answer, applies response
/// faults and records the call.
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
    let (signed_for, access_key_id) =
        match sigv4::request_authorization(&parts.headers, parts.uri.query().unwrap_or("")) {
            Some(a) => (a.service, Some(a.access_key_id)),
            None => (String::new(), None),
        };
    let head = RequestHead {
        parts: &parts,
        target: &target,
        signed_for: &signed_for,
    };
    let service = services::route(&head);
    let latency = state.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let body = read_body(body, service.max_body()).await;
    let served = service.serve(state, &head, body, &request_id).await;
    let resp = match state.faults.take_response(&served.operation) {
        Some(kind) => response_fault(served.response, kind).await,
        None => served.response,
    };
    let caller = served.caller;
    state.recorder.record(CallRecord {
        service: service.name().to_string(),
        operation: served.operation,
        access_key_id,
        principal: caller.as_ref().map(Caller::record_principal),
        identity_context_user: caller.and_then(|c| c.identity_context_user),
        status: resp.status().as_u16(),
        error_type: served.error_type,
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

/// An armed fault on the operation: fails the call or delays it. An
/// `access_denied` fault is answered with IAM's generic wording (no caller).
pub(crate) async fn apply_faults(state: &AppState, operation: &str) -> Result<(), ApiError> {
    apply_faults_as(state, operation, || {
        crate::faults::iam_denial(None, operation)
    })
    .await
}

/// As [`apply_faults`], with `denial` the service's answer to an
/// `access_denied` fault (its protocol's code, the caller and the action).
pub(crate) async fn apply_faults_as(
    state: &AppState,
    operation: &str,
    denial: impl FnOnce() -> ApiError,
) -> Result<(), ApiError> {
    match state.faults.take(operation) {
        Some(FaultAction::Deny) => Err(denial()),
        Some(FaultAction::Fail(e)) => Err(e),
        Some(FaultAction::Delay(d)) => {
            tokio::time::sleep(d).await;
            Ok(())
        }
        None => Ok(()),
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
        (Method::GET, "/_athena_local/queries") => json_response(200, &state.athena.queries_json()),
        (Method::DELETE, "/_athena_local/queries") => json_response(
            200,
            &json!({"cleared": state.athena.clear_queries_listing()}),
        ),
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
        // The test SAML identity provider: a signed SAMLResponse.
        (Method::POST, "/_athena_local/saml/response") => {
            let body = match read_body(req.into_body(), MAX_BODY).await {
                Ok(b) => b,
                Err(e) => return json_response(400, &json!({"message": e.message})),
            };
            match serde_json::from_slice::<crate::identity::saml::MintRequest>(&body) {
                Ok(mint) => match state.identity.saml().mint(&mint, crate::identity::now_ms()) {
                    Ok(response) => json_response(200, &json!({ "SAMLResponse": response })),
                    Err(message) => json_response(400, &json!({ "message": message })),
                },
                Err(e) => json_response(
                    400,
                    &json!({"message": format!("invalid SAML response request: {e}")}),
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
