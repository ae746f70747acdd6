//! The person's side of the browser flows: the loopback listener that
//! receives the identity provider's answer (a redirect's query, or a form
//! POST as SAML and Entra's `form_post` send), and starting the browser.
//!
//! The listener binds 127.0.0.1 only (seed 004 warns about shared machines),
//! answers each request with a short page the person can read, ignores
//! answers that do not belong to this sign-in, and is closed, freeing the
//! port, as soon as the sign-in ends either way.
//!
//! An accepted answer is not yet a sign-in: the code is still to be redeemed,
//! the SAML response still to be traded at STS. So its tab waits, briefly,
//! for the flow to say how the sign-in ended (`Finish`), and only then says
//! "Sign-in finished" or why it failed.

use std::convert::Infallible;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::auth::oidc::describe_oauth_error;
use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;

pub const CALLBACK_PATH: &str = "/athena";
/// A SAML response of many roles and groups is tens of KB; nothing sent to
/// the callback needs more.
const MAX_FORM_BYTES: usize = 1 << 20;
/// How long at most the tab of an accepted answer waits for the sign-in's
/// outcome (the code's redemption, STS): those are a few network calls, and
/// the person should not stare at a loading tab for long.
const FINISH_WAIT: Duration = Duration::from_secs(30);

/// What the identity provider sent: the query of a GET, or the form of a POST.
pub struct Answer {
    params: Vec<(String, String)>,
}

impl Answer {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A flow's reading of one answer.
pub enum Verdict<T> {
    /// The sign-in's result: the tab waits for the flow's `Finish` to say
    /// whether the sign-in finished.
    Accept(T),
    /// The provider refused, or its answer cannot be used: the sign-in fails
    /// with this reason, and the tab says why.
    Refuse(String),
    /// Not this sign-in's answer (another state, a stray request): the tab
    /// says why it was ignored and the listener keeps waiting.
    Ignore(String),
}

/// The names, in error messages, of the settings the person can change.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// The port's property (`IdpPortNumber`, `ListenPort`).
    pub port_property: &'static str,
    /// The timeout's property (`IdpResponseTimeout`).
    pub timeout_property: &'static str,
}

pub const OIDC_TIP: Settings = Settings {
    port_property: "IdpPortNumber",
    timeout_property: "IdpResponseTimeout",
};
pub const LISTEN_PORT: Settings = Settings {
    port_property: "ListenPort",
    timeout_property: "IdpResponseTimeout",
};

/// The bound listener of one sign-in.
pub struct Callback {
    listener: TcpListener,
    port: u16,
    settings: Settings,
}

type Check<T> = Arc<dyn Fn(&Answer) -> Verdict<T> + Send + Sync>;
type Delivered<T> = std::result::Result<(T, Finish), String>;

/// How the sign-in of an accepted answer ended, for its tab.
enum Outcome {
    Finished,
    Failed(String),
}

/// The tab of an accepted answer, waiting for the sign-in's outcome. Tell it
/// with `done` once the step that can still fail (redeeming the code, STS)
/// is over; dropped without `done` (the sign-in was abandoned, or the flow
/// has nothing more to check), the tab says only that the driver received
/// the answer. The tab gives up waiting after `FINISH_WAIT`, and never waits
/// past the sign-in's `IdpResponseTimeout`.
pub struct Finish {
    tab: oneshot::Sender<Outcome>,
}

impl Finish {
    /// Shows the sign-in's outcome in the tab: finished, or failed and why.
    /// Our errors carry no secrets, so the reason is the error's message.
    pub fn done(self, result: std::result::Result<(), &Error>) {
        let outcome = match result {
            Ok(()) => Outcome::Finished,
            Err(e) => Outcome::Failed(e.to_string()),
        };
        // The tab may have stopped waiting already; nothing else to tell.
        let _ = self.tab.send(outcome);
    }
}

impl fmt::Debug for Finish {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Finish")
    }
}

