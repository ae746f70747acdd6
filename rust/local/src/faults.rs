//! Fault injection: make the next N calls of an operation fail or slow down.

use crate::errors::ApiError;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// 400 `TooManyRequestsException` (the SDK retries it as throttling).
    Throttle,
    /// 400 `ThrottlingException`, the other throttling answer AWS services give.
    Throttling,
    /// 500 `InternalServerException`.
    InternalError,
    /// 503 `ServiceUnavailableException`.
    Unavailable,
    /// Answer normally after `delay_ms`.
    Delay,
    /// Queries started by the next N `StartQueryExecution` calls stay
    /// RUNNING at least `delay_ms`.
    QueryDelay,
    /// The answer's headers promise the whole body, half of it is sent, and
    /// the connection closes: a reset or a cut in the middle of a response.
    CutBody,
    /// 200 with the body cut in half, its length consistent: a response
    /// that arrives whole but is not readable (malformed JSON or XML).
    Malformed,
    /// The call is refused as IAM refuses a principal whose policies do not
    /// allow the action: `AccessDeniedException` (400) in the JSON
    /// protocols, `AccessDenied` (403) in S3's and STS's.
    AccessDenied,
}

impl FaultKind {
    /// Faults that change the answer once it is made, rather than the call.
    fn on_response(self) -> bool {
        matches!(self, FaultKind::CutBody | FaultKind::Malformed)
    }
}

/// One armed fault, as posted to `/_athena_local/faults`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// Operation name such as `GetQueryResults`, or `*` for every operation.
    pub operation: String,
    pub kind: FaultKind,
    /// How many calls it affects (default 1).
    #[serde(default = "one")]
    pub count: u32,
    #[serde(default)]
    pub delay_ms: u64,
    /// When set, the fault meets every matching call for this long after it
    /// is armed, whatever `count` says: an outage of a given length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_ms: Option<u64>,
    #[serde(skip, default = "Instant::now")]
    pub armed_at: Instant,
}

fn one() -> u32 {
    1
}

/// What the server must do for one call.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultAction {
    Fail(ApiError),
    Delay(Duration),
    /// Refuse the call as IAM does; the service words the refusal (it knows
    /// the caller and its actions' prefix).
    Deny,
}

/// IAM's refusal of `action` (`glue:GetCatalogs`) to the principal `arn`,
/// in IAM's words, as the JSON protocols answer it (400).
pub fn iam_denial(arn: Option<&str>, action: &str) -> ApiError {
    let who = arn.map_or_else(|| "User".to_string(), |a| format!("User: {a}"));
    ApiError::access_denied(format!(
        "{who} is not authorized to perform: {action} because no identity-based policy allows the {action} action"
    ))
}

#[derive(Debug, Default)]
pub struct Faults {
    armed: Mutex<Vec<Fault>>,
    /// Added to every API call, to model the round trip to AWS.
    latency_ms: AtomicU64,
}

impl Faults {
    pub fn add(&self, mut fault: Fault) {
        fault.armed_at = Instant::now();
        if fault.count > 0 || fault.for_ms.is_some() {
            self.lock().push(fault);
        }
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    pub fn list(&self) -> Vec<Fault> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Fault>> {
        // A panic while holding this lock cannot leave the list inconsistent.
        self.armed.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Consumes one use of the first fault matching `operation` among `kinds`.
    fn take_matching(&self, operation: &str, want: impl Fn(FaultKind) -> bool) -> Option<Fault> {
        let mut armed = self.lock();
        // Outages that are over are gone.
        armed.retain(|f| {
            f.for_ms
                .is_none_or(|ms| f.armed_at.elapsed() < Duration::from_millis(ms))
        });
        let idx = armed
            .iter()
            .position(|f| (f.operation == operation || f.operation == "*") && want(f.kind))?;
        let fault = armed[idx].clone();
        if fault.for_ms.is_none() {
            armed[idx].count -= 1;
            if armed[idx].count == 0 {
                armed.remove(idx);
            }
        }
        Some(fault)
    }

    /// The fault for this call of `operation`, if one is armed.
    pub fn take(&self, operation: &str) -> Option<FaultAction> {
        let f = self.take_matching(operation, |k| {
            k != FaultKind::QueryDelay && !k.on_response()
        })?;
        Some(match f.kind {
            FaultKind::Throttle => FaultAction::Fail(ApiError::throttled()),
            FaultKind::Throttling => {
                FaultAction::Fail(ApiError::new(400, "ThrottlingException", "Rate exceeded"))
            }
            FaultKind::InternalError => {
                FaultAction::Fail(ApiError::internal("Injected internal error"))
            }
            FaultKind::Unavailable => FaultAction::Fail(ApiError::unavailable()),
            FaultKind::AccessDenied => FaultAction::Deny,
            FaultKind::Delay
            | FaultKind::QueryDelay
            | FaultKind::CutBody
            | FaultKind::Malformed => FaultAction::Delay(Duration::from_millis(f.delay_ms)),
        })
    }

    /// What to do to this call's answer (`CutBody` or `Malformed`), if a
    /// response fault is armed for `operation`.
    pub fn take_response(&self, operation: &str) -> Option<FaultKind> {
        self.take_matching(operation, FaultKind::on_response)
            .map(|f| f.kind)
    }

    pub fn set_latency(&self, latency: Duration) {
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.latency_ms.store(ms, Ordering::Relaxed);
    }

    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.latency_ms.load(Ordering::Relaxed))
    }

