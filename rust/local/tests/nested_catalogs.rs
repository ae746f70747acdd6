//! Glue's nested catalogs (`[[nested_catalogs]]`): Glue's GetCatalogs with
//! the SDK's Glue client, and Athena's metadata calls and queries naming a
//! nested catalog by its path (`s3tablescatalog/sales`).

mod common;

use athena_local::config::Config;
use aws_sdk_athena::error::ProvideErrorMetadata;
use aws_sdk_athena::types::QueryExecutionState;
use common::*;
use std::path::PathBuf;

const ORDERS: &str = "order_id,city_id,amount\n1,1,10\n2,1,5\n3,2,7\n";

/// A folder with the nested catalogs' data files, removed when dropped.
struct Data(PathBuf);

impl Drop for Data {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The main catalog's `cities`, S3 Tables' `s3tablescatalog/sales` (its
/// `ns1.orders`) and `s3tablescatalog/broken` (listing fails), and a
/// catalog federated through another connection, `lakehouse` (no tables).
fn config() -> (Config, Data) {
    let dir = std::env::temp_dir().join(format!("athena-local-nested-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("orders.csv"), ORDERS).unwrap();
    let cities = data_dir().join("cities.csv");
    let text = format!(
        r#"
        [[tables]]
        name = "cities"
        format = "csv"
        path = "{cities}"

        [[nested_catalogs]]
        name = "s3tablescatalog/sales"

        [[nested_catalogs]]
        name = "s3tablescatalog/broken"
        list_error = "the table bucket was deleted"
        list_error_code = "AccessDeniedException"

        [[nested_catalogs]]
        name = "lakehouse"
        connection = "my-iceberg-connection"

        [[databases]]
        catalog = "s3tablescatalog/sales"
        name = "NS1"
        description = "namespace one"

        [[tables]]
        catalog = "S3TablesCatalog/Sales"
        database = "ns1"
        name = "orders"
        format = "csv"
        path = "orders.csv"

        [[tables]]
        catalog = "s3tablescatalog/broken"
        database = "ns2"
        name = "orders_copy"
        format = "csv"
        path = "orders.csv"
        "#,
        cities = cities.display()
    );
    let config = Config::from_toml_str(&text, &dir).expect("config");
    (config, Data(dir))
}

fn glue(server: &athena_local::ServerHandle) -> aws_sdk_glue::Client {
    let conf = aws_sdk_glue::Config::builder()
        .behavior_version(aws_sdk_glue::config::BehaviorVersion::latest())
        .region(aws_sdk_glue::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_glue::config::Credentials::new(
            "test", "test", None, None, "static",
        ))
        .endpoint_url(server.endpoint_url())
        .retry_config(aws_sdk_glue::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_glue::Client::from_conf(conf)
}

fn ids(out: &aws_sdk_glue::operation::get_catalogs::GetCatalogsOutput) -> Vec<String> {
    out.catalog_list()
        .iter()
        .map(|c| c.catalog_id().unwrap_or_default().to_string())
        .collect()
}

/// Runs `sql` with the given context catalog (database `ns1` for nested
/// ones, `default` otherwise) to its end.
async fn run_with(
    c: &aws_sdk_athena::Client,
    catalog: &str,
    database: &str,
    sql: &str,
) -> aws_sdk_athena::types::QueryExecution {
    let id = start_query_with(c, "primary", Some(catalog), database, sql).await;
    wait(c, &id).await
}

/// As [`run_with`], the query's rows (header first) once it SUCCEEDED.
async fn rows_with(
    c: &aws_sdk_athena::Client,
    catalog: &str,
    database: &str,
    sql: &str,
) -> Vec<Vec<Option<String>>> {
    let qe = run_with(c, catalog, database, sql).await;
    cells(&first_page(c, sql, &qe).await)
}

/// The reason of a query that must FAIL.
async fn failure_with(
    c: &aws_sdk_athena::Client,
    catalog: &str,
    database: &str,
    sql: &str,
) -> String {
    let qe = run_with(c, catalog, database, sql).await;
    let status = qe.status().expect("status");
    assert_eq!(status.state(), Some(&QueryExecutionState::Failed), "{sql}");
    status.state_change_reason().unwrap_or_default().to_string()
}

fn text(rows: &[Vec<Option<String>>]) -> Vec<Vec<&str>> {
    rows.iter()
        .map(|r| r.iter().map(|v| v.as_deref().unwrap_or("NULL")).collect())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_catalogs_lists_the_hierarchy() {
    let (config, _data) = config();
    let account = config.account.clone();
    let server = start(config).await;
    let g = glue(&server);

    // The root's children: the container and the top-level catalog.
    let top = g.get_catalogs().send().await.expect("GetCatalogs");
    assert_eq!(
        ids(&top),
        [
            format!("{account}:lakehouse"),
            format!("{account}:s3tablescatalog")
        ]
    );
    assert!(top.next_token().is_none());
    let container = &top.catalog_list()[1];
    assert_eq!(container.name(), "s3tablescatalog");
    assert_eq!(
        container.resource_arn(),
        Some(format!("arn:aws:glue:us-east-1:{account}:catalog/s3tablescatalog").as_str())
    );
    let federated = container.federated_catalog().expect("FederatedCatalog");
    assert_eq!(federated.connection_name(), Some("aws:s3tables"));
    assert_eq!(
        federated.identifier(),
        Some(format!("arn:aws:s3tables:us-east-1:{account}:bucket/*").as_str())
    );
    assert!(container.create_time().is_some() && container.update_time().is_some());
    assert_eq!(
        top.catalog_list()[0]
            .federated_catalog()
            .and_then(|f| f.connection_name()),
        Some("my-iceberg-connection")
    );

    // Below the container, by its bare path or its catalog id.
    for parent in [
        "s3tablescatalog".to_string(),
        format!("{account}:s3tablescatalog"),
    ] {
        let below = g
            .get_catalogs()
            .parent_catalog_id(parent)
            .send()
            .await
            .expect("children");
        assert_eq!(
            ids(&below),
            [
                format!("{account}:s3tablescatalog/broken"),
                format!("{account}:s3tablescatalog/sales")
            ]
        );
        let sales = &below.catalog_list()[1];
        assert_eq!(sales.name(), "sales");
        assert_eq!(
            sales.resource_arn(),
            Some(
                format!("arn:aws:glue:us-east-1:{account}:catalog/s3tablescatalog/sales").as_str()
            )
        );
        assert_eq!(
            sales.federated_catalog().and_then(|f| f.identifier()),
            Some(format!("arn:aws:s3tables:us-east-1:{account}:bucket/sales").as_str())
        );
        assert!(sales.parameters().is_some_and(|p| p.is_empty()));
    }
    // A catalog without children has none to list.
    let leaf = g
        .get_catalogs()
        .parent_catalog_id("s3tablescatalog/sales")
        .send()
        .await
        .expect("leaf");
    assert!(leaf.catalog_list().is_empty());

    // Recursive: the whole hierarchy, parents first; HasDatabases leaves the
    // container out; IncludeRoot adds the account's default catalog.
    let all = g.get_catalogs().recursive(true).send().await.expect("all");
    assert_eq!(
        ids(&all),
        [
            format!("{account}:lakehouse"),
            format!("{account}:s3tablescatalog"),
            format!("{account}:s3tablescatalog/broken"),
            format!("{account}:s3tablescatalog/sales"),
        ]
    );
    let with_databases = g
        .get_catalogs()
        .recursive(true)
        .has_databases(true)
        .send()
        .await
        .expect("has databases");
    assert_eq!(
        ids(&with_databases),
        [
            format!("{account}:lakehouse"),
            format!("{account}:s3tablescatalog/broken"),
            format!("{account}:s3tablescatalog/sales"),
        ]
    );
    let with_root = g
        .get_catalogs()
        .include_root(true)
        .send()
        .await
        .expect("root");
    assert_eq!(
        ids(&with_root),
        [
            account.clone(),
            format!("{account}:lakehouse"),
            format!("{account}:s3tablescatalog")
        ]
    );
    assert_eq!(
        with_root.catalog_list()[0].resource_arn(),
        Some(format!("arn:aws:glue:us-east-1:{account}:catalog").as_str())
    );
    let by_account = g
        .get_catalogs()
        .parent_catalog_id(&account)
        .include_root(false)
        .send()
        .await
        .expect("the account is the root");
    assert_eq!(ids(&by_account), ids(&top));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_catalogs_pages_and_refuses() {
    let (config, _data) = config();
    let server = start(config).await;
    let g = glue(&server);

    let mut token: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let page = g
            .get_catalogs()
            .recursive(true)
            .max_results(3)
            .set_next_token(token.clone())
            .send()
            .await
            .expect("page");
        pages.push(ids(&page));
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [3, 1]);

    let missing = g
        .get_catalogs()
        .parent_catalog_id("s3tablescatalog/nosuch")
        .send()
        .await
        .expect_err("unknown parent");
    assert!(
        missing
            .as_service_error()
            .is_some_and(|e| e.is_entity_not_found_exception()),
        "{missing:?}"
    );
    let invalid = g
        .get_catalogs()
        .parent_catalog_id("s3tablescatalog")
        .include_root(true)
        .send()
        .await
        .expect_err("IncludeRoot below the root");
    assert!(
        invalid
            .as_service_error()
            .is_some_and(|e| e.is_invalid_input_exception()),
        "{invalid:?}"
    );
    let invalid = g
        .get_catalogs()
        .max_results(0)
        .send()
        .await
        .expect_err("MaxResults 0");
    assert!(
        invalid
            .as_service_error()
            .is_some_and(|e| e.is_invalid_input_exception()),
        "{invalid:?}"
    );

    // An injected refusal, as for a principal without glue:GetCatalogs: the
    // next two calls, then an outage of 150 ms.
    let (status, _) = http(
        &server,
        "POST",
        "/_athena_local/faults",
        r#"{"operation":"GetCatalogs","kind":"access_denied","count":2}"#,
    )
    .await;
    assert_eq!(status, 200);
    for _ in 0..2 {
        let denied = g.get_catalogs().send().await.expect_err("denied");
        let e = denied.as_service_error().expect("service error");
        assert!(e.is_access_denied_exception(), "{denied:?}");
        assert_eq!(
            e.message(),
            Some(
                "User: arn:aws:iam::111122223333:user/test is not authorized to perform: \
                 glue:GetCatalogs because no identity-based policy allows the glue:GetCatalogs action"
            )
        );
    }
    g.get_catalogs().send().await.expect("allowed again");
    let (status, _) = http(
        &server,
        "POST",
        "/_athena_local/faults",
        r#"{"operation":"GetCatalogs","kind":"access_denied","for_ms":150}"#,
    )
    .await;
    assert_eq!(status, 200);
    g.get_catalogs()
        .send()
        .await
        .expect_err("denied during the outage");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    g.get_catalogs().send().await.expect("allowed after it");

    // The call record names the service and the refusal.
    let (_, body) = http(&server, "GET", "/_athena_local/calls", "").await;
    let calls: serde_json::Value = serde_json::from_str(&body).unwrap();
    let denied: Vec<&serde_json::Value> = calls
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["error_type"] == "AccessDeniedException")
        .collect();
    assert_eq!(denied.len(), 3);
    assert!(denied
        .iter()
        .all(|c| c["service"] == "glue" && c["operation"] == "GetCatalogs" && c["status"] == 400));

    // The same fault on an S3 call is S3's refusal.
    let (status, _) = http(
        &server,
        "POST",
        "/_athena_local/faults",
        r#"{"operation":"ListObjectsV2","kind":"access_denied"}"#,
    )
    .await;
    assert_eq!(status, 200);
    let s3 = s3_client(&server, "us-east-1", "test");
    let denied = s3
        .list_objects_v2()
        .bucket("athena-local-results")
        .send()
        .await
        .expect_err("denied");
    assert_eq!(denied.code(), Some("AccessDenied"), "{denied:?}");
    assert_eq!(
        denied.raw_response().map(|r| r.status().as_u16()),
        Some(403)
    );

    // Other Glue operations are not there.
    let unknown = g
        .get_databases()
        .catalog_id("s3tablescatalog/sales")
        .send()
        .await
        .expect_err("not emulated");
    assert_eq!(unknown.code(), Some("UnknownOperationException"));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn athena_metadata_takes_the_nested_path_as_catalog_name() {
    let (config, _data) = config();
    let account = config.account.clone();
    let server = start(config).await;
    let c = client(&server);

    // ListDataCatalogs lists the registered catalogs only.
    let catalogs = c.list_data_catalogs().send().await.expect("catalogs");
    let names: Vec<&str> = catalogs
        .data_catalogs_summary()
        .iter()
        .filter_map(|s| s.catalog_name())
        .collect();
    assert_eq!(names, ["AwsDataCatalog"]);

    for name in ["s3tablescatalog/sales", "S3TablesCatalog/Sales"] {
        let catalog = c
            .get_data_catalog()
            .name(name)
            .send()
            .await
            .expect("GetDataCatalog")
            .data_catalog
            .expect("DataCatalog");
        assert_eq!(catalog.name(), "s3tablescatalog/sales");
        assert_eq!(
            catalog.parameters().and_then(|p| p.get("catalog-id")),
            Some(&format!("{account}:s3tablescatalog/sales"))
        );
        let databases = c
            .list_databases()
            .catalog_name(name)
            .send()
            .await
            .expect("ListDatabases");
        let listed: Vec<(&str, Option<&str>)> = databases
            .database_list()
            .iter()
            .map(|d| (d.name(), d.description()))
            .collect();
        assert_eq!(listed, [("ns1", Some("namespace one"))]);
    }
    let database = c
        .get_database()
        .catalog_name("s3tablescatalog/sales")
        .database_name("NS1")
        .send()
        .await
        .expect("GetDatabase");
    assert_eq!(database.database().map(|d| d.name()), Some("ns1"));
    // The main catalog's databases are not the nested one's.
    let missing = c
        .get_database()
        .catalog_name("s3tablescatalog/sales")
        .database_name("default")
        .send()
        .await
        .expect_err("not in the nested catalog");
    assert_eq!(missing.code(), Some("MetadataException"));

    let tables = c
        .list_table_metadata()
        .catalog_name("s3tablescatalog/sales")
        .database_name("ns1")
        .send()
        .await
        .expect("ListTableMetadata");
    let names: Vec<&str> = tables
        .table_metadata_list()
        .iter()
        .map(|t| t.name())
        .collect();
    assert_eq!(names, ["orders"]);
    let orders = c
        .get_table_metadata()
        .catalog_name("s3tablescatalog/sales")
        .database_name("ns1")
        .table_name("orders")
        .send()
        .await
        .expect("GetTableMetadata")
        .table_metadata
        .expect("TableMetadata");
    let columns: Vec<(&str, Option<&str>)> = orders
        .columns()
        .iter()
        .map(|col| (col.name(), col.r#type()))
        .collect();
    assert_eq!(
        columns,
        [
            ("order_id", Some("bigint")),
            ("city_id", Some("bigint")),
            ("amount", Some("bigint"))
        ]
    );
    assert_eq!(
        orders.parameters().and_then(|p| p.get("classification")),
        Some(&"csv".to_string())
    );

    // A container holds no databases: Athena does not know it as a catalog.
    let container = c
        .list_databases()
        .catalog_name("s3tablescatalog")
        .send()
        .await
        .expect_err("container");
    assert_eq!(container.code(), Some("MetadataException"));

    // The broken table bucket fails its listings with its configured code.
    let broken = c
        .list_databases()
        .catalog_name("s3tablescatalog/broken")
        .send()
        .await
        .expect_err("broken");
    assert_eq!(broken.code(), Some("AccessDeniedException"), "{broken:?}");
    assert_eq!(broken.message(), Some("the table bucket was deleted"));
    let e = c
        .get_database()
        .catalog_name("s3tablescatalog/broken")
        .database_name("ns2")
        .send()
        .await
        .expect_err("broken");
    assert_eq!(e.code(), Some("AccessDeniedException"), "{e:?}");
    let e = c
        .list_table_metadata()
        .catalog_name("s3tablescatalog/broken")
        .database_name("ns2")
        .send()
        .await
        .expect_err("broken");
    assert_eq!(e.code(), Some("AccessDeniedException"), "{e:?}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_reach_nested_catalogs() {
    let (config, _data) = config();
    let server = start(config).await;
    let c = client(&server);
    let orders_bytes = ORDERS.len() as i64;
    let cities_bytes = std::fs::metadata(data_dir().join("cities.csv"))
        .unwrap()
        .len() as i64;

    // The context catalog is the nested one: unqualified names are its.
    let rows = rows_with(
        &c,
        "s3tablescatalog/sales",
        "ns1",
        "SELECT order_id, amount FROM orders ORDER BY order_id",
    )
    .await;
    assert_eq!(
        text(&rows),
        [
            vec!["order_id", "amount"],
            vec!["1", "10"],
            vec!["2", "5"],
            vec!["3", "7"]
        ]
    );
    // Three-part names from the main catalog, and a join across catalogs,
    // counted in bytes scanned.
    let sql = "SELECT c.name, sum(o.amount) AS total \
               FROM \"s3tablescatalog/sales\".ns1.orders o \
               JOIN awsdatacatalog.default.cities c ON c.id = o.city_id \
               GROUP BY c.name ORDER BY c.name";
    let rows = rows_with(&c, "AwsDataCatalog", "default", sql).await;
    assert_eq!(
        text(&rows),
        [
            vec!["name", "total"],
            vec!["Berlin", "7"],
            vec!["Paris", "15"]
        ]
    );
    let qe = run_with(&c, "AwsDataCatalog", "default", sql).await;
    assert_eq!(
        qe.statistics().and_then(|s| s.data_scanned_in_bytes()),
        Some(orders_bytes + cities_bytes)
    );
    let (_, body) = http(&server, "GET", "/_athena_local/queries", "").await;
    let listed: serde_json::Value = serde_json::from_str(&body).unwrap();
    let last = listed.as_array().and_then(|a| a.last()).unwrap();
    let mut read: Vec<&str> = last["tablesRead"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["table"].as_str())
        .collect();
    read.sort();
    assert_eq!(read, ["default.cities", "s3tablescatalog/sales.ns1.orders"]);
    // From the nested context, the main catalog by its three-part name.
    let rows = rows_with(
        &c,
        "s3tablescatalog/sales",
        "ns1",
        "SELECT count(*) AS n FROM orders o JOIN AwsDataCatalog.default.cities c ON c.id = o.city_id",
    )
    .await;
    assert_eq!(text(&rows), [vec!["n"], vec!["3"]]);

    // information_schema is per catalog, named in lower case.
    let sql = "SELECT table_catalog, table_schema, table_name, column_name, data_type \
               FROM information_schema.columns WHERE table_schema = 'ns1' ORDER BY ordinal_position";
    let expected = [
        vec![
            "table_catalog",
            "table_schema",
            "table_name",
            "column_name",
            "data_type",
        ],
        vec![
            "s3tablescatalog/sales",
            "ns1",
            "orders",
            "order_id",
            "bigint",
        ],
        vec![
            "s3tablescatalog/sales",
            "ns1",
            "orders",
            "city_id",
            "bigint",
        ],
        vec!["s3tablescatalog/sales", "ns1", "orders", "amount", "bigint"],
    ];
    let rows = rows_with(&c, "s3tablescatalog/sales", "ns1", sql).await;
    assert_eq!(text(&rows), expected);
    let qualified = sql.replace(
        "FROM information_schema",
        "FROM \"s3tablescatalog/sales\".information_schema",
    );
    let rows = rows_with(&c, "AwsDataCatalog", "default", &qualified).await;
    assert_eq!(text(&rows), expected);
    // The main catalog's information_schema does not list the nested one's.
    let rows = rows_with(
        &c,
        "AwsDataCatalog",
        "default",
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'ns1'",
    )
    .await;
    assert_eq!(text(&rows), [vec!["n"], vec!["0"]]);

    // SHOW answers for the context catalog.
    let rows = rows_with(&c, "s3tablescatalog/sales", "ns1", "SHOW TABLES").await;
    assert_eq!(text(&rows), [vec!["orders"]]);
    let rows = rows_with(&c, "s3tablescatalog/sales", "ns1", "SHOW DATABASES").await;
    assert_eq!(text(&rows), [vec!["ns1"]]);
    let rows = rows_with(&c, "AwsDataCatalog", "default", "SHOW TABLES").await;
    assert_eq!(text(&rows), [vec!["cities"]]);
    // A broken table bucket cannot list, yet its tables answer queries.
    let reason = failure_with(&c, "s3tablescatalog/broken", "ns2", "SHOW TABLES").await;
    assert!(reason.contains("the table bucket was deleted"), "{reason}");
    let rows = rows_with(
        &c,
        "s3tablescatalog/broken",
        "ns2",
        "SELECT count(*) AS n FROM orders_copy",
    )
    .await;
    assert_eq!(text(&rows), [vec!["n"], vec!["3"]]);

    // Unknown catalogs, in the context or in a name, and the container.
    for catalog in ["nosuch", "s3tablescatalog"] {
        let reason = failure_with(&c, catalog, "default", "SELECT 1").await;
        assert_eq!(
            reason,
            format!("CATALOG_NOT_FOUND: Catalog '{catalog}' does not exist")
        );
    }
    let reason = failure_with(
        &c,
        "AwsDataCatalog",
        "default",
        "SELECT * FROM \"s3tablescatalog/nosuch\".ns1.orders",
    )
    .await;
    assert!(reason.starts_with("CATALOG_NOT_FOUND: "), "{reason}");
    server.shutdown().await;
}

#[test]
fn config_refuses_unknown_and_ill_formed_catalogs() {
    let base = std::env::temp_dir();
    let csv = data_dir().join("cities.csv");
    let bad = [
        // A table or database in a catalog that is not configured.
        format!(
            "[[tables]]\ncatalog = \"s3tablescatalog/nosuch\"\nname = \"t\"\nformat = \"csv\"\npath = \"{}\"",
            csv.display()
        ),
        "[[databases]]\ncatalog = \"elsewhere\"\nname = \"d\"".to_string(),
        // Ill-formed, twice, clashing, or a parent of another.
        "[[nested_catalogs]]\nname = \"s3tablescatalog//x\"".to_string(),
        "[[nested_catalogs]]\nname = \"a.b\"".to_string(),
        "[[nested_catalogs]]\nname = \"aws:x\"".to_string(),
        "[[nested_catalogs]]\nname = \"x/y\"\n[[nested_catalogs]]\nname = \"X/Y\"".to_string(),
        "[[nested_catalogs]]\nname = \"awsdatacatalog/x\"".to_string(),
        "[[catalogs]]\nname = \"fed\"\n[[nested_catalogs]]\nname = \"fed\"".to_string(),
        "[[nested_catalogs]]\nname = \"x/y\"\n[[nested_catalogs]]\nname = \"x\"".to_string(),
        "[[nested_catalogs]]\nname = \"x\"\nlist_error_code = \"Nope\"".to_string(),
    ];
    for text in &bad {
        let e = Config::from_toml_str(text, &base).expect_err(text);
        assert!(
            matches!(e, athena_local::config::ConfigError::Invalid(_)),
            "{text}: {e}"
        );
    }
    // Existing configurations are unchanged: no nested catalogs, every
    // database and table in `catalog`.
    let c = sample_config();
    assert!(c.nested_catalogs.is_empty());
    assert!(c.databases.iter().all(|d| d.catalog.is_none()));
    assert!(c.tables.iter().all(|t| t.catalog.is_none()));
    // The main catalog may be named in any spelling; nested ones are stored
    // as configured.
    let (c, _data) = config();
    let orders = c.tables.iter().find(|t| t.name == "orders").unwrap();
    assert_eq!(orders.catalog.as_deref(), Some("s3tablescatalog/sales"));
    let main = Config::from_toml_str(
        "[[databases]]\ncatalog = \"awsdatacatalog\"\nname = \"d\"",
        &base,
    )
    .unwrap();
    assert!(main
        .databases
        .iter()
        .any(|d| d.name == "d" && d.catalog.is_none()));
}