impl Callback {
    /// Binds 127.0.0.1:`port`; a port in use is a clear error naming it.
    pub async fn bind(port: u16, settings: Settings) -> Result<Callback> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
            .await
            .map_err(|e| {
                let why = if e.kind() == std::io::ErrorKind::AddrInUse {
                    "the port is already in use by another program".to_string()
                } else {
                    e.to_string()
                };
                let name = settings.port_property;
                Error::new(
                    ErrorKind::InvalidProperties,
                    format!("{name} {port}: cannot listen on 127.0.0.1:{port} for the sign-in callback: {why}; close that program or choose another {name} (and register http://localhost:PORT/athena at the identity provider)"),
                )
            })?;
        Ok(Callback {
            listener,
            port,
            settings,
        })
    }

    /// The port listened on (the one asked for, or the system's choice for 0).
    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or(self.port)
    }

    /// The redirect the identity provider is to send the person back to.
    pub fn redirect_uri(&self) -> String {
        format!("http://localhost:{}{CALLBACK_PATH}", self.port())
    }

    /// Waits at most `timeout` for the OAuth redirect (query or `form_post`)
    /// carrying `state`; returns its code. The tab says only that the driver
    /// received it: a flow that can still fail uses `wait_for_code_finishing`.
    pub async fn wait_for_code(self, state: &str, timeout: Duration) -> Result<Secret> {
        Ok(self.wait_for_code_finishing(state, timeout).await?.0)
    }

    /// As `wait_for_code`, with the `Finish` that tells the tab how the
    /// sign-in ended (call it once the code is redeemed, or refused).
    pub async fn wait_for_code_finishing(
        self,
        state: &str,
        timeout: Duration,
    ) -> Result<(Secret, Finish)> {
        let state = state.to_string();
        self.wait_for(timeout, move |answer| oauth_code(answer, &state))
            .await
    }

    /// Waits at most `timeout` for an answer `check` accepts or refuses; an
    /// accepted one comes with the `Finish` its tab waits on.
    pub async fn wait_for<T: Send + 'static>(
        self,
        timeout: Duration,
        check: impl Fn(&Answer) -> Verdict<T> + Send + Sync + 'static,
    ) -> Result<(T, Finish)> {
        let check: Check<T> = Arc::new(check);
        let (tx, mut rx) = mpsc::channel::<Delivered<T>>(4);
        let deadline = Instant::now() + timeout;
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    // A failed accept (a reset connection) is not the sign-in's end.
                    if let Ok((stream, _)) = accepted {
                        let tx = tx.clone();
                        let check = check.clone();
                        tokio::spawn(async move {
                            let service = service_fn(move |req| answer(req, check.clone(), tx.clone(), deadline));
                            let _ = hyper::server::conn::http1::Builder::new()
                                .keep_alive(false)
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        });
                    }
                }
                outcome = rx.recv() => {
                    return match outcome {
                        Some(Ok(value)) => Ok(value),
                        Some(Err(why)) => Err(Error::new(
                            ErrorKind::Authentication,
                            format!("the identity provider refused the sign-in: {why}"),
                        )),
                        None => Err(Error::internal("the sign-in callback stopped")),
                    };
                }
                _ = tokio::time::sleep_until(deadline) => {
                    return Err(Error::new(
                        ErrorKind::Timeout,
                        format!("nobody completed the browser sign-in within {} ({} seconds); port {} is free again, connect again to retry", self.settings.timeout_property, timeout.as_secs(), self.port()),
                    ));
                }
            }
        }
    }
}

/// The OAuth 2.0 authorization response: its code, when its state is ours.
fn oauth_code(answer: &Answer, state: &str) -> Verdict<Secret> {
    if answer.get("state") != Some(state) {
        return Verdict::Ignore(
            "it does not belong to the sign-in in progress (its state does not match)".into(),
        );
    }
    if let Some(error) = answer.get("error") {
        return Verdict::Refuse(describe_oauth_error(error, answer.get("error_description")));
    }
    match answer.get("code") {
        Some(code) if !code.is_empty() => Verdict::Accept(Secret::new(code)),
        _ => Verdict::Refuse(
            "the identity provider's answer carried neither a code nor an error".into(),
        ),
    }
}

