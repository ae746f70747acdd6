//! Entra ID's browser sign-in, as BrowserAzureAD meets it:
//! `GET /{tenant}/oauth2/authorize?client_id=…&response_type=code&redirect_uri=…`
//! answers a sign-in page (user name `loginfmt`, password `passwd`, a Cancel
//! button) whose form posts back to the same path. A right password answers
//! the authorization response to the `redirect_uri`: an auto-submitting form
//! POST of `code` and `state` (`response_mode=form_post`), or a 302 with them
//! in the query (`response_mode=query`, the default). Cancel answers
//! `error=access_denied`; a wrong password shows the page again with
//! Entra's message, so the person can retry.
//!
//! Codes are one-time, bound to the application, tenant and redirect URI
//! and to the PKCE challenge, and live ten minutes; redeeming one also gives
//! a refresh token (`refresh_token_seconds` of the application).

use super::{encode, redirect_allowed, refused, value, EntraError};
use crate::config::EntraAppConfig;
use crate::identity::keys::{b64url, random_id};
use crate::identity::now_ms;
use crate::server::AppState;
use crate::services::html::hidden_inputs;
use crate::services::xml::escape;
use once_cell::sync::Lazy;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// A sign-in page can be posted this long after it was opened.
const PAGE_MS: i64 = 15 * 60 * 1000;
/// Entra's authorization codes live about ten minutes.
const CODE_MS: i64 = 10 * 60 * 1000;
/// Spent codes and refresh tokens are remembered this long past their end,
/// so they are refused as expired or redeemed rather than as unknown.
const REMEMBERED_MS: i64 = 24 * 3600 * 1000;

/// What the authorization request asked for.
#[derive(Clone)]
struct Request {
    tenant: String,
    client_id: String,
    redirect_uri: String,
    state: Option<String>,
    /// The PKCE code challenge, and whether its method is S256 (else plain).
    challenge: Option<(String, bool)>,
    form_post: bool,
}

struct Code {
    request: Request,
    user: String,
    until: i64,
    redeemed: bool,
}

struct Refresh {
    tenant: String,
    client_id: String,
    user: String,
    until: i64,
}

#[derive(Default)]
struct Store {
    /// Sign-in page session (`ctx`) → its request, and until when it may be posted.
    pages: HashMap<String, (Request, i64)>,
    codes: HashMap<String, Code>,
    refresh_tokens: HashMap<String, Refresh>,
}

static STORE: Lazy<Mutex<Store>> = Lazy::new(Default::default);

/// The store, without what can no longer be answered.
fn store() -> MutexGuard<'static, Store> {
    let mut store = STORE.lock().unwrap_or_else(|p| p.into_inner());
    let now = now_ms();
    store.pages.retain(|_, (_, until)| *until > now);
    store.codes.retain(|_, c| c.until + REMEMBERED_MS > now);
    store
        .refresh_tokens
        .retain(|_, r| r.until + REMEMBERED_MS > now);
    store
}

/// A random secret in the form of Entra's codes and refresh tokens (`0.A…`).
fn new_secret() -> Result<String, EntraError> {
    random_id(48)
        .map(|s| format!("0.A{s}"))
        .map_err(|e| refused(500, "server_error", format!("AADSTS90033: {e}")))
}

/// What the endpoint answers: a page, or a redirect.
pub(super) struct Page {
    pub status: u16,
    pub html: String,
    pub location: Option<String>,
    /// The error the page shows (an AADSTS code or OAuth error), for the call record.
    pub error: Option<String>,
}

/// Entra's error page: the request cannot be answered to any redirect.
pub(super) fn error_page(status: u16, error: &str, message: &str) -> Page {
    Page {
        status,
        html: format!(
            r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>Sign in to your account</title></head><body><div id="errorPage"><h1>Sorry, but we're having trouble signing you in.</h1><p id="errorMessage">{}</p></div></body></html>"#,
            escape(message)
        ),
        location: None,
        error: Some(error.to_string()),
    }
}

