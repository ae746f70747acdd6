//! AWS Glue (AWS JSON 1.1, `X-Amz-Target: AWSGlue.*`): `GetCatalogs` over
//! the account's catalog hierarchy. The root is the account's default
//! catalog (Athena's `AwsDataCatalog`); below it are the
//! `[[nested_catalogs]]` and their container catalogs, each prefix of a
//! nested catalog's path (`s3tablescatalog` above `s3tablescatalog/sales`).

use super::{aws_json, RequestHead, ServeFuture, Service};
use crate::config::Config;
use crate::errors::ApiError;
use crate::server::AppState;
use bytes::Bytes;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const TARGET_PREFIX: &str = "AWSGlue.";
/// GetCatalogs' `MaxResults` range (Glue's page size limit).
const MAX_CATALOG_RESULTS: i64 = 1000;
const TOKEN_PREFIX: &str = "glue1-";

pub struct GlueService;

impl Service for GlueService {
    fn name(&self) -> &'static str {
        "glue"
    }

    fn signing_name(&self) -> &'static str {
        "glue"
    }

    fn claims(&self, head: &RequestHead<'_>) -> bool {
        head.target.starts_with(TARGET_PREFIX)
    }

    fn serve<'a>(
        &'a self,
        state: &'a AppState,
        head: &'a RequestHead<'a>,
        body: Result<Bytes, ApiError>,
        request_id: &'a str,
    ) -> ServeFuture<'a> {
        Box::pin(aws_json::serve_now(
            state,
            self,
            head,
            body,
            request_id,
            TARGET_PREFIX,
            |operation, json| {
                let athena = &state.athena;
                match operation {
                    "GetCatalogs" => get_catalogs(athena.config(), athena.created_epoch(), json),
                    other => Err(ApiError::unknown_operation(other)),
                }
            },
        ))
    }
}

fn invalid_input(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidInputException", message)
}

fn opt_bool(body: &Value, field: &str) -> Result<Option<bool>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::serialization(format!(
            "{field} must be a boolean"
        ))),
    }
}

fn opt_str<'a>(body: &'a Value, field: &str) -> Result<Option<&'a str>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::serialization(format!("{field} must be a string"))),
    }
}

/// One catalog below the root.
struct Node<'a> {
    /// Its path as configured (`s3tablescatalog/sales`).
    path: String,
    /// Whether a `[[nested_catalogs]]` entry is this catalog (it holds
    /// databases), rather than a container of such entries.
    has_databases: bool,
    connection: &'a str,
}

/// Every catalog below the root, keyed by its lower-case segments, so that
/// iteration is the hierarchy in pre-order (a parent before its children,
/// siblings by name).
fn hierarchy(config: &Config) -> BTreeMap<Vec<String>, Node<'_>> {
    let mut nodes: BTreeMap<Vec<String>, Node<'_>> = BTreeMap::new();
    for c in &config.nested_catalogs {
        let segments: Vec<&str> = c.segments().collect();
        for depth in 1..=segments.len() {
            let key: Vec<String> = segments[..depth].iter().map(|s| s.to_lowercase()).collect();
            let node = nodes.entry(key).or_insert_with(|| Node {
                path: segments[..depth].join("/"),
                has_databases: false,
                // A container's connection is its first child's.
                connection: &c.connection,
            });
            if depth == segments.len() {
                node.has_databases = true;
                node.connection = &c.connection;
            }
        }
    }
    nodes
}

/// A catalog as Glue describes it.
fn catalog_json(config: &Config, created: f64, node: &Node<'_>) -> Value {
    let account = &config.account;
    let region = &config.region;
    let depth = node.path.split('/').count();
    let name = node.path.rsplit('/').next().unwrap_or(&node.path);
    // S3 Tables' catalogs point at table buckets: the container at all of
    // them, each child at its own.
    let identifier = if node.connection == "aws:s3tables" {
        let bucket = if depth == 1 { "*" } else { name };
        format!("arn:aws:s3tables:{region}:{account}:bucket/{bucket}")
    } else {
        node.path.clone()
    };
    json!({
        "CatalogId": format!("{account}:{}", node.path),
        "Name": name,
        "ResourceArn": format!("arn:aws:glue:{region}:{account}:catalog/{}", node.path),
        "Parameters": {},
        "CreateTime": created,
        "UpdateTime": created,
        "FederatedCatalog": {
            "Identifier": identifier,
            "ConnectionName": node.connection,
        },
    })
}

/// The account's default catalog, as `IncludeRoot` lists it.
fn root_json(config: &Config, created: f64) -> Value {
    json!({
        "CatalogId": config.account,
        "Name": config.account,
        "ResourceArn": format!("arn:aws:glue:{}:{}:catalog", config.region, config.account),
        "Parameters": {},
        "CreateTime": created,
        "UpdateTime": created,
    })
}

