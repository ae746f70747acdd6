//! Identity Center's pages in the person's browser, plain HTML forms (the
//! real ones are a script application, which a test browser drives alike):
//! - `GET /authorize?response_type=code&client_id=…&redirect_uri=…&scopes=…
//!   &state=…&code_challenge=…&code_challenge_method=S256` checks the request
//!   and answers the sign-in form (user name, password, Sign in, Cancel);
//!   `POST /authorize` signs in and redirects to `redirect_uri` with `code` and
//!   `state`, shows the form again with an error for a wrong password, or
//!   redirects with `error=access_denied` on Cancel. A request whose client or
//!   redirect cannot be trusted gets an error page, never a redirect.
//! - `GET /device?user_code=…` and `POST /device`: the device flow's
//!   verification page, approving or denying the device code.

use std::collections::HashMap;

use crate::identity::identity_center::{DeviceStatus, PendingAuthorization, CODE_MS};
use crate::identity::Identity;
use crate::services::html::hidden_inputs;
use crate::services::sts::parse_form;
use crate::services::xml::escape;
use crate::sigv4::uri_encode;

use super::client::{requested_scopes, AUTHORIZATION_CODE};

/// What a page call answers.
pub struct Page {
    pub status: u16,
    pub html: String,
    /// A redirect's target (status 302).
    pub location: Option<String>,
}

impl Page {
    fn html(status: u16, html: String) -> Page {
        Page {
            status,
            html,
            location: None,
        }
    }

    fn error(status: u16, title: &str, text: &str) -> Page {
        Page::html(
            status,
            format!(
                r#"<!DOCTYPE html><html><head><title>{t}</title></head><body><h1>{t}</h1><p id="error">{x}</p></body></html>"#,
                t = escape(title),
                x = escape(text)
            ),
        )
    }

    fn redirect(location: String) -> Page {
        Page {
            status: 302,
            html: String::new(),
            location: Some(location),
        }
    }
}

/// `uri` with `params` added to its query.
fn with_query(uri: &str, params: &[(&str, &str)]) -> String {
    let mut out = uri.to_string();
    for (i, (k, v)) in params.iter().enumerate() {
        let sep = if i == 0 && !uri.contains('?') {
            '?'
        } else {
            '&'
        };
        out.push(sep);
        out.push_str(&uri_encode(k.as_bytes(), false));
        out.push('=');
        out.push_str(&uri_encode(v.as_bytes(), false));
    }
    out
}

/// The OAuth error redirect, with the request's `state`.
fn error_redirect(redirect_uri: &str, state: Option<&str>, error: &str, description: &str) -> Page {
    let mut params = vec![("error", error), ("error_description", description)];
    if let Some(state) = state {
        params.push(("state", state));
    }
    Page::redirect(with_query(redirect_uri, &params))
}

fn sign_in_form(
    action: &str,
    hidden: &[(&str, &str)],
    heading: &str,
    error: Option<&str>,
) -> String {
    let hidden = hidden_inputs(hidden);
    let error = error
        .map(|e| format!(r#"<p id="error" role="alert">{}</p>"#, escape(e)))
        .unwrap_or_default();
    format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>AWS IAM Identity Center</title></head><body><h1>{heading}</h1>{error}<form method="post" action="{action}" autocomplete="off">{hidden}<label>Username <input id="username" name="username" type="text" value=""/></label><label>Password <input id="password" name="password" type="password"/></label><button id="sign-in" type="submit" name="action" value="sign_in">Sign in</button><button id="cancel" type="submit" name="action" value="cancel">Cancel</button></form></body></html>"#,
        heading = escape(heading),
    )
}

pub fn authorize_page(identity: &Identity, query: &str, now_ms: i64) -> Page {
    let q = parse_form(query.as_bytes()).unwrap_or_default();
    let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let ic = identity.identity_center();
    let mut state = ic.lock();
    let Some(client) = get("client_id")
        .and_then(|id| state.clients.get(id))
        .cloned()
    else {
        return Page::error(
            400,
            "Sign-in request refused",
            "invalid_client: the client_id is not a client registered with IAM Identity Center (RegisterClient).",
        );
    };
    let Some(redirect_uri) =
        get("redirect_uri").filter(|r| client.redirect_uris.iter().any(|u| u == r))
    else {
        return Page::error(
            400,
            "Sign-in request refused",
            "invalid_request: the redirect_uri is not one the client registered.",
        );
    };
    let request_state = get("state");
    if get("response_type") != Some("code") {
        return error_redirect(
            redirect_uri,
            request_state,
            "unsupported_response_type",
            "response_type must be code",
        );
    }
    if !client.grant_types.iter().any(|g| g == AUTHORIZATION_CODE) {
        return error_redirect(
            redirect_uri,
            request_state,
            "unauthorized_client",
            "the client is not registered for the authorization_code grant",
        );
    }
    let Some(challenge) =
        get("code_challenge").filter(|_| get("code_challenge_method") == Some("S256"))
    else {
        return error_redirect(
            redirect_uri,
            request_state,
            "invalid_request",
            "PKCE is required: code_challenge with code_challenge_method=S256",
        );
    };
    let scopes = match requested_scopes(&client, get("scopes")) {
        Ok(scopes) => scopes,
        Err(why) => return error_redirect(redirect_uri, request_state, "invalid_scope", &why),
    };
    let Ok(request) = state.secret("sign_in_request", 24) else {
        return Page::error(500, "Sign-in unavailable", "could not start a sign-in");
    };
    state.pending.retain(|_, p| p.expires_at_ms > now_ms);
    state.pending.insert(
        request.clone(),
        PendingAuthorization {
            client_id: client.client_id.clone(),
            redirect_uri: redirect_uri.to_string(),
            state: request_state.map(str::to_string),
            challenge: challenge.to_string(),
            scopes,
            expires_at_ms: now_ms + CODE_MS,
        },
    );
    Page::html(
        200,
        sign_in_form(
            "/authorize",
            &[("request", &request)],
            &format!(
                "Sign in to allow {} to access your AWS accounts",
                client.name
            ),
            None,
        ),
    )
}

fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map(String::as_str).unwrap_or_default()
}

