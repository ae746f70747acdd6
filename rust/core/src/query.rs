//! The life of one query: poll until it ends, with backoff, a timeout and
//! cancellation from another thread.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_athena::types::{QueryExecutionState, StatementType};
use aws_sdk_athena::Client;
use tokio::sync::{watch, Notify};

use crate::config::PollPolicy;
use crate::error::{from_sdk, Error, ErrorKind, Result};
use crate::fetch::{Fetchers, Request, UnloadRun};
use crate::poll_budget::PollBudget;
use crate::results::ResultStream;

pub struct Query {
    client: Client,
    fetchers: Fetchers,
    id: String,
    poll: PollPolicy,
    /// The process's GetQueryExecution budget, shared with every other query.
    poll_budget: Arc<PollBudget>,
    fetch_size: u32,
    cancelled: AtomicBool,
    wake: Notify,
    /// Set with `cancelled`, for waits other than polls (opening the results).
    cancel_signal: watch::Sender<bool>,
    /// UNLOAD mode: where the statement unloads to, and how to run it as written.
    unload: Option<UnloadRun>,
    /// What the last poll said of the query.
    statistics: Mutex<Statistics>,
    /// The connection's cost guardrails.
    guard: ScanGuard,
    /// What the reader should know about the rows (an SQLWarning), e.g. why
    /// Unload=true ran the statement as written.
    warning: Option<String>,
}

/// Sends a StartQueryExecution; returns the new query's id.
pub(crate) async fn send_start(
    request: aws_sdk_athena::operation::start_query_execution::builders::StartQueryExecutionFluentBuilder,
) -> Result<String> {
    let output = request
        .send()
        .await
        .map_err(|e| from_sdk("StartQueryExecution", e))?;
    output
        .query_execution_id()
        .map(str::to_string)
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Service,
                "StartQueryExecution returned no QueryExecutionId",
            )
        })
}

/// What GetQueryExecution said of a query at the last poll: its state and
/// Statistics (milliseconds; -1 where Athena gave none yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statistics {
    pub state: String,
    pub data_scanned_bytes: i64,
    pub engine_execution_millis: i64,
    pub queue_millis: i64,
    pub planning_millis: i64,
    pub service_pre_processing_millis: i64,
    pub service_processing_millis: i64,
    pub total_execution_millis: i64,
    pub result_reused: bool,
}

impl Default for Statistics {
    fn default() -> Statistics {
        Statistics {
            state: "QUEUED".into(),
            data_scanned_bytes: -1,
            engine_execution_millis: -1,
            queue_millis: -1,
            planning_millis: -1,
            service_pre_processing_millis: -1,
            service_processing_millis: -1,
            total_execution_millis: -1,
            result_reused: false,
        }
    }
}

impl Statistics {
    fn of(execution: &aws_sdk_athena::types::QueryExecution) -> Statistics {
        let stats = execution.statistics();
        let millis = |v: Option<i64>| v.unwrap_or(-1);
        Statistics {
            state: execution
                .status()
                .and_then(|s| s.state())
                .map_or("QUEUED", QueryExecutionState::as_str)
                .to_string(),
            data_scanned_bytes: millis(stats.and_then(|s| s.data_scanned_in_bytes())),
            engine_execution_millis: millis(
                stats.and_then(|s| s.engine_execution_time_in_millis()),
            ),
            queue_millis: millis(stats.and_then(|s| s.query_queue_time_in_millis())),
            planning_millis: millis(stats.and_then(|s| s.query_planning_time_in_millis())),
            service_pre_processing_millis: millis(
                stats.and_then(|s| s.service_pre_processing_time_in_millis()),
            ),
            service_processing_millis: millis(
                stats.and_then(|s| s.service_processing_time_in_millis()),
            ),
            total_execution_millis: millis(stats.and_then(|s| s.total_execution_time_in_millis())),
            result_reused: stats
                .and_then(|s| s.result_reuse_information())
                .is_some_and(|r| r.reused_previous_result()),
        }
    }
}

/// A connection's cost guardrails (MaxBytesScannedPerQuery, the cost warning).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ScanGuard {
    /// A query that has scanned more is stopped on Athena.
    pub max_bytes: Option<u64>,
    /// Price per TB scanned: each result set gets a warning with its cost.
    pub price_per_tb: Option<f64>,
}

