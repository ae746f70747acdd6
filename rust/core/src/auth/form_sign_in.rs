//! Signing in at an identity provider's HTML form with a user name and
//! password (AD FS, PingFederate): open the start page, fill the form's user
//! and password fields, keep its other fields, post it with the cookies the
//! page set, and read the `SAMLResponse` of the page that comes back.

use std::time::Duration;

use crate::auth::flow::FlowContext;
use crate::auth::html_form;
use crate::auth::saml::SamlResponse;
use crate::config::Parser;
use crate::error::{describe_chain, Error, ErrorKind, Result};
use crate::secret::Secret;

const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// `https://HOST[:PORT]` of an identity provider named by `host_setting`
/// (and `port_setting`); an `http://` URL is taken only for a loopback test
/// server, since a password goes there.
pub(crate) fn idp_base_url(
    p: &mut Parser,
    host_setting: &str,
    port_setting: &str,
) -> Option<String> {
    let given = p.text(host_setting)?;
    let host = given.trim().trim_end_matches('/');
    if let Some(rest) = host.strip_prefix("http://") {
        let name = rest.split([':', '/']).next().unwrap_or_default();
        if !matches!(name, "127.0.0.1" | "localhost" | "[::1]") {
            p.problem(format!(
                "{host_setting} {host}: the password goes only over https (http:// is allowed for a loopback test server)"
            ));
            return None;
        }
        return Some(host.to_string());
    }
    let host = host.strip_prefix("https://").unwrap_or(host);
    Some(if p.given(port_setting) {
        format!("https://{host}:{}", p.integer(port_setting))
    } else {
        format!("https://{host}")
    })
}

/// What a form field gets.
pub(crate) enum Field {
    User,
    Password,
    /// Its value as the page gives it.
    Keep,
    /// Left out (a cancel button).
    Drop,
}

fn transient(flow: &str, url: &str, e: reqwest::Error) -> Error {
    Error::new(
        ErrorKind::Transient,
        format!("{flow}: {url} could not be reached: {}", describe_chain(&e)),
    )
}

/// `name=value` of every `Set-Cookie` header, as one `Cookie` header.
fn cookies(headers: &reqwest::header::HeaderMap) -> String {
    headers
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Signs `user` in at the form of `start` and returns the SAML response.
/// `field` says what each input gets, by its name and type; `error_ids` are
/// the ids of the elements where the provider shows why it refused.
pub(crate) async fn sign_in(
    cx: &FlowContext<'_>,
    flow: &str,
    start: &str,
    user: &str,
    password: &Secret,
    field: impl Fn(&str, &str) -> Field,
    error_ids: &[&str],
) -> Result<SamlResponse> {
    let http = crate::network::idp_http_client(cx.services.network(), REQUEST_TIMEOUT)?;
    cx.logger
        .debug(|| format!("{flow}: opening the sign-in page {start}"));
    let page = http
        .get(start)
        .send()
        .await
        .map_err(|e| transient(flow, start, e))?;
    let status = page.status().as_u16();
    let page_url = page.url().clone();
    let cookie = cookies(page.headers());
    let text = page.text().await.map_err(|e| transient(flow, start, e))?;
    let shown = |page: &str| error_ids.iter().find_map(|id| html_form::text_of(page, id));
    let form = html_form::first_form(&text).ok_or_else(|| {
        let said = shown(&text).map(|t| format!(" ({t})")).unwrap_or_default();
        Error::new(
            ErrorKind::Authentication,
            format!("{flow}: the sign-in page {start} (HTTP {status}) has no form{said}: check the host name and the relying party"),
        )
    })?;
    let action = page_url.join(&form.action).map_err(|e| {
        Error::new(
            ErrorKind::Authentication,
            format!("{flow}: the sign-in form's action is not a URL: {e}"),
        )
    })?;
    // Built in a block: the serializer must not live across an await (not Send).
    let (body, has_password) = {
        let mut filled = url::form_urlencoded::Serializer::new(String::new());
        let mut has_password = false;
        for (name, value, kind) in &form.inputs {
            match field(name, kind) {
                Field::User => {
                    filled.append_pair(name, user);
                }
                Field::Password => {
                    has_password = true;
                    filled.append_pair(name, password.expose());
                }
                Field::Keep => {
                    filled.append_pair(name, value);
                }
                Field::Drop => {}
            }
        }
        (filled.finish(), has_password)
    };
    if !has_password {
        return Err(Error::new(
            ErrorKind::Authentication,
            format!("{flow}: the sign-in page {start} has no password field: the provider may ask for another sign-in method"),
        ));
    }
    let action_text = action.to_string();
    let mut post = http
        .post(action)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body);
    if !cookie.is_empty() {
        post = post.header(reqwest::header::COOKIE, cookie);
    }
    let answer = post
        .send()
        .await
        .map_err(|e| transient(flow, &action_text, e))?;
    let text = answer
        .text()
        .await
        .map_err(|e| transient(flow, &action_text, e))?;
    match html_form::saml_response(&text) {
        Some(value) => SamlResponse::parse(&value).map_err(|e| e.prefix(&format!("{flow}: "))),
        None => {
            let why = shown(&text).unwrap_or_else(|| "no SAML response came back".into());
            Err(Error::new(
                ErrorKind::Authentication,
                format!("{flow} did not sign {user} in: {why}"),
            ))
        }
    }
}
