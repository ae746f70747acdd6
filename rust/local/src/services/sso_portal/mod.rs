//! The AWS access portal (the SDKs' `SSO` service, REST-JSON, unsigned: the
//! header `x-amz-sso_bearer_token` carries an Identity Center access token):
//! - GetRoleCredentials: `GET /federation/credentials?account_id=…&role_name=…`
//!   → `{"roleCredentials": {accessKeyId, secretAccessKey, sessionToken,
//!   expiration (epoch milliseconds)}}`, credentials of the permission set's
//!   role that athena-local's services accept, the user's name as the session;
//! - ListAccounts (`GET /assignment/accounts`), ListAccountRoles
//!   (`GET /assignment/roles?account_id=…`) and Logout (`POST /logout`).
//!
//! Errors as the portal's: UnauthorizedException (401) for a missing, unknown
//! or expired token, ForbiddenException (403) for a permission set not
//! assigned to the user, InvalidRequestException (400) for a missing parameter.

use super::{error_response, with_request_id, RequestHead, ServeFuture, Served, Service};
use crate::errors::ApiError;
use crate::identity::identity_center::Grant;
use crate::identity::{now_ms, Identity};
use crate::server::{apply_faults, response, AppState};
use crate::services::sts::parse_form;
use bytes::Bytes;
use hyper::Method;
use serde_json::{json, Value};

const BEARER: &str = "x-amz-sso_bearer_token";

pub struct SsoPortalService;

fn operation(path: &str) -> Option<&'static str> {
    Some(match path {
        "/federation/credentials" => "GetRoleCredentials",
        "/assignment/accounts" => "ListAccounts",
        "/assignment/roles" => "ListAccountRoles",
        "/logout" => "Logout",
        _ => return None,
    })
}

impl Service for SsoPortalService {
    fn name(&self) -> &'static str {
        "sso"
    }

    /// Never signed: the bearer token is the proof.
    fn signing_name(&self) -> &'static str {
        "awsssoportal"
    }

    fn claims(&self, head: &RequestHead<'_>) -> bool {
        head.target.is_empty() && operation(head.parts.uri.path()).is_some()
    }

    fn serve<'a>(
        &'a self,
        state: &'a AppState,
        head: &'a RequestHead<'a>,
        _body: Result<Bytes, ApiError>,
        request_id: &'a str,
    ) -> ServeFuture<'a> {
        Box::pin(async move {
            let parts = head.parts;
            let operation = operation(parts.uri.path()).unwrap_or("Logout");
            let result = async {
                let method = if operation == "Logout" {
                    Method::POST
                } else {
                    Method::GET
                };
                if parts.method != method {
                    return Err(ApiError::new(
                        400,
                        "InvalidRequestException",
                        format!("{operation} is called with {method}"),
                    ));
                }
                apply_faults(state, operation).await?;
                let token = parts
                    .headers
                    .get(BEARER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                let query = parse_form(parts.uri.query().unwrap_or("").as_bytes())?;
                let param = |name: &str| {
                    query
                        .get(name)
                        .filter(|v| !v.is_empty())
                        .map(String::as_str)
                        .ok_or_else(|| {
                            ApiError::new(
                                400,
                                "InvalidRequestException",
                                format!("{name} is required"),
                            )
                        })
                };
                let identity = &state.identity;
                if operation == "Logout" {
                    logout(identity, token);
                    return Ok(None);
                }
                let grant = bearer(identity, token)?;
                match operation {
                    "GetRoleCredentials" => role_credentials(
                        identity,
                        &grant,
                        param("account_id")?,
                        param("role_name")?,
                    )
                    .map(Some),
                    "ListAccounts" => Ok(Some(accounts(identity, &grant))),
                    _ => Ok(Some(roles(identity, &grant, param("account_id")?))),
                }
            }
            .await;
            let resp = match &result {
                Ok(Some(v)) => response(200, v.to_string().into_bytes(), "application/json"),
                Ok(None) => response(200, Vec::new(), "application/json"),
                Err(e) => error_response(e, &json!({ "message": e.message }), "application/json"),
            };
            Served {
                response: with_request_id(resp, request_id),
                operation: operation.to_string(),
                caller: None,
                error_type: result.err().map(|e| e.error_type.to_string()),
            }
        })
    }
}

fn unauthorized() -> ApiError {
    ApiError::new(
        401,
        "UnauthorizedException",
        "Session token not found or invalid",
    )
}

/// The grant of a valid access token that may use the portal.
fn bearer(identity: &Identity, token: &str) -> Result<Grant, ApiError> {
    let grant = identity
        .identity_center()
        .lock()
        .access_tokens
        .get(token)
        .filter(|g| g.expires_at_ms > now_ms())
        .cloned()
        .ok_or_else(unauthorized)?;
    if !crate::services::sso_oidc::reaches_portal(&grant.scopes) {
        return Err(ApiError::new(
            403,
            "ForbiddenException",
            "the access token was not granted the sso:account:access scope",
        ));
    }
    Ok(grant)
}

fn role_credentials(
    identity: &Identity,
    grant: &Grant,
    account_id: &str,
    role_name: &str,
) -> Result<Value, ApiError> {
    let assignment = identity
        .identity_center()
        .user(&grant.user)
        .and_then(|u| {
            u.assignments
                .iter()
                .find(|a| a.account_id == account_id && a.role_name == role_name)
        })
        .cloned()
        .ok_or_else(|| ApiError::new(403, "ForbiddenException", "No access"))?;
    let credential = identity.issue(
        &assignment.role_arn(),
        &grant.user,
        assignment.session_seconds,
        None,
        now_ms(),
    )?;
    Ok(json!({
        "roleCredentials": {
            "accessKeyId": credential.access_key_id,
            "secretAccessKey": credential.secret_access_key,
            "sessionToken": credential.session_token,
            "expiration": credential.expires_at_ms,
        }
    }))
}

fn accounts(identity: &Identity, grant: &Grant) -> Value {
    let mut ids: Vec<&str> = identity
        .identity_center()
        .user(&grant.user)
        .map(|u| {
            u.assignments
                .iter()
                .map(|a| a.account_id.as_str())
                .collect()
        })
        .unwrap_or_default();
    ids.sort_unstable();
    ids.dedup();
    let list: Vec<Value> = ids
        .into_iter()
        .map(|id| json!({"accountId": id, "accountName": "athena-local", "emailAddress": "aws@athena-local.invalid"}))
        .collect();
    json!({ "accountList": list })
}

fn roles(identity: &Identity, grant: &Grant, account_id: &str) -> Value {
    let list: Vec<Value> = identity
        .identity_center()
        .user(&grant.user)
        .map(|u| {
            u.assignments
                .iter()
                .filter(|a| a.account_id == account_id)
                .map(|a| json!({"roleName": a.role_name, "accountId": a.account_id}))
                .collect()
        })
        .unwrap_or_default();
    json!({ "roleList": list })
}

/// Ends the token's sign-in session: it and the refresh tokens of the same
/// person and client stop working.
fn logout(identity: &Identity, token: &str) {
    let mut state = identity.identity_center().lock();
    if let Some(grant) = state.access_tokens.remove(token) {
        state
            .refresh_tokens
            .retain(|_, g| !(g.user == grant.user && g.client_id == grant.client_id));
    }
}
