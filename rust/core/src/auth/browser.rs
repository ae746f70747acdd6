//! The person's side of `BrowserOidcTip`: the loopback listener that receives
//! the provider's redirect, and starting the browser on the authorization URL.
//!
//! The listener binds 127.0.0.1 only (seed 004 warns about shared machines),
//! answers each request with a short page the person can read, ignores
//! answers whose `state` is not this sign-in's, and is closed, freeing the
//! port, as soon as the sign-in ends either way.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::auth::oidc::describe_oauth_error;
use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;

pub const CALLBACK_PATH: &str = "/athena";

/// What the browser brought back.
enum Outcome {
    Code(Secret),
    Refused(String),
}

/// The bound listener of one sign-in.
pub struct Callback {
    listener: TcpListener,
    port: u16,
}

impl Callback {
    /// Binds 127.0.0.1:`port`; a port in use is a clear error naming it.
    pub async fn bind(port: u16) -> Result<Callback> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
            .await
            .map_err(|e| {
                let why = if e.kind() == std::io::ErrorKind::AddrInUse {
                    "the port is already in use by another program".to_string()
                } else {
                    e.to_string()
                };
                Error::new(
                    ErrorKind::InvalidProperties,
                    format!("IdpPortNumber {port}: cannot listen on 127.0.0.1:{port} for the sign-in callback: {why}; close that program or choose another IdpPortNumber (and register http://localhost:PORT/athena at the identity provider)"),
                )
            })?;
        Ok(Callback { listener, port })
    }

    /// Waits at most `timeout` for the redirect carrying `state`; returns its code.
    pub async fn wait_for_code(self, state: &str, timeout: Duration) -> Result<Secret> {
        let (tx, mut rx) = mpsc::channel::<Outcome>(4);
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    // A failed accept (a reset connection) is not the sign-in's end.
                    if let Ok((stream, _)) = accepted {
                        let tx = tx.clone();
                        let state = state.to_string();
                        tokio::spawn(async move {
                            let service = service_fn(move |req| answer(req, state.clone(), tx.clone()));
                            let _ = hyper::server::conn::http1::Builder::new()
                                .keep_alive(false)
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        });
                    }
                }
                outcome = rx.recv() => {
                    return match outcome {
                        Some(Outcome::Code(code)) => Ok(code),
                        Some(Outcome::Refused(why)) => Err(Error::new(
                            ErrorKind::Authentication,
                            format!("the identity provider refused the sign-in: {why}"),
                        )),
                        None => Err(Error::internal("the sign-in callback stopped")),
                    };
                }
                _ = tokio::time::sleep_until(deadline) => {
                    return Err(Error::new(
                        ErrorKind::Timeout,
                        format!("nobody completed the browser sign-in within IdpResponseTimeout ({} seconds); port {} is free again, connect again to retry", timeout.as_secs(), self.port),
                    ));
                }
            }
        }
    }
}

async fn answer(
    req: Request<Incoming>,
    state: String,
    tx: mpsc::Sender<Outcome>,
) -> std::result::Result<Response<Full<Bytes>>, Infallible> {
    if req.uri().path() != CALLBACK_PATH {
        return Ok(page(
            StatusCode::NOT_FOUND,
            "Not found",
            "This address only receives the Athena sign-in.",
        ));
    }
    let params: Vec<(String, String)> = req
        .uri()
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if get("state") != Some(state.as_str()) {
        return Ok(page(
            StatusCode::BAD_REQUEST,
            "Sign-in response ignored",
            "This response does not belong to the sign-in in progress (its state does not match), so it was ignored. Finish the sign-in in the window the driver opened.",
        ));
    }
    if let Some(error) = get("error") {
        let why = describe_oauth_error(error, get("error_description"));
        let _ = tx.send(Outcome::Refused(why.clone())).await;
        return Ok(page(
            StatusCode::OK,
            "Sign-in failed",
            &format!("The identity provider refused the sign-in: {why}. You can close this tab."),
        ));
    }
    match get("code") {
        Some(code) if !code.is_empty() => {
            let _ = tx.send(Outcome::Code(Secret::new(code))).await;
            Ok(page(
                StatusCode::OK,
                "Sign-in finished",
                "You are signed in to Amazon Athena. You can close this tab and return to your application.",
            ))
        }
        _ => {
            let why =
                "the identity provider's answer carried neither a code nor an error".to_string();
            let _ = tx.send(Outcome::Refused(why.clone())).await;
            Ok(page(
                StatusCode::BAD_REQUEST,
                "Sign-in failed",
                &format!("Sign-in failed: {why}. You can close this tab."),
            ))
        }
    }
}

