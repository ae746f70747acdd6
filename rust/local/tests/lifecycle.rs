//! The driver core's query lifecycle against athena-local in-process: the
//! header row, max rows and fetch size, failures of the background reader,
//! stopping early, and cancel during a poll.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use athena_core::config::ConnectionConfig;
use athena_core::query::Query;
use athena_core::results::ResultStream;
use athena_core::session::{QueryContext, Session};
use athena_core::ErrorKind;
use athena_local::faults::{Fault, FaultKind};
use athena_local::ServerHandle;
use common::*;

async fn session(server: &ServerHandle, extra: &str) -> Session {
    let url = format!(
        "jdbc:athena://Region=us-east-1;AthenaEndpoint={};User=test;Password=test;ResultFetcher=GetQueryResults{extra}",
        server.endpoint_url()
    );
    let config = ConnectionConfig::from_url(&url, &[]).expect("the URL is valid");
    Session::connect(config).await.expect("connects")
}

fn context() -> QueryContext {
    QueryContext {
        catalog: "AwsDataCatalog".to_string(),
        database: "default".to_string(),
    }
}

async fn run(
    session: &Session,
    sql: &str,
    max_rows: u64,
    fetch_size: u32,
) -> (Arc<Query>, ResultStream) {
    let query = session
        .start_query(sql, &context(), &[])
        .await
        .expect("starts");
    let completion = query.wait(None).await.expect("succeeds");
    let stream = query
        .results(&completion, max_rows, fetch_size)
        .await
        .expect("results open");
    (query, stream)
}

/// Rows in an encoded page, from its header (magic, version, column count, row count).
fn rows_in(page: &[u8]) -> u64 {
    let at = athena_core::page::MAGIC.len() + 2 + 2;
    u64::from(u32::from_le_bytes(
        page[at..at + 4].try_into().expect("a page header"),
    ))
}

/// Rows per page until the end (or the error that ended the pages).
async fn read(stream: &mut ResultStream) -> (Vec<u64>, Option<athena_core::Error>) {
    let mut pages = Vec::new();
    loop {
        match stream.next_page().await {
            Ok(Some(page)) => pages.push(rows_in(&page)),
            Ok(None) => return (pages, None),
            Err(e) => return (pages, Some(e)),
        }
    }
}

fn calls(server: &ServerHandle, operation: &str) -> usize {
    server
        .state()
        .recorder
        .calls()
        .iter()
        .filter(|c| c.operation == operation)
        .count()
}

fn arm(server: &ServerHandle, operation: &str, kind: FaultKind, count: u32, delay_ms: u64) {
    server.state().faults.add(Fault {
        operation: operation.to_string(),
        kind,
        count,
        delay_ms,
        for_ms: None,
        armed_at: std::time::Instant::now(),
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_header_row_is_dropped_once_even_when_rows_look_like_it() {
    let server = start(sample_config()).await;
    let session = session(&server, "").await;
    let (_, mut stream) = run(
        &session,
        "SELECT a FROM (VALUES ('a'), ('a'), ('b')) AS t(a)",
        0,
        0,
    )
    .await;
    let (pages, error) = read(&mut stream).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(
        pages.iter().sum::<u64>(),
        3,
        "rows equal to the header are rows"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_size_sets_the_pages_and_max_rows_stops_the_calls() {
    let server = start(sample_config()).await;
    let session = session(&server, "").await;
    let (_, mut stream) = run(&session, "SELECT value FROM range(2500)", 0, 700).await;
    let (pages, error) = read(&mut stream).await;
    assert!(error.is_none(), "{error:?}");
    // The first call's 700 rows include the header.
    assert_eq!(pages, vec![699, 700, 700, 401]);

    server.state().recorder.clear();
    let (_, mut stream) = run(&session, "SELECT value FROM range(100000)", 1500, 500).await;
    let (pages, error) = read(&mut stream).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(pages.iter().sum::<u64>(), 1500);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        calls(&server, "GetQueryResults"),
        4,
        "no page is asked for beyond max rows"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_keeps_failing_is_an_error_not_the_end() {
    let server = start(sample_config()).await;
    let session = session(&server, "").await;
    let (query, mut stream) = run(&session, "SELECT value FROM range(20000)", 0, 0).await;
    arm(&server, "GetQueryResults", FaultKind::Malformed, 100, 0);
    let (pages, error) = read(&mut stream).await;
    let error = error.expect("the reader is told");
    assert!(pages.iter().sum::<u64>() < 20000);
    assert_eq!(error.query_execution_id(), Some(query.id()));
    assert!(error.to_string().contains("not readable"), "{error}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_failures_while_paging_are_ridden_out() {
    let server = start(sample_config()).await;
    let session = session(&server, "").await;
    let (_, mut stream) = run(&session, "SELECT value FROM range(20000)", 0, 0).await;
    arm(&server, "GetQueryResults", FaultKind::Unavailable, 6, 0);
    arm(&server, "GetQueryResults", FaultKind::CutBody, 3, 0);
    arm(&server, "GetQueryResults", FaultKind::Malformed, 2, 0);
    let (pages, error) = read(&mut stream).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(pages.iter().sum::<u64>(), 20000);
    assert!(
        server.state().faults.list().is_empty(),
        "every fault was met"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_a_result_early_stops_its_calls() {
    let server = start(sample_config()).await;
    let session = session(&server, "").await;
    let (_, mut stream) = run(&session, "SELECT value FROM range(200000)", 0, 0).await;
    assert!(stream.next_page().await.expect("a page").is_some());
    drop(stream);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after_close = calls(&server, "GetQueryResults");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        calls(&server, "GetQueryResults"),
        after_close,
        "no call after close"
    );
    assert!(
        after_close < 20,
        "{after_close} pages were fetched for one read"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_interrupts_a_poll_in_flight() {
    let server = start(sample_config()).await;
    let session = session(&server, "").await;
    let query = session
        .start_query(
            "SELECT sum(value % 7) FROM range(1, 100000000000)",
            &context(),
            &[],
        )
        .await
        .expect("starts");
    // Every poll hangs for 10 s on the server.
    arm(&server, "GetQueryExecution", FaultKind::Delay, 100, 10_000);
    let waiting = {
        let query = query.clone();
        tokio::spawn(async move { query.wait(None).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let cancelled_at = Instant::now();
    query.cancel().await.expect("StopQueryExecution");
    let outcome = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("the wait ends without waiting for the poll")
        .expect("the wait does not panic");
    assert!(cancelled_at.elapsed() < Duration::from_secs(2));
    let error = outcome.expect_err("a cancelled query is an error");
    assert_eq!(error.kind(), ErrorKind::Cancelled);
    assert_eq!(error.query_execution_id(), Some(query.id()));
    server.state().faults.clear();
    server.shutdown().await;
}
