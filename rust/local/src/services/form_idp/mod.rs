//! The identity providers that sign people in with an HTML form, as the ADFS
//! and Ping sign-in flows meet them:
//! - AD FS: `GET /adfs/ls/IdpInitiatedSignOn.aspx?loginToRp=…` answers the
//!   forms-authentication page (`UserName`, `Password`, `AuthMethod`) and sets
//!   the `MSISSamlRequest` cookie; posting the form back with the cookie
//!   answers the auto-submitting SAMLResponse form, or the page again with
//!   `errorText`.
//! - PingFederate: `GET /idp/startSSO.ping?PartnerSpId=…` answers the HTML
//!   Form Adapter page (`pf.username`, `pf.pass`) posting to a resume path,
//!   with a `PF` cookie; the same answers, the error in `ping-error`.
//!
//! Users are `[[identity.idp_users]]`; the relying party must be AWS's.

use std::collections::HashMap;
use std::sync::Mutex;

use super::{with_request_id, RequestHead, ServeFuture, Served, Service};
use crate::errors::ApiError;
use crate::identity::keys::random_id;
use crate::identity::now_ms;
use crate::identity::saml::MintRequest;
use crate::server::{apply_faults, response, AppState};
use crate::services::xml::escape;
use bytes::Bytes;
use hyper::Method;
use once_cell::sync::Lazy;

const AWS_RELYING_PARTY: &str = "urn:amazon:webservices";
const ADFS_PATH: &str = "/adfs/ls/IdpInitiatedSignOn.aspx";
const PING_START: &str = "/idp/startSSO.ping";
const PING_RESUME: &str = "/resumeSAML20/idp/startSSO.ping";
/// A sign-in page stays usable this long.
const SESSION_MS: i64 = 10 * 60 * 1000;

#[derive(Clone, Copy, PartialEq)]
enum Provider {
    Adfs,
    Ping,
}

impl Provider {
    fn cookie(self) -> &'static str {
        match self {
            Provider::Adfs => "MSISSamlRequest",
            Provider::Ping => "PF",
        }
    }

    fn error_id(self) -> &'static str {
        match self {
            Provider::Adfs => "errorText",
            Provider::Ping => "ping-error",
        }
    }
}

/// Cookie value → until when its sign-in page may be posted.
static SESSIONS: Lazy<Mutex<HashMap<String, i64>>> = Lazy::new(|| Mutex::new(HashMap::new()));

pub struct FormIdpService;

fn provider_of(path: &str) -> Option<Provider> {
    if path == ADFS_PATH {
        Some(Provider::Adfs)
    } else if path == PING_START || (path.starts_with("/idp/") && path.ends_with(PING_RESUME)) {
        Some(Provider::Ping)
    } else {
        None
    }
}

impl Service for FormIdpService {
    fn name(&self) -> &'static str {
        "form-idp"
    }

    /// Never signed: the form's password is the proof.
    fn signing_name(&self) -> &'static str {
        "form-idp"
    }

    fn claims(&self, head: &RequestHead<'_>) -> bool {
        head.target.is_empty() && provider_of(head.parts.uri.path()).is_some()
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
            let provider = provider_of(parts.uri.path()).unwrap_or(Provider::Adfs);
            let posted = parts.method == Method::POST;
            let operation = match (provider, posted) {
                (Provider::Adfs, false) => "AdfsSignInPage",
                (Provider::Adfs, true) => "AdfsSignIn",
                (Provider::Ping, false) => "PingStartSso",
                (Provider::Ping, true) => "PingSignIn",
            }
            .to_string();
            let query = parts.uri.query().unwrap_or_default().to_string();
            let faulted = apply_faults(state, &operation).await;
            let (status, page, cookie) = match faulted {
                Err(e) => (e.status, error_page(provider, &e.message), None),
                Ok(()) if !posted => sign_in_page(provider, &query),
                Ok(()) => {
                    let cookie = parts
                        .headers
                        .get_all(hyper::header::COOKIE)
                        .iter()
                        .filter_map(|v| v.to_str().ok())
                        .flat_map(|v| v.split(';'))
                        .filter_map(|c| c.trim().split_once('='))
                        .find(|(k, _)| *k == provider.cookie())
                        .map(|(_, v)| v.to_string());
                    let form = body
                        .ok()
                        .and_then(|b| crate::services::sts::parse_form(&b).ok())
                        .unwrap_or_default();
                    (
                        200,
                        posted_form(state, provider, cookie.as_deref(), &form),
                        None,
                    )
                }
            };
            let mut resp = response(status, page.into_bytes(), "text/html; charset=utf-8");
            if let Some(cookie) = cookie {
                if let Ok(v) = format!("{}={cookie}; path=/; HttpOnly", provider.cookie()).parse() {
                    resp.headers_mut().insert(hyper::header::SET_COOKIE, v);
                }
            }
            Served {
                response: with_request_id(resp, request_id),
                operation,
                caller: None,
                error_type: (status >= 400).then(|| status.to_string()),
            }
        })
    }
}

fn query_value(query: &str, key: &str) -> Option<String> {
    crate::services::sts::parse_form(query.as_bytes())
        .ok()
        .and_then(|mut m| m.remove(key))
}

