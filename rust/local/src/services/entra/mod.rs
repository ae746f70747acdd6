//! Microsoft Entra ID's v1 OAuth endpoints as the AzureAD and BrowserAzureAD
//! sign-in flows meet them:
//! - `POST /{tenant}/oauth2/token` with `requested_token_type=
//!   urn:ietf:params:oauth:token-type:saml2`, for the resource owner password
//!   grant (AzureAD), the authorization code grant (BrowserAzureAD, PKCE
//!   verified) and the refresh token grant (its silent renewal). The answer
//!   is Entra's: `access_token` is the signed SAML Assertion, base64url, and
//!   errors are OAuth errors whose `error_description` starts with the AADSTS
//!   code Entra documents.
//! - `GET /{tenant}/oauth2/authorize`: the sign-in page, and its form posted
//!   back to the same path (see `sign_in`).
//!
//! Users and applications come from `[[identity.idp_users]]` and
//! `[[identity.entra_apps]]`.

mod sign_in;

use super::{with_request_id, RequestHead, ServeFuture, Served, Service};
use crate::config::{EntraAppConfig, IdpUserConfig};
use crate::errors::ApiError;
use crate::identity::now_ms;
use crate::identity::saml::MintRequest;
use crate::server::{apply_faults, response, AppState};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use bytes::Bytes;
use hyper::Method;
use serde_json::{json, Value};
use std::collections::HashMap;

const SAML2: &str = "urn:ietf:params:oauth:token-type:saml2";
/// How long the SAML token stays valid, as Entra issues it (an hour).
const TOKEN_SECONDS: i64 = 3600;

pub struct EntraService;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Endpoint {
    Token,
    Authorize,
}

/// The tenant and endpoint of `/{tenant}/oauth2/{token|authorize}`.
fn route(path: &str) -> Option<(&str, Endpoint)> {
    let (tenant, endpoint) = path.strip_prefix('/')?.split_once('/')?;
    let endpoint = match endpoint {
        "oauth2/token" => Endpoint::Token,
        "oauth2/authorize" => Endpoint::Authorize,
        _ => return None,
    };
    (!tenant.is_empty()).then_some((tenant, endpoint))
}

/// An Entra error: HTTP status, OAuth `error`, AADSTS code and text.
struct EntraError {
    status: u16,
    error: &'static str,
    description: String,
}

fn refused(status: u16, error: &'static str, description: String) -> EntraError {
    EntraError {
        status,
        error,
        description,
    }
}

impl Service for EntraService {
    fn name(&self) -> &'static str {
        "entra-id"
    }

    /// Never signed: the client authenticates with its secret in the form,
    /// the person with their password on the page.
    fn signing_name(&self) -> &'static str {
        "entra-id"
    }

    fn claims(&self, head: &RequestHead<'_>) -> bool {
        head.target.is_empty() && route(head.parts.uri.path()).is_some()
    }

    fn serve<'a>(
        &'a self,
        state: &'a AppState,
        head: &'a RequestHead<'a>,
        body: Result<Bytes, ApiError>,
        request_id: &'a str,
    ) -> ServeFuture<'a> {
        Box::pin(async move {
            match route(head.parts.uri.path()) {
                Some((tenant, Endpoint::Authorize)) => {
                    page(state, head, tenant, body, request_id).await
                }
                _ => token_endpoint(state, head, body, request_id).await,
            }
        })
    }
}

async fn token_endpoint(
    state: &AppState,
    head: &RequestHead<'_>,
    body: Result<Bytes, ApiError>,
    request_id: &str,
) -> Served {
    let operation = "EntraToken".to_string();
    let result = async {
        let body = body.map_err(|e| refused(400, "invalid_request", e.message))?;
        if head.parts.method != Method::POST {
            return Err(refused(
                405,
                "invalid_request",
                "AADSTS900561: The endpoint only accepts POST requests.".into(),
            ));
        }
        apply_faults(state, &operation)
            .await
            .map_err(|e| refused(e.status, "temporarily_unavailable", e.message))?;
        let tenant = route(head.parts.uri.path())
            .map(|(t, _)| t)
            .unwrap_or_default();
        let form = crate::services::sts::parse_form(&body)
            .map_err(|e| refused(400, "invalid_request", e.message))?;
        token(state, tenant, |k| form.get(k).map(String::as_str))
    }
    .await;
    let resp = match &result {
        Ok(v) => response(200, v.to_string().into_bytes(), "application/json"),
        Err(e) => {
            let code: String = e
                .description
                .strip_prefix("AADSTS")
                .unwrap_or_default()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let body = json!({
                "error": e.error,
                "error_description": format!("{}\r\nTrace ID: {request_id}\r\nCorrelation ID: {request_id}", e.description),
                "error_codes": code.parse::<u64>().ok().into_iter().collect::<Vec<_>>(),
                "trace_id": request_id,
                "correlation_id": request_id,
            });
            response(e.status, body.to_string().into_bytes(), "application/json")
        }
    };
    Served {
        response: with_request_id(resp, request_id),
        operation,
        caller: None,
        error_type: result.err().map(|e| e.error.to_string()),
    }
}

