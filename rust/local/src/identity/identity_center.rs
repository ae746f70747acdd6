//! IAM Identity Center's side of BrowserSSOOIDC: its people and their
//! permission sets (`[[identity.identity_center_users]]`), and what its OIDC
//! service hands out: registered clients, authorization codes, device codes,
//! access and refresh tokens. The protocols (`services::sso_oidc`, the
//! sign-in pages, `services::sso_portal`) keep their state here, one per
//! server.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use serde_json::{json, Value};

use super::keys::{b64url, random_bytes, random_id, KeyError};
use crate::config::IdentityCenterUserConfig;

/// Scope that lets an access token fetch role credentials at the portal.
pub const ACCOUNT_ACCESS: &str = "sso:account:access";
/// Identity Center's client registrations live 90 days.
pub const CLIENT_SECONDS: i64 = 90 * 24 * 3600;
/// An authorization code, a sign-in page and a device code stay usable this long.
pub const CODE_MS: i64 = 5 * 60 * 1000;
pub const DEVICE_SECONDS: i64 = 600;
/// Identity Center's default session: refresh tokens outlive access tokens.
pub const REFRESH_MS: i64 = 8 * 3600 * 1000;

/// A client RegisterClient made.
#[derive(Clone)]
pub struct Client {
    pub client_id: String,
    pub client_secret: String,
    pub name: String,
    pub grant_types: Vec<String>,
    pub redirect_uris: Vec<String>,
    /// Registered scopes; empty grants `sso:account:access` (as for the AWS CLI's legacy clients).
    pub scopes: Vec<String>,
    pub issuer_url: Option<String>,
    pub secret_expires_at: i64,
}

impl Client {
    /// The scopes a token gets when the request names none.
    pub fn default_scopes(&self) -> Vec<String> {
        if self.scopes.is_empty() {
            vec![ACCOUNT_ACCESS.to_string()]
        } else {
            self.scopes.clone()
        }
    }
}

/// An `/authorize` request waiting for the person's sign-in.
#[derive(Clone)]
pub struct PendingAuthorization {
    pub client_id: String,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub challenge: String,
    pub scopes: Vec<String>,
    pub expires_at_ms: i64,
}

/// A one-time authorization code, bound to its client, redirect and PKCE challenge.
pub struct Code {
    pub client_id: String,
    pub redirect_uri: String,
    pub challenge: String,
    pub user: String,
    pub scopes: Vec<String>,
    pub expires_at_ms: i64,
}

#[derive(Clone, PartialEq)]
pub enum DeviceStatus {
    Pending,
    Approved(String),
    Denied,
}

pub struct Device {
    pub client_id: String,
    pub user_code: String,
    pub scopes: Vec<String>,
    pub expires_at_ms: i64,
    pub interval_secs: i64,
    pub last_poll_ms: Option<i64>,
    pub status: DeviceStatus,
}

/// Who a token was issued to.
#[derive(Clone)]
pub struct Grant {
    pub user: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub expires_at_ms: i64,
}

#[derive(Default)]
pub struct State {
    pub clients: HashMap<String, Client>,
    pub pending: HashMap<String, PendingAuthorization>,
    pub codes: HashMap<String, Code>,
    /// By device code.
    pub devices: HashMap<String, Device>,
    pub access_tokens: HashMap<String, Grant>,
    pub refresh_tokens: HashMap<String, Grant>,
    /// Every secret handed out, for the admin listing (tests check none leaks).
    pub issued: Vec<(&'static str, String)>,
}

impl State {
    /// A new access token (and refresh token when the client may refresh).
    pub fn issue_tokens(
        &mut self,
        user: &str,
        client: &Client,
        scopes: Vec<String>,
        access_seconds: u64,
        now_ms: i64,
    ) -> Result<Value, KeyError> {
        let access_ms = i64::try_from(access_seconds.saturating_mul(1000)).unwrap_or(i64::MAX);
        let access = format!("aoa{}", b64url(random_bytes(48)?));
        let grant = Grant {
            user: user.to_string(),
            client_id: client.client_id.clone(),
            scopes,
            expires_at_ms: now_ms.saturating_add(access_ms),
        };
        self.access_tokens.insert(access.clone(), grant.clone());
        self.issued.push(("access_token", access.clone()));
        let mut answer = json!({
            "accessToken": access,
            "tokenType": "Bearer",
            "expiresIn": i32::try_from(access_seconds).unwrap_or(i32::MAX),
        });
        if client.grant_types.iter().any(|g| g == "refresh_token") {
            let refresh = format!("aor{}", b64url(random_bytes(48)?));
            self.refresh_tokens.insert(
                refresh.clone(),
                Grant {
                    expires_at_ms: now_ms.saturating_add(REFRESH_MS),
                    ..grant
                },
            );
            self.issued.push(("refresh_token", refresh.clone()));
            answer["refreshToken"] = json!(refresh);
        }
        Ok(answer)
    }

