//! Okta's classic Authentication API and app sign-on link, as the Okta
//! sign-in flow meets them: `POST /api/v1/authn` (user name and password),
//! MFA through `POST /api/v1/authn/factors/{id}/verify` (TOTP codes, Okta
//! Verify push polled until approved or rejected, SMS), then
//! `GET /app/{app-name}/{app-id}/sso/saml?onetimetoken=…`, an HTML page whose
//! form posts a signed `SAMLResponse` to AWS. Users are
//! `[[identity.idp_users]]` (their `mfa`, `mfa_code`, `push`), bodies and
//! error codes as Okta documents them.

use std::collections::HashMap;
use std::sync::Mutex;

use super::{with_request_id, RequestHead, ServeFuture, Served, Service};
use crate::config::IdpUserConfig;
use crate::errors::ApiError;
use crate::identity::keys::random_id;
use crate::identity::now_ms;
use crate::identity::saml::MintRequest;
use crate::server::{apply_faults, response, AppState};
use bytes::Bytes;
use hyper::Method;
use once_cell::sync::Lazy;
use serde_json::{json, Value};

/// Okta's authentication transactions live five minutes.
const TRANSACTION_MS: i64 = 5 * 60 * 1000;
/// A push is approved (or rejected) after this many polls.
const PUSH_POLLS: u32 = 2;

pub struct OktaService;

/// What a state token or session token stands for.
struct Transaction {
    user: String,
    until_ms: i64,
    polls: u32,
    sms_sent: bool,
}

#[derive(Default)]
struct Transactions {
    state_tokens: HashMap<String, Transaction>,
    /// Session token → user; spent by the app link.
    session_tokens: HashMap<String, (String, i64)>,
}

static TRANSACTIONS: Lazy<Mutex<Transactions>> = Lazy::new(|| Mutex::new(Transactions::default()));

fn transactions() -> std::sync::MutexGuard<'static, Transactions> {
    TRANSACTIONS.lock().unwrap_or_else(|p| p.into_inner())
}

/// Okta's error body: `errorCode`, `errorSummary`, `errorLink`, `errorId`.
struct OktaError {
    status: u16,
    code: &'static str,
    summary: String,
}

fn okta_error(status: u16, code: &'static str, summary: impl Into<String>) -> OktaError {
    OktaError {
        status,
        code,
        summary: summary.into(),
    }
}

enum Answer {
    Json(Value),
    Html(String),
}

fn factor_id(path: &str) -> Option<&str> {
    path.strip_prefix("/api/v1/authn/factors/")?
        .strip_suffix("/verify")
        .filter(|f| !f.contains('/'))
}

fn is_app_link(path: &str) -> bool {
    path.starts_with("/app/") && path.ends_with("/sso/saml") && path.split('/').count() == 6
}

