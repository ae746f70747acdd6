//! The OIDC calls of a registered client, as AWS documents them:
//! RegisterClient (`POST /client/register`), StartDeviceAuthorization
//! (`POST /device_authorization`) and CreateToken (`POST /token`) with the
//! authorization code (PKCE S256, one-time codes bound to the client and the
//! redirect), refresh token (rotated) and device code grants.

use super::invalid_request;
use crate::errors::ApiError;
use crate::identity::identity_center::{
    Client, DeviceStatus, IdentityCenter, State, ACCOUNT_ACCESS, CLIENT_SECONDS, DEVICE_SECONDS,
};
use crate::identity::keys::{b64url, KeyError};
use crate::identity::Identity;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const AUTHORIZATION_CODE: &str = "authorization_code";
pub const REFRESH_TOKEN: &str = "refresh_token";
pub const DEVICE_CODE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Seconds a device-code client waits between polls.
const DEVICE_INTERVAL: i64 = 1;

fn internal(e: KeyError) -> ApiError {
    ApiError::internal(e.to_string())
}

fn text<'a>(body: &'a Value, name: &str) -> Result<Option<&'a str>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid_request(format!("{name} must be a string"))),
    }
}

fn required<'a>(body: &'a Value, name: &str) -> Result<&'a str, ApiError> {
    text(body, name)?.ok_or_else(|| invalid_request(format!("{name} is required")))
}

fn list(body: &Value, name: &str) -> Result<Vec<String>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| invalid_request(format!("{name} must be a list of strings")))
            })
            .collect(),
        Some(_) => Err(invalid_request(format!("{name} must be a list of strings"))),
    }
}

fn metadata(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidClientMetadataException", message)
}

fn invalid_client(message: impl Into<String>) -> ApiError {
    ApiError::new(401, "InvalidClientException", message)
}

fn invalid_grant(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidGrantException", message)
}

/// A redirect a public client may register: plain HTTP to this machine.
pub fn is_loopback_redirect(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.parse::<u16>().is_ok() => host,
        _ => authority,
    };
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

pub fn register_client(ic: &IdentityCenter, body: &Value, now: i64) -> Result<Value, ApiError> {
    let name = required(body, "clientName")?;
    let client_type = required(body, "clientType")?;
    if client_type != "public" {
        return Err(metadata(format!(
            "clientType '{client_type}' is not supported: only public clients may register"
        )));
    }
    let scopes = list(body, "scopes")?;
    let redirect_uris = list(body, "redirectUris")?;
    let mut grant_types = list(body, "grantTypes")?;
    if grant_types.is_empty() {
        // The device flow's clients (the AWS CLI's legacy sign-in) name no grant types.
        grant_types = vec![DEVICE_CODE.to_string(), REFRESH_TOKEN.to_string()];
    }
    if let Some(g) = grant_types
        .iter()
        .find(|g| ![AUTHORIZATION_CODE, REFRESH_TOKEN, DEVICE_CODE].contains(&g.as_str()))
    {
        return Err(metadata(format!("grantTypes: '{g}' is not supported")));
    }
    let issuer_url = text(body, "issuerUrl")?.map(str::to_string);
    if grant_types.iter().any(|g| g == AUTHORIZATION_CODE) {
        if redirect_uris.is_empty() {
            return Err(ApiError::new(
                400,
                "InvalidRedirectUriException",
                "redirectUris is required for the authorization_code grant",
            ));
        }
        match &issuer_url {
            Some(url) if url.starts_with("https://") || url.starts_with("http://") => {}
            Some(url) => {
                return Err(invalid_request(format!(
                    "issuerUrl '{url}' is not the URL of an IAM Identity Center access portal"
                )))
            }
            None => {
                return Err(invalid_request(
                    "issuerUrl is required for the authorization_code grant",
                ))
            }
        }
    }
    if let Some(uri) = redirect_uris.iter().find(|u| !is_loopback_redirect(u)) {
        return Err(ApiError::new(
            400,
            "InvalidRedirectUriException",
            format!("redirectUris: '{uri}' is not a loopback address (http://127.0.0.1:PORT/..., http://localhost:PORT/...)"),
        ));
    }
    let mut state = ic.lock();
    let client_id = b64url(crate::identity::keys::random_bytes(16).map_err(internal)?);
    let client_secret = state.secret("client_secret", 48).map_err(internal)?;
    let expires = now.saturating_add(CLIENT_SECONDS);
    state.clients.insert(
        client_id.clone(),
        Client {
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
            name: name.to_string(),
            grant_types,
            redirect_uris,
            scopes,
            issuer_url,
            secret_expires_at: expires,
        },
    );
    Ok(json!({
        "clientId": client_id,
        "clientSecret": client_secret,
        "clientIdIssuedAt": now,
        "clientSecretExpiresAt": expires,
    }))
}

