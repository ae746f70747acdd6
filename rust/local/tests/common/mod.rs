//! Shared helpers: an in-process server and an aws-sdk-athena client for it.
#![allow(dead_code)]

use athena_local::{Config, ServerHandle};
use aws_sdk_athena::config::retry::RetryConfig;
use aws_sdk_athena::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_athena::types::{QueryExecutionContext, QueryExecutionState, ResultSet};
use aws_sdk_athena::Client;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data")
}

pub fn sample_config() -> Config {
    Config::load(&data_dir().join("athena-local.toml")).expect("sample config loads")
}

pub async fn start(config: Config) -> ServerHandle {
    athena_local::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("server starts")
}

pub fn client_with(server: &ServerHandle, key: &str, secret: &str, retries: u32) -> Client {
    let retry = if retries <= 1 {
        RetryConfig::disabled()
    } else {
        RetryConfig::standard()
            .with_max_attempts(retries)
            .with_initial_backoff(Duration::from_millis(10))
    };
    let conf = aws_sdk_athena::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(key, secret, None, None, "static"))
        .endpoint_url(server.endpoint_url())
        .retry_config(retry)
        .build();
    Client::from_conf(conf)
}

pub fn client(server: &ServerHandle) -> Client {
    client_with(server, "test", "test", 1)
}

pub async fn start_query(client: &Client, sql: &str) -> String {
    start_query_with(client, "primary", None, "default", sql).await
}

/// Starts `sql` in `workgroup` with this context catalog (None: the
/// server's default) and database.
pub async fn start_query_with(
    client: &Client,
    workgroup: &str,
    catalog: Option<&str>,
    database: &str,
    sql: &str,
) -> String {
    client
        .start_query_execution()
        .query_string(sql)
        .query_execution_context(
            QueryExecutionContext::builder()
                .set_catalog(catalog.map(str::to_string))
                .database(database)
                .build(),
        )
        .work_group(workgroup)
        .send()
        .await
        .expect("StartQueryExecution")
        .query_execution_id()
        .expect("id")
        .to_string()
}

/// The query's execution as GetQueryExecution reports it now.
pub async fn current(client: &Client, id: &str) -> aws_sdk_athena::types::QueryExecution {
    client
        .get_query_execution()
        .query_execution_id(id)
        .send()
        .await
        .expect("GetQueryExecution")
        .query_execution
        .expect("QueryExecution")
}

pub async fn wait(client: &Client, id: &str) -> aws_sdk_athena::types::QueryExecution {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let qe = current(client, id).await;
        let state = qe.status().and_then(|s| s.state()).cloned();
        match state {
            Some(QueryExecutionState::Queued) | Some(QueryExecutionState::Running) => {
                assert!(Instant::now() < deadline, "query {id} did not finish");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            _ => return qe,
        }
    }
}

/// Runs a query to SUCCEEDED and returns its first page (MaxResults 1000).
pub async fn run(client: &Client, sql: &str) -> ResultSet {
    let qe = run_in(client, "primary", sql).await;
    first_page(client, sql, &qe).await
}

/// The first page (MaxResults 1000) of `sql`'s execution, which must have SUCCEEDED.
pub async fn first_page(
    client: &Client,
    sql: &str,
    qe: &aws_sdk_athena::types::QueryExecution,
) -> ResultSet {
    let status = qe.status().expect("status");
    assert_eq!(
        status.state(),
        Some(&QueryExecutionState::Succeeded),
        "{sql}: {:?}",
        status.state_change_reason()
    );
    client
        .get_query_results()
        .query_execution_id(qe.query_execution_id().unwrap_or_default())
        .send()
        .await
        .expect("GetQueryResults")
        .result_set
        .expect("ResultSet")
}

/// The text of every cell, `None` for NULL.
pub fn cells(rs: &ResultSet) -> Vec<Vec<Option<String>>> {
    rs.rows()
        .iter()
        .map(|r| {
            r.data()
                .iter()
                .map(|d| d.var_char_value().map(str::to_string))
                .collect()
        })
        .collect()
}

/// A minimal HTTP/1.1 exchange for the unsigned admin endpoints.
pub async fn http(server: &ServerHandle, method: &str, path: &str, body: &str) -> (u16, String) {
    let (status, _, body) = exchange(server, method, path, "application/json", body).await;
    (status, body)
}

/// One unsigned HTTP/1.1 exchange: the status, the head (header names in
/// lower case, values as sent) and the body.
pub async fn exchange(
    server: &ServerHandle,
    method: &str,
    path: &str,
    content_type: &str,
    body: &str,
) -> (u16, String, String) {
    let mut s = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .expect("connect");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.expect("read");
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let head: Vec<String> = head
        .lines()
        .map(|l| match l.split_once(':') {
            Some((name, value)) => format!("{}:{value}", name.to_ascii_lowercase()),
            None => l.to_string(),
        })
        .collect();
    (status, head.join("\n"), body.to_string())
}

/// Sends a SigV4-signed AWS JSON 1.1 `POST /` with the given target and body,
/// signed with key id `test` and `secret` for `service`: for the protocol
/// edges the SDK never sends. Returns the status, the lower-cased head and the body.
pub async fn signed(
    server: &ServerHandle,
    target: &str,
    body: &str,
    secret: &str,
    service: &str,
) -> (u16, String, String) {
    use athena_local::sigv4;
    let host = server.local_addr().to_string();
    let amz_date = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let date = &amz_date[..8];
    let payload_hash = sigv4::sha256_hex(body.as_bytes());
    let creq = format!(
        "POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:{host}\nx-amz-date:{amz_date}\nx-amz-target:{target}\n\ncontent-type;host;x-amz-date;x-amz-target\n{payload_hash}"
    );
    let scope = format!("{date}/us-east-1/{service}/aws4_request");
    let sts = sigv4::string_to_sign(&amz_date, &scope, &creq);
    let key = sigv4::signing_key(secret, date, "us-east-1", service);
    let sig = sigv4::signature(&key, &sts);
    let req = format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Date: {amz_date}\r\nX-Amz-Target: {target}\r\nAuthorization: AWS4-HMAC-SHA256 Credential=test/{scope}, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={sig}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut s = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text.split_whitespace().nth(1).unwrap().parse().unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    (status, head.to_ascii_lowercase(), body.to_string())
}

/// An S3 client for athena-local signing for `region` with key `test` and `secret`.
pub fn s3_client(server: &ServerHandle, region: &str, secret: &str) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new(region.to_string()))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "test", secret, None, None, "static",
        ))
        .endpoint_url(server.endpoint_url())
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// Runs `sql` in `workgroup` (database `default`) to its end; returns the execution.
pub async fn run_in(
    c: &Client,
    workgroup: &str,
    sql: &str,
) -> aws_sdk_athena::types::QueryExecution {
    let id = start_query_with(c, workgroup, None, "default", sql).await;
    wait(c, &id).await
}
