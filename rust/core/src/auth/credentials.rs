//! What the flows hand out and keep: AWS temporary credentials, and JWT_TIP's
//! Identity Center identity context.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::secret::Secret;

/// Credentials are renewed when less than this much of their life is left
/// (or half their life, for short-lived ones), so no call is signed with
/// credentials about to expire.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

#[derive(Clone, PartialEq)]
pub struct TemporaryCredentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Secret,
    pub expiry: SystemTime,
    /// When this process (or the one that wrote the file cache) received them.
    pub received: SystemTime,
}

impl fmt::Debug for TemporaryCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TemporaryCredentials(expires {})",
            epoch_seconds(self.expiry)
        )
    }
}

impl TemporaryCredentials {
    pub fn is_fresh(&self, now: SystemTime) -> bool {
        let lifetime = self
            .expiry
            .duration_since(self.received)
            .unwrap_or_default();
        let margin = REFRESH_MARGIN.min(lifetime / 2);
        now + margin < self.expiry
    }
}

/// The Identity Center identity context of JWT_TIP step 4, reusable for step 5
/// until it expires.
#[derive(Clone, PartialEq)]
pub struct IdentityContext {
    pub assertion: Secret,
    pub expiry: SystemTime,
    pub application_arn: String,
    pub access_role_arn: String,
}

impl fmt::Debug for IdentityContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "IdentityContext(application {}, access role {}, expires {})",
            self.application_arn,
            self.access_role_arn,
            epoch_seconds(self.expiry)
        )
    }
}

pub fn epoch_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// The held credentials while they are fresh.
pub(crate) fn fresh(held: &Option<TemporaryCredentials>) -> Option<&TemporaryCredentials> {
    held.as_ref().filter(|c| c.is_fresh(SystemTime::now()))
}

/// Drops the held credentials when they carry `access_key_id` (AWS refused
/// them as expired before their time); whether it did.
pub(crate) fn drop_if_holding(
    held: &mut Option<TemporaryCredentials>,
    access_key_id: &str,
) -> bool {
    let holding = held
        .as_ref()
        .is_some_and(|c| c.access_key_id == access_key_id);
    if holding {
        *held = None;
    }
    holding
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn creds(received: u64, expiry: u64) -> TemporaryCredentials {
        TemporaryCredentials {
            access_key_id: "ASIA".into(),
            secret_access_key: Secret::new("secret-key-value"),
            session_token: Secret::new("session-token-value"),
            expiry: UNIX_EPOCH + Duration::from_secs(expiry),
            received: UNIX_EPOCH + Duration::from_secs(received),
        }
    }

    #[test]
    fn credentials_are_renewed_before_they_expire() {
        let c = creds(0, 3600);
        assert!(c.is_fresh(UNIX_EPOCH + Duration::from_secs(3000)));
        assert!(!c.is_fresh(UNIX_EPOCH + Duration::from_secs(3301)));
        let short = creds(0, 4);
        assert!(short.is_fresh(UNIX_EPOCH + Duration::from_secs(1)));
        assert!(!short.is_fresh(UNIX_EPOCH + Duration::from_secs(2)));
    }

    #[test]
    fn debug_output_hides_secrets() {
        let text = format!("{:?}", creds(0, 1));
        assert!(!text.contains("secret-key-value") && !text.contains("session-token-value"));
    }
}