/// The client a call names, when its secret is right and still valid.
fn authenticate(state: &State, body: &Value, now: i64) -> Result<Client, ApiError> {
    let client_id = required(body, "clientId")?;
    let secret = required(body, "clientSecret")?;
    let client = state
        .clients
        .get(client_id)
        .filter(|c| c.client_secret == secret)
        .ok_or_else(|| {
            invalid_client("Invalid client: unknown clientId, or a clientSecret not its own")
        })?;
    if client.secret_expires_at <= now {
        return Err(invalid_client(
            "Invalid client: its secret has expired; register the client again",
        ));
    }
    Ok(client.clone())
}

fn allowed(client: &Client, grant: &str) -> Result<(), ApiError> {
    if client.grant_types.iter().any(|g| g == grant) {
        Ok(())
    } else {
        Err(ApiError::new(
            400,
            "UnauthorizedClientException",
            format!("the client is not registered for the {grant} grant"),
        ))
    }
}

pub fn start_device_authorization(
    identity: &Identity,
    body: &Value,
    now_ms: i64,
) -> Result<Value, ApiError> {
    let ic = identity.identity_center();
    let mut state = ic.lock();
    let client = authenticate(&state, body, now_ms / 1000)?;
    required(body, "startUrl")?;
    allowed(&client, DEVICE_CODE)?;
    let device_code = state.secret("device_code", 32).map_err(internal)?;
    let user_code = IdentityCenter::user_code().map_err(internal)?;
    state.devices.insert(
        device_code.clone(),
        crate::identity::identity_center::Device {
            client_id: client.client_id.clone(),
            user_code: user_code.clone(),
            scopes: client.default_scopes(),
            expires_at_ms: now_ms.saturating_add(DEVICE_SECONDS * 1000),
            interval_secs: DEVICE_INTERVAL,
            last_poll_ms: None,
            status: DeviceStatus::Pending,
        },
    );
    let verification = format!("{}/device", identity.base_url());
    Ok(json!({
        "deviceCode": device_code,
        "userCode": user_code,
        "verificationUri": verification,
        "verificationUriComplete": format!("{verification}?user_code={user_code}"),
        "expiresIn": DEVICE_SECONDS,
        "interval": DEVICE_INTERVAL,
    }))
}

/// RFC 7636: BASE64URL(SHA256(code_verifier)).
pub fn pkce_challenge(verifier: &str) -> String {
    b64url(Sha256::digest(verifier.as_bytes()))
}

