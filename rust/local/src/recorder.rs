//! In-memory record of every served API call (admin endpoint `/_athena_local/calls`).

use serde::Serialize;
use std::sync::Mutex;

/// Oldest records are dropped beyond this, so a long-lived server stays bounded.
const MAX_RECORDS: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallRecord {
    /// `athena`, `sts`, `sso-oidc` or `sso-admin`.
    pub service: String,
    /// Operation name, e.g. `GetQueryResults`, `AssumeRole`, `CreateTokenWithIAM`.
    pub operation: String,
    /// Access key id from the `Authorization` header, if any.
    pub access_key_id: Option<String>,
    /// Authenticated caller: assumed-role ARN, or the static access key.
    pub principal: Option<String>,
    /// Identity Center user carried by the caller's credentials.
    pub identity_context_user: Option<String>,
    pub status: u16,
    /// AWS error code for failed calls.
    pub error_type: Option<String>,
    pub request_id: String,
    /// RFC 3339 UTC time the call arrived.
    pub timestamp: String,
    pub duration_ms: u64,
}

#[derive(Debug, Default)]
pub struct Recorder {
    calls: Mutex<Vec<CallRecord>>,
}

impl Recorder {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<CallRecord>> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn record(&self, call: CallRecord) {
        let mut calls = self.lock();
        if calls.len() >= MAX_RECORDS {
            calls.remove(0);
        }
        calls.push(call);
    }

    /// All records, oldest first.
    pub fn calls(&self) -> Vec<CallRecord> {
        self.lock().clone()
    }

    /// Clears the record; returns how many calls were dropped.
    pub fn clear(&self) -> usize {
        let mut calls = self.lock();
        let n = calls.len();
        calls.clear();
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_in_order_and_clears() {
        let r = Recorder::default();
        for op in ["A", "B"] {
            r.record(CallRecord {
                service: "athena".into(),
                operation: op.into(),
                access_key_id: Some("test".into()),
                principal: Some("test".into()),
                identity_context_user: None,
                status: 200,
                error_type: None,
                request_id: "id".into(),
                timestamp: "t".into(),
                duration_ms: 0,
            });
        }
        let ops: Vec<String> = r.calls().into_iter().map(|c| c.operation).collect();
        assert_eq!(ops, ["A", "B"]);
        assert_eq!(r.clear(), 2);
        assert!(r.calls().is_empty());
    }
}
