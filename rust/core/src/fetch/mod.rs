//! Result fetchers: how a finished query's rows reach the reader, one file
//! per fetcher behind [`Fetchers::open`]:
//! - `get_query_results`: the API, 1000 rows a call, works everywhere;
//! - `s3`: the CSV file Athena wrote under the output location, read with
//!   parallel ranged GETs (`csv` parses it);
//! - `unload`: UNLOAD mode's Parquet files, read in parallel; its pieces also
//!   serve an export (`unload::export`), whose files readers in other
//!   processes read through presigned URLs.
//!
//! `ResultFetcher=auto` (the default) reads S3 when the file is readable and
//! falls back to GetQueryResults otherwise, logging the choice at DEBUG;
//! `ResultFetcher=S3` makes an unreadable file an error.

pub(crate) mod csv;
mod get_query_results;
mod raw_page;
mod s3;
pub mod unload;

pub(crate) use get_query_results::all_text_rows;
pub use get_query_results::MAX_PAGE_ROWS;
pub(crate) use unload::{refusal as unload_refusal, rewrite as unload_rewrite, unload_statement};

use std::collections::VecDeque;
use std::time::Duration;

use aws_sdk_athena::Client;
use bytes::Bytes;
use tokio::task::JoinHandle;

use crate::error::{from_sdk, Error, ErrorKind, Result};
use crate::log::Logger;
use crate::query::Completion;
use crate::results::ResultStream;

/// Which bytes of an S3 object to get.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Span {
    Whole,
    /// `[start, end)`.
    Range(u64, u64),
    /// The last this many bytes.
    Last(u64),
}

/// An S3 object's bytes, and its size from Content-Range when the answer
/// has one.
pub(crate) async fn get_object(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    span: Span,
) -> Result<(Bytes, Option<u64>)> {
    let range = match span {
        Span::Whole => None,
        Span::Range(start, end) => Some(format!("bytes={start}-{}", end.saturating_sub(1))),
        Span::Last(n) => Some(format!("bytes=-{n}")),
    };
    let output = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .set_range(range)
        .send()
        .await
        .map_err(|e| from_sdk("GetObject", e).prefix(&format!("s3://{bucket}/{key}: ")))?;
    let size = output
        .content_range()
        .and_then(|r| r.rsplit('/').next())
        .and_then(|t| t.parse::<u64>().ok());
    let body = output
        .body
        .collect()
        .await
        .map_err(|e| {
            Error::new(
                ErrorKind::Transient,
                format!("GetObject of s3://{bucket}/{key} was cut off: {e}"),
            )
        })?
        .into_bytes();
    Ok((body, size))
}

/// Spawns background work (a download, the next page's call) and lets it
/// start at once: a task spawned on a worker waits in that worker's own
/// slot, which other workers cannot take, until the spawner yields; without
/// this the call would leave only after the spawner's parsing is done.
pub(crate) async fn start<F>(future: F) -> JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handle = tokio::spawn(future);
    tokio::task::yield_now().await;
    handle
}

/// Runs CPU work (CSV parsing, Parquet decoding, page encoding) on the
/// blocking pool, not on the runtime's few workers, which drive every
/// connection's HTTP calls: a long parse there would delay them all. At most
/// one job per CPU runs at once; the others wait here without holding a
/// thread. A job is not interrupted: callers keep jobs to one block, row
/// group slice or page, so a reader that stops does so within one job.
pub(crate) async fn cpu<T, F>(work: F) -> Result<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    use once_cell::sync::Lazy;
    use std::sync::Arc;
    use tokio::sync::Semaphore;
    static SLOTS: Lazy<Arc<Semaphore>> = Lazy::new(|| {
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        Arc::new(Semaphore::new(cpus.max(2)))
    });
    let slot = SLOTS
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| Error::internal("the decoding pool is closed"))?;
    let job = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        work()
    });
    match job.await {
        Ok(value) => Ok(value),
        // A bug in the work: the reader's task fails the same way, so the
        // reader's error names the panic.
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(Error::internal(format!("a decoding job was stopped: {e}"))),
    }
}

/// Downloads running ahead of the reader, oldest first; aborted when
/// reading stops early.
pub(crate) struct InFlight<T>(pub(crate) VecDeque<JoinHandle<T>>);

