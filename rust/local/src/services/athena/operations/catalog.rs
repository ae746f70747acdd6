//! Athena's metadata operations: data catalogs, databases and table metadata.
//! The engine's catalogs are the main one and Glue's nested catalogs
//! (`[[nested_catalogs]]`, named by their path such as
//! `s3tablescatalog/sales`). `[[catalogs]]`, a nested catalog's `list_error`
//! and `[[database_rules]]` make some of them fail the way a broken federated
//! source or a restricted principal sees them fail.

use super::{
    max_results, name_filter, opt_str, page, parse_token, req_str, Athena, MAX_METADATA_RESULTS,
};
use crate::config::{DataCatalog, NestedCatalog, METADATA_ERROR_CODES};
use crate::errors::ApiError;
use crate::render;
use serde_json::{json, Value};

/// Which catalog a request names.
enum CatalogRef<'a> {
    /// A catalog the engine holds, as it spells it: the main one (`catalog`
    /// in the configuration, `nested` None) or a `[[nested_catalogs]]` entry.
    Engine {
        name: &'a str,
        nested: Option<&'a NestedCatalog>,
    },
    /// A `[[catalogs]]` entry: no databases of its own.
    Extra(&'a DataCatalog),
}

/// A catalog's configured listing failure, under its configured code.
fn listing_error(code: &str, why: &str) -> ApiError {
    let code = METADATA_ERROR_CODES
        .iter()
        .find(|c| **c == code)
        .copied()
        .unwrap_or("MetadataException");
    ApiError::new(400, code, why.to_string())
}