impl Service for OktaService {
    fn name(&self) -> &'static str {
        "okta"
    }

    /// Never signed: the user's password or a token is the proof.
    fn signing_name(&self) -> &'static str {
        "okta"
    }

    fn claims(&self, head: &RequestHead<'_>) -> bool {
        let path = head.parts.uri.path();
        head.target.is_empty()
            && (path == "/api/v1/authn" || factor_id(path).is_some() || is_app_link(path))
    }

    fn serve<'a>(
        &'a self,
        state: &'a AppState,
        head: &'a RequestHead<'a>,
        body: Result<Bytes, ApiError>,
        request_id: &'a str,
    ) -> ServeFuture<'a> {
        Box::pin(async move {
            let path = head.parts.uri.path();
            let operation = if path == "/api/v1/authn" {
                "OktaAuthn"
            } else if factor_id(path).is_some() {
                "OktaVerifyFactor"
            } else {
                "OktaAppSso"
            }
            .to_string();
            let result = async {
                let body = body.map_err(|e| okta_error(400, "E0000003", e.message))?;
                apply_faults(state, &operation)
                    .await
                    .map_err(|e| okta_error(e.status, "E0000009", e.message))?;
                if operation == "OktaAppSso" {
                    if head.parts.method != Method::GET {
                        return Err(okta_error(
                            405,
                            "E0000022",
                            "The endpoint does not support the provided HTTP method",
                        ));
                    }
                    return app_link(state, head.parts.uri.query().unwrap_or_default())
                        .map(Answer::Html);
                }
                if head.parts.method != Method::POST {
                    return Err(okta_error(
                        405,
                        "E0000022",
                        "The endpoint does not support the provided HTTP method",
                    ));
                }
                let json: Value = serde_json::from_slice(&body).map_err(|_| {
                    okta_error(400, "E0000003", "The request body was not well-formed.")
                })?;
                match factor_id(path) {
                    None => authn(state, &json),
                    Some(factor) => verify(state, factor, &json),
                }
                .map(Answer::Json)
            }
            .await;
            let resp = match &result {
                Ok(Answer::Json(v)) => {
                    response(200, v.to_string().into_bytes(), "application/json")
                }
                Ok(Answer::Html(page)) => {
                    response(200, page.clone().into_bytes(), "text/html;charset=utf-8")
                }
                Err(e) => response(
                    e.status,
                    json!({
                        "errorCode": e.code,
                        "errorSummary": e.summary,
                        "errorLink": e.code,
                        "errorId": format!("oae{request_id}"),
                        "errorCauses": [],
                    })
                    .to_string()
                    .into_bytes(),
                    "application/json",
                ),
            };
            Served {
                response: with_request_id(resp, request_id),
                operation,
                caller: None,
                error_type: result.err().map(|e| e.code.to_string()),
            }
        })
    }
}

fn new_token(prefix: &str) -> Result<String, OktaError> {
    random_id(24)
        .map(|id| format!("{prefix}{id}"))
        .map_err(|e| okta_error(500, "E0000009", e.to_string()))
}

/// The factors an MFA_REQUIRED answer lists for `u`.
fn factors(state: &AppState, u: &IdpUserConfig) -> Vec<Value> {
    let base = state.identity.base_url();
    let factor = |id: &str, factor_type: &str, provider: &str| {
        json!({
            "id": id,
            "factorType": factor_type,
            "provider": provider,
            "vendorName": provider,
            "_links": {"verify": {"href": format!("{base}/api/v1/authn/factors/{id}/verify"), "hints": {"allow": ["POST"]}}},
        })
    };
    match u.mfa.as_deref() {
        Some("totp") => vec![
            factor("uftgoogle", "token:software:totp", "GOOGLE"),
            factor("ostokta", "token:software:totp", "OKTA"),
        ],
        Some("push") => vec![factor("opfpush", "push", "OKTA")],
        Some("sms") => {
            let mut sms = factor("mblsms", "sms", "OKTA");
            sms["profile"] = json!({"phoneNumber": u.phone_number.clone().unwrap_or_else(|| "+1 XXX-XXX-0000".into())});
            vec![sms]
        }
        _ => Vec::new(),
    }
}

fn success(user: &str) -> Result<Value, OktaError> {
    let session_token = new_token("20111")?;
    transactions().session_tokens.insert(
        session_token.clone(),
        (user.to_string(), now_ms() + TRANSACTION_MS),
    );
    Ok(json!({
        "status": "SUCCESS",
        "sessionToken": session_token,
        "expiresAt": crate::identity::iso8601(now_ms() / 1000 + 300),
        "_embedded": {"user": {"profile": {"login": user}}},
    }))
}

fn authn(state: &AppState, json: &Value) -> Result<Value, OktaError> {
    let name = json["username"].as_str().unwrap_or_default();
    let password = json["password"].as_str().unwrap_or_default();
    let failed = || okta_error(401, "E0000004", "Authentication failed");
    let u = state.identity.idp_user(name).ok_or_else(failed)?;
    if u.locked {
        return Ok(json!({"status": "LOCKED_OUT"}));
    }
    if u.password != password {
        return Err(failed());
    }
    let factors = factors(state, u);
    if factors.is_empty() {
        return success(&u.name);
    }
    let state_token = new_token("00")?;
    transactions().state_tokens.insert(
        state_token.clone(),
        Transaction {
            user: u.name.clone(),
            until_ms: now_ms() + TRANSACTION_MS,
            polls: 0,
            sms_sent: false,
        },
    );
    Ok(json!({
        "status": "MFA_REQUIRED",
        "stateToken": state_token,
        "expiresAt": crate::identity::iso8601(now_ms() / 1000 + 300),
        "_embedded": {"user": {"profile": {"login": u.name}}, "factors": factors},
    }))
}