/// The sign-in page (GET) and its form posted back (POST).
async fn page(
    state: &AppState,
    head: &RequestHead<'_>,
    tenant: &str,
    body: Result<Bytes, ApiError>,
    request_id: &str,
) -> Served {
    let posted = head.parts.method == Method::POST;
    let operation = if posted {
        "EntraSignIn"
    } else {
        "EntraAuthorize"
    }
    .to_string();
    let page = match apply_faults(state, &operation).await {
        Err(e) => sign_in::error_page(e.status, "temporarily_unavailable", &e.message),
        Ok(()) if posted => {
            let form = body
                .ok()
                .and_then(|b| crate::services::sts::parse_form(&b).ok())
                .unwrap_or_default();
            sign_in::posted(state, tenant, &form)
        }
        Ok(()) => {
            let query = crate::services::sts::parse_form(
                head.parts.uri.query().unwrap_or_default().as_bytes(),
            )
            .unwrap_or_default();
            sign_in::authorize(state, tenant, &query)
        }
    };
    let mut resp = response(
        page.status,
        page.html.into_bytes(),
        "text/html; charset=utf-8",
    );
    let headers = resp.headers_mut();
    headers.insert(
        hyper::header::CACHE_CONTROL,
        hyper::header::HeaderValue::from_static("no-store"),
    );
    if let Some(location) = page.location.and_then(|l| l.parse().ok()) {
        headers.insert(hyper::header::LOCATION, location);
    }
    Served {
        response: with_request_id(resp, request_id),
        operation,
        caller: None,
        error_type: page.error,
    }
}

fn token<'f>(
    state: &AppState,
    tenant: &str,
    field: impl Fn(&str) -> Option<&'f str>,
) -> Result<Value, EntraError> {
    let identity = &state.identity;
    let apps = identity.entra_apps();
    if !apps.iter().any(|a| a.tenant == tenant) {
        return Err(refused(400, "invalid_request", format!(
            "AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
        )));
    }
    let grant = field("grant_type").unwrap_or_default();
    if !["password", "authorization_code", "refresh_token"].contains(&grant) {
        return Err(refused(400, "unsupported_grant_type", format!(
            "AADSTS70003: The app requested an unsupported grant type '{grant}' (athena-local answers the password, authorization_code and refresh_token grants)."
        )));
    }
    let client_id = field("client_id").unwrap_or_default();
    let app = apps
        .iter()
        .find(|a| a.tenant == tenant && a.client_id == client_id)
        .ok_or_else(|| refused(400, "unauthorized_client", format!(
            "AADSTS700016: Application with identifier '{client_id}' was not found in the directory '{tenant}'."
        )))?;
    // The password grant is a confidential client's; the browser's grants
    // are a public client's (loopback redirect), whose secret is optional
    // but must be right when sent.
    let secret = field("client_secret");
    if (grant == "password" || secret.is_some()) && secret != Some(app.client_secret.as_str()) {
        return Err(refused(401, "invalid_client", format!(
            "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
        )));
    }
    if field("requested_token_type") != Some(SAML2) {
        return Err(refused(
            400,
            "invalid_request",
            format!(
            "AADSTS50027: athena-local issues only SAML 2 tokens (requested_token_type={SAML2})."
        ),
        ));
    }
    if let Some(resource) = field("resource").filter(|r| *r != client_id) {
        return Err(refused(400, "invalid_resource", format!(
            "AADSTS500011: The resource principal named {resource} was not found in the tenant named {tenant}. The resource is the AWS application itself ({client_id})."
        )));
    }
    let name = match grant {
        "authorization_code" => sign_in::redeem_code(app, &field)?,
        "refresh_token" => sign_in::redeem_refresh(app, &field)?,
        _ => field("username").unwrap_or_default().to_string(),
    };
    let user = identity
        .idp_user(&name)
        .ok_or_else(|| refused(400, "invalid_grant", format!(
            "AADSTS50034: The user account {name} does not exist in the {tenant} directory. To sign into this application, the account must be added to the directory."
        )))?;
    if user.locked {
        return Err(refused(400, "invalid_grant",
            "AADSTS50053: The account is locked because the user tried to sign in too many times with an incorrect user ID or password.".into()));
    }
    if grant == "password" && field("password") != Some(user.password.as_str()) {
        return Err(refused(
            400,
            "invalid_grant",
            "AADSTS50126: Error validating credentials due to invalid username or password.".into(),
        ));
    }
    let mut answer = saml_token(state, user, client_id)?;
    // Entra's code grant (and its renewals) also give a refresh token.
    if grant != "password" {
        answer["refresh_token"] = Value::String(sign_in::issue_refresh(app, &user.name)?);
    }
    Ok(answer)
}