async fn answer<T>(
    req: Request<Incoming>,
    check: Check<T>,
    tx: mpsc::Sender<Delivered<T>>,
    deadline: Instant,
) -> std::result::Result<Response<Full<Bytes>>, Infallible> {
    if req.uri().path() != CALLBACK_PATH {
        return Ok(page(
            StatusCode::NOT_FOUND,
            "Not found",
            "This address only receives the Athena sign-in.",
        ));
    }
    let mut params: Vec<(String, String)> = req
        .uri()
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    if req.method() == Method::POST {
        match Limited::new(req.into_body(), MAX_FORM_BYTES).collect().await {
            Ok(body) => params.extend(url::form_urlencoded::parse(&body.to_bytes()).into_owned()),
            Err(_) => {
                return Ok(page(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Sign-in response ignored",
                    "The form sent here was cut short or is larger than a sign-in response can be, so it was ignored.",
                ))
            }
        }
    }
    match check(&Answer { params }) {
        Verdict::Accept(value) => {
            let (tab, outcome) = oneshot::channel();
            if tx.send(Ok((value, Finish { tab }))).await.is_err() {
                return Ok(page(
                    StatusCode::OK,
                    "Sign-in response ignored",
                    "The sign-in this response belongs to has already ended. Return to your application.",
                ));
            }
            Ok(match tokio::time::timeout(finish_wait(deadline), outcome).await {
                Ok(Ok(Outcome::Finished)) => page(
                    StatusCode::OK,
                    "Sign-in finished",
                    "You are signed in to Amazon Athena. You can close this tab and return to your application.",
                ),
                Ok(Ok(Outcome::Failed(why))) => failed(&why),
                // The flow dropped its Finish, or took too long to tell.
                Ok(Err(_)) | Err(_) => page(
                    StatusCode::OK,
                    "Sign-in received",
                    "The driver received the sign-in; return to your application.",
                ),
            })
        }
        Verdict::Refuse(why) => {
            let response = failed(&why);
            let _ = tx.send(Err(why)).await;
            Ok(response)
        }
        Verdict::Ignore(why) => Ok(page(
            StatusCode::BAD_REQUEST,
            "Sign-in response ignored",
            &format!("This response was ignored: {why}. Finish the sign-in in the window the driver opened."),
        )),
    }
}

/// How long the tab of an answer accepted now waits for the outcome.
fn finish_wait(deadline: Instant) -> Duration {
    FINISH_WAIT.min(deadline.saturating_duration_since(Instant::now()))
}

fn failed(why: &str) -> Response<Full<Bytes>> {
    let why = why.trim_end_matches('.');
    page(
        StatusCode::OK,
        "Sign-in failed",
        &format!("The sign-in failed: {why}. You can close this tab."),
    )
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
/// separated like PATH, `;` on Windows and `:` elsewhere, `%s` standing for the
/// URL, else the URL appended), or the platform's default browser: the
/// `webbrowser` crate asks macOS's LaunchServices, Windows' ShellExecute, and
/// on Linux and the BSDs xdg-open and its kin. Does not wait for the browser.
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
    let mut args = words(entry);
    if args.iter().any(|a| a.contains("%s")) {
        for a in &mut args {
            *a = a.replace("%s", url);
        }
    } else {
        args.push(url.to_string());
    }
    args
}

/// Splits a BROWSER entry on whitespace; double quotes keep words together,
/// as a program path with spaces needs (`"C:\Program Files\Mozilla
/// Firefox\firefox.exe" %s`). Backslashes are plain characters, so Windows
/// paths need no escaping.
fn words(entry: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let (mut quoted, mut started) = (false, false);
    for c in entry.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                started = true;
            }
            c if c.is_whitespace() && !quoted => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            c => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    words
}