/// `GET /{tenant}/oauth2/authorize`: the sign-in page for a valid request.
pub(super) fn authorize(state: &AppState, tenant: &str, query: &HashMap<String, String>) -> Page {
    let apps = state.identity.entra_apps();
    if !apps.iter().any(|a| a.tenant == tenant) {
        return error_page(400, "AADSTS90002", &format!(
            "AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
        ));
    }
    let client_id = value(query, "client_id").unwrap_or_default();
    let Some(app) = apps
        .iter()
        .find(|a| a.tenant == tenant && a.client_id == client_id)
    else {
        return error_page(400, "AADSTS700016", &format!(
            "AADSTS700016: Application with identifier '{client_id}' was not found in the directory '{tenant}'."
        ));
    };
    let redirect_uri = value(query, "redirect_uri").unwrap_or_default();
    if !redirect_allowed(app, redirect_uri) {
        return error_page(400, "AADSTS50011", &format!(
            "AADSTS50011: The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'."
        ));
    }
    let form_post = match value(query, "response_mode") {
        None | Some("query") => false,
        Some("form_post") => true,
        Some(other) => {
            return error_page(400, "invalid_request", &format!(
                "AADSTS900144: athena-local answers response_mode query or form_post, not '{other}'."
            ))
        }
    };
    let mut request = Request {
        tenant: tenant.to_string(),
        client_id: client_id.to_string(),
        redirect_uri: redirect_uri.to_string(),
        state: value(query, "state").map(str::to_string),
        challenge: None,
        form_post,
    };
    // From here on, errors go back to the application, as OAuth asks.
    let response_type = value(query, "response_type").unwrap_or_default();
    if response_type != "code" {
        return answer(&request, &[
            ("error", "unsupported_response_type"),
            ("error_description", &format!("AADSTS70005: response_type '{response_type}' is not enabled for the client (athena-local answers code).")),
        ]);
    }
    if let Some(challenge) = value(query, "code_challenge") {
        let s256 = match value(query, "code_challenge_method") {
            Some("S256") => true,
            None | Some("plain") => false,
            Some(other) => {
                return answer(
                    &request,
                    &[
                        ("error", "invalid_request"),
                        (
                            "error_description",
                            &format!(
                                "AADSTS501491: code_challenge_method must be S256 or plain, not '{other}'."
                            ),
                        ),
                    ],
                )
            }
        };
        request.challenge = Some((challenge.to_string(), s256));
    }
    let ctx = match new_secret() {
        Ok(ctx) => ctx,
        Err(e) => return error_page(500, e.error, &e.description),
    };
    store()
        .pages
        .insert(ctx.clone(), (request.clone(), now_ms() + PAGE_MS));
    sign_in_page(&request, &ctx, "", None)
}

/// The sign-in form, with the error of the last attempt.
fn sign_in_page(
    request: &Request,
    ctx: &str,
    user: &str,
    error: Option<(&str, &str, &str)>,
) -> Page {
    let (shown, code) = match error {
        Some((field, code, text)) => (
            format!(
                r#"<div id="{field}" role="alert" class="error">{}</div>"#,
                escape(text)
            ),
            Some(code.to_string()),
        ),
        None => (String::new(), None),
    };
    Page {
        status: 200,
        html: format!(
            r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>Sign in to your account</title></head><body><form method="post" id="i0281" autocomplete="off" action="/{tenant}/oauth2/authorize"><div id="loginHeader" role="heading">Sign in</div><div id="appName">{app}</div>{shown}<input type="email" name="loginfmt" value="{user}" id="i0116" placeholder="Email, phone, or Skype"/><input type="password" name="passwd" id="i0118" placeholder="Password"/><input type="hidden" name="ctx" value="{ctx}"/><input type="submit" id="idSIButton9" value="Sign in"/><input type="submit" id="idBtn_Back" name="cancel" value="Cancel"/></form></body></html>"#,
            tenant = escape(&request.tenant),
            app = escape(&request.client_id),
            user = escape(user),
            ctx = escape(ctx),
        ),
        location: None,
        error: code,
    }
}

/// The sign-in form posted back: the answer to the application, or the page
/// again with what was wrong.
pub(super) fn posted(state: &AppState, tenant: &str, form: &HashMap<String, String>) -> Page {
    let ctx = value(form, "ctx").unwrap_or_default();
    let pending = store()
        .pages
        .get(ctx)
        .filter(|(r, _)| r.tenant == tenant)
        .map(|(r, _)| r.clone());
    let Some(request) = pending else {
        return error_page(400, "AADSTS90014", "AADSTS90014: This sign-in page has expired or was already used. Go back to the application and sign in again.");
    };
    if form.contains_key("cancel") {
        store().pages.remove(ctx);
        return answer(
            &request,
            &[
                ("error", "access_denied"),
                (
                    "error_description",
                    "AADSTS65004: User declined to consent to access the app.",
                ),
            ],
        );
    }
    let name = value(form, "loginfmt").unwrap_or_default();
    let password = value(form, "passwd").unwrap_or_default();
    let Some(user) = state.identity.idp_user(name) else {
        return sign_in_page(&request, ctx, name, Some(("usernameError", "AADSTS50034",
            "This username may be incorrect. Make sure you typed it correctly. Otherwise, contact your admin.")));
    };
    if user.password != password {
        return sign_in_page(&request, ctx, name, Some(("passwordError", "AADSTS50126",
            "Your account or password is incorrect. If you don't remember your password, reset it now.")));
    }
    if user.locked {
        return sign_in_page(&request, ctx, name, Some(("passwordError", "AADSTS50053",
            "Your account has been locked. Contact your support person to unlock it, then try again.")));
    }
    let code = match new_secret() {
        Ok(code) => code,
        Err(e) => return error_page(500, e.error, &e.description),
    };
    {
        let mut store = store();
        store.pages.remove(ctx);
        store.codes.insert(
            code.clone(),
            Code {
                request: request.clone(),
                user: user.name.clone(),
                until: now_ms() + CODE_MS,
                redeemed: false,
            },
        );
    }
    let session = uuid::Uuid::new_v4().to_string();
    answer(&request, &[("code", &code), ("session_state", &session)])
}

