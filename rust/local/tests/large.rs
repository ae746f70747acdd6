//! Large results and long-running queries.

mod common;

use aws_sdk_athena::types::QueryExecutionState;
use common::*;
use std::time::{Duration, Instant};

/// 1,000,000 rows x 8 columns, every page fetched: paging must stay linear.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn million_rows_eight_columns() {
    let server = start(sample_config()).await;
    let c = client(&server);
    let sql = "SELECT value AS a, value * 2 AS b, CAST(value AS VARCHAR) AS c, value % 7 AS d, \
               CAST(value AS DOUBLE) / 3 AS e, value + 1 AS f, 'const' AS g, value % 2 = 0 AS h \
               FROM range(1000000) ORDER BY a";
    let id = start_query(&c, sql).await;
    let qe = wait(&c, &id).await;
    assert_eq!(
        qe.status().unwrap().state(),
        Some(&QueryExecutionState::Succeeded)
    );
    let started = Instant::now();
    let mut token: Option<String> = None;
    let mut rows = 0usize;
    let mut pages = 0usize;
    let mut times = Vec::with_capacity(1001);
    loop {
        let t = Instant::now();
        let out = c
            .get_query_results()
            .query_execution_id(&id)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        times.push(t.elapsed());
        let rs = out.result_set().unwrap();
        rows += rs.rows().len();
        if let Some(r) = rs.rows().last() {
            if out.next_token().is_none() {
                assert_eq!(r.data()[0].var_char_value(), Some("999999"));
                assert_eq!(r.data()[2].var_char_value(), Some("999999"));
            }
        }
        pages += 1;
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(rows, 1_000_001, "header + 1M rows");
    assert_eq!(pages, 1001);
    // Linear paging: late pages cost about what early ones do.
    let early: Duration = times[1..101].iter().sum();
    let late: Duration = times[900..1000].iter().sum();
    eprintln!(
        "1M x 8: {pages} pages in {:?} (pages 1-100: {early:?}, pages 900-999: {late:?})",
        started.elapsed()
    );
    assert!(
        late < early * 3 + Duration::from_millis(500),
        "{early:?} vs {late:?}"
    );
    server.shutdown().await;
}

/// The documented slow query really runs for seconds, and stops promptly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_query_runs_until_stopped() {
    let server = start(sample_config()).await;
    let c = client(&server);
    let id = start_query(&c, "SELECT sum(value % 7) AS s FROM range(1, 100000000000)").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let qe = current(&c, &id).await;
    assert_eq!(
        qe.status().unwrap().state(),
        Some(&QueryExecutionState::Running)
    );
    let t = Instant::now();
    c.stop_query_execution()
        .query_execution_id(&id)
        .send()
        .await
        .unwrap();
    let qe = wait(&c, &id).await;
    assert_eq!(
        qe.status().unwrap().state(),
        Some(&QueryExecutionState::Cancelled)
    );
    assert!(t.elapsed() < Duration::from_secs(1));
    // The engine is free again: a new query completes quickly.
    let t = Instant::now();
    run(&c, "SELECT 1").await;
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_sql_forms() {
    let server = start(sample_config()).await;
    let c = client(&server);
    let rs = run(
        &c,
        "SELECT ROW(1, 'a') AS r, generate_series(1, 2) AS g, CAST(7 AS VARCHAR) AS v, \
         TIMESTAMP '2024-01-31 12:34:56' AS ts0, ARRAY['a', NULL] AS arr",
    )
    .await;
    let rows = cells(&rs);
    let v: Vec<Option<&str>> = rows[1].iter().map(|v| v.as_deref()).collect();
    assert_eq!(v[0], Some("{c0=1, c1=a}"));
    assert_eq!(v[1], Some("[1, 2]"));
    assert_eq!(v[2], Some("7"));
    assert_eq!(v[3], Some("2024-01-31 12:34:56.000"));
    assert_eq!(v[4], Some("[a, null]"));
    let rs = run(
        &c,
        "SELECT x FROM (VALUES (1), (2), (NULL)) AS t(x) ORDER BY x NULLS LAST",
    )
    .await;
    let rows = cells(&rs);
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[3][0], None);
    let rs = run(&c, "SELECT unnest(ARRAY[10, 20]) AS u").await;
    assert_eq!(cells(&rs).len(), 3);
    server.shutdown().await;
}
