//! athena-local refuses what Athena's UNLOAD refuses, and its S3 answers
//! as S3 does for a bucket the caller may not list or that is in another
//! Region: the cases the driver's `Unload=true` must fall back from.

mod common;

use aws_sdk_athena::types::QueryExecutionState;
use common::*;

fn failure(qe: &aws_sdk_athena::types::QueryExecution) -> (i32, String) {
    let status = qe.status().expect("status");
    assert_eq!(status.state(), Some(&QueryExecutionState::Failed));
    let error = status.athena_error().expect("AthenaError");
    (
        error.error_category().unwrap_or(0),
        error.error_message().unwrap_or_default().to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unload_refuses_what_the_hive_writer_cannot_write() {
    let server = start(sample_config()).await;
    let c = client(&server);
    let s3 = s3_client(&server, "us-east-1", "test");
    let cases = [
        (
            "SELECT a.name, b.name FROM cities a JOIN cities b ON a.id = b.id",
            "SYNTAX_ERROR: line 1:1: Column name 'name' specified more than once",
        ),
        (
            "SELECT id, CAST('12:34:56' AS TIME) AS t FROM cities",
            "NOT_SUPPORTED: Unsupported Hive type: time(3)",
        ),
        (
            "SELECT id, from_unixtime(0, 'Europe/Paris') AS t FROM cities",
            "NOT_SUPPORTED: Unsupported Hive type: timestamp(3) with time zone",
        ),
        (
            "SELECT id, INTERVAL '2' DAY AS i FROM cities",
            "NOT_SUPPORTED: Unsupported Hive type: interval day to second",
        ),
        (
            "SELECT id, current_time AS t FROM cities",
            "NOT_SUPPORTED: Unsupported Hive type: time(3) with time zone",
        ),
        (
            "SELECT id, ARRAY[now()] AS a FROM cities",
            "NOT_SUPPORTED: Unsupported Hive type: timestamp(3) with time zone",
        ),
    ];
    for (k, (select, message)) in cases.iter().enumerate() {
        // The query itself runs as written.
        let plain = run_in(&c, "primary", select).await;
        assert_eq!(
            plain.status().and_then(|s| s.state()),
            Some(&QueryExecutionState::Succeeded),
            "{select}: {:?}",
            plain.status().and_then(|s| s.state_change_reason())
        );
        let prefix = format!("refused/{k}/");
        let qe = run_in(
            &c,
            "primary",
            &format!(
                "UNLOAD ({select}) TO 's3://athena-local-results/{prefix}' WITH (format = 'PARQUET')"
            ),
        )
        .await;
        let (category, text) = failure(&qe);
        assert_eq!(category, 2, "a USER error: {text}");
        assert_eq!(&text, message, "{select}");
        let listed = s3
            .list_objects_v2()
            .bucket("athena-local-results")
            .prefix(&prefix)
            .send()
            .await
            .expect("ListObjectsV2");
        assert_eq!(listed.key_count(), Some(0), "nothing written for {select}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unload_under_cse_kms_writes_ciphertext() {
    let server = start(sample_config()).await;
    let c = client(&server);
    let s3 = s3_client(&server, "us-east-1", "test");
    let qe = run_in(
        &c,
        "cse",
        "UNLOAD (SELECT id, name FROM cities) TO 's3://athena-local-results/cse-unload/' WITH (format = 'PARQUET')",
    )
    .await;
    assert_eq!(
        qe.status().and_then(|s| s.state()),
        Some(&QueryExecutionState::Succeeded)
    );
    let listed = s3
        .list_objects_v2()
        .bucket("athena-local-results")
        .prefix("cse-unload/")
        .send()
        .await
        .expect("ListObjectsV2");
    let keys: Vec<String> = listed
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_string))
        .collect();
    assert!(!keys.is_empty());
    for key in keys {
        let bytes = s3
            .get_object()
            .bucket("athena-local-results")
            .key(&key)
            .send()
            .await
            .expect("GetObject")
            .body
            .collect()
            .await
            .expect("body")
            .to_vec();
        // Ciphertext: not a Parquet file a plain reader could open.
        assert_ne!(&bytes[..4], b"PAR1", "{key}");
        assert_ne!(&bytes[bytes.len() - 4..], b"PAR1", "{key}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bucket_without_list_permission_refuses_listing_only() {
    let server = start(sample_config()).await;
    let s3 = s3_client(&server, "us-east-1", "test");
    s3.put_object()
        .bucket("athena-local-nolist")
        .key("results/a")
        .body(aws_sdk_s3::primitives::ByteStream::from_static(b"x"))
        .send()
        .await
        .expect("PutObject still works");
    let listed = s3
        .list_objects_v2()
        .bucket("athena-local-nolist")
        .prefix("results/")
        .send()
        .await
        .expect_err("ListObjectsV2 is denied");
    let raw = listed.raw_response().expect("an HTTP answer");
    assert_eq!(raw.status().as_u16(), 403);
    let code = aws_sdk_s3::error::ProvideErrorMetadata::code(&listed).unwrap_or_default();
    assert_eq!(code, "AccessDenied");
    let got = s3
        .get_object()
        .bucket("athena-local-nolist")
        .key("results/a")
        .send()
        .await
        .expect("GetObject still works");
    assert_eq!(got.body.collect().await.expect("body").to_vec(), b"x");
    s3.delete_object()
        .bucket("athena-local-nolist")
        .key("results/a")
        .send()
        .await
        .expect("DeleteObject still works");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bucket_in_another_region_redirects_with_its_region() {
    let server = start(sample_config()).await;
    let here = s3_client(&server, "us-east-1", "test");
    let err = here
        .head_bucket()
        .bucket("athena-local-eu")
        .send()
        .await
        .expect_err("a request signed for us-east-1 is redirected");
    let raw = err.raw_response().expect("an HTTP answer");
    assert_eq!(raw.status().as_u16(), 301);
    assert_eq!(raw.headers().get("x-amz-bucket-region"), Some("eu-west-1"));
    let err = here
        .list_objects_v2()
        .bucket("athena-local-eu")
        .send()
        .await
        .expect_err("listing too");
    assert_eq!(
        aws_sdk_s3::error::ProvideErrorMetadata::code(&err),
        Some("PermanentRedirect")
    );
    // Signed for the bucket's Region, the same calls work.
    let there = s3_client(&server, "eu-west-1", "test");
    there
        .head_bucket()
        .bucket("athena-local-eu")
        .send()
        .await
        .expect("HeadBucket in eu-west-1");
    there
        .list_objects_v2()
        .bucket("athena-local-eu")
        .send()
        .await
        .expect("ListObjectsV2 in eu-west-1");
    // Other buckets are unaffected.
    here.head_bucket()
        .bucket("athena-local-results")
        .send()
        .await
        .expect("HeadBucket of a bucket of no Region");
}