/// A nested catalog's configured listing failure, if it has one.
fn nested_listing_error(nested: Option<&NestedCatalog>) -> Result<(), ApiError> {
    match nested.and_then(|n| Some((n, n.list_error.as_ref()?))) {
        Some((n, why)) => Err(listing_error(&n.list_error_code, why)),
        None => Ok(()),
    }
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
        if let Some(engine_name) = self.engine.resolve_catalog(name) {
            return Ok(CatalogRef::Engine {
                name: engine_name,
                nested: self.config.nested_catalog(engine_name),
            });
        }
        self.config
            .extra_catalog(name)
            .map(CatalogRef::Extra)
            .ok_or_else(|| ApiError::metadata(format!("Catalog {name} was not found.")))
    }

    /// The engine catalog a database request names (as the engine spells
    /// it), or the error such a request gets: a configured failure of the
    /// catalog, or no such database in a `[[catalogs]]` entry.
    fn engine_catalog(&self, name: &str, database: &str) -> Result<&str, ApiError> {
        match self.catalog_ref(name)? {
            CatalogRef::Engine { name, nested } => {
                nested_listing_error(nested)?;
                Ok(name)
            }
            CatalogRef::Extra(c) => Err(match &c.list_error {
                Some(why) => listing_error(&c.list_error_code, why),
                None => ApiError::metadata(format!("Database {database} not found.")),
            }),
        }
    }

    pub(super) fn get_data_catalog(&self, body: &Value) -> Result<Value, ApiError> {
        let name = req_str(body, "Name")?;
        Ok(match self.catalog_ref(name)? {
            CatalogRef::Engine { nested: None, .. } => json!({"DataCatalog": {
                "Name": self.engine.catalog_name(),
                "Description": "athena-local catalog",
                "Type": "GLUE",
                "Parameters": {"catalog-id": "000000000000"},
                "Status": "CREATE_COMPLETE",
            }}),
            // A Glue catalog named by its Glue catalog id, as a data catalog
            // registered for it would be (`catalog-id` = ACCOUNT:PATH).
            CatalogRef::Engine {
                name,
                nested: Some(_),
            } => json!({"DataCatalog": {
                "Name": name,
                "Description": "athena-local nested Glue catalog",
                "Type": "GLUE",
                "Parameters": {"catalog-id": format!("{}:{name}", self.config.account)},
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

    fn database_description(&self, catalog: &str, name: &str) -> String {
        self.config
            .databases
            .iter()
            .find(|d| self.config.catalog_of(&d.catalog) == catalog && d.name == name)
            .map(|d| d.description.clone())
            .unwrap_or_default()
    }

    pub(super) fn list_databases(&self, body: &Value) -> Result<Value, ApiError> {
        let catalog = req_str(body, "CatalogName")?;
        let size = max_results(body, 1, MAX_METADATA_RESULTS, MAX_METADATA_RESULTS)?;
        let start = parse_token(body)?;
        let (catalog, names) = match self.catalog_ref(catalog)? {
            CatalogRef::Engine { name, nested } => {
                nested_listing_error(nested)?;
                (name, self.engine.databases(name))
            }
            CatalogRef::Extra(c) => match &c.list_error {
                Some(why) => return Err(listing_error(&c.list_error_code, why)),
                None => (c.name.as_str(), Vec::new()),
            },
        };
        let all: Vec<Value> = names
            .into_iter()
            .map(|name| {
                json!({"Name": name, "Description": self.database_description(catalog, &name), "Parameters": {}})
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
        let catalog = self.engine_catalog(catalog, &name)?;
        if !self.engine.databases(catalog).contains(&name) {
            return Err(ApiError::metadata(format!("Database {name} not found.")));
        }
        Ok(json!({"Database": {
            "Name": name,
            "Description": self.database_description(catalog, &name),
            "Parameters": {},
        }}))
    }

    /// A table's metadata as Athena gives it; None when there is no such table.
    async fn table_json(
        &self,
        catalog: &str,
        database: &str,
        table: &str,
    ) -> Result<Option<Value>, ApiError> {
        let configured = self.config.tables.iter().find(|t| {
            self.config.catalog_of(&t.catalog) == catalog
                && t.database == database
                && t.name == table
        });
        if let Some(why) = configured.and_then(|t| t.describe_error.as_ref()) {
            return Err(ApiError::metadata(format!(
                "Could not describe table {database}.{table}: {why}"
            )));
        }
        let Some((schema, is_view)) = self.engine.table_info(catalog, database, table).await else {
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
    /// table metadata to it; None when allowed or not such a call. The rules
    /// are about the main catalog's databases only.
    pub fn table_metadata_denied(
        &self,
        operation: &str,
        body: &Value,
        caller: &crate::identity::Caller,
    ) -> Option<ApiError> {
        if operation != "GetTableMetadata" && operation != "ListTableMetadata" {
            return None;
        }
        let catalog = body.get("CatalogName")?.as_str()?;
        if !self.engine.is_main_catalog(catalog) {
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

    /// The catalog (as the engine spells it) and database a table metadata
    /// request names, once the catalog and the `[[database_rules]]` allow
    /// the request (a denial to the caller was answered before:
    /// [`Athena::table_metadata_denied`]).
    fn require_database(&self, body: &Value) -> Result<(&str, String), ApiError> {
        let catalog = req_str(body, "CatalogName")?;
        let database = req_str(body, "DatabaseName")?.to_lowercase();
        let catalog = self.engine_catalog(catalog, &database)?;
        if self.engine.tables(catalog, &database).is_none() {
            return Err(ApiError::metadata(format!(
                "Database {database} not found."
            )));
        }
        if let Some(rule) = self
            .config
            .database_rule(&database)
            .filter(|_| self.engine.is_main_catalog(catalog))
        {
            if let Some(why) = &rule.list_error {
                return Err(ApiError::metadata(format!(
                    "Could not list the tables of database {database}: {why}"
                )));
            }
        }
        Ok((catalog, database))
    }

    pub(super) async fn list_table_metadata(&self, body: &Value) -> Result<Value, ApiError> {
        let (catalog, database) = self.require_database(body)?;
        let size = max_results(body, 1, MAX_METADATA_RESULTS, MAX_METADATA_RESULTS)?;
        let start = parse_token(body)?;
        let filter = name_filter(opt_str(body, "Expression")?)?;
        let names: Vec<String> = self
            .engine
            .tables(catalog, &database)
            .unwrap_or_default()
            .into_iter()
            .filter(|n| filter.as_ref().is_none_or(|re| re.is_match(n)))
            .collect();
        let (names, next) = page(&names, start, size);
        let mut items = Vec::with_capacity(names.len());
        for n in names {
            if let Some(t) = self.table_json(catalog, &database, &n).await? {
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
        let (catalog, database) = self.require_database(body)?;
        let table = req_str(body, "TableName")?.to_lowercase();
        let t = self
            .table_json(catalog, &database, &table)
            .await?
            .ok_or_else(|| ApiError::metadata(format!("Table {table} not found.")))?;
        Ok(json!({"TableMetadata": t}))
    }
}