/// The browser's side of the listener, for tests.
#[cfg(test)]
pub(crate) mod test_support {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Sends one request to the listener at `port`, `form` (`name=value`
    /// pairs joined by `&`) form-encoded as its body; answers the whole
    /// response, status line and page.
    pub(crate) async fn send(port: u16, method: &str, target: &str, form: &str) -> String {
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.split('&').filter_map(|kv| kv.split_once('=')))
            .finish();
        s.write_all(format!("{method} {target} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}", body.len()).as_bytes())
            .await
            .unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).await.unwrap();
        text
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::send;
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
    fn quotes_keep_a_program_path_with_spaces_together() {
        assert_eq!(
            command_line(
                r#""C:\Program Files\Mozilla Firefox\firefox.exe" -new-window %s"#,
                "http://u"
            ),
            vec![
                r"C:\Program Files\Mozilla Firefox\firefox.exe",
                "-new-window",
                "http://u"
            ]
        );
        assert_eq!(
            command_line(r#"open -a "Google Chrome""#, "http://u"),
            vec!["open", "-a", "Google Chrome", "http://u"]
        );
        assert_eq!(words(r#"a "" b"#), vec!["a", "", "b"]);
    }

    #[test]
    fn pages_escape_what_the_provider_sent() {
        assert_eq!(escape("<b>&\""), "&lt;b&gt;&amp;&quot;");
    }

    #[tokio::test]
    async fn a_wrong_state_is_ignored_and_the_right_one_wins() {
        let callback = Callback::bind(0, OIDC_TIP).await.unwrap();
        let port = callback.listener.local_addr().unwrap().port();
        let waiting = tokio::spawn(callback.wait_for_code("right", Duration::from_secs(10)));
        let get = |path: &'static str| send(port, "GET", path, "");
        assert!(get("/favicon.ico").await.starts_with("HTTP/1.1 404"));
        let forged = get("/athena?code=forged&state=wrong").await;
        assert!(
            forged.starts_with("HTTP/1.1 400") && forged.contains("ignored"),
            "{forged}"
        );
        let real = get("/athena?code=the-code&state=right").await;
        // wait_for_code drops the Finish: the tab does not claim more than it knows.
        assert!(
            real.contains("Sign-in received")
                && real.contains("The driver received the sign-in; return to your application.")
                && !real.contains("Sign-in finished"),
            "{real}"
        );
        assert_eq!(waiting.await.unwrap().unwrap().expose(), "the-code");
        // The port is free again once the sign-in ended.
        Callback::bind(port, OIDC_TIP).await.unwrap();
    }

    #[tokio::test]
    async fn a_taken_port_and_a_timeout_are_clear_errors() {
        let taken = Callback::bind(0, OIDC_TIP).await.unwrap();
        let port = taken.listener.local_addr().unwrap().port();
        let err = Callback::bind(port, OIDC_TIP).await.err().unwrap();
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
        Callback::bind(port, OIDC_TIP).await.unwrap();
    }

    #[tokio::test]
    async fn the_providers_refusal_is_reported() {
        let callback = Callback::bind(0, OIDC_TIP).await.unwrap();
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

    #[tokio::test]
    async fn a_form_post_is_read_like_a_query() {
        let callback = Callback::bind(0, LISTEN_PORT).await.unwrap();
        let port = callback.port();
        assert_eq!(
            callback.redirect_uri(),
            format!("http://localhost:{port}/athena")
        );
        let waiting = tokio::spawn(callback.wait_for_code_finishing("st", Duration::from_secs(10)));
        let tab = tokio::spawn(send(port, "POST", "/athena", "code=posted&state=st"));
        let (code, finish) = waiting.await.unwrap().unwrap();
        assert_eq!(code.expose(), "posted");
        // The tab waits for the flow's outcome before claiming anything.
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!tab.is_finished());
        finish.done(Ok(()));
        let text = tab.await.unwrap();
        assert!(
            text.starts_with("HTTP/1.1 200") && text.contains("Sign-in finished"),
            "{text}"
        );
        let err = Callback::bind(0, LISTEN_PORT)
            .await
            .unwrap()
            .wait_for_code("s", Duration::from_millis(100))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("IdpResponseTimeout"), "{err}");
    }

    #[tokio::test]
    async fn an_accepted_answer_whose_sign_in_then_fails_shows_why() {
        let callback = Callback::bind(0, LISTEN_PORT).await.unwrap();
        let port = callback.port();
        let waiting =
            tokio::spawn(callback.wait_for(
                Duration::from_secs(10),
                |a| match a.get("SAMLResponse") {
                    Some(r) => Verdict::Accept(Secret::new(r)),
                    None => Verdict::Ignore("no SAMLResponse".into()),
                },
            ));
        let tab = tokio::spawn(send(
            port,
            "POST",
            "/athena",
            "SAMLResponse=PHNhbWxwOlJlc3BvbnNl",
        ));
        let (response, finish) = waiting.await.unwrap().unwrap();
        assert_eq!(response.expose(), "PHNhbWxwOlJlc3BvbnNl");
        // What STS would answer for an assertion signed by an unknown key.
        let sts = Error::new(
            ErrorKind::Authentication,
            "BrowserSaml: STS refused the SAML assertion: signature invalid <for> Corp.",
        );
        finish.done(Err(&sts));
        let text = tab.await.unwrap();
        assert!(text.starts_with("HTTP/1.1 200"), "{text}");
        assert!(
            text.contains("<h1>Sign-in failed</h1>")
                && text.contains("The sign-in failed: BrowserSaml: STS refused the SAML assertion: signature invalid &lt;for&gt; Corp. You can close this tab."),
            "{text}"
        );
        assert!(
            !text.contains("Sign-in finished") && !text.contains("PHNhbWxw"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn a_dropped_finish_answers_the_neutral_page_at_once() {
        let callback = Callback::bind(0, LISTEN_PORT).await.unwrap();
        let port = callback.port();
        let waiting = tokio::spawn(callback.wait_for_code_finishing("st", Duration::from_secs(60)));
        let tab = tokio::spawn(send(port, "POST", "/athena", "code=c&state=st"));
        let (_, finish) = waiting.await.unwrap().unwrap();
        let started = Instant::now();
        drop(finish);
        let text = tab.await.unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(
            text.starts_with("HTTP/1.1 200")
                && text.contains("Sign-in received")
                && text.contains("The driver received the sign-in; return to your application."),
            "{text}"
        );
    }

    #[tokio::test]
    async fn the_tab_waits_no_longer_than_the_sign_in_may_last() {
        // At most FINISH_WAIT, and never past IdpResponseTimeout's end.
        let far = Instant::now() + Duration::from_secs(600);
        assert_eq!(finish_wait(far), FINISH_WAIT);
        assert!(finish_wait(Instant::now() + Duration::from_secs(2)) <= Duration::from_secs(2));
        assert_eq!(finish_wait(Instant::now()), Duration::ZERO);

        // A flow that neither finishes nor drops its handle: the tab answers
        // the neutral page once the sign-in's time is up.
        let callback = Callback::bind(0, LISTEN_PORT).await.unwrap();
        let port = callback.port();
        let started = Instant::now();
        let waiting =
            tokio::spawn(callback.wait_for_code_finishing("st", Duration::from_millis(1500)));
        let text = send(port, "POST", "/athena", "code=c&state=st").await;
        let waited = started.elapsed();
        let (_, _held) = waiting.await.unwrap().unwrap();
        assert!(
            waited >= Duration::from_millis(1000) && waited < Duration::from_secs(10),
            "{waited:?}"
        );
        assert!(
            text.contains("The driver received the sign-in") && !text.contains("Sign-in finished"),
            "{text}"
        );
    }
}
