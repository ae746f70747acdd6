//! DatabaseMetaData results, shaped as JDBC defines them and served through the
//! same page format as query results.

mod fixed;
mod information_schema;
mod pattern;

pub use fixed::{empty, get_table_types, get_type_info};
use fixed::{normalize_glue, type_name, type_size};
use information_schema::{information_schema_sql, tables_from_rows};
pub use pattern::like;
use pattern::{exact_name, expression};

use aws_sdk_athena::types::TableMetadata;

use crate::error::{from_sdk, Error, ErrorKind, Result};
use crate::results::ResultStream;
use crate::session::{QueryContext, Session};
use crate::types::{self, Column};

type Row = Vec<Option<String>>;

fn columns(spec: &[(&str, &str)]) -> Vec<Column> {
    spec.iter()
        .map(|(name, ty)| Column::new(name, ty))
        .collect()
}

fn s(value: &str) -> Option<String> {
    Some(value.to_string())
}

fn n(value: i64) -> Option<String> {
    Some(value.to_string())
}

/// Athena's answer for a database or table that does not exist.
fn is_not_found(e: &Error) -> bool {
    let text = e.to_string();
    e.kind() == ErrorKind::Service
        && text.contains("MetadataException")
        && ["Catalog ", "Database ", "Table "]
            .iter()
            .any(|what| text.contains(what))
        && text.contains("not found")
}

/// A refusal of the caller's metadata calls on this catalog, database or
/// table: IAM's `AccessDeniedException`, or Lake Formation's refusal, which
/// Athena passes on as a `MetadataException`. Not an expired or unknown key:
/// those are the connection's, and fail the call.
fn is_denied(e: &Error) -> bool {
    match e.aws_code() {
        Some("AccessDeniedException" | "AccessDenied") => true,
        Some("MetadataException") => {
            let text = e.to_string();
            text.contains("Insufficient Lake Formation permission")
                || text.contains("not authorized to perform")
                || text.contains("AccessDenied")
        }
        _ => false,
    }
}

/// Failures of one catalog, database or table that a listing survives (left
/// out with a warning): any answer AWS gave about what was asked
/// (`MetadataException`, `InvalidRequestException`, `EntityNotFoundException`,
/// `ResourceNotFoundException`, a connector's or Lambda function's error, an
/// access denial of that resource), and the failure or time-out of a query the
/// driver ran for the listing. Not: credentials that are expired or unknown,
/// a signature refused, throttling or 5xx after the retries, the network, a
/// cancel: those are the connection's and fail the call.
fn about_one_source(e: &Error) -> bool {
    match e.kind() {
        ErrorKind::Service
        | ErrorKind::QueryFailedSystem
        | ErrorKind::QueryFailedUser
        | ErrorKind::Timeout => true,
        ErrorKind::Authentication => is_denied(e),
        _ => false,
    }
}

pub fn jdbc_table_type(athena: Option<&str>) -> &'static str {
    match athena {
        Some("VIRTUAL_VIEW") => "VIEW",
        _ => "TABLE",
    }
}

/// The name Athena's API and queries know a nested Glue catalog by: its
/// CatalogId without the account (`111122223333:s3tablescatalog/bucket` is
/// `s3tablescatalog/bucket`), else the path in its ARN (`…:catalog/PATH`),
/// else its own name.
fn athena_catalog_name(catalog: &aws_sdk_glue::types::Catalog) -> Option<String> {
    let from_id = catalog
        .catalog_id()
        .and_then(|id| id.split_once(':'))
        .map(|(_, path)| path);
    let from_arn = catalog
        .resource_arn()
        .and_then(|arn| arn.split_once(":catalog/"))
        .map(|(_, path)| path);
    let name = from_id.or(from_arn).unwrap_or(catalog.name()).trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// What a walk needs of each table: getTables its name and type, getColumns
/// its columns too (which decides the `information_schema` view asked).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    Tables,
    Columns,
}