/// `GetCatalogs`: the children of `ParentCatalogId` (default: the root),
/// or with `Recursive` every catalog below it; `HasDatabases` leaves out the
/// container-only catalogs; `IncludeRoot` (only for the root) lists the
/// default catalog first.
pub fn get_catalogs(config: &Config, created: f64, body: &Value) -> Result<Value, ApiError> {
    let recursive = opt_bool(body, "Recursive")?.unwrap_or(false);
    let include_root = opt_bool(body, "IncludeRoot")?;
    let has_databases = opt_bool(body, "HasDatabases")?.unwrap_or(false);
    let size = match body.get("MaxResults") {
        None | Some(Value::Null) => MAX_CATALOG_RESULTS,
        Some(v) => v
            .as_i64()
            .ok_or_else(|| ApiError::serialization("MaxResults must be an integer"))?,
    };
    if !(1..=MAX_CATALOG_RESULTS).contains(&size) {
        return Err(invalid_input(format!(
            "1 validation error detected: Value '{size}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and {MAX_CATALOG_RESULTS}"
        )));
    }
    let start = match opt_str(body, "NextToken")? {
        None => 0,
        Some(t) => t
            .strip_prefix(TOKEN_PREFIX)
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| invalid_input("Invalid NextToken"))?,
    };
    let nodes = hierarchy(config);
    // The parent: the root when absent or the account id; otherwise a
    // catalog id, `ACCOUNT:PATH` or the bare path.
    let parent: Option<Vec<String>> = match opt_str(body, "ParentCatalogId")? {
        None => None,
        Some(id) if id == config.account => None,
        Some(id) => {
            let path = id
                .strip_prefix(&format!("{}:", config.account))
                .unwrap_or(id);
            let key: Vec<String> = path.split('/').map(str::to_lowercase).collect();
            if !nodes.contains_key(&key) {
                return Err(ApiError::new(
                    400,
                    "EntityNotFoundException",
                    format!("Catalog {id} not found."),
                ));
            }
            Some(key)
        }
    };
    if include_root.is_some() && parent.is_some() {
        return Err(invalid_input(
            "IncludeRoot may only be given when ParentCatalogId is the account ID or absent",
        ));
    }
    let parent = parent.unwrap_or_default();
    let mut all = Vec::new();
    if include_root == Some(true) {
        all.push(root_json(config, created));
    }
    all.extend(
        nodes
            .iter()
            .filter(|(key, _)| key.len() > parent.len() && key.starts_with(&parent))
            .filter(|(key, _)| recursive || key.len() == parent.len() + 1)
            .filter(|(_, node)| !has_databases || node.has_databases)
            .map(|(_, node)| catalog_json(config, created, node)),
    );
    let size = usize::try_from(size).unwrap_or(1);
    let start = start.min(all.len());
    let end = start.saturating_add(size).min(all.len());
    let mut out = json!({"CatalogList": all[start..end]});
    if end < all.len() {
        out["NextToken"] = json!(format!("{TOKEN_PREFIX}{end}"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NestedCatalog;

    fn config() -> Config {
        let mut c = Config::default();
        for name in ["s3tablescatalog/sales", "s3tablescatalog/hr", "fed"] {
            c.nested_catalogs.push(NestedCatalog {
                name: name.into(),
                connection: "aws:s3tables".into(),
                list_error: None,
                list_error_code: "MetadataException".into(),
            });
        }
        c
    }

    fn ids(v: &Value) -> Vec<String> {
        v["CatalogList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["CatalogId"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn lists_the_hierarchy() {
        let c = config();
        let a = &c.account;
        let top = get_catalogs(&c, 0.0, &json!({})).unwrap();
        assert_eq!(
            ids(&top),
            [format!("{a}:fed"), format!("{a}:s3tablescatalog")]
        );
        let all = get_catalogs(&c, 0.0, &json!({"Recursive": true, "IncludeRoot": true})).unwrap();
        assert_eq!(
            ids(&all),
            [
                a.clone(),
                format!("{a}:fed"),
                format!("{a}:s3tablescatalog"),
                format!("{a}:s3tablescatalog/hr"),
                format!("{a}:s3tablescatalog/sales"),
            ]
        );
        let leaves =
            get_catalogs(&c, 0.0, &json!({"Recursive": true, "HasDatabases": true})).unwrap();
        assert_eq!(leaves["CatalogList"].as_array().unwrap().len(), 3);
        let below = get_catalogs(&c, 0.0, &json!({"ParentCatalogId": "s3tablescatalog"})).unwrap();
        assert_eq!(below["CatalogList"][0]["Name"], "hr");
        assert_eq!(
            below["CatalogList"][1]["FederatedCatalog"]["Identifier"],
            format!("arn:aws:s3tables:us-east-1:{a}:bucket/sales")
        );
        let missing = get_catalogs(&c, 0.0, &json!({"ParentCatalogId": "nope"})).unwrap_err();
        assert_eq!(missing.error_type, "EntityNotFoundException");
        let bad = get_catalogs(
            &c,
            0.0,
            &json!({"ParentCatalogId": "s3tablescatalog", "IncludeRoot": false}),
        )
        .unwrap_err();
        assert_eq!(bad.error_type, "InvalidInputException");
    }

    #[test]
    fn pages() {
        let c = config();
        let first = get_catalogs(&c, 0.0, &json!({"Recursive": true, "MaxResults": 3})).unwrap();
        assert_eq!(ids(&first).len(), 3);
        let token = first["NextToken"].as_str().unwrap();
        let rest = get_catalogs(&c, 0.0, &json!({"Recursive": true, "NextToken": token})).unwrap();
        assert_eq!(ids(&rest).len(), 1);
        assert!(rest.get("NextToken").is_none());
        for bad in [json!({"MaxResults": 0}), json!({"NextToken": "junk"})] {
            let e = get_catalogs(&c, 0.0, &bad).unwrap_err();
            assert_eq!(e.error_type, "InvalidInputException");
        }
    }
}