/// What Athena bills for `bytes` scanned: rounded up to the megabyte, 10 MB
/// at least; DDL statements are not billed.
pub fn billed_bytes(bytes: u64, ddl: bool) -> u64 {
    const MB: u64 = 1024 * 1024;
    if ddl {
        return 0;
    }
    bytes.div_ceil(MB).max(10) * MB
}

/// The result set's cost warning: bytes scanned, what Athena bills, the cost
/// at `price_per_tb` (a TB of 2^40 bytes).
pub fn cost_warning(id: &str, bytes: u64, ddl: bool, price_per_tb: f64) -> String {
    let billed = billed_bytes(bytes, ddl);
    let cost = billed as f64 / 1024f64.powi(4) * price_per_tb;
    let rule = if ddl {
        "DDL is not billed"
    } else {
        "rounded up to the MB, 10 MB at least"
    };
    format!(
        "query {id} scanned {bytes} bytes; Athena bills {billed} bytes ({rule}), \
         which at {price_per_tb} per TB (PricePerTerabyteScanned) costs {cost:.6}"
    )
}

/// What a finished query produced, as JDBC sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub statement_type: String,
    /// Where Athena wrote the result file; None with managed result storage.
    pub output_location: Option<String>,
    /// The result file's encryption option (e.g. `CSE_KMS`).
    pub encryption: Option<String>,
    /// The workgroup keeps results in Athena-managed storage.
    pub managed_results: bool,
    /// UNLOAD: the manifest listing the written files.
    pub manifest_location: Option<String>,
    /// UNLOAD mode: Athena refused the UNLOAD for a reason that is UNLOAD's
    /// alone (not the query's), given here; the results run it as written.
    pub unload_refused: Option<String>,
}

impl Query {
    pub fn new(
        fetchers: Fetchers,
        id: String,
        poll: PollPolicy,
        fetch_size: u32,
        unload: Option<UnloadRun>,
    ) -> Query {
        Query {
            unload,
            client: fetchers.athena.clone(),
            fetchers,
            id,
            poll,
            poll_budget: PollBudget::shared(poll.per_second),
            fetch_size,
            cancelled: AtomicBool::new(false),
            wake: Notify::new(),
            cancel_signal: watch::channel(false).0,
            statistics: Mutex::new(Statistics::default()),
            guard: ScanGuard::default(),
            warning: None,
        }
    }

    /// Sets the connection's cost guardrails.
    pub fn with_guard(mut self, guard: ScanGuard) -> Query {
        self.guard = guard;
        self
    }