pub fn create_token(identity: &Identity, body: &Value, now_ms: i64) -> Result<Value, ApiError> {
    let ic = identity.identity_center();
    let access_seconds = identity.settings().id_token_lifetime_seconds;
    let mut state = ic.lock();
    let client = authenticate(&state, body, now_ms / 1000)?;
    let grant = required(body, "grantType")?;
    if ![AUTHORIZATION_CODE, REFRESH_TOKEN, DEVICE_CODE].contains(&grant) {
        return Err(ApiError::new(
            400,
            "UnsupportedGrantTypeException",
            format!("grantType '{grant}' is not supported"),
        ));
    }
    allowed(&client, grant)?;
    let (user, scopes) = match grant {
        AUTHORIZATION_CODE => {
            let code = required(body, "code")?;
            let redirect_uri = required(body, "redirectUri")?;
            let verifier = required(body, "codeVerifier")?;
            // Spent by any attempt, right or wrong.
            let code = state.codes.remove(code).ok_or_else(|| {
                invalid_grant("Invalid authorization code: unknown or already used")
            })?;
            if code.expires_at_ms <= now_ms {
                return Err(invalid_grant("Invalid authorization code: it has expired"));
            }
            if code.client_id != client.client_id {
                return Err(invalid_grant(
                    "Invalid authorization code: it was issued to another client",
                ));
            }
            if code.redirect_uri != redirect_uri {
                return Err(invalid_grant(
                    "redirectUri is not the one the authorization request named",
                ));
            }
            if pkce_challenge(verifier) != code.challenge {
                return Err(invalid_grant(
                    "codeVerifier does not match the authorization request's code_challenge",
                ));
            }
            (code.user, code.scopes)
        }
        REFRESH_TOKEN => {
            let token = required(body, "refreshToken")?;
            // Rotated: the refresh token is good for one renewal.
            let old = state
                .refresh_tokens
                .remove(token)
                .ok_or_else(|| invalid_grant("Invalid refresh token: unknown, used or revoked"))?;
            if old.client_id != client.client_id {
                return Err(invalid_grant(
                    "Invalid refresh token: it was issued to another client",
                ));
            }
            if old.expires_at_ms <= now_ms {
                return Err(invalid_grant(
                    "Invalid refresh token: the sign-in session has ended; sign in again",
                ));
            }
            (old.user, old.scopes)
        }
        _ => {
            let device_code = required(body, "deviceCode")?;
            let device = state
                .devices
                .get_mut(device_code)
                .filter(|d| d.client_id == client.client_id)
                .ok_or_else(|| invalid_grant("Invalid device code"))?;
            if device.expires_at_ms <= now_ms {
                return Err(ApiError::new(
                    400,
                    "ExpiredTokenException",
                    "the device code has expired; start the device authorization again",
                ));
            }
            match device.status.clone() {
                DeviceStatus::Pending => {
                    let too_soon = device
                        .last_poll_ms
                        .is_some_and(|t| now_ms - t < device.interval_secs * 1000);
                    device.last_poll_ms = Some(now_ms);
                    return Err(if too_soon {
                        ApiError::new(
                            400,
                            "SlowDownException",
                            "polled faster than the interval allows",
                        )
                    } else {
                        ApiError::new(
                            400,
                            "AuthorizationPendingException",
                            "the user has not yet approved the device",
                        )
                    });
                }
                DeviceStatus::Denied => {
                    state.devices.remove(device_code);
                    return Err(ApiError::new(
                        400,
                        "AccessDeniedException",
                        "the user denied the device authorization",
                    ));
                }
                DeviceStatus::Approved(user) => {
                    let scopes = device.scopes.clone();
                    state.devices.remove(device_code);
                    (user, scopes)
                }
            }
        }
    };
    state
        .issue_tokens(&user, &client, scopes, access_seconds, now_ms)
        .map_err(internal)
}

/// The scopes an authorization request asks for: a subset of the client's.
pub fn requested_scopes(client: &Client, asked: Option<&str>) -> Result<Vec<String>, String> {
    let asked: Vec<String> = asked
        .unwrap_or_default()
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if asked.is_empty() {
        return Ok(client.default_scopes());
    }
    let allowed = client.default_scopes();
    match asked.iter().find(|s| !allowed.contains(s)) {
        Some(s) => Err(format!("scope '{s}' was not registered for this client")),
        None => Ok(asked),
    }
}

/// Whether the token's scopes reach the portal.
pub fn reaches_portal(scopes: &[String]) -> bool {
    scopes.iter().any(|s| s == ACCOUNT_ACCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirects_only() {
        assert!(is_loopback_redirect("http://localhost:7890/athena"));
        assert!(is_loopback_redirect("http://127.0.0.1:1/oauth/callback"));
        assert!(is_loopback_redirect("http://[::1]:9/x"));
        assert!(!is_loopback_redirect("https://localhost:7890/athena"));
        assert!(!is_loopback_redirect(
            "http://localhost.evil.example/athena"
        ));
        assert!(!is_loopback_redirect("http://evil.example/?localhost"));
    }

    #[test]
    fn pkce_is_rfc_7636s() {
        // RFC 7636, appendix B.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