/// The authorization response to the application's redirect URI (with the
/// request's `state`): a form POST or a query redirect.
fn answer(request: &Request, params: &[(&str, &str)]) -> Page {
    let mut params = params.to_vec();
    if let Some(state) = &request.state {
        params.push(("state", state));
    }
    let error = params
        .iter()
        .find(|(k, _)| *k == "error")
        .map(|(_, v)| v.to_string());
    if request.form_post {
        let fields = hidden_inputs(&params);
        return Page {
            status: 200,
            html: format!(
                r#"<html><head><title>Working...</title></head><body><form method="POST" name="hiddenform" action="{}">{fields}<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit"/></noscript></form><script language="javascript">document.forms[0].submit();</script></body></html>"#,
                escape(&request.redirect_uri)
            ),
            location: None,
            error,
        };
    }
    let separator = if request.redirect_uri.contains('?') {
        '&'
    } else {
        '?'
    };
    let location = format!("{}{separator}{}", request.redirect_uri, encode(&params));
    Page {
        status: 302,
        html: format!(
            r#"<html><head><title>Object moved</title></head><body><h2>Object moved to <a href="{}">here</a>.</h2></body></html>"#,
            escape(&location)
        ),
        location: Some(location),
        error,
    }
}

fn invalid_grant(description: &str) -> EntraError {
    refused(400, "invalid_grant", description.to_string())
}

/// `grant_type=authorization_code`: the user the code was issued to, once.
pub(super) fn redeem_code<'f>(
    app: &EntraAppConfig,
    field: &impl Fn(&str) -> Option<&'f str>,
) -> Result<String, EntraError> {
    let Some(code) = field("code") else {
        return Err(refused(
            400,
            "invalid_request",
            "AADSTS900144: The request body must contain the following parameter: 'code'.".into(),
        ));
    };
    let mut store = store();
    let Some(issued) = store.codes.get_mut(code) else {
        return Err(invalid_grant(
            "AADSTS70000: The provided value for the 'code' parameter is not valid.",
        ));
    };
    if issued.redeemed {
        return Err(invalid_grant("AADSTS54005: OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."));
    }
    // One attempt per code, whatever its outcome.
    issued.redeemed = true;
    let request = &issued.request;
    if issued.until <= now_ms() {
        return Err(invalid_grant("AADSTS70008: The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."));
    }
    if request.tenant != app.tenant || request.client_id != app.client_id {
        return Err(invalid_grant("AADSTS70000: The provided value for the 'code' parameter is not valid: it was issued to another application."));
    }
    let redirect_uri = field("redirect_uri").unwrap_or_default();
    if redirect_uri != request.redirect_uri {
        return Err(invalid_grant(&format!(
            "AADSTS500112: The reply address '{redirect_uri}' does not match the reply address '{}' provided when requesting Authorization code.",
            request.redirect_uri
        )));
    }
    if let Some((challenge, s256)) = &request.challenge {
        let verifier = field("code_verifier").unwrap_or_default();
        let computed = if *s256 {
            b64url(Sha256::digest(verifier.as_bytes()))
        } else {
            verifier.to_string()
        };
        if verifier.is_empty() || computed != *challenge {
            return Err(invalid_grant("AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request."));
        }
    }
    Ok(issued.user.clone())
}

/// `grant_type=refresh_token`: the user the refresh token was issued to.
pub(super) fn redeem_refresh<'f>(
    app: &EntraAppConfig,
    field: &impl Fn(&str) -> Option<&'f str>,
) -> Result<String, EntraError> {
    let Some(token) = field("refresh_token") else {
        return Err(refused(
            400,
            "invalid_request",
            "AADSTS900144: The request body must contain the following parameter: 'refresh_token'."
                .into(),
        ));
    };
    let store = store();
    let Some(issued) = store.refresh_tokens.get(token) else {
        return Err(invalid_grant(
            "AADSTS9002313: Invalid request. Request is malformed or invalid.",
        ));
    };
    if issued.tenant != app.tenant || issued.client_id != app.client_id {
        return Err(invalid_grant(
            "AADSTS70000: The provided refresh token was issued to another application.",
        ));
    }
    if issued.until <= now_ms() {
        return Err(invalid_grant("AADSTS700082: The refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."));
    }
    Ok(issued.user.clone())
}

/// A new refresh token of `user` for the application.
pub(super) fn issue_refresh(app: &EntraAppConfig, user: &str) -> Result<String, EntraError> {
    let token = new_secret()?;
    let seconds = i64::try_from(app.refresh_token_seconds).unwrap_or(i64::MAX / 2000);
    store().refresh_tokens.insert(
        token.clone(),
        Refresh {
            tenant: app.tenant.clone(),
            client_id: app.client_id.clone(),
            user: user.to_string(),
            until: now_ms().saturating_add(seconds.saturating_mul(1000)),
        },
    );
    Ok(token)
}