fn page(status: StatusCode, title: &str, text: &str) -> Response<Full<Bytes>> {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title></head><body><h1>{t}</h1><p>{x}</p></body></html>",
        t = escape(title),
        x = escape(text)
    );
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        "Content-Type",
        hyper::header::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        "Cache-Control",
        hyper::header::HeaderValue::from_static("no-store"),
    );
    response
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Starts the browser on `url`: the command in `BROWSER` when set (entries
/// separated like PATH, `%s` standing for the URL, else the URL appended), or
/// the platform's default browser. Does not wait for the browser.
pub fn open(url: &str) -> Result<()> {
    match std::env::var("BROWSER") {
        Ok(commands) if !commands.trim().is_empty() => open_with(&commands, url),
        _ => webbrowser::open(url).map_err(|e| {
            Error::new(
                ErrorKind::InvalidProperties,
                format!("could not start the default browser for the sign-in ({e}); set the BROWSER environment variable to a browser command"),
            )
        }),
    }
}

fn open_with(commands: &str, url: &str) -> Result<()> {
    let separator = if cfg!(windows) { ';' } else { ':' };
    let mut failures = Vec::new();
    for entry in commands.split(separator).filter(|c| !c.trim().is_empty()) {
        let args = command_line(entry, url);
        let Some((program, rest)) = args.split_first() else {
            continue;
        };
        match Command::new(program)
            .args(rest)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(mut child) => {
                // Reaped in the background so no zombie is left behind.
                std::thread::spawn(move || child.wait());
                return Ok(());
            }
            Err(e) => failures.push(format!("{program}: {e}")),
        }
    }
    Err(Error::new(
        ErrorKind::InvalidProperties,
        format!(
            "could not start the browser named by the BROWSER environment variable ({})",
            failures.join("; ")
        ),
    ))
}

/// One BROWSER entry as program and arguments, `%s` replaced by the URL.
fn command_line(entry: &str, url: &str) -> Vec<String> {
    let mut args: Vec<String> = entry.split_whitespace().map(str::to_string).collect();
    if args.iter().any(|a| a.contains("%s")) {
        for a in &mut args {
            *a = a.replace("%s", url);
        }
    } else {
        args.push(url.to_string());
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_commands_take_the_url_in_place_of_percent_s() {
        assert_eq!(
            command_line("node /x/browse.mjs --url=%s", "http://u"),
            vec!["node", "/x/browse.mjs", "--url=http://u"]
        );
        assert_eq!(
            command_line("firefox", "http://u"),
            vec!["firefox", "http://u"]
        );
    }

    #[test]
    fn pages_escape_what_the_provider_sent() {
        assert_eq!(escape("<b>&\""), "&lt;b&gt;&amp;&quot;");
    }

    #[tokio::test]
    async fn a_wrong_state_is_ignored_and_the_right_one_wins() {
        let callback = Callback::bind(0).await.unwrap();
        let port = callback.listener.local_addr().unwrap().port();
        let waiting = tokio::spawn(callback.wait_for_code("right", Duration::from_secs(10)));
        let get = |path: String| async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap();
            s.write_all(format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes())
                .await
                .unwrap();
            let mut text = String::new();
            s.read_to_string(&mut text).await.unwrap();
            text
        };
        assert!(get("/favicon.ico".into()).await.starts_with("HTTP/1.1 404"));
        let forged = get("/athena?code=forged&state=wrong".into()).await;
        assert!(
            forged.starts_with("HTTP/1.1 400") && forged.contains("ignored"),
            "{forged}"
        );
        let real = get("/athena?code=the-code&state=right".into()).await;
        assert!(real.contains("Sign-in finished"), "{real}");
        assert_eq!(waiting.await.unwrap().unwrap().expose(), "the-code");
        // The port is free again once the sign-in ended.
        Callback::bind(port).await.unwrap();
    }

    #[tokio::test]
    async fn a_taken_port_and_a_timeout_are_clear_errors() {
        let taken = Callback::bind(0).await.unwrap();
        let port = taken.listener.local_addr().unwrap().port();
        let err = Callback::bind(port).await.err().unwrap();
        assert!(
            err.to_string().contains(&format!("IdpPortNumber {port}")),
            "{err}"
        );
        let err = taken
            .wait_for_code("s", Duration::from_millis(200))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout);
        assert!(err.to_string().contains("IdpResponseTimeout"), "{err}");
        Callback::bind(port).await.unwrap();
    }

    #[tokio::test]
    async fn the_providers_refusal_is_reported() {
        let callback = Callback::bind(0).await.unwrap();
        let port = callback.listener.local_addr().unwrap().port();
        let waiting = tokio::spawn(callback.wait_for_code("st", Duration::from_secs(10)));
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        use tokio::io::AsyncWriteExt;
        s.write_all(b"GET /athena?error=access_denied&error_description=End-User%20aborted&state=st HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let err = waiting.await.unwrap().unwrap_err();
        assert!(
            err.to_string().contains("access_denied (End-User aborted)"),
            "{err}"
        );
    }
}