/// The token endpoint's answer: the user's assertion as a SAML 2 token.
fn saml_token(
    state: &AppState,
    user: &IdpUserConfig,
    client_id: &str,
) -> Result<Value, EntraError> {
    let now = now_ms();
    let assertion = state
        .identity
        .saml()
        .mint_assertion(
            &MintRequest {
                lifetime_seconds: Some(TOKEN_SECONDS),
                ..MintRequest::for_user(user)
            },
            now,
        )
        .map_err(|e| {
            refused(
                500,
                "server_error",
                format!("AADSTS90033: athena-local could not sign the assertion: {e}"),
            )
        })?;
    let seconds = now / 1000;
    Ok(json!({
        "token_type": "Bearer",
        "scope": "user_impersonation",
        "expires_in": TOKEN_SECONDS.to_string(),
        "ext_expires_in": TOKEN_SECONDS.to_string(),
        "expires_on": (seconds + TOKEN_SECONDS).to_string(),
        "not_before": seconds.to_string(),
        "resource": client_id,
        "access_token": URL_SAFE_NO_PAD.encode(assertion),
        "issued_token_type": SAML2,
    }))
}

/// The application's `[[identity.entra_apps]]` entry allows `redirect_uri`:
/// a loopback one (any port, as Entra allows a public client), or one it lists.
fn redirect_allowed(app: &EntraAppConfig, redirect_uri: &str) -> bool {
    app.redirect_uris.iter().any(|r| r == redirect_uri) || is_loopback(redirect_uri)
}

fn is_loopback(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    !authority.contains('@') && ["localhost", "127.0.0.1", "::1"].contains(&host)
}

/// `application/x-www-form-urlencoded` pairs, as a query or a form body.
fn encode(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                crate::sigv4::uri_encode(k.as_bytes(), false),
                crate::sigv4::uri_encode(v.as_bytes(), false)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A form's or query's value.
fn value<'m>(map: &'m HashMap<String, String>, key: &str) -> Option<&'m str> {
    map.get(key).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_paths() {
        assert_eq!(route("/corp/oauth2/token"), Some(("corp", Endpoint::Token)));
        assert_eq!(
            route("/corp/oauth2/authorize"),
            Some(("corp", Endpoint::Authorize))
        );
        assert_eq!(route("/oauth2/token"), None);
        assert_eq!(route("/a/b/oauth2/token"), None);
        assert_eq!(route("/token"), None);
        assert_eq!(route("/corp/oauth2/v2.0/authorize"), None);
    }

    #[test]
    fn loopback_redirects_with_any_port() {
        for uri in [
            "http://localhost:7890/athena",
            "http://127.0.0.1:1/x",
            "http://localhost/athena",
            "http://[::1]:8080/athena",
        ] {
            assert!(is_loopback(uri), "{uri}");
        }
        for uri in [
            "https://localhost:7890/athena",
            "http://localhost.evil.example/athena",
            "http://evil.example/localhost",
            "http://localhost@evil.example/",
            "http://10.0.0.1:7890/athena",
        ] {
            assert!(!is_loopback(uri), "{uri}");
        }
    }

    #[test]
    fn form_encoding() {
        assert_eq!(
            encode(&[("code", "a b&c"), ("state", "x/y=")]),
            "code=a%20b%26c&state=x%2Fy%3D"
        );
    }
}
