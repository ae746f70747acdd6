//! Microsoft Entra ID's token endpoint as the AzureAD sign-in flow meets it:
//! `POST /{tenant}/oauth2/token` with the resource owner password grant and
//! `requested_token_type=urn:ietf:params:oauth:token-type:saml2`. The answer
//! is Entra's: `access_token` is the signed SAML Assertion, base64url, and
//! errors are OAuth errors whose `error_description` starts with the AADSTS
//! code Entra documents. Users and applications come from
//! `[[identity.idp_users]]` and `[[identity.entra_apps]]`.

use super::{with_request_id, RequestHead, ServeFuture, Served, Service};
use crate::errors::ApiError;
use crate::identity::now_ms;
use crate::identity::saml::MintRequest;
use crate::server::{apply_faults, response, AppState};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use bytes::Bytes;
use hyper::Method;
use serde_json::{json, Value};

const SAML2: &str = "urn:ietf:params:oauth:token-type:saml2";
/// How long the SAML token stays valid, as Entra issues it (an hour).
const TOKEN_SECONDS: i64 = 3600;

pub struct EntraService;

/// The tenant of `/{tenant}/oauth2/token`.
fn tenant(path: &str) -> Option<&str> {
    path.strip_prefix('/')?
        .strip_suffix("/oauth2/token")
        .filter(|t| !t.is_empty() && !t.contains('/'))
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

    /// Never signed: the client authenticates with its secret in the form.
    fn signing_name(&self) -> &'static str {
        "entra-id"
    }

    fn claims(&self, head: &RequestHead<'_>) -> bool {
        head.target.is_empty() && tenant(head.parts.uri.path()).is_some()
    }

    fn serve<'a>(
        &'a self,
        state: &'a AppState,
        head: &'a RequestHead<'a>,
        body: Result<Bytes, ApiError>,
        request_id: &'a str,
    ) -> ServeFuture<'a> {
        Box::pin(async move {
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
                let tenant = tenant(head.parts.uri.path()).unwrap_or_default();
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
        })
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
    if grant != "password" {
        return Err(refused(400, "unsupported_grant_type", format!(
            "AADSTS70003: The app requested an unsupported grant type '{grant}' (athena-local answers the password grant)."
        )));
    }
    let client_id = field("client_id").unwrap_or_default();
    let app = apps
        .iter()
        .find(|a| a.tenant == tenant && a.client_id == client_id)
        .ok_or_else(|| refused(400, "unauthorized_client", format!(
            "AADSTS700016: Application with identifier '{client_id}' was not found in the directory '{tenant}'."
        )))?;
    if field("client_secret") != Some(app.client_secret.as_str()) {
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
    let name = field("username").unwrap_or_default();
    let user = identity
        .idp_user(name)
        .ok_or_else(|| refused(400, "invalid_grant", format!(
            "AADSTS50034: The user account {name} does not exist in the {tenant} directory. To sign into this application, the account must be added to the directory."
        )))?;
    if user.locked {
        return Err(refused(400, "invalid_grant",
            "AADSTS50053: The account is locked because the user tried to sign in too many times with an incorrect user ID or password.".into()));
    }
    if field("password") != Some(user.password.as_str()) {
        return Err(refused(
            400,
            "invalid_grant",
            "AADSTS50126: Error validating credentials due to invalid username or password.".into(),
        ));
    }
    let now = now_ms();
    let assertion = identity
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_paths() {
        assert_eq!(tenant("/corp/oauth2/token"), Some("corp"));
        assert_eq!(tenant("/oauth2/token"), None);
        assert_eq!(tenant("/a/b/oauth2/token"), None);
        assert_eq!(tenant("/token"), None);
    }
}