fn verify(state: &AppState, factor: &str, json: &Value) -> Result<Value, OktaError> {
    let state_token = json["stateToken"].as_str().unwrap_or_default();
    let expired = || okta_error(403, "E0000011", "Invalid token provided");
    let (name, polls, sms_sent) = {
        let mut t = transactions();
        t.state_tokens.retain(|_, x| x.until_ms > now_ms());
        let x = t.state_tokens.get_mut(state_token).ok_or_else(expired)?;
        x.polls += 1;
        let sent = x.sms_sent;
        x.sms_sent = true;
        (x.user.clone(), x.polls, sent)
    };
    let u = state.identity.idp_user(&name).ok_or_else(expired)?;
    let listed = factors(state, u)
        .iter()
        .any(|f| f["id"].as_str() == Some(factor));
    if !listed {
        return Err(okta_error(
            404,
            "E0000007",
            format!("Not found: Resource not found: {factor} (UserFactor)"),
        ));
    }
    let challenge = |result: &str| {
        json!({
            "status": "MFA_CHALLENGE",
            "stateToken": state_token,
            "factorResult": result,
            "_links": {"next": {"name": "poll", "href": format!("{}/api/v1/authn/factors/{factor}/verify", state.identity.base_url())}},
        })
    };
    let code_ok = |code: Option<&str>| code.is_some() && code == u.mfa_code.as_deref();
    match u.mfa.as_deref() {
        Some("push") => match u.push.as_deref().unwrap_or("approve") {
            _ if polls < PUSH_POLLS => Ok(challenge("WAITING")),
            "approve" => finish(state_token, &name),
            "reject" => Ok(challenge("REJECTED")),
            // Never answered: Okta's push times out, the driver's wait ends first.
            _ => Ok(challenge("WAITING")),
        },
        Some("sms") if json["passCode"].is_null() && !sms_sent => Ok(challenge("CHALLENGE")),
        _ if code_ok(json["passCode"].as_str()) => finish(state_token, &name),
        _ => Err(okta_error(403, "E0000068", "Invalid Passcode/Answer")),
    }
}

fn finish(state_token: &str, name: &str) -> Result<Value, OktaError> {
    transactions().state_tokens.remove(state_token);
    success(name)
}

/// The app link's page: Okta's auto-submitting form with the SAMLResponse.
fn app_link(state: &AppState, query: &str) -> Result<String, OktaError> {
    let token = query
        .split('&')
        .find_map(|p| p.strip_prefix("onetimetoken="))
        .unwrap_or_default();
    let name = {
        let mut t = transactions();
        t.session_tokens.retain(|_, (_, until)| *until > now_ms());
        t.session_tokens.remove(token).map(|(user, _)| user)
    }
    .ok_or_else(|| okta_error(403, "E0000011", "Invalid token provided"))?;
    let u = state
        .identity
        .idp_user(&name)
        .ok_or_else(|| okta_error(403, "E0000011", "Invalid token provided"))?;
    let response = state
        .identity
        .saml()
        .mint(&MintRequest::for_user(u), now_ms())
        .map_err(|e| okta_error(500, "E0000009", e))?;
    // Okta writes the value with HTML character references for + and =.
    let value = response.replace('+', "&#x2b;").replace('=', "&#x3d;");
    Ok(format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Signing in</title></head><body onload="document.forms[0].submit()"><form id="appForm" action="https&#x3a;&#x2f;&#x2f;signin.aws.amazon.com&#x2f;saml" method="POST"><input name="SAMLResponse" type="hidden" value="{value}"/><input name="RelayState" type="hidden" value=""/></form></body></html>"#
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(factor_id("/api/v1/authn/factors/ost1/verify"), Some("ost1"));
        assert_eq!(factor_id("/api/v1/authn/factors/a/b/verify"), None);
        assert!(is_app_link("/app/amazon_aws/exk1/sso/saml"));
        assert!(!is_app_link("/app/amazon_aws/sso/saml"));
    }
}
