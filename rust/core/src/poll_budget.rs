//! One budget of GetQueryExecution calls per second for every query of the
//! process: Athena's quota for that call (100 per second per account, 200 in
//! a burst) is shared by all of an account's clients, and 64 queries polling
//! on their own schedules would pass it. A poll takes a token; without one it
//! waits until the budget refills.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use once_cell::sync::Lazy;

/// Budgets by their rate: connections with the same setting share one.
static BUDGETS: Lazy<Mutex<HashMap<u32, Arc<PollBudget>>>> =
    Lazy::new(|| Mutex::new(HashMap::new()));

#[derive(Debug)]
pub struct PollBudget {
    per_second: f64,
    /// Tokens left (negative: polls already promised a later slot) and when last refilled.
    state: Mutex<(f64, Instant)>,
}

impl PollBudget {
    /// A budget of `per_second` polls a second, bursts of up to a second's worth.
    pub fn new(per_second: u32) -> PollBudget {
        let per_second = f64::from(per_second.max(1));
        PollBudget {
            per_second,
            state: Mutex::new((per_second, Instant::now())),
        }
    }

    /// The process's budget for this rate.
    pub fn shared(per_second: u32) -> Arc<PollBudget> {
        let mut budgets = BUDGETS.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(
            budgets
                .entry(per_second)
                .or_insert_with(|| Arc::new(PollBudget::new(per_second))),
        )
    }

    /// Takes a token for one poll; returns how long to wait before making it.
    pub fn reserve(&self) -> Duration {
        self.reserve_at(Instant::now())
    }

    fn reserve_at(&self, now: Instant) -> Duration {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (tokens, refilled) = *state;
        let elapsed = now.saturating_duration_since(refilled).as_secs_f64();
        let tokens = (tokens + elapsed * self.per_second).min(self.per_second) - 1.0;
        *state = (tokens, now.max(refilled));
        if tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-tokens / self.per_second)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_a_second_then_the_rate() {
        let budget = PollBudget::new(10);
        let now = Instant::now();
        let waits: Vec<Duration> = (0..12).map(|_| budget.reserve_at(now)).collect();
        assert!(waits[..10].iter().all(|w| w.is_zero()), "{waits:?}");
        // The 11th and 12th wait for a tenth and two tenths of a second.
        assert!((waits[10].as_secs_f64() - 0.1).abs() < 1e-9, "{waits:?}");
        assert!((waits[11].as_secs_f64() - 0.2).abs() < 1e-9, "{waits:?}");
        // A second later the promised slots are paid back and 8 tokens are left.
        let later = now + Duration::from_secs(1);
        let waits: Vec<Duration> = (0..9).map(|_| budget.reserve_at(later)).collect();
        assert!(waits[..8].iter().all(|w| w.is_zero()), "{waits:?}");
        assert!(!waits[8].is_zero(), "{waits:?}");
    }

    #[test]
    fn the_same_rate_shares_one_budget() {
        assert!(Arc::ptr_eq(
            &PollBudget::shared(7_777),
            &PollBudget::shared(7_777)
        ));
        assert!(!Arc::ptr_eq(
            &PollBudget::shared(7_777),
            &PollBudget::shared(7_778)
        ));
    }
}
