//! HTTP server: AWS JSON 1.1 routing by `X-Amz-Target`, plus admin endpoints.

use crate::athena::Athena;
use crate::config::Config;
use crate::errors::ApiError;
use crate::faults::{Fault, FaultAction, Faults};
use crate::recorder::{CallRecord, Recorder};
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

const JSON_CONTENT_TYPE: &str = "application/x-amz-json-1.1";
const TARGET_PREFIX: &str = "AmazonAthena.";
const ADMIN_PREFIX: &str = "/_athena_local/";
/// Athena's largest request (a 256 KiB query plus JSON) fits well within this.
const MAX_BODY: usize = 8 * 1024 * 1024;

/// Shared state of one server.
pub struct AppState {
    pub athena: Athena,
    pub recorder: Recorder,
    pub faults: Arc<Faults>,
}

/// A running server; dropping it stops accepting connections.
pub struct ServerHandle {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
    state: Arc<AppState>,
}

impl ServerHandle {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT`, ready for an SDK's `endpoint_url`.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
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

/// Binds `addr` (port 0 picks a free port) and serves until shut down.
pub async fn start(config: Config, addr: SocketAddr) -> Result<ServerHandle, crate::Error> {
    let faults = Arc::new(Faults::default());
    let athena = Athena::new(config, Arc::clone(&faults)).await?;
    let state = Arc::new(AppState {
        athena,
        recorder: Recorder::default(),
        faults,
    });
    let listener = TcpListener::bind(addr).await.map_err(crate::Error::Io)?;
    let addr = listener.local_addr().map_err(crate::Error::Io)?;
    let (tx, mut rx) = watch::channel(false);
    let loop_state = Arc::clone(&state);
    let task = tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = rx.changed() => break,
                accepted = listener.accept() => {
                    let Ok((stream, peer)) = accepted else { continue };
                    let st = Arc::clone(&loop_state);
                    let mut conn_rx = rx.clone();
                    tokio::spawn(async move {
                        let service = service_fn(move |req| {
                            let st = Arc::clone(&st);
                            async move { Ok::<_, Infallible>(handle(st, peer, req).await) }
                        });
                        let conn = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service);
                        tokio::pin!(conn);
                        tokio::select! {
                            _ = conn.as_mut() => {}
                            _ = conn_rx.changed() => {
                                // Let an in-flight response finish, then close.
                                conn.as_mut().graceful_shutdown();
                                let _ = conn.as_mut().await;
                            }
                        }
                    });
                }
            }
        }
    });
    Ok(ServerHandle {
        addr,
        shutdown: tx,
        task: Some(task),
        state,
    })
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

fn api_response(result: &Result<Value, ApiError>, request_id: &str) -> Response<Full<Bytes>> {
    let mut resp = match result {
        Ok(v) => response(200, v.to_string().into_bytes(), JSON_CONTENT_TYPE),
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
    if path.starts_with(ADMIN_PREFIX) || path == "/_athena_local" {
        // Admin endpoints are unsigned, so only local clients may use them.
        if !peer.ip().is_loopback() {
            return json_response(404, &json!({"message": "Not found"}));
        }
        return admin(&state, req).await;
    }
    api(&state, req).await
}

async fn read_body(body: Incoming) -> Result<Bytes, ApiError> {
    Limited::new(body, MAX_BODY)
        .collect()
        .await
        .map(|c| c.to_bytes())
        .map_err(|_| ApiError::serialization("Request body could not be read or is too large"))
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
    let operation = target
        .strip_prefix(TARGET_PREFIX)
        .unwrap_or(&target)
        .to_string();
    let access_key_id = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| sigv4::parse_authorization(v).ok())
        .map(|a| a.access_key_id);

    let result = serve_api(state, &parts, body, &target, &operation).await;
    let resp = api_response(&result, &request_id);
    state.recorder.record(CallRecord {
        operation,
        access_key_id,
        status: resp.status().as_u16(),
        error_type: result.err().map(|e| e.error_type.to_string()),
        request_id,
        timestamp: arrived.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    });
    resp
}

async fn serve_api(
    state: &AppState,
    parts: &hyper::http::request::Parts,
    body: Incoming,
    target: &str,
    operation: &str,
) -> Result<Value, ApiError> {
    let body = read_body(body).await?;
    let path = parts.uri.path();
    let signed = sigv4::SignedRequest {
        method: parts.method.as_str(),
        path,
        query: parts.uri.query().unwrap_or(""),
        headers: &parts.headers,
        body: &body,
    };
    sigv4::verify(&signed, state.athena.config(), chrono::Utc::now())?;
    if parts.method != Method::POST || !target.starts_with(TARGET_PREFIX) {
        return Err(ApiError::unknown_operation(target));
    }
    match state.faults.take(operation) {
        Some(FaultAction::Fail(e)) => return Err(e),
        Some(FaultAction::Delay(d)) => tokio::time::sleep(d).await,
        None => {}
    }
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
    state.athena.dispatch(operation, &json).await
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
            let body = match read_body(req.into_body()).await {
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
