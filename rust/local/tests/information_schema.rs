//! `information_schema` as Athena answers it, and the metadata API's
//! configured failures (`[[catalogs]]`, `[[database_rules]]`).

mod common;

use athena_local::config::{DataCatalog, DatabaseRule};
use aws_sdk_athena::error::ProvideErrorMetadata;
use aws_sdk_athena::types::QueryExecutionState;
use common::*;

/// The sample configuration (its `cities` table) with a broken federated
/// catalog, a database whose listing fails and one whose table metadata is
/// denied.
fn config() -> athena_local::Config {
    let mut config = sample_config();
    config.catalogs.push(DataCatalog {
        name: "sales_connector".into(),
        catalog_type: "LAMBDA".into(),
        list_error: Some("the connector's Lambda function failed".into()),
        list_error_code: "MetadataException".into(),
    });
    for name in ["broken", "restricted"] {
        config.databases.push(athena_local::config::Database {
            catalog: None,
            name: name.into(),
            description: String::new(),
        });
    }
    config.database_rules.push(DatabaseRule {
        database: "broken".into(),
        list_error: Some("source deleted".into()),
        deny_table_metadata: false,
        denied_principals: Vec::new(),
    });
    config.database_rules.push(DatabaseRule {
        database: "restricted".into(),
        list_error: None,
        deny_table_metadata: true,
        denied_principals: Vec::new(),
    });
    config
}

