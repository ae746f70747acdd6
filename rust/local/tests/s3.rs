//! athena-local's result files and S3 endpoint, through the AWS SDK's own S3 client.

mod common;

use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use common::*;
use std::time::{Duration, Instant};

fn s3(server: &athena_local::ServerHandle) -> aws_sdk_s3::Client {
    s3_client(server, "us-east-1", "test")
}

fn location(qe: &aws_sdk_athena::types::QueryExecution) -> Option<(String, String)> {
    let uri = qe.result_configuration()?.output_location()?;
    let rest = uri.strip_prefix("s3://")?;
    let (bucket, key) = rest.split_once('/')?;
    Some((bucket.to_string(), key.to_string()))
}

async fn get(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Vec<u8> {
    s3.get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .expect("GetObject")
        .body
        .collect()
        .await
        .expect("body")
        .to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_results_are_athena_csv_with_metadata() {
    let server = start(sample_config()).await;
    let c = client(&server);
    let s3 = s3(&server);
    let qe = run_in(
        &c,
        "primary",
        "SELECT * FROM (VALUES (1, 'a\"b', 'x,\ny'), (2, '', NULL)) AS t(id, s, n) ORDER BY id",
    )
    .await;
    let (bucket, key) = location(&qe).expect("output location");
    assert_eq!(bucket, "athena-local-results");
    assert_eq!(key, format!("{}.csv", qe.query_execution_id().unwrap()));
    let text = String::from_utf8(get(&s3, &bucket, &key).await).unwrap();
    assert_eq!(
        text,
        "\"id\",\"s\",\"n\"\n\"1\",\"a\"\"b\",\"x,\ny\"\n\"2\",\"\",\n"
    );

    let head = s3
        .head_object()
        .bucket(&bucket)
        .key(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_length(), Some(text.len() as i64));
    assert!(head.e_tag().is_some());

    let ranged = s3
        .get_object()
        .bucket(&bucket)
        .key(&key)
        .range("bytes=5-9")
        .send()
        .await
        .unwrap();
    assert_eq!(
        ranged.content_range(),
        Some(format!("bytes 5-9/{}", text.len()).as_str())
    );
    let part = ranged.body.collect().await.unwrap().to_vec();
    assert_eq!(part, &text.as_bytes()[5..10]);

    let listed = s3
        .list_objects_v2()
        .bucket(&bucket)
        .prefix(qe.query_execution_id().unwrap())
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, [key.clone(), format!("{key}.metadata")]);
    let metadata = get(&s3, &bucket, &format!("{key}.metadata")).await;
    assert!(metadata.windows(7).any(|w| w == b"varchar"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn utility_results_are_txt() {
    let server = start(sample_config()).await;
    let c = client(&server);
    let qe = run_in(&c, "primary", "SHOW TABLES").await;
    let (bucket, key) = location(&qe).unwrap();
    assert!(key.ends_with(".txt"), "{key}");
    let text = String::from_utf8(get(&s3(&server), &bucket, &key).await).unwrap();
    assert!(text.lines().any(|l| l == "cities"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_can_be_put_listed_and_deleted() {
    let server = start(sample_config()).await;
    let s3 = s3(&server);
    let body = "é".repeat(100_000);
    // The SDK sends PutObject as aws-chunked with a checksum trailer.
    s3.put_object()
        .bucket("fixtures")
        .key("dir/one two.csv")
        .body(ByteStream::from(body.clone().into_bytes()))
        .send()
        .await
        .expect("PutObject");
    s3.put_object()
        .bucket("fixtures")
        .key("dir/sub/two.csv")
        .body(ByteStream::from_static(b"2"))
        .send()
        .await
        .expect("PutObject");
    assert_eq!(
        get(&s3, "fixtures", "dir/one two.csv").await,
        body.as_bytes()
    );

    let top = s3
        .list_objects_v2()
        .bucket("fixtures")
        .prefix("dir/")
        .delimiter("/")
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = top.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["dir/one two.csv"]);
    let prefixes: Vec<&str> = top
        .common_prefixes()
        .iter()
        .filter_map(|p| p.prefix())
        .collect();
    assert_eq!(prefixes, ["dir/sub/"]);

    let paged = s3
        .list_objects_v2()
        .bucket("fixtures")
        .max_keys(1)
        .send()
        .await
        .unwrap();
    assert_eq!(paged.contents().len(), 1);
    assert_eq!(paged.is_truncated(), Some(true));
    let rest = s3
        .list_objects_v2()
        .bucket("fixtures")
        .continuation_token(paged.next_continuation_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.contents()[0].key(), Some("dir/sub/two.csv"));

    let delete = Delete::builder()
        .objects(
            ObjectIdentifier::builder()
                .key("dir/one two.csv")
                .build()
                .unwrap(),
        )
        .objects(
            ObjectIdentifier::builder()
                .key("dir/sub/two.csv")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let deleted = s3
        .delete_objects()
        .bucket("fixtures")
        .delete(delete)
        .send()
        .await
        .expect("DeleteObjects");
    assert_eq!(deleted.deleted().len(), 2);
    let after = s3
        .list_objects_v2()
        .bucket("fixtures")
        .send()
        .await
        .unwrap();
    assert!(after.contents().is_empty());
    let missing = s3
        .get_object()
        .bucket("fixtures")
        .key("dir/one two.csv")
        .send()
        .await
        .unwrap_err();
    assert!(missing.into_service_error().is_no_such_key());
    s3.delete_object()
        .bucket("fixtures")
        .key("never/there")
        .send()
        .await
        .expect("deleting a missing key succeeds, as in S3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_calls_are_signature_checked() {
    let server = start(sample_config()).await;
    let err = s3_client(&server, "us-east-1", "wrong")
        .list_objects_v2()
        .bucket("athena-local-results")
        .send()
        .await
        .unwrap_err();
    let code = err.into_service_error().meta().code().map(str::to_string);
    assert_eq!(code.as_deref(), Some("SignatureDoesNotMatch"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workgroups_that_make_results_unreadable() {
    let server = start(sample_config()).await;
    let c = client(&server);
    let s3 = s3(&server);

    let managed = run_in(&c, "managed", "SELECT 1 AS x").await;
    assert!(
        location(&managed).is_none(),
        "managed storage has no OutputLocation"
    );
    assert!(managed
        .managed_query_results_configuration()
        .is_some_and(|m| m.enabled()));
    let listed = s3
        .list_objects_v2()
        .bucket("athena-local-managed")
        .send()
        .await
        .unwrap();
    assert!(listed.contents().is_empty());

    let cse = run_in(&c, "cse", "SELECT 1 AS x").await;
    assert_eq!(
        cse.result_configuration()
            .and_then(|r| r.encryption_configuration())
            .map(|e| e.encryption_option().as_str()),
        Some("CSE_KMS")
    );
    let (bucket, key) = location(&cse).unwrap();
    let bytes = get(&s3, &bucket, &key).await;
    assert!(!bytes.is_empty() && bytes[0] != b'"', "ciphertext, not CSV");

    let denied = run_in(&c, "denied", "SELECT 1 AS x").await;
    let (bucket, key) = location(&denied).unwrap();
    let err = s3
        .get_object()
        .bucket(&bucket)
        .key(&key)
        .send()
        .await
        .unwrap_err();
    let code = err.into_service_error().meta().code().map(str::to_string);
    assert_eq!(code.as_deref(), Some("AccessDenied"));
    // GetQueryResults still serves the rows.
    let rows = c
        .get_query_results()
        .query_execution_id(denied.query_execution_id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rows.result_set().unwrap().rows().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_is_added_to_every_call() {
    let server = start(sample_config()).await;
    let (status, _) = http(&server, "PUT", "/_athena_local/latency", r#"{"ms": 120}"#).await;
    assert_eq!(status, 200);
    let c = client(&server);
    let began = Instant::now();
    c.list_work_groups().send().await.unwrap();
    assert!(began.elapsed() >= Duration::from_millis(120));
    let began = Instant::now();
    let _ = s3(&server)
        .list_objects_v2()
        .bucket("athena-local-results")
        .send()
        .await
        .unwrap();
    assert!(began.elapsed() >= Duration::from_millis(120));
    let (_, body) = http(&server, "GET", "/_athena_local/latency", "").await;
    assert!(body.contains("120"), "{body}");
    let (status, _) = http(&server, "PUT", "/_athena_local/latency", r#"{"ms": "x"}"#).await;
    assert_eq!(status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unload_writes_parquet_and_a_manifest() {
    use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let server = start(sample_config()).await;
    let c = client(&server);
    let s3 = s3(&server);
    let qe = run_in(
        &c,
        "primary",
        "UNLOAD (SELECT value AS v, CAST(value AS VARCHAR) AS s, DECIMAL '12.30' AS d FROM range(1500000)) \
         TO 's3://athena-local-results/unload/one/' WITH (format = 'PARQUET', compression = 'SNAPPY')",
    )
    .await;
    assert_eq!(
        qe.status().unwrap().state().map(|s| s.as_str()),
        Some("SUCCEEDED"),
        "{:?}",
        qe.status().unwrap().state_change_reason()
    );
    let manifest = qe
        .statistics()
        .and_then(|s| s.data_manifest_location())
        .expect("DataManifestLocation");
    let (bucket, key) = manifest
        .strip_prefix("s3://")
        .and_then(|r| r.split_once('/'))
        .unwrap();
    let listing = String::from_utf8(get(&s3, bucket, key).await).unwrap();
    let files: Vec<&str> = listing.lines().collect();
    assert_eq!(files.len(), 2, "1.5 M rows are written as two files");
    let mut rows = 0;
    for file in files {
        let (b, k) = file
            .strip_prefix("s3://")
            .and_then(|r| r.split_once('/'))
            .unwrap();
        assert!(k.starts_with("unload/one/"), "{k}");
        let bytes = bytes::Bytes::from(get(&s3, b, k).await);
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
            .unwrap()
            .build()
            .unwrap();
        for batch in reader {
            let batch = batch.unwrap();
            assert_eq!(batch.num_columns(), 3);
            assert_eq!(
                batch.schema().field(2).data_type(),
                &datafusion::arrow::datatypes::DataType::Decimal128(4, 2)
            );
            rows += batch.num_rows();
        }
    }
    assert_eq!(rows, 1_500_000);
    let count = c
        .get_query_results()
        .query_execution_id(qe.query_execution_id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(count.update_count(), Some(1_500_000));

    // No rows, no files: the manifest is empty, as Athena leaves it.
    let empty = run_in(
        &c,
        "primary",
        "UNLOAD (SELECT 1 AS x WHERE false) TO 's3://athena-local-results/unload/empty/' WITH (format = 'PARQUET')",
    )
    .await;
    let manifest = empty
        .statistics()
        .and_then(|s| s.data_manifest_location())
        .expect("DataManifestLocation");
    let (bucket, key) = manifest
        .strip_prefix("s3://")
        .and_then(|r| r.split_once('/'))
        .unwrap();
    assert!(get(&s3, bucket, key).await.is_empty());
    let none = s3
        .list_objects_v2()
        .bucket("athena-local-results")
        .prefix("unload/empty/")
        .send()
        .await
        .unwrap();
    assert!(none.contents().is_empty());

    // The target must be empty, and only Parquet is written.
    let again = run_in(
        &c,
        "primary",
        "UNLOAD (SELECT 1 AS x) TO 's3://athena-local-results/unload/one/' WITH (format = 'PARQUET')",
    )
    .await;
    let reason = again.status().unwrap().state_change_reason().unwrap_or("");
    assert!(reason.contains("HIVE_PATH_ALREADY_EXISTS"), "{reason}");
    let text = run_in(
        &c,
        "primary",
        "UNLOAD (SELECT 1 AS x) TO 's3://athena-local-results/unload/two/' WITH (format = 'TEXTFILE')",
    )
    .await;
    let reason = text.status().unwrap().state_change_reason().unwrap_or("");
    assert!(reason.contains("PARQUET"), "{reason}");
}

/// S3 treats a listing prefix as an opaque string: `../` and the like match
/// no key (no stored key has such a segment) and never reach files outside
/// the bucket's folder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_prefixes_never_leave_the_bucket() {
    let base = std::env::temp_dir().join(format!("athena-local-list-{}", uuid::Uuid::new_v4()));
    let store = base.join("store");
    std::fs::create_dir_all(&store).unwrap();
    std::fs::write(base.join("outside-secret.txt"), b"secret").unwrap();
    let mut config = sample_config();
    config.storage_dir = Some(store.clone());
    let server = start(config).await;
    let s3 = s3(&server);
    for (bucket, key) in [("fixtures", "inside/a.csv"), ("other-bucket", "b.csv")] {
        s3.put_object()
            .bucket(bucket)
            .key(key)
            .body(ByteStream::from_static(b"1"))
            .send()
            .await
            .expect("PutObject");
    }
    let absolute = format!("{}/", base.display());
    let prefixes = [
        "../",
        "../../",
        "../../../",
        "../other-bucket/",
        "..%2F..%2F",
        "./",
        "inside/../",
        "inside/../../",
        "inside//",
        "/",
        absolute.as_str(),
        "\\..\\",
    ];
    for prefix in prefixes {
        for delimiter in [None, Some("/")] {
            let listed = s3
                .list_objects_v2()
                .bucket("fixtures")
                .prefix(prefix)
                .set_delimiter(delimiter.map(str::to_string))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{prefix}: {:?}", e.into_service_error()));
            let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
            let rolled: Vec<&str> = listed
                .common_prefixes()
                .iter()
                .filter_map(|p| p.prefix())
                .collect();
            assert!(keys.is_empty(), "{prefix:?} listed {keys:?}");
            assert!(rolled.is_empty(), "{prefix:?} listed {rolled:?}");
            assert_eq!(listed.key_count(), Some(0), "{prefix:?}");
            assert_eq!(listed.prefix(), Some(prefix));
        }
    }
    // Prefixes made of dots that stored keys can have still match.
    let inside = s3
        .list_objects_v2()
        .bucket("fixtures")
        .prefix("inside/")
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = inside.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["inside/a.csv"]);
    // Reads of such keys were already refused.
    let err = s3
        .get_object()
        .bucket("fixtures")
        .key("../../outside-secret.txt")
        .send()
        .await
        .unwrap_err();
    assert!(!err
        .into_service_error()
        .meta()
        .code()
        .unwrap_or("")
        .is_empty());
    drop(server);
    let _ = std::fs::remove_dir_all(&base);
}

/// Athena's UNLOAD writes `timestamp` as INT96 (Hive's Parquet form), in
/// arrays, maps and rows too; the values read back are the ones selected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unload_writes_timestamps_as_int96_everywhere() {
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::TimestampNanosecondType;
    use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use datafusion::parquet::basic::Type as PhysicalType;
    let server = start(sample_config()).await;
    let c = client(&server);
    let s3 = s3(&server);
    let qe = run_in(
        &c,
        "primary",
        "UNLOAD (SELECT i, \
           CASE WHEN i = 1 THEN TIMESTAMP '2024-01-31 12:34:56.789' END AS ts, \
           CASE WHEN i = 1 THEN ARRAY[TIMESTAMP '1970-01-01 00:00:00', NULL, TIMESTAMP '1969-12-31 23:59:59.999'] END AS tss, \
           MAP(['a', 'b'], [TIMESTAMP '2000-02-29 00:00:00.001', NULL]) AS m, \
           named_struct('ts', TIMESTAMP '1900-01-01 00:00:00', 'n', i) AS r, \
           DECIMAL '12.30' AS d \
         FROM (VALUES (1), (2)) AS t(i)) \
         TO 's3://athena-local-results/unload/int96/' WITH (format = 'PARQUET')",
    )
    .await;
    assert_eq!(
        qe.status().unwrap().state().map(|s| s.as_str()),
        Some("SUCCEEDED"),
        "{:?}",
        qe.status().unwrap().state_change_reason()
    );
    let listed = s3
        .list_objects_v2()
        .bucket("athena-local-results")
        .prefix("unload/int96/")
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let bytes = bytes::Bytes::from(get(&s3, "athena-local-results", keys[0]).await);
    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes).unwrap();
    let leaves: Vec<(String, PhysicalType)> = builder
        .parquet_schema()
        .columns()
        .iter()
        .map(|c| (c.path().string(), c.physical_type()))
        .collect();
    let int96: Vec<&str> = leaves
        .iter()
        .filter(|(_, t)| *t == PhysicalType::INT96)
        .map(|(p, _)| p.as_str())
        .collect();
    assert_eq!(
        int96,
        ["ts", "tss.list.element", "m.key_value.value", "r.ts"],
        "{leaves:?}"
    );
    // Decimals are FIXED_LEN_BYTE_ARRAY at every precision, as Hive writes them.
    assert!(
        leaves.contains(&("d".to_string(), PhysicalType::FIXED_LEN_BYTE_ARRAY)),
        "{leaves:?}"
    );

    let nanos = |y, mo, d, h, mi, s, milli| {
        chrono::NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|d| d.and_hms_milli_opt(h, mi, s, milli))
            .and_then(|t| t.and_utc().timestamp_nanos_opt())
            .unwrap()
    };
    let batches: Vec<_> = builder.build().unwrap().map(|b| b.unwrap()).collect();
    let mut seen = 0;
    for batch in &batches {
        let ids = batch
            .column(0)
            .as_primitive::<datafusion::arrow::datatypes::Int64Type>();
        let ts = batch.column(1).as_primitive::<TimestampNanosecondType>();
        let tss = batch.column(2).as_list::<i32>();
        let m = batch.column(3).as_map();
        let r = batch.column(4).as_struct();
        for row in 0..batch.num_rows() {
            seen += 1;
            if ids.value(row) == 1 {
                assert_eq!(ts.value(row), nanos(2024, 1, 31, 12, 34, 56, 789));
                let list = tss.value(row);
                let list = list.as_primitive::<TimestampNanosecondType>();
                assert_eq!(list.len(), 3);
                assert_eq!(list.value(0), 0);
                assert!(list.is_null(1));
                assert_eq!(list.value(2), nanos(1969, 12, 31, 23, 59, 59, 999));
            } else {
                assert!(ts.is_null(row));
                assert!(tss.is_null(row));
            }
            let entries = m.value(row);
            let keys = entries.column(0).as_string::<i32>();
            let values = entries.column(1).as_primitive::<TimestampNanosecondType>();
            assert_eq!((keys.value(0), keys.value(1)), ("a", "b"));
            assert_eq!(values.value(0), nanos(2000, 2, 29, 0, 0, 0, 1));
            assert!(values.is_null(1));
            let inner = r
                .column_by_name("ts")
                .unwrap()
                .as_primitive::<TimestampNanosecondType>();
            assert_eq!(inner.value(row), nanos(1900, 1, 1, 0, 0, 0, 0));
        }
    }
    assert_eq!(seen, 2);
}

/// A presigned GetObject URL for `key` in `fixtures`, made by the SDK's own
/// presigning as the Spark export makes them.
async fn presign_get(client: &aws_sdk_s3::Client, key: &str, expires: Duration) -> String {
    client
        .get_object()
        .bucket("fixtures")
        .key(key)
        .presigned(PresigningConfig::expires_in(expires).expect("expiry"))
        .await
        .expect("presigned")
        .uri()
        .to_string()
}

/// An S3 client signing with session credentials (key, secret, token).
fn session_s3(server: &athena_local::ServerHandle, token: &str) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "ASIAPRESIGNSESSION",
            "presign-session-secret",
            Some(token.to_string()),
            None,
            "static",
        ))
        .endpoint_url(server.endpoint_url())
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// The S3 error code of an XML error body.
fn error_code(body: &str) -> &str {
    body.split("<Code>")
        .nth(1)
        .and_then(|r| r.split("</Code>").next())
        .unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presigned_gets_read_objects_until_they_expire() {
    let mut config = sample_config();
    config.credentials.push(athena_local::config::Credential {
        access_key_id: "ASIAPRESIGNSESSION".into(),
        secret_access_key: "presign-session-secret".into(),
        session_token: Some("presign-session-token".into()),
        expired: false,
        arn: None,
    });
    let server = start(config).await;
    let s3 = s3(&server);
    let key = "presigned/part 1.bin";
    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    s3.put_object()
        .bucket("fixtures")
        .key(key)
        .body(ByteStream::from(data.clone()))
        .send()
        .await
        .expect("PutObject");
    let web = reqwest::Client::new();
    http(&server, "DELETE", "/_athena_local/calls", "").await;

    let url = presign_get(&s3, key, Duration::from_secs(600)).await;
    assert!(
        url.starts_with(&format!("{}/fixtures/", server.endpoint_url())),
        "path-style"
    );
    let whole = web.get(&url).send().await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.bytes().await.unwrap().as_ref(), &data[..]);

    let ranged = web
        .get(&url)
        .header("Range", "bytes=1000-1999")
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.status(), 206);
    assert_eq!(
        ranged.headers()["content-range"].to_str().unwrap(),
        "bytes 1000-1999/100000"
    );
    assert_eq!(ranged.bytes().await.unwrap().as_ref(), &data[1000..2000]);

    let head_url = s3
        .head_object()
        .bucket("fixtures")
        .key(key)
        .presigned(PresigningConfig::expires_in(Duration::from_secs(60)).unwrap())
        .await
        .unwrap()
        .uri()
        .to_string();
    let head = web.head(&head_url).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-length"], "100000");

    // Presigned reads are recorded and meet injected faults as signed ones do.
    let (_, body) = http(&server, "GET", "/_athena_local/calls", "").await;
    let calls: serde_json::Value = serde_json::from_str(&body).unwrap();
    let reads: Vec<(String, String, u64)> = calls
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["operation"].as_str().unwrap_or("").to_string(),
                c["principal"].as_str().unwrap_or("").to_string(),
                c["status"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let expected: Vec<(String, String, u64)> =
        [("GetObject", 200), ("GetObject", 206), ("HeadObject", 200)]
            .iter()
            .map(|(op, status)| (op.to_string(), "test".to_string(), *status))
            .collect();
    assert_eq!(reads, expected);
    assert_eq!(calls[0]["access_key_id"], "test");
    let (status, _) = http(
        &server,
        "POST",
        "/_athena_local/faults",
        r#"{"operation":"GetObject","kind":"unavailable","count":1}"#,
    )
    .await;
    assert_eq!(status, 200);
    let failed = web.get(&url).send().await.unwrap();
    assert_eq!(failed.status(), 503);
    assert_eq!(
        error_code(&failed.text().await.unwrap()),
        "ServiceUnavailable"
    );
    assert_eq!(web.get(&url).send().await.unwrap().status(), 200);

    // The signature covers the whole query.
    let signature = url.split("X-Amz-Signature=").nth(1).unwrap()[..64].to_string();
    let mut flipped = signature.clone();
    flipped.replace_range(..1, if signature.starts_with('0') { "1" } else { "0" });
    let tampered = url.replace(&signature, &flipped);
    let denied = web.get(&tampered).send().await.unwrap();
    assert_eq!(denied.status(), 403);
    assert_eq!(
        error_code(&denied.text().await.unwrap()),
        "SignatureDoesNotMatch"
    );
    let other_key = url.replace("part%201.bin", "part%202.bin");
    assert_eq!(web.get(&other_key).send().await.unwrap().status(), 403);
    let week = url.replace("X-Amz-Expires=600", "X-Amz-Expires=604801");
    let too_long = web.get(&week).send().await.unwrap();
    assert_eq!(too_long.status(), 400);
    let body = too_long.text().await.unwrap();
    assert_eq!(
        error_code(&body),
        "AuthorizationQueryParametersError",
        "{body}"
    );

    // Session credentials: the token travels in the URL and must match.
    let session_url = presign_get(
        &session_s3(&server, "presign-session-token"),
        key,
        Duration::from_secs(600),
    )
    .await;
    assert!(session_url.contains("X-Amz-Security-Token=presign-session-token"));
    assert_eq!(web.get(&session_url).send().await.unwrap().status(), 200);
    let wrong_token = presign_get(
        &session_s3(&server, "another-token"),
        key,
        Duration::from_secs(600),
    )
    .await;
    let refused = web.get(&wrong_token).send().await.unwrap();
    assert_eq!(refused.status(), 400);
    assert_eq!(error_code(&refused.text().await.unwrap()), "InvalidToken");

    // Only reads may be presigned.
    let put_url = s3
        .put_object()
        .bucket("fixtures")
        .key("presigned/new.bin")
        .presigned(PresigningConfig::expires_in(Duration::from_secs(60)).unwrap())
        .await
        .unwrap()
        .uri()
        .to_string();
    let put = web.put(&put_url).body("x").send().await.unwrap();
    assert_eq!(put.status(), 403);
    assert_eq!(error_code(&put.text().await.unwrap()), "AccessDenied");

    // Past X-Amz-Date + X-Amz-Expires the URL is refused as S3 refuses it.
    let short = presign_get(&s3, key, Duration::from_secs(1)).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let expired = web.get(&short).send().await.unwrap();
    assert_eq!(expired.status(), 403);
    let body = expired.text().await.unwrap();
    assert!(
        body.contains("<Code>AccessDenied</Code><Message>Request has expired</Message><X-Amz-Expires>1</X-Amz-Expires><Expires>"),
        "{body}"
    );
    assert!(
        body.contains("Z</Expires><ServerTime>") && body.contains("Z</ServerTime>"),
        "{body}"
    );
    server.shutdown().await;
}

/// Expired session credentials refuse a URL that is still within its expiry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presigned_gets_with_expired_session_credentials() {
    let mut config = sample_config();
    config.credentials.push(athena_local::config::Credential {
        access_key_id: "ASIAPRESIGNSESSION".into(),
        secret_access_key: "presign-session-secret".into(),
        session_token: Some("presign-session-token".into()),
        expired: true,
        arn: None,
    });
    let server = start(config).await;
    s3(&server)
        .put_object()
        .bucket("fixtures")
        .key("k")
        .body(ByteStream::from_static(b"v"))
        .send()
        .await
        .unwrap();
    let url = presign_get(
        &session_s3(&server, "presign-session-token"),
        "k",
        Duration::from_secs(600),
    )
    .await;
    let refused = reqwest::get(&url).await.unwrap();
    assert_eq!(refused.status(), 400);
    assert_eq!(error_code(&refused.text().await.unwrap()), "ExpiredToken");
    server.shutdown().await;
}
