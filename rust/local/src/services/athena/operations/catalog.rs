//! Athena's metadata operations: data catalogs, databases and table metadata.
//! `[[catalogs]]` and `[[database_rules]]` make some of them fail the way a
//! broken federated source or a restricted principal sees them fail.

use super::{
    max_results, name_filter, opt_str, page, parse_token, req_str, Athena, MAX_METADATA_RESULTS,
};
use crate::config::{DataCatalog, METADATA_ERROR_CODES};
use crate::errors::ApiError;
use crate::render;
use serde_json::{json, Value};

/// Which catalog a request names.
enum CatalogRef<'a> {
    /// The engine's own catalog (`catalog` in the configuration).
    Engine,
    /// A `[[catalogs]]` entry: no databases of its own.
    Extra(&'a DataCatalog),
}

/// The `[[catalogs]]` entry's configured failure, under its configured code.
fn listing_error(catalog: &DataCatalog, why: &str) -> ApiError {
    let code = METADATA_ERROR_CODES
        .iter()
        .find(|c| **c == catalog.list_error_code)
        .copied()
        .unwrap_or("MetadataException");
    ApiError::new(400, code, why.to_string())
}

impl Athena {
    pub(super) fn list_data_catalogs(&self, body: &Value) -> Result<Value, ApiError> {
        let size = max_results(body, 1, MAX_METADATA_RESULTS, MAX_METADATA_RESULTS)?;
        let start = parse_token(body)?;
        let mut all = vec![json!({
            "CatalogName": self.engine.catalog_name(),
            "Type": "GLUE",
            "Status": "CREATE_COMPLETE",
        })];
        all.extend(self.config.catalogs.iter().map(|c| {
            json!({
                "CatalogName": c.name,
                "Type": c.catalog_type,
                "Status": "CREATE_COMPLETE",
            })
        }));
        let (items, next) = page(&all, start, size);
        let mut out = json!({"DataCatalogsSummary": items});
        if let Some(n) = next {
            out["NextToken"] = json!(n);
        }
        Ok(out)
    }

