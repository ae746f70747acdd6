//! End-to-end tests: the real aws-sdk-athena client against an in-process server.

mod common;

use aws_sdk_athena::error::ProvideErrorMetadata;
use aws_sdk_athena::types::{QueryExecutionContext, QueryExecutionState};
use common::*;
use std::time::{Duration, Instant};

const ALL_TYPES: &str = r#"SELECT
  CAST(1 AS TINYINT) AS t, CAST(2 AS SMALLINT) AS s, CAST(3 AS INTEGER) AS i, CAST(4 AS BIGINT) AS b,
  CAST(1.5 AS REAL) AS r, CAST(2.5 AS DOUBLE) AS d, CAST(1e10 AS DOUBLE) AS big, CAST(12.3 AS DECIMAL(10,2)) AS dec,
  'x' AS v, '' AS empty, X'68656C6C6F' AS bin, from_hex('6869') AS fh, to_utf8('hi') AS tu,
  DATE '2024-01-31' AS dt, TIMESTAMP '2024-01-31 12:34:56.789' AS ts,
  ARRAY[1, 2, 3] AS arr, MAP(ARRAY['a', 'b'], ARRAY[1, 2]) AS m, named_struct('x', 1, 'y', 'a') AS rw,
  json_parse('{"a": 1}') AS j, NULL AS n, true AS bo, 12.5 AS lit"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_every_type() {
    let server = start(sample_config()).await;
    let c = client(&server);
    let rs = run(&c, ALL_TYPES).await;
    let cols = rs.result_set_metadata().unwrap().column_info();
    let got: Vec<(String, String, i32, i32)> = cols
        .iter()
        .map(|c| {
            (
                c.name().to_string(),
                c.r#type().to_string(),
                c.precision(),
                c.scale(),
            )
        })
        .collect();
    let expect_types = [
        ("t", "tinyint"),
        ("s", "smallint"),
        ("i", "integer"),
        ("b", "bigint"),
        ("r", "real"),
        ("d", "double"),
        ("big", "double"),
        ("dec", "decimal"),
        ("v", "varchar"),
        ("empty", "varchar"),
        ("bin", "varbinary"),
        ("fh", "varbinary"),
        ("tu", "varbinary"),
        ("dt", "date"),
        ("ts", "timestamp"),
        ("arr", "array"),
        ("m", "map"),
        ("rw", "row"),
        ("j", "json"),
        ("n", "unknown"),
        ("bo", "boolean"),
        ("lit", "decimal"),
    ];
    let names: Vec<(&str, &str)> = got
        .iter()
        .map(|(n, t, _, _)| (n.as_str(), t.as_str()))
        .collect();
    assert_eq!(names, expect_types);
    let dec = &got[7];
    assert_eq!((dec.2, dec.3), (10, 2));
    assert_eq!(got[2].2, 10);
    assert_eq!(got[8].2, 2147483647);
    assert_eq!(cols[0].catalog_name(), Some("hive"));
    assert_eq!(cols[0].nullable().map(|n| n.as_str()), Some("UNKNOWN"));

    let rows = cells(&rs);
    assert_eq!(rows.len(), 2, "header + one row");
    let header: Vec<&str> = rows[0].iter().map(|v| v.as_deref().unwrap()).collect();
    assert_eq!(header[0], "t");
    let v: Vec<Option<&str>> = rows[1].iter().map(|v| v.as_deref()).collect();
    assert_eq!(
        v,
        vec![
            Some("1"),
            Some("2"),
            Some("3"),
            Some("4"),
            Some("1.5"),
            Some("2.5"),
            Some("1.0E10"),
            Some("12.30"),
            Some("x"),
            Some(""),
            Some("68 65 6c 6c 6f"),
            Some("68 69"),
            Some("68 69"),
            Some("2024-01-31"),
            Some("2024-01-31 12:34:56.789"),
            Some("[1, 2, 3]"),
            Some("{a=1, b=2}"),
            Some("{x=1, y=a}"),
            Some(r#"{"a":1}"#),
            None,
            Some("true"),
            Some("12.5"),
        ]
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_table_and_qualified_names() {
    let server = start(sample_config()).await;
    let c = client(&server);
    for sql in [
        "SELECT count(*) AS n FROM cities",
        "SELECT count(*) AS n FROM default.cities",
        r#"SELECT count(*) AS n FROM "AwsDataCatalog"."default"."cities""#,
        "SELECT count(*) AS n FROM awsdatacatalog.default.cities",
    ] {
        let rows = cells(&run(&c, sql).await);
        assert_eq!(rows[1][0].as_deref(), Some("8"), "{sql}");
    }
    let rs = run(
        &c,
        "SELECT name, founded, population FROM cities WHERE id = 2",
    )
    .await;
    let types: Vec<&str> = rs
        .result_set_metadata()
        .unwrap()
        .column_info()
        .iter()
        .map(|c| c.r#type())
        .collect();
    assert_eq!(types, ["varchar", "date", "bigint"]);
    assert_eq!(
        cells(&rs)[1],
        vec![
            Some("Berlin".into()),
            Some("1920-10-01".into()),
            Some("3878100".into())
        ]
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_with_header_on_first_page_only() {
    let server = start(sample_config()).await;
    let c = client(&server);
    let id = start_query(&c, "SELECT value FROM range(2500) ORDER BY value").await;
    wait(&c, &id).await;
    let mut token: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let out = c
            .get_query_results()
            .query_execution_id(&id)
            .max_results(1000)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        pages.push(cells(out.result_set().unwrap()));
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [1000, 1000, 501]);
    assert_eq!(pages[0][0][0].as_deref(), Some("value"));
    assert_eq!(pages[0][1][0].as_deref(), Some("0"));
    assert_eq!(pages[1][0][0].as_deref(), Some("999"));
    assert_eq!(pages[2][500][0].as_deref(), Some("2499"));
    let all: Vec<i64> = pages
        .iter()
        .flatten()
        .skip(1)
        .map(|r| r[0].as_deref().unwrap().parse().unwrap())
        .collect();
    assert_eq!(all, (0..2500).collect::<Vec<i64>>());

    let err = c
        .get_query_results()
        .query_execution_id(&id)
        .max_results(1001)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidRequestException"));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_query_reports_athena_error() {
    let server = start(sample_config()).await;
    let c = client(&server);
    let id = start_query(&c, "SELECT nope FROM cities").await;
    let qe = wait(&c, &id).await;
    let status = qe.status().unwrap();
    assert_eq!(status.state(), Some(&QueryExecutionState::Failed));
    let err = status.athena_error().unwrap();
    assert_eq!(err.error_category(), Some(2));
    assert_eq!(err.error_type(), Some(1000));
    let msg = err.error_message().unwrap();
    assert!(msg.starts_with("COLUMN_NOT_FOUND"), "{msg}");
    assert_eq!(status.state_change_reason(), Some(msg));
    assert!(status.completion_date_time().is_some());

    let e = c
        .get_query_results()
        .query_execution_id(&id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidRequestException"));
    assert_eq!(e.message(), Some(msg));

    let id = start_query(&c, "SELEC 1").await;
    let qe = wait(&c, &id).await;
    let msg = qe
        .status()
        .unwrap()
        .athena_error()
        .unwrap()
        .error_message()
        .unwrap()
        .to_string();
    assert!(msg.starts_with("SYNTAX_ERROR"), "{msg}");
    let id = start_query(&c, "SELECT * FROM no_such_table").await;
    let qe = wait(&c, &id).await;
    let msg = qe
        .status()
        .unwrap()
        .athena_error()
        .unwrap()
        .error_message()
        .unwrap()
        .to_string();
    assert!(msg.starts_with("TABLE_NOT_FOUND"), "{msg}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_execution_fields() {
    let server = start(sample_config()).await;
    let c = client(&server);
    let id = start_query(&c, "SELECT 1 AS one").await;
    let qe = wait(&c, &id).await;
    assert_eq!(qe.query_execution_id(), Some(id.as_str()));
    assert_eq!(qe.query(), Some("SELECT 1 AS one"));
    assert_eq!(
        qe.statement_type(),
        Some(&aws_sdk_athena::types::StatementType::Dml)
    );
    assert_eq!(
        qe.result_configuration().unwrap().output_location(),
        Some(format!("s3://athena-local-results/{id}.csv").as_str())
    );
    assert_eq!(qe.work_group(), Some("primary"));
    assert_eq!(
        qe.query_execution_context().unwrap().database(),
        Some("default")
    );
    assert_eq!(
        qe.engine_version().unwrap().effective_engine_version(),
        Some("Athena engine version 3")
    );
    let st = qe.statistics().unwrap();
    assert!(st.total_execution_time_in_millis().is_some());
    assert!(st.data_scanned_in_bytes().is_some());
    let status = qe.status().unwrap();
    assert!(status.submission_date_time().unwrap().secs() > 1_600_000_000);
    assert!(status.athena_error().is_none());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_errors() {
    let server = start(sample_config()).await;
    let bad_secret = client_with(&server, "test", "wrong", 1);
    let e = bad_secret
        .get_work_group()
        .work_group("primary")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidSignatureException"));
    let bad_key = client_with(&server, "nobody", "test", 1);
    let e = bad_key
        .get_work_group()
        .work_group("primary")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("UnrecognizedClientException"));
    assert_eq!(
        e.message(),
        Some("The security token included in the request is invalid.")
    );
    server.shutdown().await;

    let mut config = sample_config();
    config.credentials[0].expired = true;
    let server = start(config).await;
    let e = client(&server)
        .get_work_group()
        .work_group("primary")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ExpiredTokenException"));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_ids_and_workgroups() {
    let server = start(sample_config()).await;
    let c = client(&server);
    let e = c
        .get_query_execution()
        .query_execution_id("00000000-0000-0000-0000-000000000000")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidRequestException"));
    assert_eq!(
        e.message(),
        Some("QueryExecution 00000000-0000-0000-0000-000000000000 was not found")
    );
    assert!(e.as_service_error().unwrap().is_invalid_request_exception());
    let e = c
        .start_query_execution()
        .query_string("SELECT 1")
        .work_group("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidRequestException"));
    let e = c
        .get_work_group()
        .work_group("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.message(), Some("WorkGroup nope is not found."));
    let wg = c
        .get_work_group()
        .work_group("primary")
        .send()
        .await
        .unwrap()
        .work_group
        .unwrap();
    assert_eq!(wg.name(), "primary");
    assert_eq!(
        wg.configuration()
            .unwrap()
            .result_configuration()
            .unwrap()
            .output_location(),
        Some("s3://athena-local-results/")
    );
    assert!(wg.creation_time().is_some());
    server.shutdown().await;
}

const SLOW: &str = "SELECT sum(value % 7) AS s FROM range(1, 100000000000)";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_cancels_slow_query() {
    let server = start(sample_config()).await;
    let c = client(&server);
    let id = start_query(&c, SLOW).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let qe = current(&c, &id).await;
    assert_eq!(
        qe.status().unwrap().state(),
        Some(&QueryExecutionState::Running)
    );
    // The server stays responsive while the query burns CPU.
    let t = Instant::now();
    c.list_data_catalogs().send().await.unwrap();
    assert!(t.elapsed() < Duration::from_secs(2));
    let e = c
        .get_query_results()
        .query_execution_id(&id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.message(),
        Some("Query has not yet finished. Current state: RUNNING")
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
    assert!(t.elapsed() < Duration::from_secs(2));
    // Stopping again is a no-op; so is stopping a finished query.
    c.stop_query_execution()
        .query_execution_id(&id)
        .send()
        .await
        .unwrap();
    let done = start_query(&c, "SELECT 1").await;
    wait(&c, &done).await;
    c.stop_query_execution()
        .query_execution_id(&done)
        .send()
        .await
        .unwrap();
    assert_eq!(
        wait(&c, &done).await.status().unwrap().state(),
        Some(&QueryExecutionState::Succeeded)
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_request_token_is_idempotent() {
    let server = start(sample_config()).await;
    let c = client(&server);
    let token = "0123456789abcdef0123456789abcdef-token";
    let mut ids = Vec::new();
    for _ in 0..2 {
        ids.push(
            c.start_query_execution()
                .query_string("SELECT 1")
                .client_request_token(token)
                .send()
                .await
                .unwrap()
                .query_execution_id()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(ids[0], ids[1]);
    // The SDK fills in a fresh token when none is given.
    let a = start_query(&c, "SELECT 1").await;
    let b = start_query(&c, "SELECT 1").await;
    assert_ne!(a, b);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execution_parameters() {
    let server = start(sample_config()).await;
    let c = client(&server);
    let id = c
        .start_query_execution()
        .query_string("SELECT name FROM cities WHERE country = ? AND id > ?")
        .execution_parameters("'Germany'")
        .execution_parameters("1")
        .send()
        .await
        .unwrap()
        .query_execution_id()
        .unwrap()
        .to_string();
    let qe = wait(&c, &id).await;
    assert_eq!(
        qe.status().unwrap().state(),
        Some(&QueryExecutionState::Succeeded)
    );
    assert_eq!(qe.execution_parameters(), ["'Germany'", "1"]);
    let rs = c
        .get_query_results()
        .query_execution_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        cells(rs.result_set().unwrap())[1][0].as_deref(),
        Some("Berlin")
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ddl_and_utility_statements() {
    let server = start(sample_config()).await;
    let c = client(&server);
    let id = start_query(
        &c,
        "CREATE TABLE big_cities AS SELECT * FROM cities WHERE population > 2000000",
    )
    .await;
    let qe = wait(&c, &id).await;
    assert_eq!(
        qe.status().unwrap().state(),
        Some(&QueryExecutionState::Succeeded)
    );
    assert_eq!(
        qe.statement_type(),
        Some(&aws_sdk_athena::types::StatementType::Ddl)
    );
    let out = c
        .get_query_results()
        .query_execution_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(out.update_count(), Some(5));
    assert!(out.result_set().unwrap().rows().is_empty());

    let id = start_query(
        &c,
        "CREATE VIEW small AS SELECT name FROM cities WHERE population < 1000000",
    )
    .await;
    assert_eq!(
        wait(&c, &id).await.status().unwrap().state(),
        Some(&QueryExecutionState::Succeeded)
    );
    let out = c
        .get_query_results()
        .query_execution_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(out.update_count(), Some(0));
    let rows = cells(&run(&c, "SELECT count(*) FROM small").await);
    assert_eq!(rows[1][0].as_deref(), Some("3"));

    let id = start_query(
        &c,
        "INSERT INTO big_cities SELECT * FROM cities WHERE id = 8",
    )
    .await;
    wait(&c, &id).await;
    let out = c
        .get_query_results()
        .query_execution_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(out.update_count(), Some(1));

    let id = start_query(&c, "SHOW TABLES").await;
    let qe = wait(&c, &id).await;
    assert_eq!(
        qe.statement_type(),
        Some(&aws_sdk_athena::types::StatementType::Utility)
    );
    let out = c
        .get_query_results()
        .query_execution_id(&id)
        .send()
        .await
        .unwrap();
    let names: Vec<String> = cells(out.result_set().unwrap())
        .into_iter()
        .map(|r| r[0].clone().unwrap())
        .collect();
    assert_eq!(names, ["big_cities", "cities", "small"]);

    let id = start_query(&c, "SHOW DATABASES").await;
    wait(&c, &id).await;
    let out = c
        .get_query_results()
        .query_execution_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        cells(out.result_set().unwrap())[0][0].as_deref(),
        Some("default")
    );

    let id = start_query(&c, "DROP TABLE big_cities").await;
    assert_eq!(
        wait(&c, &id).await.status().unwrap().state(),
        Some(&QueryExecutionState::Succeeded)
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_operations() {
    let server = start(sample_config()).await;
    let c = client(&server);
    let cats = c.list_data_catalogs().send().await.unwrap();
    let cat = &cats.data_catalogs_summary()[0];
    assert_eq!(cat.catalog_name(), Some("AwsDataCatalog"));
    assert_eq!(
        cat.r#type(),
        Some(&aws_sdk_athena::types::DataCatalogType::Glue)
    );

    let dbs = c
        .list_databases()
        .catalog_name("AwsDataCatalog")
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = dbs.database_list().iter().map(|d| d.name()).collect();
    assert_eq!(names, ["default"]);
    let e = c
        .list_databases()
        .catalog_name("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("MetadataException"));
    assert!(e.as_service_error().unwrap().is_metadata_exception());

    let tables = c
        .list_table_metadata()
        .catalog_name("AwsDataCatalog")
        .database_name("default")
        .expression("ci*")
        .send()
        .await
        .unwrap();
    let t = &tables.table_metadata_list()[0];
    assert_eq!(t.name(), "cities");
    assert_eq!(t.table_type(), Some("EXTERNAL_TABLE"));
    let cols: Vec<(&str, Option<&str>)> =
        t.columns().iter().map(|c| (c.name(), c.r#type())).collect();
    assert_eq!(
        cols,
        [
            ("id", Some("bigint")),
            ("name", Some("string")),
            ("country", Some("string")),
            ("population", Some("bigint")),
            ("founded", Some("date")),
        ]
    );
    assert!(t.create_time().is_some());
    let none = c
        .list_table_metadata()
        .catalog_name("AwsDataCatalog")
        .database_name("default")
        .expression("zz*")
        .send()
        .await
        .unwrap();
    assert!(none.table_metadata_list().is_empty());
    let e = c
        .list_table_metadata()
        .catalog_name("AwsDataCatalog")
        .database_name("nodb")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("MetadataException"));

    let tm = c
        .get_table_metadata()
        .catalog_name("AwsDataCatalog")
        .database_name("default")
        .table_name("cities")
        .send()
        .await
        .unwrap()
        .table_metadata
        .unwrap();
    assert_eq!(tm.columns().len(), 5);
    let e = c
        .get_table_metadata()
        .catalog_name("AwsDataCatalog")
        .database_name("default")
        .table_name("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("MetadataException"));

    // Paging of metadata lists.
    for i in 0..3 {
        run(&c, &format!("CREATE TABLE t{i} AS SELECT 1 AS x")).await;
    }
    let mut token = None;
    let mut seen = Vec::new();
    loop {
        let out = c
            .list_table_metadata()
            .catalog_name("AwsDataCatalog")
            .database_name("default")
            .max_results(2)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        seen.extend(
            out.table_metadata_list()
                .iter()
                .map(|t| t.name().to_string()),
        );
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen, ["cities", "t0", "t1", "t2"]);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_record_and_faults() {
    let server = start(sample_config()).await;
    let c = client(&server);
    let (status, _) = http(&server, "DELETE", "/_athena_local/calls", "").await;
    assert_eq!(status, 200);
    c.list_data_catalogs().send().await.unwrap();
    let _ = client_with(&server, "test", "bad", 1)
        .list_data_catalogs()
        .send()
        .await;
    let (status, body) = http(&server, "GET", "/_athena_local/calls", "").await;
    assert_eq!(status, 200);
    let calls: serde_json::Value = serde_json::from_str(&body).unwrap();
    let calls = calls.as_array().unwrap();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0]["operation"], "ListDataCatalogs");
    assert_eq!(calls[0]["access_key_id"], "test");
    assert_eq!(calls[0]["status"], 200);
    assert!(calls[0]["error_type"].is_null());
    assert_eq!(calls[1]["error_type"], "InvalidSignatureException");
    assert_eq!(calls[1]["status"], 403);

    // Throttle once: the SDK retries and succeeds.
    let (status, _) = http(
        &server,
        "POST",
        "/_athena_local/faults",
        r#"{"operation":"GetWorkGroup","kind":"throttle","count":1}"#,
    )
    .await;
    assert_eq!(status, 200);
    http(&server, "DELETE", "/_athena_local/calls", "").await;
    let retrying = client_with(&server, "test", "test", 3);
    retrying
        .get_work_group()
        .work_group("primary")
        .send()
        .await
        .unwrap();
    let (_, body) = http(&server, "GET", "/_athena_local/calls", "").await;
    let calls: serde_json::Value = serde_json::from_str(&body).unwrap();
    let types: Vec<&str> = calls
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["error_type"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(types, ["TooManyRequestsException", "-"]);

    // Without retries the fault surfaces with its modelled type.
    http(
        &server,
        "POST",
        "/_athena_local/faults",
        r#"[{"operation":"StartQueryExecution","kind":"throttle"},{"operation":"ListDatabases","kind":"internal_error"}]"#,
    )
    .await;
    let e = c
        .start_query_execution()
        .query_string("SELECT 1")
        .send()
        .await
        .unwrap_err();
    assert!(e
        .as_service_error()
        .unwrap()
        .is_too_many_requests_exception());
    let e = c
        .list_databases()
        .catalog_name("AwsDataCatalog")
        .send()
        .await
        .unwrap_err();
    assert!(e.as_service_error().unwrap().is_internal_server_exception());
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 500);

    // Delay and clear.
    http(
        &server,
        "POST",
        "/_athena_local/faults",
        r#"{"operation":"ListDataCatalogs","kind":"delay","delay_ms":300,"count":5}"#,
    )
    .await;
    let t = Instant::now();
    c.list_data_catalogs().send().await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(300));
    let (_, body) = http(&server, "GET", "/_athena_local/faults", "").await;
    assert!(body.contains("\"count\":4"), "{body}");
    http(&server, "DELETE", "/_athena_local/faults", "").await;
    let t = Instant::now();
    c.list_data_catalogs().send().await.unwrap();
    assert!(t.elapsed() < Duration::from_millis(300));

    // query_delay keeps a query RUNNING.
    http(
        &server,
        "POST",
        "/_athena_local/faults",
        r#"{"operation":"StartQueryExecution","kind":"query_delay","delay_ms":800}"#,
    )
    .await;
    let id = start_query(&c, "SELECT 1").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let qe = current(&c, &id).await;
    assert_eq!(
        qe.status().unwrap().state(),
        Some(&QueryExecutionState::Running)
    );
    assert_eq!(
        wait(&c, &id).await.status().unwrap().state(),
        Some(&QueryExecutionState::Succeeded)
    );

    let (status, _) = http(
        &server,
        "POST",
        "/_athena_local/faults",
        r#"{"kind":"nope"}"#,
    )
    .await;
    assert_eq!(status, 400);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_errors() {
    let server = start(sample_config()).await;
    // Unsigned API calls are refused.
    let (status, body) = http(&server, "POST", "/", "{}").await;
    assert_eq!(status, 403);
    assert!(body.contains("MissingAuthenticationTokenException"));
    let (status, _) = http(&server, "GET", "/_athena_local/nothing", "").await;
    assert_eq!(status, 404);
    let (status, body) = http(&server, "GET", "/_athena_local/health", "").await;
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));

    // Missing required field: the SDK sends it anyway if unset? It does not validate.
    let c = client(&server);
    let e = c.get_query_execution().send().await.unwrap_err();
    // The SDK itself rejects a missing required member, or the server names it.
    let text = format!("{e:?}");
    assert!(
        text.contains("QueryExecutionId") || text.contains("query_execution_id"),
        "{text}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_context_database() {
    let mut config = sample_config();
    config.databases.push(athena_local::config::Database {
        catalog: None,
        name: "other".into(),
        description: String::new(),
    });
    let server = start(config).await;
    let c = client(&server);
    run(&c, "CREATE TABLE other.o AS SELECT 42 AS answer").await;
    let id = c
        .start_query_execution()
        .query_string("SELECT answer FROM o")
        .query_execution_context(
            QueryExecutionContext::builder()
                .catalog("AwsDataCatalog")
                .database("other")
                .build(),
        )
        .send()
        .await
        .unwrap()
        .query_execution_id()
        .unwrap()
        .to_string();
    assert_eq!(
        wait(&c, &id).await.status().unwrap().state(),
        Some(&QueryExecutionState::Succeeded)
    );
    server.shutdown().await;
}

/// Writes a two-column Parquet file (`n` bigint, `s` varchar; 1000 rows in
/// two row groups) and returns the compressed bytes of each column's chunks.
fn write_nums_parquet(path: &std::path::Path) -> (u64, u64) {
    use datafusion::arrow::array::{ArrayRef, Int64Array, StringArray};
    use datafusion::arrow::record_batch::RecordBatch;
    use datafusion::parquet::arrow::ArrowWriter;
    use datafusion::parquet::file::properties::WriterProperties;
    use datafusion::parquet::file::reader::{FileReader, SerializedFileReader};
    use std::sync::Arc;
    let n: ArrayRef = Arc::new(Int64Array::from_iter_values(0..1000));
    let s: ArrayRef = Arc::new(StringArray::from_iter_values(
        (0..1000).map(|i| format!("value number {i}")),
    ));
    let batch = RecordBatch::try_from_iter([("n", n), ("s", s)]).unwrap();
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(500))
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let reader = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    assert_eq!(reader.metadata().num_row_groups(), 2);
    let (mut n_bytes, mut s_bytes) = (0u64, 0u64);
    for rg in reader.metadata().row_groups() {
        for chunk in rg.columns() {
            let size = chunk.compressed_size() as u64;
            match chunk.column_path().parts()[0].as_str() {
                "n" => n_bytes += size,
                _ => s_bytes += size,
            }
        }
    }
    (n_bytes, s_bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_scanned_is_the_bytes_of_the_tables_read() {
    let dir = std::env::temp_dir().join(format!("athena-local-scanned-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let nums = dir.join("nums.parquet");
    let (n_bytes, s_bytes) = write_nums_parquet(&nums);
    let mut config = sample_config();
    config.tables.push(athena_local::config::Table {
        catalog: None,
        database: "default".into(),
        name: "nums".into(),
        format: athena_local::config::TableFormat::Parquet,
        path: nums.clone(),
        has_header: true,
        delimiter: ',',
        describe_error: None,
    });
    let csv = std::fs::metadata(data_dir().join("cities.csv"))
        .unwrap()
        .len() as i64;
    let server = start(config).await;
    let c = client(&server);
    let scanned = |qe: &aws_sdk_athena::types::QueryExecution| {
        qe.statistics()
            .and_then(|s| s.data_scanned_in_bytes())
            .expect("DataScannedInBytes")
    };
    let mut expected: Vec<(String, i64, Vec<i64>, i64)> = Vec::new();
    let mut check = |sql: &str, qe: &aws_sdk_athena::types::QueryExecution, reads: Vec<i64>| {
        assert_eq!(
            qe.status().and_then(|s| s.state()),
            Some(&QueryExecutionState::Succeeded),
            "{sql}: {:?}",
            qe.status().and_then(|s| s.state_change_reason())
        );
        assert_eq!(scanned(qe), reads.iter().sum::<i64>(), "{sql}");
        let engine = qe
            .statistics()
            .and_then(|s| s.engine_execution_time_in_millis())
            .expect("EngineExecutionTimeInMillis");
        expected.push((sql.to_string(), scanned(qe), reads, engine));
    };

    // CSV is read whole, whatever the query selects: once per query.
    let sql = "SELECT name FROM cities WHERE id = 1";
    check(sql, &run_in(&c, "primary", sql).await, vec![csv]);
    let mut rows = 0;
    for (lo, hi) in [
        (0, 1_000_000),
        (1_000_000, 2_500_000),
        (2_500_000, 3_500_000),
        (3_500_000, i64::MAX),
    ] {
        let sql = format!("SELECT * FROM cities WHERE population >= {lo} AND population < {hi}");
        let id = start_query(&c, &sql).await;
        check(&sql, &wait(&c, &id).await, vec![csv]);
        let page = c
            .get_query_results()
            .query_execution_id(&id)
            .send()
            .await
            .unwrap();
        rows += page.result_set().unwrap().rows().len() - 1;
    }
    assert_eq!(rows, 8, "the four ranges cover the table");
    let sql = "SELECT 1";
    check(sql, &run_in(&c, "primary", sql).await, vec![]);
    let sql = "SELECT count(*) FROM cities a JOIN cities b ON a.id = b.id";
    check(sql, &run_in(&c, "primary", sql).await, vec![csv, csv]);

    // Parquet: only the column chunks of the columns read.
    let sql = "SELECT s FROM nums";
    check(sql, &run_in(&c, "primary", sql).await, vec![s_bytes as i64]);
    let sql = "SELECT * FROM nums";
    check(
        sql,
        &run_in(&c, "primary", sql).await,
        vec![(n_bytes + s_bytes) as i64],
    );
    let sql = "SELECT count(*) FROM nums WHERE n > 10";
    check(sql, &run_in(&c, "primary", sql).await, vec![n_bytes as i64]);

    // UNLOAD counts what its SELECT read; CTAS what it read.
    let sql = "UNLOAD (SELECT id, name FROM cities WHERE population > 1000000) \
               TO 's3://athena-local-results/unload/scanned/' WITH (format = 'PARQUET')";
    check(sql, &run_in(&c, "primary", sql).await, vec![csv]);
    let sql = "CREATE TABLE copied AS SELECT * FROM cities";
    check(sql, &run_in(&c, "primary", sql).await, vec![csv]);
    let sql = "SELECT * FROM copied";
    let in_memory = run_in(&c, "primary", sql).await;
    assert!(
        scanned(&in_memory) > 0,
        "an in-memory table counts its data"
    );
    let in_memory_bytes = scanned(&in_memory);
    check(sql, &in_memory, vec![in_memory_bytes]);

    let failed = run_in(&c, "primary", "SELECT * FROM missing_table").await;
    assert_eq!(scanned(&failed), 0);

    // The admin listing: every query, oldest first, with its table scans.
    let (status, body) = http(&server, "GET", "/_athena_local/queries", "").await;
    assert_eq!(status, 200);
    let listed: serde_json::Value = serde_json::from_str(&body).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), expected.len() + 1);
    for (entry, (sql, bytes, reads, engine)) in listed.iter().zip(&expected) {
        assert_eq!(entry["query"], sql.as_str());
        // The finished query's engine time, as GetQueryExecution reported it.
        assert_eq!(entry["engineMillis"], *engine, "{sql}");
        assert_eq!(entry["state"], "SUCCEEDED");
        assert_eq!(entry["dataScannedInBytes"], *bytes, "{sql}");
        let read: Vec<i64> = entry["tablesRead"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["bytes"].as_i64().unwrap())
            .collect();
        assert_eq!(&read, reads, "{sql}");
        assert!(entry["queryExecutionId"].is_string());
    }
    assert_eq!(
        listed[6]["tablesRead"],
        serde_json::json!([
            {"table": "default.cities", "bytes": csv},
            {"table": "default.cities", "bytes": csv}
        ])
    );
    assert_eq!(listed[7]["tablesRead"][0]["table"], "default.nums");
    let last = &listed[expected.len()];
    assert_eq!(last["state"], "FAILED");
    assert_eq!(last["dataScannedInBytes"], 0);

    // Clearing the listing keeps the queries themselves.
    let (status, body) = http(&server, "DELETE", "/_athena_local/queries", "").await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["cleared"],
        listed.len()
    );
    let (_, body) = http(&server, "GET", "/_athena_local/queries", "").await;
    assert_eq!(body, "[]");
    let first = listed[0]["queryExecutionId"].as_str().unwrap();
    assert_eq!(scanned(&current(&c, first).await), csv);
    let sql = "SELECT 2";
    run_in(&c, "primary", sql).await;
    let (_, body) = http(&server, "GET", "/_athena_local/queries", "").await;
    let listed: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(listed.as_array().map(|a| a.len()), Some(1));
    assert_eq!(listed[0]["query"], sql);
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