const WRONG_PASSWORD: &str = "Incorrect username or password.";

pub fn authorize_sign_in(identity: &Identity, body: &[u8], now_ms: i64) -> Page {
    let form = parse_form(body).unwrap_or_default();
    let ic = identity.identity_center();
    let mut state = ic.lock();
    let request = field(&form, "request");
    let Some(pending) = state
        .pending
        .get(request)
        .filter(|p| p.expires_at_ms > now_ms)
        .cloned()
    else {
        return Page::error(
            400,
            "Sign-in expired",
            "This sign-in page has expired or was already used; start the sign-in again from your application.",
        );
    };
    let request_state = pending.state.as_deref();
    if field(&form, "action") == "cancel" {
        state.pending.remove(request);
        return error_redirect(
            &pending.redirect_uri,
            request_state,
            "access_denied",
            "The user cancelled the sign-in",
        );
    }
    let Some(user) = ic.sign_in(field(&form, "username"), field(&form, "password")) else {
        let name = state
            .clients
            .get(&pending.client_id)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        return Page::html(
            200,
            sign_in_form(
                "/authorize",
                &[("request", request)],
                &format!("Sign in to allow {name} to access your AWS accounts"),
                Some(WRONG_PASSWORD),
            ),
        );
    };
    state.pending.remove(request);
    let Ok(code) = state.secret("authorization_code", 32) else {
        return Page::error(500, "Sign-in unavailable", "could not issue a code");
    };
    state.codes.retain(|_, c| c.expires_at_ms > now_ms);
    state.codes.insert(
        code.clone(),
        crate::identity::identity_center::Code {
            client_id: pending.client_id.clone(),
            redirect_uri: pending.redirect_uri.clone(),
            challenge: pending.challenge.clone(),
            user: user.name.clone(),
            scopes: pending.scopes.clone(),
            expires_at_ms: now_ms + CODE_MS,
        },
    );
    let mut params = vec![("code", code.as_str())];
    if let Some(s) = request_state {
        params.push(("state", s));
    }
    Page::redirect(with_query(&pending.redirect_uri, &params))
}

pub fn device_page(query: &str) -> Page {
    let q = parse_form(query.as_bytes()).unwrap_or_default();
    let code = q.get("user_code").map(String::as_str).unwrap_or_default();
    Page::html(
        200,
        sign_in_form(
            "/device",
            &[("user_code", code)],
            &format!("Sign in to approve the device with code {code}"),
            None,
        ),
    )
}

pub fn device_sign_in(identity: &Identity, body: &[u8], now_ms: i64) -> Page {
    let form = parse_form(body).unwrap_or_default();
    let ic = identity.identity_center();
    let mut state = ic.lock();
    let user_code = field(&form, "user_code");
    let Some(device) = state.devices.values_mut().find(|d| {
        d.user_code.eq_ignore_ascii_case(user_code)
            && d.expires_at_ms > now_ms
            && d.status == DeviceStatus::Pending
    }) else {
        return Page::error(
            400,
            "Code not recognised",
            "This code is unknown, expired or already used; start the sign-in again from your application.",
        );
    };
    if field(&form, "action") == "cancel" {
        device.status = DeviceStatus::Denied;
        return Page::error(
            200,
            "Request denied",
            "The device was denied access. You can close this window.",
        );
    }
    match ic.sign_in(field(&form, "username"), field(&form, "password")) {
        Some(user) => {
            device.status = DeviceStatus::Approved(user.name.clone());
            Page::html(
                200,
                r#"<!DOCTYPE html><html><head><title>Request approved</title></head><body><h1>Request approved</h1><p>You can close this window and return to your application.</p></body></html>"#.to_string(),
            )
        }
        None => Page::html(
            200,
            sign_in_form(
                "/device",
                &[("user_code", user_code)],
                &format!("Sign in to approve the device with code {user_code}"),
                Some(WRONG_PASSWORD),
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_keep_the_callbacks_query() {
        assert_eq!(
            with_query(
                "http://localhost:1/athena",
                &[("code", "a b"), ("state", "s/1")]
            ),
            "http://localhost:1/athena?code=a%20b&state=s%2F1"
        );
        assert_eq!(
            with_query(
                "http://localhost:1/athena?x=1",
                &[("error", "access_denied")]
            ),
            "http://localhost:1/athena?x=1&error=access_denied"
        );
    }

    #[test]
    fn forms_escape_what_they_echo() {
        let page = sign_in_form(
            "/device",
            &[("user_code", "\"><script>")],
            "Code \"><b>",
            Some("<i>"),
        );
        assert!(!page.contains("<script>") && !page.contains("<b>") && !page.contains("<i>"));
    }
}