    /// A random id remembered as a secret (codes, client secrets).
    pub fn secret(&mut self, kind: &'static str, bytes: usize) -> Result<String, KeyError> {
        let value = b64url(random_bytes(bytes)?);
        self.issued.push((kind, value.clone()));
        Ok(value)
    }
}

/// Identity Center, one per server.
pub struct IdentityCenter {
    users: Vec<IdentityCenterUserConfig>,
    state: Mutex<State>,
}

impl IdentityCenter {
    pub fn new(users: &[IdentityCenterUserConfig]) -> IdentityCenter {
        IdentityCenter {
            users: users.to_vec(),
            state: Mutex::new(State::default()),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, State> {
        // Every update leaves the state consistent, even if a holder panicked.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The person with this name (any case).
    pub fn user(&self, name: &str) -> Option<&IdentityCenterUserConfig> {
        self.users
            .iter()
            .find(|u| u.name.eq_ignore_ascii_case(name))
    }

    /// The person whose name and password these are.
    pub fn sign_in(&self, name: &str, password: &str) -> Option<&IdentityCenterUserConfig> {
        self.user(name.trim()).filter(|u| u.password == password)
    }

    /// Access tokens expire now (with `/_athena_local/identity/expire`).
    pub fn expire_access_tokens(&self, now_ms: i64) {
        for grant in self.lock().access_tokens.values_mut() {
            grant.expires_at_ms = grant.expires_at_ms.min(now_ms);
        }
    }

    /// A user code as Identity Center shows them: `ABCD-EFGH`.
    pub fn user_code() -> Result<String, KeyError> {
        let id = random_id(8)?.to_ascii_uppercase();
        Ok(format!("{}-{}", &id[..4], &id[4..]))
    }

    pub fn issued_json(&self) -> Value {
        let issued: Vec<Value> = self
            .lock()
            .issued
            .iter()
            .map(|(kind, value)| json!({ "kind": kind, "secret": value }))
            .collect();
        Value::Array(issued)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(grants: &[&str]) -> Client {
        Client {
            client_id: "c".into(),
            client_secret: "s".into(),
            name: "n".into(),
            grant_types: grants.iter().map(|g| g.to_string()).collect(),
            redirect_uris: vec![],
            scopes: vec![],
            issuer_url: None,
            secret_expires_at: 0,
        }
    }

    #[test]
    fn tokens_and_refresh_tokens_as_the_client_may() {
        let mut state = State::default();
        let plain = state
            .issue_tokens("u", &client(&["authorization_code"]), vec![], 60, 1_000)
            .unwrap();
        assert!(plain.get("refreshToken").is_none());
        assert_eq!(plain["expiresIn"], 60);
        let both = state
            .issue_tokens(
                "u",
                &client(&["authorization_code", "refresh_token"]),
                vec![ACCOUNT_ACCESS.into()],
                60,
                1_000,
            )
            .unwrap();
        let refresh = both["refreshToken"].as_str().unwrap();
        assert_eq!(
            state.refresh_tokens[refresh].expires_at_ms,
            1_000 + REFRESH_MS
        );
        assert_eq!(
            state.access_tokens[both["accessToken"].as_str().unwrap()].expires_at_ms,
            61_000
        );
        assert_eq!(state.issued.len(), 3);
        assert_eq!(client(&[]).default_scopes(), [ACCOUNT_ACCESS]);
    }

    #[test]
    fn user_codes_look_like_identity_centers() {
        let code = IdentityCenter::user_code().unwrap();
        assert_eq!(code.len(), 9);
        assert_eq!(&code[4..5], "-");
    }
}