fn error_page(provider: Provider, message: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html><body><div id="{}">{}</div></body></html>"#,
        provider.error_id(),
        escape(message)
    )
}

/// The sign-in page, and the session cookie it sets.
fn sign_in_page(provider: Provider, query: &str) -> (u16, String, Option<String>) {
    let party = match provider {
        Provider::Adfs => query_value(query, "loginToRp"),
        Provider::Ping => query_value(query, "PartnerSpId"),
    }
    .unwrap_or_default();
    if party != AWS_RELYING_PARTY {
        let message = match provider {
            Provider::Adfs => format!("MSIS7012: An error occurred while processing the request: no relying party trust '{party}'."),
            Provider::Ping => format!("Unknown partner: '{party}' is not a service provider connection."),
        };
        return (400, error_page(provider, &message), None);
    }
    let Ok(session) = random_id(24) else {
        return (500, error_page(provider, "could not start a session"), None);
    };
    let mut sessions = SESSIONS.lock().unwrap_or_else(|p| p.into_inner());
    sessions.retain(|_, until| *until > now_ms());
    sessions.insert(session.clone(), now_ms() + SESSION_MS);
    (
        200,
        login_form(provider, query, &session, None),
        Some(session),
    )
}

fn login_form(provider: Provider, query: &str, session: &str, error: Option<&str>) -> String {
    let error = error
        .map(|e| {
            format!(
                r#"<span id="{}" class="error">{}</span>"#,
                provider.error_id(),
                escape(e)
            )
        })
        .unwrap_or_default();
    match provider {
        Provider::Adfs => format!(
            r#"<!DOCTYPE html><html><head><title>Sign In</title></head><body><form method="post" id="loginForm" autocomplete="off" action="{ADFS_PATH}?{}&amp;client-request-id={session}"><input id="userNameInput" name="UserName" type="email" value="" /><input id="passwordInput" name="Password" type="password" /><input id="kmsiInput" type="checkbox" name="Kmsi" value="true" /><input id="optionForms" type="hidden" name="AuthMethod" value="FormsAuthentication"/>{error}<span id="submitButton" class="submit">Sign in</span></form></body></html>"#,
            escape(query)
        ),
        Provider::Ping => format!(
            r#"<!DOCTYPE html><html><head><title>Sign On</title></head><body><form method="POST" action="/idp/{session}{PING_RESUME}" autocomplete="off"><input id="username" type="text" name="pf.username" value=""/><input id="password" type="password" name="pf.pass"/><input type="hidden" name="pf.ok" value=""/><input type="hidden" name="pf.cancel" value=""/><input type="hidden" name="pf.adapterId" value="HTMLFormAdapter"/>{error}</form></body></html>"#
        ),
    }
}

fn posted_form(
    state: &AppState,
    provider: Provider,
    cookie: Option<&str>,
    form: &HashMap<String, String>,
) -> String {
    let live = cookie.is_some_and(|c| {
        SESSIONS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(c)
            .is_some_and(|until| *until > now_ms())
    });
    let session = cookie.unwrap_or_default();
    if !live {
        return error_page(
            provider,
            &format!(
                "Your sign-in session has expired or this browser does not keep cookies (no {} cookie); open the sign-in page again.",
                provider.cookie()
            ),
        );
    }
    let (user_field, password_field) = match provider {
        Provider::Adfs => ("UserName", "Password"),
        Provider::Ping => ("pf.username", "pf.pass"),
    };
    let name = form.get(user_field).map(String::as_str).unwrap_or_default();
    let password = form
        .get(password_field)
        .map(String::as_str)
        .unwrap_or_default();
    let wrong = match provider {
        Provider::Adfs => {
            "Incorrect user ID or password. Type the correct user ID and password, and try again."
        }
        Provider::Ping => {
            "We didn't recognize the username or password you entered. Please try again."
        }
    };
    let user = state.identity.idp_user(name);
    let Some(user) = user.filter(|u| u.password == password) else {
        return login_form(
            provider,
            "loginToRp=urn%3Aamazon%3Awebservices",
            session,
            Some(wrong),
        );
    };
    if user.locked {
        return login_form(
            provider,
            "loginToRp=urn%3Aamazon%3Awebservices",
            session,
            Some("Your account has been locked. Contact your administrator."),
        );
    }
    let minted = state.identity.saml().mint(
        &MintRequest {
            audience: Some(AWS_RELYING_PARTY.into()),
            sign_response: provider == Provider::Ping,
            ..MintRequest::for_user(user)
        },
        now_ms(),
    );
    match minted {
        Ok(response) => format!(
            r#"<html><head><title>Working...</title></head><body><form method="POST" name="hiddenform" action="https://signin.aws.amazon.com:443/saml"><input type="hidden" name="SAMLResponse" value="{}" /><noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit" /></noscript></form></body></html>"#,
            escape(&response)
        ),
        Err(e) => error_page(provider, &format!("the assertion could not be signed: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert!(provider_of(ADFS_PATH) == Some(Provider::Adfs));
        assert!(provider_of("/idp/startSSO.ping") == Some(Provider::Ping));
        assert!(provider_of("/idp/ABC/resumeSAML20/idp/startSSO.ping") == Some(Provider::Ping));
        assert!(provider_of("/adfs/ls/").is_none());
    }
}