/// The static key `test`'s ARN in athena-local's account.
fn caller_arn(config: &athena_local::Config) -> String {
    format!("arn:aws:iam::{}:user/test", config.account)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn columns_have_athenas_shape_and_type_names() {
    let server = start(config()).await;
    let c = client(&server);
    run(
        &c,
        "CREATE TABLE restricted.typed AS SELECT CAST(1 AS INTEGER) AS i, CAST(2 AS BIGINT) AS b, \
         CAST('x' AS VARCHAR) AS v, CAST(1.5 AS DECIMAL(10,2)) AS d, ARRAY[CAST(1 AS INTEGER)] AS a, \
         named_struct('a', CAST(1 AS INTEGER), 'b', 'y') AS r, CAST('2024-01-02 03:04:05' AS TIMESTAMP) AS t",
    )
    .await;
    let rs = run(
        &c,
        "SELECT * FROM information_schema.columns WHERE table_schema = 'restricted' \
         AND table_name LIKE 'ty%' ORDER BY ordinal_position",
    )
    .await;
    let rows = cells(&rs);
    let header: Vec<&str> = rows[0].iter().map(|h| h.as_deref().unwrap_or("")).collect();
    assert_eq!(
        header,
        [
            "table_catalog",
            "table_schema",
            "table_name",
            "column_name",
            "ordinal_position",
            "column_default",
            "is_nullable",
            "data_type",
            "comment",
            "extra_info"
        ]
    );
    let types: Vec<(String, String)> = rows[1..]
        .iter()
        .map(|r| {
            (
                r[3].clone().unwrap_or_default(),
                r[7].clone().unwrap_or_default(),
            )
        })
        .collect();
    let expected = [
        ("i", "integer"),
        ("b", "bigint"),
        ("v", "varchar"),
        ("d", "decimal(10,2)"),
        ("a", "array(integer)"),
        ("r", "row(a integer, b varchar)"),
        ("t", "timestamp(3)"),
    ];
    assert_eq!(
        types,
        expected
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect::<Vec<_>>()
    );
    assert_eq!(rows[1][0].as_deref(), Some("awsdatacatalog"));
    assert_eq!(rows[1][4].as_deref(), Some("1"));
    // Metadata, not table data: Athena bills no bytes for it.
    let id = start_query(&c, "SELECT count(*) FROM information_schema.columns").await;
    let done = wait(&c, &id).await;
    assert_eq!(
        done.statistics().and_then(|s| s.data_scanned_in_bytes()),
        Some(0)
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_and_schemata_list_what_the_catalog_holds() {
    let server = start(config()).await;
    let c = client(&server);
    run(&c, "CREATE VIEW restricted.v AS SELECT 1 AS one").await;
    let rs = run(
        &c,
        "SELECT table_schema, table_name, table_type FROM information_schema.tables \
         WHERE table_schema IN ('default', 'restricted') ORDER BY 1, 2",
    )
    .await;
    let rows = cells(&rs);
    assert!(
        rows.contains(&vec![
            Some("default".into()),
            Some("cities".into()),
            Some("BASE TABLE".into())
        ]),
        "{rows:?}"
    );
    assert!(
        rows.contains(&vec![
            Some("restricted".into()),
            Some("v".into()),
            Some("VIEW".into())
        ]),
        "{rows:?}"
    );
    let rs = run(
        &c,
        "SELECT schema_name FROM information_schema.schemata ORDER BY 1",
    )
    .await;
    let names: Vec<String> = cells(&rs)[1..]
        .iter()
        .filter_map(|r| r[0].clone())
        .collect();
    assert!(names.contains(&"broken".to_string()), "{names:?}");
    assert!(
        names.contains(&"information_schema".to_string()),
        "{names:?}"
    );
    // SHOW TABLES still lists the tables through it.
    let rs = run(&c, "SHOW TABLES IN restricted").await;
    assert_eq!(cells(&rs), vec![vec![Some("v".to_string())]]);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denied_table_metadata_is_access_denied_and_queries_still_answer() {
    let mut config = config();
    // Denied to another principal only, then to this caller only.
    for (database, principal) in [
        (
            "analysts",
            "arn:aws:iam::111122223333:role/Analyst".to_string(),
        ),
        ("mine", caller_arn(&config)),
    ] {
        config.databases.push(athena_local::config::Database {
            catalog: None,
            name: database.into(),
            description: String::new(),
        });
        config.database_rules.push(DatabaseRule {
            database: database.into(),
            list_error: None,
            deny_table_metadata: true,
            denied_principals: vec![principal],
        });
    }
    let server = start(config).await;
    let c = client(&server);
    run(&c, "CREATE TABLE restricted.t AS SELECT 1 AS x").await;
    let denied = c
        .get_table_metadata()
        .catalog_name("AwsDataCatalog")
        .database_name("restricted")
        .table_name("t")
        .send()
        .await
        .expect_err("denied");
    assert_eq!(denied.code(), Some("AccessDeniedException"), "{denied:?}");
    let denied = c
        .list_table_metadata()
        .catalog_name("AwsDataCatalog")
        .database_name("restricted")
        .send()
        .await
        .expect_err("denied");
    assert_eq!(denied.code(), Some("AccessDeniedException"), "{denied:?}");
    let rs = run(&c, "SELECT x FROM restricted.t").await;
    assert_eq!(cells(&rs)[1], vec![Some("1".to_string())]);
    // Other databases are not affected.
    c.get_table_metadata()
        .catalog_name("AwsDataCatalog")
        .database_name("default")
        .table_name("cities")
        .send()
        .await
        .expect("default.cities");
    let listed = |database: &'static str| {
        c.list_table_metadata()
            .catalog_name("AwsDataCatalog")
            .database_name(database)
            .send()
    };
    listed("analysts")
        .await
        .expect("denied to another principal only");
    let denied = listed("mine").await.expect_err("denied to this caller");
    assert_eq!(denied.code(), Some("AccessDeniedException"), "{denied:?}");
    assert!(
        denied.message().unwrap_or_default().contains(":user/test"),
        "{denied:?}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_database_and_a_broken_catalog_fail_their_listings() {
    let server = start(config()).await;
    let c = client(&server);
    let failed = c
        .list_table_metadata()
        .catalog_name("AwsDataCatalog")
        .database_name("broken")
        .send()
        .await
        .expect_err("broken");
    assert_eq!(failed.code(), Some("MetadataException"), "{failed:?}");
    assert!(
        failed.message().unwrap_or("").contains("source deleted"),
        "{failed:?}"
    );
    let id = start_query(&c, "SHOW TABLES IN broken").await;
    let qe = wait(&c, &id).await;
    let status = qe.status().expect("status");
    assert_eq!(status.state(), Some(&QueryExecutionState::Failed));
    assert!(
        status
            .state_change_reason()
            .unwrap_or("")
            .contains("source deleted"),
        "{status:?}"
    );

    let catalogs = c.list_data_catalogs().send().await.expect("catalogs");
    let names: Vec<&str> = catalogs
        .data_catalogs_summary()
        .iter()
        .filter_map(|s| s.catalog_name())
        .collect();
    assert_eq!(names, ["AwsDataCatalog", "sales_connector"]);
    let failed = c
        .list_databases()
        .catalog_name("sales_connector")
        .send()
        .await
        .expect_err("broken catalog");
    assert_eq!(failed.code(), Some("MetadataException"), "{failed:?}");
    assert!(
        failed
            .message()
            .unwrap_or("")
            .contains("Lambda function failed"),
        "{failed:?}"
    );
    c.list_databases()
        .catalog_name("AwsDataCatalog")
        .send()
        .await
        .expect("the engine's catalog still lists");
    server.shutdown().await;
}