impl Session {
    /// Every catalog: Athena's data catalogs, then Glue's nested ones
    /// (GlueCatalogs), sorted, each name once. A Glue listing that fails
    /// about itself (denied, unknown operation) leaves the nested catalogs out
    /// with a warning; Athena's catalogs still answer.
    pub async fn catalog_names(&self, warnings: &mut Vec<String>) -> Result<Vec<String>> {
        let mut names = Vec::new();
        let mut pages = self.client().list_data_catalogs().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| from_sdk("ListDataCatalogs", e))?;
            names.extend(
                page.data_catalogs_summary()
                    .iter()
                    .filter_map(|c| c.catalog_name().map(str::to_string)),
            );
        }
        match self.nested_catalog_names().await {
            Ok(nested) => {
                for name in nested {
                    if !names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
                        names.push(name);
                    }
                }
            }
            Err(e) if about_one_source(&e) => {
                self.logger()
                    .debug(|| format!("Glue's nested catalogs left out of the listing: {e}"));
                warnings.push(format!("Glue's nested catalogs were left out: {e}"));
            }
            Err(e) => return Err(e),
        }
        names.sort();
        Ok(names)
    }

    /// Glue's catalogs below the account's root that hold databases (S3
    /// Tables' `s3tablescatalog/BUCKET`, catalogs federated into Glue), by
    /// the names Athena's API and queries use; none without a Glue client.
    async fn nested_catalog_names(&self) -> Result<Vec<String>> {
        let Some(glue) = self.glue() else {
            return Ok(Vec::new());
        };
        let mut names = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = glue
                .get_catalogs()
                .recursive(true)
                .has_databases(true)
                .include_root(false)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| from_sdk("GetCatalogs", e))?;
            names.extend(page.catalog_list().iter().filter_map(athena_catalog_name));
            match page.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => break,
            }
        }
        self.logger()
            .debug(|| format!("Glue's nested catalogs: {names:?}"));
        Ok(names)
    }

    async fn catalogs_matching(
        &self,
        catalog: Option<&str>,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<String>> {
        match catalog {
            Some(name) => Ok(vec![name.to_string()]),
            None => self.catalog_names(warnings).await,
        }
    }

    pub async fn database_names(&self, catalog: &str) -> Result<Vec<String>> {
        let mut names = Vec::new();
        let mut pages = self
            .client()
            .list_databases()
            .catalog_name(catalog)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| from_sdk("ListDatabases", e))?;
            names.extend(page.database_list().iter().map(|d| d.name().to_string()));
        }
        names.sort();
        Ok(names)
    }

    /// The databases of one catalog matching a JDBC pattern; an exact name is
    /// taken as is, without a listing. A catalog that cannot be listed is
    /// left out with a warning (see [`about_one_source`]).
    async fn databases_matching(
        &self,
        catalog: &str,
        pattern: Option<&str>,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<String>> {
        if let Some(name) = pattern.and_then(exact_name) {
            return Ok(vec![name]);
        }
        match self.database_names(catalog).await {
            Ok(names) => Ok(names.into_iter().filter(|d| like(pattern, d)).collect()),
            Err(e) if about_one_source(&e) => {
                self.logger()
                    .debug(|| format!("catalog {catalog} left out of the listing: {e}"));
                warnings.push(format!("catalog {catalog} was left out: {e}"));
                Ok(Vec::new())
            }
            Err(e) => Err(e),
        }
    }

    /// Tables of one database matching a JDBC pattern: one GetTableMetadata for an
    /// exact name, else ListTableMetadata narrowed by its `Expression` filter.
    /// A table that cannot be described is left out with a warning; a
    /// database whose table metadata the caller may not read is asked
    /// through `information_schema` instead.
    async fn tables(
        &self,
        catalog: &str,
        database: &str,
        pattern: Option<&str>,
        need: Need,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<TableMetadata>> {
        if let Some(name) = pattern.and_then(exact_name) {
            return match self.describe(catalog, database, &name, warnings).await {
                Ok(table) => Ok(table.into_iter().collect()),
                Err(e) if is_denied(&e) => {
                    self.via_information_schema(catalog, database, pattern, need, e, warnings)
                        .await
                }
                Err(e) => Err(e),
            };
        }
        let mut tables = Vec::new();
        let mut pages = self
            .client()
            .list_table_metadata()
            .catalog_name(catalog)
            .database_name(database)
            .set_expression(pattern.and_then(expression))
            .into_paginator()
            .send();
        let mut first_page = true;
        while let Some(page) = pages.next().await {
            match page.map_err(|e| from_sdk("ListTableMetadata", e)) {
                Ok(page) => tables.extend(
                    page.table_metadata_list()
                        .iter()
                        .filter(|t| like(pattern, t.name()))
                        .cloned(),
                ),
                // No such database: an empty listing, as JDBC answers a pattern that matches nothing.
                Err(e) if first_page && is_not_found(&e) => break,
                // A principal allowed to query but not to read Glue's table
                // metadata (Lake Formation setups): the SQL views answer.
                Err(e) if is_denied(&e) => {
                    return self
                        .via_information_schema(catalog, database, pattern, need, e, warnings)
                        .await
                }
                // One table Athena cannot describe fails the whole page; go
                // table by table so only that one is left out.
                Err(e) if about_one_source(&e) => {
                    return self
                        .tables_one_by_one(catalog, database, pattern, e, warnings)
                        .await
                }
                Err(e) => return Err(e),
            }
            first_page = false;
        }
        self.logger().debug(|| {
            format!(
                "the tables of {catalog}.{database} came from ListTableMetadata ({} matching)",
                tables.len()
            )
        });
        tables.sort_by(|a, b| a.name().cmp(b.name()));
        Ok(tables)
    }

    /// One table by name; None when it does not exist or cannot be described
    /// (then with a warning). A denial is the caller's to handle.
    async fn describe(
        &self,
        catalog: &str,
        database: &str,
        name: &str,
        warnings: &mut Vec<String>,
    ) -> Result<Option<TableMetadata>> {
        let answer = self
            .client()
            .get_table_metadata()
            .catalog_name(catalog)
            .database_name(database)
            .table_name(name)
            .send()
            .await
            .map_err(|e| from_sdk("GetTableMetadata", e));
        match answer {
            Ok(output) => {
                self.logger().debug(|| {
                    format!("table {catalog}.{database}.{name} came from GetTableMetadata")
                });
                Ok(output.table_metadata().cloned())
            }
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) if is_denied(&e) => Err(e),
            Err(e) if about_one_source(&e) => {
                warnings.push(format!(
                    "table {catalog}.{database}.{name} was left out: {e}"
                ));
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Runs one of the driver's own metadata queries to its rows, within the
    /// listing's time bound (CallTimeoutMillis); a query past it is stopped.
    async fn metadata_query(
        &self,
        catalog: &str,
        database: &str,
        sql: &str,
    ) -> Result<Vec<Vec<Option<String>>>> {
        let context = QueryContext {
            catalog: catalog.to_string(),
            database: database.to_string(),
        };
        let query = self.start_internal_query(sql, &context).await?;
        query.wait(Some(self.config().call_timeout)).await?;
        query.text_rows().await
    }

    /// The names from `SHOW TABLES` (a utility statement that scans no data),
    /// each described on its own.
    async fn tables_one_by_one(
        &self,
        catalog: &str,
        database: &str,
        pattern: Option<&str>,
        listing_error: Error,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<TableMetadata>> {
        let sql = format!("SHOW TABLES IN `{}`", database.replace('`', "``"));
        let names = match self.metadata_query(catalog, database, &sql).await {
            Ok(rows) => rows,
            Err(e) if about_one_source(&e) => {
                self.logger().debug(|| {
                    format!("database {catalog}.{database} left out of the listing: {listing_error}; SHOW TABLES: {e}")
                });
                warnings.push(format!(
                    "database {catalog}.{database} was left out: {listing_error}; listing its tables with SHOW TABLES failed too: {e}"
                ));
                return Ok(Vec::new());
            }
            Err(e) => return Err(e),
        };
        self.logger().debug(|| {
            format!("the tables of {catalog}.{database} came from SHOW TABLES, each from GetTableMetadata ({listing_error})")
        });
        let mut tables = Vec::new();
        for name in names
            .into_iter()
            .filter_map(|row| row.into_iter().next().flatten())
        {
            if like(pattern, &name) {
                match self.describe(catalog, database, &name, warnings).await {
                    Ok(table) => tables.extend(table),
                    Err(e) if is_denied(&e) => warnings.push(format!(
                        "table {catalog}.{database}.{name} was left out: {e}"
                    )),
                    Err(e) => return Err(e),
                }
            }
        }
        tables.sort_by(|a, b| a.name().cmp(b.name()));
        Ok(tables)
    }

    /// The tables (and for getColumns their columns) of one database from
    /// Athena's `information_schema`: one query per database and pattern,
    /// for a caller denied GetTableMetadata/ListTableMetadata. Types come
    /// back in Glue's spelling, so the rows match the ones the API gives.
    async fn via_information_schema(
        &self,
        catalog: &str,
        database: &str,
        pattern: Option<&str>,
        need: Need,
        denial: Error,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<TableMetadata>> {
        let sql = information_schema_sql(database, pattern, need);
        let view = match need {
            Need::Tables => "information_schema.tables",
            Need::Columns => "information_schema.columns",
        };
        let rows = match self.metadata_query(catalog, database, &sql).await {
            Ok(rows) => rows,
            Err(e) if about_one_source(&e) => {
                self.logger().debug(|| {
                    format!("database {catalog}.{database} left out of the listing: {denial}; {view}: {e}")
                });
                warnings.push(format!(
                    "database {catalog}.{database} was left out: {denial}; asking {view} instead failed too: {e}"
                ));
                return Ok(Vec::new());
            }
            Err(e) => return Err(e),
        };
        let tables = tables_from_rows(rows, pattern, need)?;
        self.logger().debug(|| {
            format!(
                "the tables of {catalog}.{database} came from {view} ({} matching), since table metadata was denied: {denial}",
                tables.len()
            )
        });
        Ok(tables)
    }

    pub async fn get_catalogs(&self) -> Result<ResultStream> {
        let mut warnings = Vec::new();
        let rows = self
            .catalog_names(&mut warnings)
            .await?
            .into_iter()
            .map(|c| vec![Some(c)])
            .collect();
        Ok(
            ResultStream::local(columns(&[("TABLE_CAT", "varchar")]), rows)?
                .with_warnings(warnings),
        )
    }

    pub async fn get_schemas(
        &self,
        catalog: Option<&str>,
        pattern: Option<&str>,
    ) -> Result<ResultStream> {
        let mut rows = Vec::new();
        let mut warnings = Vec::new();
        for catalog in self.catalogs_matching(catalog, &mut warnings).await? {
            let names = match self.database_names(&catalog).await {
                Ok(names) => names,
                Err(e) if about_one_source(&e) => {
                    self.logger()
                        .debug(|| format!("catalog {catalog} left out of the listing: {e}"));
                    warnings.push(format!("catalog {catalog} was left out: {e}"));
                    continue;
                }
                Err(e) => return Err(e),
            };
            for database in names {
                if like(pattern, &database) {
                    rows.push(vec![Some(database), Some(catalog.clone())]);
                }
            }
        }
        Ok(ResultStream::local(
            columns(&[("TABLE_SCHEM", "varchar"), ("TABLE_CATALOG", "varchar")]),
            rows,
        )?
        .with_warnings(warnings))
    }

    /// Walks catalogs, databases and tables that match, calling `each` for every
    /// table; returns the warnings of what had to be left out.
    async fn walk_tables(
        &self,
        catalog: Option<&str>,
        schema_pattern: Option<&str>,
        table_pattern: Option<&str>,
        need: Need,
        mut each: impl FnMut(&str, &str, &TableMetadata),
    ) -> Result<Vec<String>> {
        let mut warnings = Vec::new();
        for catalog in self.catalogs_matching(catalog, &mut warnings).await? {
            for database in self
                .databases_matching(&catalog, schema_pattern, &mut warnings)
                .await?
            {
                for table in self
                    .tables(&catalog, &database, table_pattern, need, &mut warnings)
                    .await?
                {
                    each(&catalog, &database, &table);
                }
            }
        }
        Ok(warnings)
    }

    pub async fn get_tables(
        &self,
        catalog: Option<&str>,
        schema: Option<&str>,
        table: Option<&str>,
        types: Option<&[String]>,
    ) -> Result<ResultStream> {
        let mut rows: Vec<Row> = Vec::new();
        let warnings = self
            .walk_tables(catalog, schema, table, Need::Tables, |cat, db, t| {
                let kind = jdbc_table_type(t.table_type());
                if types.is_some_and(|wanted| !wanted.iter().any(|w| w.eq_ignore_ascii_case(kind)))
                {
                    return;
                }
                let remarks = t.parameters().and_then(|p| p.get("comment")).cloned();
                rows.push(vec![
                    s(cat),
                    s(db),
                    s(t.name()),
                    s(kind),
                    remarks,
                    None,
                    None,
                    None,
                    None,
                    None,
                ]);
            })
            .await?;
        let spec = [
            ("TABLE_CAT", "varchar"),
            ("TABLE_SCHEM", "varchar"),
            ("TABLE_NAME", "varchar"),
            ("TABLE_TYPE", "varchar"),
            ("REMARKS", "varchar"),
            ("TYPE_CAT", "varchar"),
            ("TYPE_SCHEM", "varchar"),
            ("TYPE_NAME", "varchar"),
            ("SELF_REFERENCING_COL_NAME", "varchar"),
            ("REF_GENERATION", "varchar"),
        ];
        Ok(ResultStream::local(columns(&spec), rows)?.with_warnings(warnings))
    }

    pub async fn get_columns(
        &self,
        catalog: Option<&str>,
        schema: Option<&str>,
        table: Option<&str>,
        column: Option<&str>,
    ) -> Result<ResultStream> {
        let mut rows: Vec<Row> = Vec::new();
        let warnings = self
            .walk_tables(catalog, schema, table, Need::Columns, |cat, db, t| {
                let all = t.columns().iter().chain(t.partition_keys());
                for (position, c) in all.enumerate() {
                    if !like(column, c.name()) {
                        continue;
                    }
                    let ty = c.r#type().unwrap_or("unknown");
                    let (size, digits) = type_size(ty);
                    let base = types::base_type(ty);
                    let data_type = types::jdbc_type(&normalize_glue(&base));
                    let radix = matches!(
                        base.as_str(),
                        "tinyint"
                            | "smallint"
                            | "integer"
                            | "int"
                            | "bigint"
                            | "decimal"
                            | "real"
                            | "float"
                            | "double"
                    )
                    .then_some(10);
                    rows.push(vec![
                        s(cat),
                        s(db),
                        s(t.name()),
                        s(c.name()),
                        n(i64::from(data_type)),
                        s(&type_name(ty)),
                        size.map(i64::from).and_then(n),
                        None,
                        digits.map(i64::from).and_then(n),
                        radix.and_then(n),
                        n(1),
                        c.comment().map(str::to_string),
                        None,
                        None,
                        None,
                        None,
                        n(position as i64 + 1),
                        s("YES"),
                        None,
                        None,
                        None,
                        None,
                        s("NO"),
                        s("NO"),
                    ]);
                }
            })
            .await?;
        let spec = [
            ("TABLE_CAT", "varchar"),
            ("TABLE_SCHEM", "varchar"),
            ("TABLE_NAME", "varchar"),
            ("COLUMN_NAME", "varchar"),
            ("DATA_TYPE", "integer"),
            ("TYPE_NAME", "varchar"),
            ("COLUMN_SIZE", "integer"),
            ("BUFFER_LENGTH", "integer"),
            ("DECIMAL_DIGITS", "integer"),
            ("NUM_PREC_RADIX", "integer"),
            ("NULLABLE", "integer"),
            ("REMARKS", "varchar"),
            ("COLUMN_DEF", "varchar"),
            ("SQL_DATA_TYPE", "integer"),
            ("SQL_DATETIME_SUB", "integer"),
            ("CHAR_OCTET_LENGTH", "integer"),
            ("ORDINAL_POSITION", "integer"),
            ("IS_NULLABLE", "varchar"),
            ("SCOPE_CATALOG", "varchar"),
            ("SCOPE_SCHEMA", "varchar"),
            ("SCOPE_TABLE", "varchar"),
            ("SOURCE_DATA_TYPE", "smallint"),
            ("IS_AUTOINCREMENT", "varchar"),
            ("IS_GENERATEDCOLUMN", "varchar"),
        ];
        Ok(ResultStream::local(columns(&spec), rows)?.with_warnings(warnings))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_catalogs_are_named_as_athena_names_them() {
        use aws_sdk_glue::types::Catalog;
        let catalog = |id: Option<&str>, arn: Option<&str>, name: &str| {
            Catalog::builder()
                .set_catalog_id(id.map(str::to_string))
                .set_resource_arn(arn.map(str::to_string))
                .name(name)
                .build()
                .ok()
        };
        let named = |c: Option<Catalog>| c.as_ref().and_then(athena_catalog_name);
        assert_eq!(
            named(catalog(
                Some("111122223333:s3tablescatalog/sales"),
                Some("arn:aws:glue:us-east-1:111122223333:catalog/s3tablescatalog/sales"),
                "sales"
            )),
            Some("s3tablescatalog/sales".to_string())
        );
        assert_eq!(
            named(catalog(
                None,
                Some("arn:aws:glue:us-east-1:111122223333:catalog/rs_ns/dev"),
                "dev"
            )),
            Some("rs_ns/dev".to_string())
        );
        assert_eq!(
            named(catalog(None, None, "federated")),
            Some("federated".to_string())
        );
    }

    #[test]
    fn which_failures_are_one_sources() {
        let service =
            |text: &str| Error::new(ErrorKind::Service, text).with_aws_code("MetadataException");
        assert!(about_one_source(&service(
            "ListDatabases failed: MetadataException: connector failed"
        )));
        let denied = Error::new(
            ErrorKind::Authentication,
            "ListTableMetadata failed: AccessDeniedException: not allowed",
        )
        .with_aws_code("AccessDeniedException");
        assert!(is_denied(&denied) && about_one_source(&denied));
        let expired = Error::new(
            ErrorKind::Authentication,
            "ListDatabases failed: ExpiredTokenException: The security token included in the request is expired",
        )
        .with_aws_code("ExpiredTokenException");
        // The code decides, not words in the message.
        assert!(!is_denied(&Error::new(
            ErrorKind::Authentication,
            "ListDatabases failed: AccessDeniedException: x"
        )));
        assert!(!about_one_source(&expired));
        assert!(!about_one_source(&Error::new(
            ErrorKind::Transient,
            "ListDatabases failed: ThrottlingException: Rate exceeded"
        )));
        assert!(is_denied(&service(
            "GetTableMetadata failed: MetadataException: Insufficient Lake Formation permission(s) on t"
        )));
    }
}