    /// Extra RUNNING time for a query being started, if a `query_delay` is armed.
    pub fn take_query_delay(&self) -> Option<Duration> {
        self.take_matching("StartQueryExecution", |k| k == FaultKind::QueryDelay)
            .map(|f| Duration::from_millis(f.delay_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(op: &str, kind: FaultKind, count: u32) -> Fault {
        Fault {
            operation: op.into(),
            kind,
            count,
            delay_ms: 7,
            for_ms: None,
            armed_at: Instant::now(),
        }
    }

    #[test]
    fn counts_down_and_matches_operation() {
        let f = Faults::default();
        f.add(fault("GetQueryResults", FaultKind::Throttle, 2));
        assert!(f.take("GetQueryExecution").is_none());
        for _ in 0..2 {
            match f.take("GetQueryResults") {
                Some(FaultAction::Fail(e)) => assert_eq!(e.error_type, "TooManyRequestsException"),
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(f.take("GetQueryResults").is_none());
        assert!(f.list().is_empty());
    }

    #[test]
    fn wildcard_delay_and_query_delay() {
        let f = Faults::default();
        f.add(fault("*", FaultKind::InternalError, 1));
        match f.take("Anything") {
            Some(FaultAction::Fail(e)) => assert_eq!(e.status, 500),
            other => panic!("unexpected {other:?}"),
        }
        f.add(fault("StartQueryExecution", FaultKind::QueryDelay, 1));
        assert!(f.take("StartQueryExecution").is_none());
        assert_eq!(f.take_query_delay(), Some(Duration::from_millis(7)));
        f.add(fault("X", FaultKind::Delay, 1));
        assert_eq!(
            f.take("X"),
            Some(FaultAction::Delay(Duration::from_millis(7)))
        );
        f.add(fault("X", FaultKind::Delay, 0));
        assert!(f.list().is_empty());
        f.add(fault("X", FaultKind::Unavailable, 3));
        f.clear();
        assert!(f.take("X").is_none());
    }

    #[test]
    fn an_outage_meets_every_call_until_it_is_over() {
        let f = Faults::default();
        f.add(Fault {
            for_ms: Some(50),
            ..fault("X", FaultKind::Unavailable, 1)
        });
        for _ in 0..5 {
            assert!(f.take("X").is_some());
        }
        std::thread::sleep(Duration::from_millis(60));
        assert!(f.take("X").is_none());
        assert!(f.list().is_empty());
    }

    #[test]
    fn response_faults_are_taken_apart_from_call_faults() {
        let f = Faults::default();
        f.add(fault("GetObject", FaultKind::CutBody, 1));
        f.add(fault("GetObject", FaultKind::Malformed, 1));
        assert!(
            f.take("GetObject").is_none(),
            "the call itself goes through"
        );
        assert_eq!(f.take_response("GetObject"), Some(FaultKind::CutBody));
        assert_eq!(f.take_response("GetObject"), Some(FaultKind::Malformed));
        assert_eq!(f.take_response("GetObject"), None);
    }

    #[test]
    fn access_denied_is_left_to_the_service_to_word() {
        let f = Faults::default();
        f.add(fault("GetCatalogs", FaultKind::AccessDenied, 1));
        assert_eq!(f.take("GetCatalogs"), Some(FaultAction::Deny));
        assert!(f.take("GetCatalogs").is_none());
        let e = iam_denial(
            Some("arn:aws:iam::111122223333:user/test"),
            "glue:GetCatalogs",
        );
        assert_eq!((e.status, e.error_type), (400, "AccessDeniedException"));
        assert_eq!(
            e.message,
            "User: arn:aws:iam::111122223333:user/test is not authorized to perform: glue:GetCatalogs because no identity-based policy allows the glue:GetCatalogs action"
        );
        let parsed: Fault = serde_json::from_str(
            r#"{"operation":"GetCatalogs","kind":"access_denied","for_ms":50}"#,
        )
        .unwrap();
        assert_eq!(parsed.kind, FaultKind::AccessDenied);
    }

    #[test]
    fn parses_json() {
        let f: Fault = serde_json::from_str(
            r#"{"operation":"GetQueryResults","kind":"internal_error","count":2}"#,
        )
        .unwrap();
        assert_eq!(f.kind, FaultKind::InternalError);
        assert_eq!(f.count, 2);
        assert!(serde_json::from_str::<Fault>(r#"{"operation":"x","kind":"boom"}"#).is_err());
    }
}