    /// The state and statistics of the last poll.
    pub fn statistics(&self) -> Statistics {
        self.statistics
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Adds a warning the results will carry (JDBC's SQLWarning).
    pub fn with_warning(mut self, warning: Option<String>) -> Query {
        self.warning = warning;
        self
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Bytes Athena scanned, once the query succeeded; -1 when unknown.
    pub fn data_scanned_bytes(&self) -> i64 {
        let statistics = self.statistics.lock().unwrap_or_else(|p| p.into_inner());
        if statistics.state == QueryExecutionState::Succeeded.as_str() {
            statistics.data_scanned_bytes
        } else {
            -1
        }
    }

    /// Polls until the query ends. On timeout or cancellation the query is
    /// stopped on the server before this returns.
    pub async fn wait(&self, timeout: Option<Duration>) -> Result<Completion> {
        self.wait_with(timeout, &mut |_| Ok(())).await
    }

    /// [`Query::wait`], telling `progress` what each poll said; an error from
    /// it stops the query on the server and is the wait's error.
    pub async fn wait_with<F: FnMut(&Statistics) -> Result<()>>(
        &self,
        timeout: Option<Duration>,
        progress: &mut F,
    ) -> Result<Completion> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut delay = self.poll.min;
        loop {
            if self.cancelled.load(Ordering::SeqCst) {
                return Err(self.cancelled_error());
            }
            // A poll is safe to repeat, so transient failures are retried like
            // result reads; a cancel interrupts the poll in flight at once.
            let poll = crate::retry::retrying(self.fetchers.settings.retry_window, || async {
                // Cancellable like the poll itself: a wait for the budget is a poll delayed.
                let turn = self.poll_budget.reserve();
                if !turn.is_zero() {
                    tokio::time::sleep(turn).await;
                }
                self.client
                    .get_query_execution()
                    .query_execution_id(&self.id)
                    .send()
                    .await
                    .map_err(|e| from_sdk("GetQueryExecution", e))
            });
            // The query timeout bounds a poll in flight too (one riding out
            // a stalled connection or retries), not only the sleeps between.
            let past_deadline = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d.into()).await,
                    None => std::future::pending().await,
                }
            };
            let output = tokio::select! {
                output = poll => output.map_err(|e| e.with_query_id(&self.id))?,
                _ = self.wake.notified() => continue,
                _ = past_deadline => return Err(self.timed_out(timeout).await),
            };
            let execution = output.query_execution().ok_or_else(|| {
                Error::new(
                    ErrorKind::Service,
                    "GetQueryExecution returned no QueryExecution",
                )
                .with_query_id(&self.id)
            })?;
            let statistics = Statistics::of(execution);
            *self.statistics.lock().unwrap_or_else(|p| p.into_inner()) = statistics.clone();
            if let Err(e) = progress(&statistics) {
                self.stop().await;
                return Err(e.with_query_id(&self.id));
            }
            let status = execution.status();
            let live = matches!(
                status.and_then(|s| s.state()),
                Some(QueryExecutionState::Queued | QueryExecutionState::Running)
            );
            if let (true, Some(cap)) = (live, self.guard.max_bytes) {
                if statistics.data_scanned_bytes > 0 && statistics.data_scanned_bytes as u64 > cap {
                    self.stop().await;
                    return Err(Error::new(
                        ErrorKind::Cancelled,
                        format!(
                            "Query was stopped: it had scanned {} bytes, more than MaxBytesScannedPerQuery ({cap})",
                            statistics.data_scanned_bytes
                        ),
                    )
                    .with_query_id(&self.id));
                }
            }
            match status.and_then(|s| s.state()) {
                Some(QueryExecutionState::Succeeded) => {
                    let statement_type = execution
                        .statement_type()
                        .map(StatementType::as_str)
                        .unwrap_or("DML")
                        .to_string();
                    let results = execution.result_configuration();
                    return Ok(Completion {
                        statement_type,
                        output_location: results
                            .and_then(|r| r.output_location())
                            .map(str::to_string),
                        encryption: results
                            .and_then(|r| r.encryption_configuration())
                            .map(|e| e.encryption_option().as_str().to_string()),
                        managed_results: execution
                            .managed_query_results_configuration()
                            .is_some_and(|m| m.enabled()),
                        manifest_location: execution
                            .statistics()
                            .and_then(|s| s.data_manifest_location())
                            .map(str::to_string),
                        unload_refused: None,
                    });
                }
                Some(QueryExecutionState::Failed) => {
                    let error = status.and_then(|s| s.athena_error());
                    let category = error.and_then(|e| e.error_category()).unwrap_or(0);
                    let message = error
                        .and_then(|e| e.error_message())
                        .or_else(|| status.and_then(|s| s.state_change_reason()))
                        .unwrap_or("no reason given");
                    let kind = if category == 2 {
                        ErrorKind::QueryFailedUser
                    } else {
                        ErrorKind::QueryFailedSystem
                    };
                    let category_name = match category {
                        1 => "SYSTEM",
                        2 => "USER",
                        _ => "OTHER",
                    };
                    // Unload=true must not turn a valid SELECT into a failure:
                    // a refusal that is UNLOAD's own (a column name twice, a
                    // type Hive cannot store) reads the results of the
                    // statement run as written instead. Any other failure is
                    // the query's, reported once, never run again.
                    if let Some(why) = self
                        .unload
                        .as_ref()
                        .and_then(|_| crate::fetch::unload_refusal(message))
                    {
                        self.fetchers.logger.debug(|| {
                            format!(
                                "query {}: Athena refused the UNLOAD ({message}); running the statement as written",
                                self.id
                            )
                        });
                        return Ok(Completion {
                            statement_type: "DML".to_string(),
                            output_location: None,
                            encryption: None,
                            managed_results: false,
                            manifest_location: None,
                            unload_refused: Some(why),
                        });
                    }
                    return Err(Error::new(
                        kind,
                        format!("Query failed ({category_name} error): {message}"),
                    )
                    .with_query_id(&self.id)
                    .with_vendor_code(error.and_then(|e| e.error_type()).unwrap_or(0)));
                }
                Some(QueryExecutionState::Cancelled) => return Err(self.cancelled_error()),
                _ => {}
            }
            let mut sleep_for = delay;
            if let Some(deadline) = deadline {
                let now = Instant::now();
                if now >= deadline {
                    return Err(self.timed_out(timeout).await);
                }
                sleep_for = sleep_for.min(deadline - now);
            }
            tokio::select! {
                _ = tokio::time::sleep(sleep_for) => {}
                _ = self.wake.notified() => {}
            }
            delay = self.poll.next(delay);
        }
    }

    /// Stops the query on the server, then gives the timeout error.
    async fn timed_out(&self, timeout: Option<Duration>) -> Error {
        self.stop().await;
        let seconds = timeout.map(|t| t.as_secs_f64()).unwrap_or_default();
        Error::new(
            ErrorKind::Timeout,
            format!("Query timed out after {seconds} s and was stopped"),
        )
        .with_query_id(&self.id)
    }

    /// Marks the query cancelled and wakes a thread waiting for it, in the
    /// middle of a poll, between two or while its results open; a wake-up
    /// with nobody waiting is kept for the next wait. No network call: the
    /// caller may hold a lock.
    pub fn request_cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.cancel_signal.send_replace(true);
        self.wake.notify_one();
    }

    /// Resolves once `request_cancel` was called.
    pub async fn cancelled(&self) {
        let mut signal = self.cancel_signal.subscribe();
        let _ = signal.wait_for(|c| *c).await;
    }

    /// `request_cancel`, then StopQueryExecution on the server.
    pub async fn cancel(&self) -> Result<()> {
        self.request_cancel();
        self.stop_on_server().await
    }

    /// StopQueryExecution; its failure is the caller's to report.
    pub async fn stop_on_server(&self) -> Result<()> {
        self.client
            .stop_query_execution()
            .query_execution_id(&self.id)
            .send()
            .await
            .map_err(|e| from_sdk("StopQueryExecution", e).with_query_id(&self.id))?;
        Ok(())
    }

    async fn stop(&self) {
        // Best effort: the timeout error is what the user needs to see.
        let _ = self
            .client
            .stop_query_execution()
            .query_execution_id(&self.id)
            .send()
            .await;
    }

    /// Also the error of a query cancelled while its results opened.
    pub fn cancelled_error(&self) -> Error {
        Error::new(ErrorKind::Cancelled, "Query was cancelled").with_query_id(&self.id)
    }

    /// Every row of a finished query as text, for the driver's own small
    /// utility queries (such as SHOW TABLES), which have no header row.
    pub async fn text_rows(&self) -> Result<Vec<Vec<Option<String>>>> {
        crate::fetch::all_text_rows(&self.client, &self.id).await
    }

    /// Opens the results of a finished query. `fetch_size` 0 keeps the connection's FetchSize.
    pub async fn results(
        &self,
        completion: &Completion,
        max_rows: u64,
        fetch_size: u32,
    ) -> Result<ResultStream> {
        let fetch_size = if fetch_size == 0 {
            self.fetch_size
        } else {
            fetch_size
        };
        let stream = self
            .fetchers
            .open(&Request {
                id: &self.id,
                completion,
                fetch_size,
                max_rows,
                unload: self.unload.as_ref(),
            })
            .await?;
        let mut warnings: Vec<String> = self.warning.iter().cloned().collect();
        let scanned = self.data_scanned_bytes();
        if let (Some(cap), true) = (self.guard.max_bytes, scanned >= 0) {
            // Finished between two polls: the bytes are paid for, so the rows are given.
            if scanned as u64 > cap {
                warnings.push(format!(
                    "query {} scanned {scanned} bytes, more than MaxBytesScannedPerQuery ({cap}): it finished before a poll could stop it",
                    self.id
                ));
            }
        }
        if let (Some(price), true) = (self.guard.price_per_tb, scanned >= 0) {
            let ddl = completion.statement_type == "DDL";
            warnings.push(cost_warning(&self.id, scanned as u64, ddl, price));
        }
        if warnings.is_empty() {
            return Ok(stream);
        }
        warnings.extend_from_slice(stream.warnings());
        Ok(stream.with_warnings(warnings))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn athena_bills_whole_megabytes_and_ten_at_least() {
        const MB: u64 = 1024 * 1024;
        assert_eq!(billed_bytes(0, false), 10 * MB);
        assert_eq!(billed_bytes(10 * MB + 1, false), 11 * MB);
        assert_eq!(billed_bytes(5 * MB, true), 0);
        let tb = 1024 * 1024 * MB;
        let warning = cost_warning("q1", tb, false, 5.0);
        assert!(
            warning.contains("q1 scanned 1099511627776 bytes"),
            "{warning}"
        );
        assert!(warning.contains("costs 5.000000"), "{warning}");
    }
}
