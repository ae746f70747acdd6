//! Times as Amazon Athena (engine v3, Trino) answers them: millisecond
//! timestamps over years 1 to 9999, the session zone UTC, zoned values,
//! `from_unixtime`, `AT TIME ZONE`, time types; and wide rows.

mod common;

use aws_sdk_athena::types::{QueryExecutionState, ResultSet};
use common::*;

fn s3(server: &athena_local::ServerHandle) -> aws_sdk_s3::Client {
    s3_client(server, "us-east-1", "test")
}

/// `(type, precision)` of each column, as ColumnInfo reports them.
fn types(rs: &ResultSet) -> Vec<(String, i32)> {
    rs.result_set_metadata()
        .map(|m| m.column_info())
        .unwrap_or_default()
        .iter()
        .map(|c| (c.r#type().to_string(), c.precision()))
        .collect()
}

/// The one data row (after the header row) of a result.
fn row(rs: &ResultSet) -> Vec<String> {
    cells(rs)[1]
        .iter()
        .map(|c| c.clone().unwrap_or_default())
        .collect()
}

/// Runs `sql` and returns its S3 result file (`<id>.csv`).
async fn result_file(c: &aws_sdk_athena::Client, s3: &aws_sdk_s3::Client, sql: &str) -> String {
    let id = start_query(c, sql).await;
    let qe = wait(c, &id).await;
    let status = qe.status().unwrap();
    assert_eq!(
        status.state(),
        Some(&QueryExecutionState::Succeeded),
        "{sql}: {:?}",
        status.state_change_reason()
    );
    let uri = qe
        .result_configuration()
        .unwrap()
        .output_location()
        .unwrap();
    let (bucket, key) = uri.strip_prefix("s3://").unwrap().split_once('/').unwrap();
    let body = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .expect("GetObject")
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes();
    String::from_utf8(body.to_vec()).unwrap()
}

/// The state-change reason of a query that must fail.
async fn failure(c: &aws_sdk_athena::Client, sql: &str) -> String {
    let id = start_query(c, sql).await;
    let qe = wait(c, &id).await;
    let status = qe.status().unwrap();
    assert_eq!(status.state(), Some(&QueryExecutionState::Failed), "{sql}");
    status.state_change_reason().unwrap_or_default().to_string()
}

const LOW: &str = "0001-01-01 00:00:00.000";
const HIGH: &str = "9999-12-31 23:59:59.999";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn years_one_to_9999_in_milliseconds_everywhere() {
    let server = start(sample_config()).await;
    let c = client(&server);
    let sql = "SELECT TIMESTAMP '0001-01-01 00:00:00' AS lo, TIMESTAMP '9999-12-31 23:59:59.999' AS hi, \
               CAST(DATE '0001-01-01' AS timestamp) AS d, CAST('9999-12-31 23:59:59.999' AS timestamp) AS c, \
               TIMESTAMP '1969-12-31 23:59:59.999' AS before_epoch";
    let rs = run(&c, sql).await;
    assert_eq!(row(&rs), [LOW, HIGH, LOW, HIGH, "1969-12-31 23:59:59.999"]);
    assert!(
        types(&rs)
            .iter()
            .all(|t| t == &("timestamp".to_string(), 3)),
        "{:?}",
        types(&rs)
    );

    // Comparisons and ORDER BY across the whole range.
    let rs = run(
        &c,
        "SELECT t FROM (VALUES (TIMESTAMP '9999-12-31 23:59:59.999'), (TIMESTAMP '0001-01-01 00:00:00'), \
         (TIMESTAMP '2024-01-31 12:34:56.789')) AS v(t) \
         WHERE t > TIMESTAMP '0001-01-01 00:00:00' OR t = CAST(DATE '0001-01-01' AS timestamp) ORDER BY t DESC",
    )
    .await;
    let got: Vec<_> = cells(&rs)[1..]
        .iter()
        .map(|r| r[0].clone().unwrap())
        .collect();
    assert_eq!(got, [HIGH, "2024-01-31 12:34:56.789", LOW]);

    // The S3 result file carries the same text.
    let csv = result_file(&c, &s3(&server), sql).await;
    assert_eq!(
        csv,
        format!("\"lo\",\"hi\",\"d\",\"c\",\"before_epoch\"\n\"{LOW}\",\"{HIGH}\",\"{LOW}\",\"{HIGH}\",\"1969-12-31 23:59:59.999\"\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unload_keeps_years_one_and_9999() {
    use datafusion::arrow::array::AsArray;
    use datafusion::arrow::datatypes::{
        DataType, Field, Schema, TimeUnit, TimestampMillisecondType,
    };
    use datafusion::parquet::arrow::arrow_reader::{
        ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
    };
    use std::sync::Arc;
    let server = start(sample_config()).await;
    let c = client(&server);
    let s3 = s3(&server);
    let id = start_query(
        &c,
        "UNLOAD (SELECT TIMESTAMP '0001-01-01 00:00:00' AS lo, TIMESTAMP '9999-12-31 23:59:59.999' AS hi) \
         TO 's3://athena-local-results/unload/years/' WITH (format = 'PARQUET')",
    )
    .await;
    let qe = wait(&c, &id).await;
    assert_eq!(
        qe.status().unwrap().state(),
        Some(&QueryExecutionState::Succeeded),
        "{:?}",
        qe.status().unwrap().state_change_reason()
    );
    let listed = s3
        .list_objects_v2()
        .bucket("athena-local-results")
        .prefix("unload/years/")
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let bytes = s3
        .get_object()
        .bucket("athena-local-results")
        .key(keys[0])
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes();
    // INT96 read as milliseconds: nanoseconds cannot hold years 1 and 9999.
    let ms = DataType::Timestamp(TimeUnit::Millisecond, None);
    let schema = Arc::new(Schema::new(vec![
        Field::new("lo", ms.clone(), false),
        Field::new("hi", ms, false),
    ]));
    let reader = ParquetRecordBatchReaderBuilder::try_new_with_options(
        bytes,
        ArrowReaderOptions::new().with_schema(schema),
    )
    .unwrap()
    .build()
    .unwrap();
    let batches: Vec<_> = reader.map(|b| b.unwrap()).collect();
    assert_eq!(batches.len(), 1);
    let lo = batches[0]
        .column(0)
        .as_primitive::<TimestampMillisecondType>();
    let hi = batches[0]
        .column(1)
        .as_primitive::<TimestampMillisecondType>();
    assert_eq!(lo.value(0), -62_135_596_800_000);
    assert_eq!(hi.value(0), 253_402_300_799_999);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_zone_is_utc() {
    let server = start(sample_config()).await;
    let c = client(&server);
    let before = chrono::Utc::now().timestamp_millis();
    let rs = run(
        &c,
        "SELECT now() AS n, current_timestamp AS ct, localtimestamp AS lt, now() = current_timestamp AS same, \
         current_timezone() AS z, to_unixtime(now()) AS u",
    )
    .await;
    let after = chrono::Utc::now().timestamp_millis();
    let t = types(&rs);
    assert_eq!(t[0], ("timestamp with time zone".to_string(), 3));
    assert_eq!(t[1], ("timestamp with time zone".to_string(), 3));
    assert_eq!(t[2], ("timestamp".to_string(), 3));
    let r = row(&rs);
    let shape = regex::Regex::new(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} UTC$").unwrap();
    assert!(shape.is_match(&r[0]), "{}", r[0]);
    let clock = chrono::NaiveDateTime::parse_from_str(&r[0][..23], "%Y-%m-%d %H:%M:%S%.3f")
        .unwrap()
        .and_utc()
        .timestamp_millis();
    assert!(
        before <= clock && clock <= after,
        "{} not in [{before}, {after}]",
        r[0]
    );
    assert_eq!(
        format!("{} UTC", r[2]),
        r[0],
        "localtimestamp is the UTC wall clock"
    );
    assert_eq!((r[3].as_str(), r[4].as_str()), ("true", "UTC"));
    // The same instant in seconds (within the query's run: DataFusion may
    // evaluate a nested now() at execution rather than at planning).
    let unix_ms = r[5].parse::<f64>().unwrap() * 1000.0;
    assert!(
        before as f64 <= unix_ms && unix_ms <= after as f64 + 1.0,
        "{} not in [{before}, {after}]",
        r[5]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_unixtime_and_zones_as_trino() {
    let server = start(sample_config()).await;
    let c = client(&server);
    let rs = run(
        &c,
        "SELECT from_unixtime(1706704496.789) AS a, from_unixtime(1706704496) AS b, \
         from_unixtime(1706704496.789, 'Europe/Paris') AS c, from_unixtime(0, 5, 30) AS d, \
         from_unixtime(0, -8, 0) AS e, from_unixtime(CAST(1706704496.789 AS double)) AS f, \
         from_unixtime(0, 'Etc/UTC') AS g",
    )
    .await;
    assert_eq!(
        row(&rs),
        [
            "2024-01-31 12:34:56.789 UTC",
            "2024-01-31 12:34:56.000 UTC",
            "2024-01-31 13:34:56.789 Europe/Paris",
            "1970-01-01 05:30:00.000 +05:30",
            "1969-12-31 16:00:00.000 -08:00",
            "2024-01-31 12:34:56.789 UTC",
            "1970-01-01 00:00:00.000 UTC",
        ]
    );
    assert!(types(&rs)
        .iter()
        .all(|t| t == &("timestamp with time zone".to_string(), 3)));

    let rs = run(
        &c,
        "SELECT TIMESTAMP '2024-01-31 12:34:56.789' AT TIME ZONE 'America/New_York' AS plain, \
         from_unixtime(1706704496.789, 'Europe/Paris') AT TIME ZONE '+05:30' AS zoned, \
         at_timezone(from_unixtime(0), 'Asia/Tokyo') AS at_tz, \
         with_timezone(TIMESTAMP '2024-01-31 12:34:56.789', 'America/Los_Angeles') AS with_tz, \
         TIMESTAMP '2024-01-31 12:34:56.789 Europe/Paris' AS literal, \
         TIMESTAMP '2024-01-31 12:34:56.789 Europe/Paris' = TIMESTAMP '2024-01-31 11:34:56.789 UTC' AS same_instant, \
         CAST(TIMESTAMP '2024-01-31 12:34:56.789' AS timestamp with time zone) AS cast_tz",
    )
    .await;
    assert_eq!(
        row(&rs),
        [
            "2024-01-31 07:34:56.789 America/New_York",
            "2024-01-31 18:04:56.789 +05:30",
            "1970-01-01 09:00:00.000 Asia/Tokyo",
            "2024-01-31 12:34:56.789 America/Los_Angeles",
            "2024-01-31 12:34:56.789 Europe/Paris",
            "true",
            "2024-01-31 12:34:56.789 UTC",
        ]
    );
    let t = types(&rs);
    assert_eq!(t[0].0, "timestamp with time zone");
    assert_eq!(t[5].0, "boolean");

    let reason = failure(&c, "SELECT from_unixtime(0, 'Mars/Olympus')").await;
    assert!(
        reason.contains("Time zone not supported: Mars/Olympus"),
        "{reason}"
    );
    let reason = failure(&c, "SELECT from_unixtime('x')").await;
    assert!(
        reason.contains("Unexpected parameters (varchar) for function from_unixtime"),
        "{reason}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_and_time_with_time_zone() {
    let server = start(sample_config()).await;
    let c = client(&server);
    let rs = run(
        &c,
        "SELECT TIME '12:34:56.789' AS t, TIME '12:34:56.789 +05:30' AS tz, TIME '01:02:03 -08:00' AS neg, \
         current_time AS ct, localtime AS lt",
    )
    .await;
    let r = row(&rs);
    assert_eq!(
        &r[..3],
        ["12:34:56.789", "12:34:56.789+05:30", "01:02:03.000-08:00"]
    );
    let now = regex::Regex::new(r"^\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$").unwrap();
    assert!(now.is_match(&r[3]), "{}", r[3]);
    assert_eq!(format!("{}+00:00", r[4]).len(), r[3].len());
    let t: Vec<String> = types(&rs).into_iter().map(|t| t.0).collect();
    assert_eq!(
        t,
        [
            "time",
            "time with time zone",
            "time with time zone",
            "time with time zone",
            "time"
        ]
    );
    let reason = failure(&c, "SELECT TIME '12:34:56 Europe/Paris'").await;
    assert!(
        reason.contains("Value cannot be cast to time with time zone"),
        "{reason}"
    );
}

/// Other suites build wide rows: one 5 MB cell and 2000 columns must pass
/// through GetQueryResults and the S3 result file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wide_rows_pass_through_results_and_result_file() {
    let server = start(sample_config()).await;
    let c = client(&server);
    let s3 = s3(&server);
    let sql = "SELECT repeat('x', 5000000) AS big";
    let rs = run(&c, sql).await;
    assert_eq!(row(&rs)[0].len(), 5_000_000);
    let csv = result_file(&c, &s3, sql).await;
    assert_eq!(csv.len(), "\"big\"\n".len() + 5_000_000 + 3);

    let columns: Vec<String> = (1..=2000).map(|i| format!("{i} AS c{i}")).collect();
    let sql = format!("SELECT {}", columns.join(", "));
    let rs = run(&c, &sql).await;
    let r = row(&rs);
    assert_eq!(r.len(), 2000);
    assert_eq!((r[0].as_str(), r[1999].as_str()), ("1", "2000"));
    assert_eq!(types(&rs).len(), 2000);
    let csv = result_file(&c, &s3, &sql).await;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with("\"c1\",\"c2\"") && lines[0].ends_with("\"c2000\""));
    assert!(lines[1].starts_with("\"1\",\"2\"") && lines[1].ends_with("\"2000\""));
}