    fn catalog_ref(&self, name: &str) -> Result<CatalogRef<'_>, ApiError> {
        if self.engine.is_catalog(name) {
            return Ok(CatalogRef::Engine);
        }
        self.config
            .extra_catalog(name)
            .map(CatalogRef::Extra)
            .ok_or_else(|| ApiError::metadata(format!("Catalog {name} was not found.")))
    }

    /// The engine's catalog, or the error a database request in another one
    /// gets: its configured failure, or no such database.
    fn engine_catalog(&self, name: &str, database: &str) -> Result<(), ApiError> {
        match self.catalog_ref(name)? {
            CatalogRef::Engine => Ok(()),
            CatalogRef::Extra(c) => Err(match &c.list_error {
                Some(why) => listing_error(c, why),
                None => ApiError::metadata(format!("Database {database} not found.")),
            }),
        }
    }

    pub(super) fn get_data_catalog(&self, body: &Value) -> Result<Value, ApiError> {
        let name = req_str(body, "Name")?;
        Ok(match self.catalog_ref(name)? {
            CatalogRef::Engine => json!({"DataCatalog": {
                "Name": self.engine.catalog_name(),
                "Description": "athena-local catalog",
                "Type": "GLUE",
                "Parameters": {"catalog-id": "000000000000"},
                "Status": "CREATE_COMPLETE",
            }}),
            CatalogRef::Extra(c) => json!({"DataCatalog": {
                "Name": c.name,
                "Description": "athena-local catalog without databases",
                "Type": c.catalog_type,
                "Parameters": {},
                "Status": "CREATE_COMPLETE",
            }}),
        })
    }

    fn database_description(&self, name: &str) -> String {
        self.config
            .databases
            .iter()
            .find(|d| d.name == name)
            .map(|d| d.description.clone())
            .unwrap_or_default()
    }

    pub(super) fn list_databases(&self, body: &Value) -> Result<Value, ApiError> {
        let catalog = req_str(body, "CatalogName")?;
        let size = max_results(body, 1, MAX_METADATA_RESULTS, MAX_METADATA_RESULTS)?;
        let start = parse_token(body)?;
        let names = match self.catalog_ref(catalog)? {
            CatalogRef::Engine => self.engine.databases(),
            CatalogRef::Extra(c) => match &c.list_error {
                Some(why) => return Err(listing_error(c, why)),
                None => Vec::new(),
            },
        };
        let all: Vec<Value> = names
            .into_iter()
            .map(|name| {
                json!({"Name": name, "Description": self.database_description(&name), "Parameters": {}})
            })
            .collect();
        let (items, next) = page(&all, start, size);
        let mut out = json!({"DatabaseList": items});
        if let Some(n) = next {
            out["NextToken"] = json!(n);
        }
        Ok(out)
    }

    pub(super) fn get_database(&self, body: &Value) -> Result<Value, ApiError> {
        let catalog = req_str(body, "CatalogName")?;
        let name = req_str(body, "DatabaseName")?.to_lowercase();
        self.engine_catalog(catalog, &name)?;
        if !self.engine.databases().contains(&name) {
            return Err(ApiError::metadata(format!("Database {name} not found.")));
        }
        Ok(json!({"Database": {
            "Name": name,
            "Description": self.database_description(&name),
            "Parameters": {},
        }}))
    }

    /// A table's metadata as Athena gives it; None when there is no such table.
    async fn table_json(&self, database: &str, table: &str) -> Result<Option<Value>, ApiError> {
        let configured = self
            .config
            .tables
            .iter()
            .find(|t| t.database == database && t.name == table);
        if let Some(why) = configured.and_then(|t| t.describe_error.as_ref()) {
            return Err(ApiError::metadata(format!(
                "Could not describe table {database}.{table}: {why}"
            )));
        }
        let Some((schema, is_view)) = self.engine.table_info(database, table).await else {
            return Ok(None);
        };
        let columns: Vec<Value> = schema
            .fields()
            .iter()
            .map(|f| json!({"Name": f.name(), "Type": render::hive_type(f)}))
            .collect();
        let classification = configured
            .map(|t| match t.format {
                crate::config::TableFormat::Csv => "csv",
                crate::config::TableFormat::Parquet => "parquet",
            })
            .unwrap_or("memory");
        Ok(Some(json!({
            "Name": table,
            "CreateTime": self.created_epoch,
            "TableType": if is_view { "VIRTUAL_VIEW" } else { "EXTERNAL_TABLE" },
            "Columns": columns,
            "PartitionKeys": [],
            "Parameters": {"classification": classification},
        })))
    }

    /// IAM's refusal of GetTableMetadata/ListTableMetadata to `caller` (its
    /// ARN and role), when a `[[database_rules]]` entry denies that database's
    /// table metadata to it; None when allowed or not such a call.
    pub fn table_metadata_denied(
        &self,
        operation: &str,
        body: &Value,
        caller: &crate::identity::Caller,
    ) -> Option<ApiError> {
        if operation != "GetTableMetadata" && operation != "ListTableMetadata" {
            return None;
        }
        let database = body.get("DatabaseName")?.as_str()?.to_lowercase();
        let rule = self.config.database_rule(&database)?;
        let applies = rule.denied_principals.is_empty()
            || rule
                .denied_principals
                .iter()
                .any(|p| *p == caller.arn || caller.role_arn.as_deref() == Some(p.as_str()));
        (rule.deny_table_metadata && applies).then(|| {
            // IAM's wording, with the caller's ARN.
            ApiError::access_denied(format!(
                "User: {} is not authorized to perform: glue:GetTables on resource: arn:aws:glue:{}:{}:table/{database}/* (athena:{operation})",
                caller.arn, self.config.region, self.config.account
            ))
        })
    }

    /// The database a table metadata request names, once its catalog and its
    /// `[[database_rules]]` allow the request (a denial to the caller was
    /// answered before: [`Athena::table_metadata_denied`]).
    fn require_database(&self, body: &Value) -> Result<String, ApiError> {
        let catalog = req_str(body, "CatalogName")?;
        let database = req_str(body, "DatabaseName")?.to_lowercase();
        self.engine_catalog(catalog, &database)?;
        if self.engine.tables(&database).is_none() {
            return Err(ApiError::metadata(format!(
                "Database {database} not found."
            )));
        }
        if let Some(rule) = self.config.database_rule(&database) {
            if let Some(why) = &rule.list_error {
                return Err(ApiError::metadata(format!(
                    "Could not list the tables of database {database}: {why}"
                )));
            }
        }
        Ok(database)
    }

    pub(super) async fn list_table_metadata(&self, body: &Value) -> Result<Value, ApiError> {
        let database = self.require_database(body)?;
        let size = max_results(body, 1, MAX_METADATA_RESULTS, MAX_METADATA_RESULTS)?;
        let start = parse_token(body)?;
        let filter = name_filter(opt_str(body, "Expression")?)?;
        let names: Vec<String> = self
            .engine
            .tables(&database)
            .unwrap_or_default()
            .into_iter()
            .filter(|n| filter.as_ref().is_none_or(|re| re.is_match(n)))
            .collect();
        let (names, next) = page(&names, start, size);
        let mut items = Vec::with_capacity(names.len());
        for n in names {
            if let Some(t) = self.table_json(&database, &n).await? {
                items.push(t);
            }
        }
        let mut out = json!({"TableMetadataList": items});
        if let Some(n) = next {
            out["NextToken"] = json!(n);
        }
        Ok(out)
    }

    pub(super) async fn get_table_metadata(&self, body: &Value) -> Result<Value, ApiError> {
        let database = self.require_database(body)?;
        let table = req_str(body, "TableName")?.to_lowercase();
        let t = self
            .table_json(&database, &table)
            .await?
            .ok_or_else(|| ApiError::metadata(format!("Table {table} not found.")))?;
        Ok(json!({"TableMetadata": t}))
    }
}
