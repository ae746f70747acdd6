//! Retries of calls that are safe to repeat: transient failures ridden out
//! for a window with growing, jittered pauses, throttling for longer. Result
//! reads, polls and the sign-in services all use it.

use std::time::Duration;

use crate::error::{Error, ErrorKind, Result, Retry};

/// Result reads (a page by its NextToken, a byte range of a finished
/// result's file) are safe to repeat, so transient failures (network,
/// throttling, 5xx) are retried, beyond the SDK's own few attempts, until
/// this long after the first failure.
pub const RESULT_RETRY_WINDOW: Duration = Duration::from_secs(20);
/// An answer that arrives whole but does not read right (a page that does
/// not parse, a manifest that disagrees with the files) is asked for again
/// this many times before it is an error.
pub(crate) const REREADS: u32 = 2;
/// First pause between retries; it doubles up to the maximum, each pause
/// drawn between half and all of it.
const RETRY_FIRST_PAUSE: Duration = Duration::from_millis(100);
const RETRY_MAX_PAUSE: Duration = Duration::from_secs(2);

/// Throttling is what AWS answers under load, and asks to be retried with
/// growing pauses: it is ridden out for this long after the first throttle
/// (beyond the SDK's own attempts), longer than other faults.
pub const THROTTLE_RETRY_WINDOW: Duration = Duration::from_secs(30);
const THROTTLE_FIRST_PAUSE: Duration = Duration::from_millis(500);
const THROTTLE_MAX_PAUSE: Duration = Duration::from_secs(5);
/// Retries stop this many windows after the first attempt began, whatever
/// the failures: an attempt that fails late (a stall found after
/// SocketTimeout) is not followed by another as long. The connection's
/// window is a third of CallTimeoutMillis, so a call ends within it.
const RETRY_SPAN_WINDOWS: u32 = 3;

/// Runs `attempt` until it succeeds, fails with a non-transient error or one
/// whose retry is pointless (`Retry::Final`), or `window` has passed since
/// its first transient failure (`THROTTLE_RETRY_WINDOW` for throttling).
/// A zero window turns retries off.
pub(crate) async fn retrying<T, F, Fut>(window: Duration, mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let began = tokio::time::Instant::now();
    let span_end = began + window * RETRY_SPAN_WINDOWS;
    let mut first_failure: Option<tokio::time::Instant> = None;
    let mut pause = RETRY_FIRST_PAUSE;
    let mut last: Option<Error> = None;
    loop {
        let outcome = match &last {
            None => attempt().await,
            // A retry may not run past the span: it ends with the last error.
            Some(previous) => match tokio::time::timeout_at(span_end, attempt()).await {
                Ok(outcome) => outcome,
                Err(_) => {
                    return Err(gave_up(previous.clone(), began).append(
                        "; the last retry had no answer by the end of the call's time bound (CallTimeoutMillis; SocketTimeout bounds each wait for a byte)",
                    ))
                }
            },
        };
        let error = match outcome {
            Ok(value) => return Ok(value),
            Err(e) if e.kind() == ErrorKind::Transient && e.retry() != Retry::Final => e,
            Err(e) => return Err(e),
        };
        if window.is_zero() {
            return Err(error);
        }
        let throttled = error.retry() == Retry::Throttled;
        let failing_for = first_failure
            .get_or_insert_with(tokio::time::Instant::now)
            .elapsed();
        let limit = if throttled {
            THROTTLE_RETRY_WINDOW.max(window)
        } else {
            window
        };
        if throttled {
            pause = pause.clamp(THROTTLE_FIRST_PAUSE, THROTTLE_MAX_PAUSE);
        }
        let sleep = jittered(pause);
        if failing_for >= limit || tokio::time::Instant::now() + sleep >= span_end {
            return Err(gave_up(error, began));
        }
        tokio::time::sleep(sleep).await;
        pause = (pause * 2).min(if throttled {
            THROTTLE_MAX_PAUSE
        } else {
            RETRY_MAX_PAUSE
        });
        last = Some(error);
    }
}

/// The last error, saying how long it was retried.
fn gave_up(error: Error, began: tokio::time::Instant) -> Error {
    let seconds = began.elapsed().as_secs_f64();
    if error.retry() == Retry::Throttled {
        error.append(&format!(
            " (still throttled after {seconds:.1} s of retries with growing pauses)"
        ))
    } else {
        error.append(&format!(" (still failing after {seconds:.1} s of retries)"))
    }
}

/// A pause between half and all of `pause`, so readers that failed together
/// do not retry together.
fn jittered(pause: Duration) -> Duration {
    let mut random = [0u8; 2];
    let fraction = match getrandom::fill(&mut random) {
        Ok(()) => f64::from(u16::from_le_bytes(random)) / f64::from(u16::MAX),
        Err(_) => 1.0,
    };
    pause.mul_f64(0.5 + fraction / 2.0)
}
