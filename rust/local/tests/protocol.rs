//! Raw, hand-signed AWS JSON 1.1 requests: the protocol edges the SDK never sends.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_edges() {
    let server = start(sample_config()).await;
    let (status, head, body) = signed(
        &server,
        "AmazonAthena.ListDataCatalogs",
        "{}",
        "test",
        "athena",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(head.contains("content-type: application/x-amz-json-1.1"));
    assert!(head.contains("x-amzn-requestid: "));

    let (status, head, body) = signed(
        &server,
        "AmazonAthena.GetQueryExecution",
        "{nope",
        "test",
        "athena",
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        head.contains("x-amzn-errortype: serializationexception"),
        "{head}"
    );
    assert!(body.contains(r#""__type":"SerializationException""#));

    let (status, _, body) = signed(
        &server,
        "AmazonAthena.GetQueryExecution",
        "{}",
        "test",
        "athena",
    )
    .await;
    assert_eq!(status, 400);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["__type"], "InvalidRequestException");
    assert_eq!(v["message"], "QueryExecutionId is a required parameter");
    assert_eq!(v["AthenaErrorCode"], "INVALID_INPUT");

    let (status, _, body) = signed(
        &server,
        "AmazonAthena.DeleteEverything",
        "{}",
        "test",
        "athena",
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("UnknownOperationException"));

    let (status, _, body) = signed(
        &server,
        "AmazonAthena.GetQueryResults",
        r#"{"QueryExecutionId": 5}"#,
        "test",
        "athena",
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("SerializationException"));

    let (status, _, body) = signed(
        &server,
        "AmazonAthena.ListDataCatalogs",
        "{}",
        "bad",
        "athena",
    )
    .await;
    assert_eq!(status, 403);
    assert!(body.contains("InvalidSignatureException"));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parquet_table_and_utility_statements() {
    let dir = std::env::temp_dir().join(format!("athena-local-parquet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("nums.parquet");
    let server = start(sample_config()).await;
    let c = client(&server);
    // The server itself writes the Parquet file, so no binary is committed.
    run(
        &c,
        &format!(
            "COPY (SELECT value AS n, CAST(value AS VARCHAR) AS s FROM range(10)) TO '{}' STORED AS PARQUET",
            file.display()
        ),
    )
    .await;
    server.shutdown().await;

    let toml = format!(
        "[[tables]]\ndatabase = \"lake\"\nname = \"nums\"\nformat = \"parquet\"\npath = \"{}\"\n",
        file.display()
    );
    let config = athena_local::Config::from_toml_str(&toml, &dir).unwrap();
    let server = start(config).await;
    let c = client(&server);
    let rows = cells(&run(&c, "SELECT sum(n), max(s) FROM lake.nums").await);
    assert_eq!(rows[1], vec![Some("45".to_string()), Some("9".to_string())]);

    let id = start_query(&c, "SHOW TABLES IN lake").await;
    wait(&c, &id).await;
    let out = c
        .get_query_results()
        .query_execution_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        cells(out.result_set().unwrap()),
        vec![vec![Some("nums".to_string())]]
    );

    let id = start_query(&c, "DESCRIBE lake.nums").await;
    wait(&c, &id).await;
    let out = c
        .get_query_results()
        .query_execution_id(&id)
        .send()
        .await
        .unwrap();
    let rows = cells(out.result_set().unwrap());
    assert_eq!(rows.len(), 2, "no header row for DESCRIBE");
    assert_eq!(rows[0][0].as_deref(), Some("n"));

    let dbs = c
        .list_databases()
        .catalog_name("AwsDataCatalog")
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = dbs.database_list().iter().map(|d| d.name()).collect();
    assert_eq!(names, ["default", "lake"]);
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