impl<T> Drop for InFlight<T> {
    fn drop(&mut self) {
        for handle in &self.0 {
            handle.abort();
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetcherChoice {
    Auto,
    S3,
    GetQueryResults,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FetchSettings {
    pub choice: FetcherChoice,
    /// Ranged GETs in flight at once.
    pub s3_threads: usize,
    /// Bytes per ranged GET. Memory held by one result stays below about
    /// `s3_threads × s3_block_size` plus two encoded pages.
    pub s3_block_size: u64,
    /// UNLOAD mode: SELECTs run as UNLOAD to Parquet.
    pub unload: bool,
    /// PageByteBudget: a page ends at its rows or at about this many bytes,
    /// whichever comes first (a larger row travels alone).
    pub page_bytes: usize,
    /// How long result reads keep retrying transient failures (zero: no retries).
    pub retry_window: Duration,
}

/// The clients and settings every fetcher of a connection's queries uses.
#[derive(Clone)]
pub struct Fetchers {
    pub(crate) athena: Client,
    /// None when no S3 endpoint is known (a custom AthenaEndpoint without S3Endpoint).
    pub(crate) s3: Option<aws_sdk_s3::Client>,
    pub(crate) settings: FetchSettings,
    pub(crate) logger: Logger,
}

/// One query's result, as asked for by the reader.
pub(crate) struct Request<'a> {
    pub id: &'a str,
    pub completion: &'a Completion,
    /// JDBC fetch size; 0 lets the fetcher decide.
    pub fetch_size: u32,
    /// JDBC max rows; 0 for all.
    pub max_rows: u64,
    /// Set when the statement ran as an UNLOAD.
    pub unload: Option<&'a UnloadRun>,
}

/// The most rows a page holds whatever the fetch size asks (FetchSize's and
/// `setFetchSize`'s upper bound); the byte budget usually ends pages sooner.
pub const MAX_FETCH_SIZE: u32 = 1_000_000;

impl Request<'_> {
    /// Rows per page: the fetch size, or the fetcher's default.
    pub(crate) fn page_rows(&self, default: usize) -> usize {
        match self.fetch_size {
            0 => default,
            n => n.min(MAX_FETCH_SIZE) as usize,
        }
    }

    /// Rows still wanted: JDBC's max rows, or no limit.
    pub(crate) fn row_limit(&self) -> u64 {
        match self.max_rows {
            0 => u64::MAX,
            n => n,
        }
    }
}

/// A statement run as UNLOAD: where to, and the statement as written (for an
/// UNLOAD that wrote no files).
#[derive(Debug, Clone)]
pub struct UnloadRun {
    pub prefix: String,
    pub as_written: aws_sdk_athena::operation::start_query_execution::builders::StartQueryExecutionFluentBuilder,
    pub poll: crate::config::PollPolicy,
}

impl Fetchers {
    pub(crate) async fn open(&self, request: &Request<'_>) -> Result<ResultStream> {
        let id = request.id;
        if let Some(run) = request.unload {
            return unload::open(self, request, run).await;
        }
        let choice = self.settings.choice;
        if choice == FetcherChoice::GetQueryResults {
            return get_query_results::open(self, request).await;
        }
        let plan = match s3::plan(self, request) {
            Ok(plan) => plan,
            Err(s3::Skip::NotApplicable(why)) => {
                self.logger
                    .debug(|| format!("query {id}: reading with GetQueryResults: {why}"));
                return get_query_results::open(self, request).await;
            }
            Err(s3::Skip::Unreadable(e)) => {
                return match self.unreadable(request, e) {
                    Some(e) => Err(e),
                    None => get_query_results::open(self, request).await,
                };
            }
        };
        // ColumnInfo comes from the query's first GetQueryResults page, asked
        // for while the first block of the file is on its way.
        let page_rows = match request.fetch_size {
            0 => MAX_PAGE_ROWS,
            n => n.min(MAX_PAGE_ROWS),
        } as i32;
        let (first, probe) = tokio::join!(
            get_query_results::fetch(
                &self.athena,
                id,
                page_rows,
                None,
                self.settings.retry_window
            ),
            plan.probe(self.settings.s3_block_size, self.settings.retry_window)
        );
        let first = first?;
        let columns = get_query_results::columns_of(&first);
        if columns.is_empty() {
            return get_query_results::from_first_page(self, request, first, page_rows);
        }
        match probe.and_then(|probe| plan.stream(probe, columns, request, &self.settings)) {
            Ok(stream) => {
                self.logger.debug(|| {
                    format!(
                        "query {id}: reading with S3 ({:?}): {} is readable",
                        choice,
                        plan.uri()
                    )
                });
                Ok(stream)
            }
            Err(e) => match self.unreadable(request, e) {
                Some(e) => Err(e),
                None => get_query_results::from_first_page(self, request, first, page_rows),
            },
        }
    }

    /// Under `auto`, logs why S3 was passed over and returns None (fall
    /// back); under `S3`, the error the user gets.
    fn unreadable(&self, request: &Request<'_>, e: Error) -> Option<Error> {
        let id = request.id;
        if self.settings.choice == FetcherChoice::Auto {
            self.logger.debug(|| {
                format!("query {id}: reading with GetQueryResults: the S3 result file is not readable: {e}")
            });
            return None;
        }
        Some(
            e.prefix("ResultFetcher=S3 cannot read the query's result file: ")
                .append(" (ResultFetcher=auto falls back to GetQueryResults)")
                .with_query_id(id),
        )
    }
}
