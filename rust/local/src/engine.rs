//! DataFusion side: catalogs, tables, UDFs, query execution and result paging.

use crate::config::{Config, TableFormat};
use crate::render;
use crate::scanned::{tables_read, TableRead};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, BinaryArray, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Schema, SchemaRef, UInt64Type};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{CatalogProvider, MemoryCatalogProvider, MemorySchemaProvider};
use datafusion::common::{DataFusionError, SchemaError};
use datafusion::execution::context::{SessionConfig, SessionContext};
use datafusion::logical_expr::{
    ColumnarValue, DdlStatement, LogicalPlan, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature, Volatility,
};
use datafusion::prelude::{CsvReadOptions, ParquetReadOptions};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("cannot register table {table}: {source}")]
    Register {
        table: String,
        source: DataFusionError,
    },
    #[error("cannot set up catalog: {0}")]
    Catalog(String),
}

/// Athena's statement classes (`StatementType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementType {
    Ddl,
    Dml,
    Utility,
}

impl StatementType {
    pub fn as_str(self) -> &'static str {
        match self {
            StatementType::Ddl => "DDL",
            StatementType::Dml => "DML",
            StatementType::Utility => "UTILITY",
        }
    }
}

/// Classification of a SQL text, from its first keyword.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    pub statement_type: StatementType,
    /// Athena's `SubstatementType`, e.g. `SELECT`, `CREATE_TABLE`.
    pub substatement: String,
    /// Only SELECT-like results carry a header row in GetQueryResults.
    pub has_header_row: bool,
    /// INSERT and CTAS report `UpdateCount`.
    pub is_update: bool,
}

fn keywords(sql: &str, n: usize) -> Vec<String> {
    let stripped = strip_leading_comments(sql);
    stripped
        .split(|c: char| c.is_whitespace() || c == '(' || c == ';')
        .filter(|w| !w.is_empty())
        .take(n)
        .map(|w| w.to_ascii_uppercase())
        .collect()
}

fn strip_leading_comments(sql: &str) -> &str {
    let mut s = sql.trim_start();
    loop {
        if let Some(rest) = s.strip_prefix("--") {
            s = rest
                .split_once('\n')
                .map(|(_, r)| r)
                .unwrap_or("")
                .trim_start();
        } else if let Some(rest) = s.strip_prefix("/*") {
            s = rest
                .split_once("*/")
                .map(|(_, r)| r)
                .unwrap_or("")
                .trim_start();
        } else if let Some(rest) = s.strip_prefix('(') {
            s = rest.trim_start();
        } else {
            return s;
        }
    }
}

pub fn classify(sql: &str) -> Classified {
    let kw = keywords(sql, 4);
    let first = kw.first().map(String::as_str).unwrap_or("");
    let (statement_type, substatement, header, update) = match first {
        "SELECT" | "WITH" | "VALUES" | "TABLE" => {
            (StatementType::Dml, "SELECT".to_string(), true, false)
        }
        "INSERT" => (StatementType::Dml, "INSERT".to_string(), false, true),
        "UNLOAD" => (StatementType::Dml, "UNLOAD".to_string(), false, true),
        "UPDATE" | "DELETE" | "MERGE" => (StatementType::Dml, first.to_string(), false, true),
        "CREATE" | "DROP" | "ALTER" => {
            let is_ctas = first == "CREATE"
                && sql.to_ascii_uppercase().contains(" AS ")
                && !kw.iter().any(|k| k == "VIEW");
            let object = kw
                .iter()
                .skip(1)
                .find(|k| matches!(k.as_str(), "TABLE" | "VIEW" | "DATABASE" | "SCHEMA"))
                .cloned()
                .unwrap_or_else(|| "TABLE".into());
            let object = if object == "SCHEMA" {
                "DATABASE".into()
            } else {
                object
            };
            let sub = if is_ctas {
                "CREATE_TABLE_AS_SELECT".to_string()
            } else {
                format!("{first}_{object}")
            };
            (StatementType::Ddl, sub, false, is_ctas)
        }
        "MSCK" | "REPAIR" => (StatementType::Ddl, "MSCK_REPAIR_TABLE".into(), false, false),
        "SHOW" => {
            let what = kw.get(1).cloned().unwrap_or_default();
            (StatementType::Utility, format!("SHOW_{what}"), false, false)
        }
        "DESCRIBE" | "DESC" => (
            StatementType::Utility,
            "DESCRIBE_TABLE".into(),
            false,
            false,
        ),
        "EXPLAIN" => (StatementType::Utility, "EXPLAIN".into(), false, false),
        _ => (StatementType::Dml, "UNKNOWN".into(), true, false),
    };
    Classified {
        statement_type,
        substatement,
        has_header_row: header,
        is_update: update,
    }
}

/// Replaces each `?` outside literals, quoted identifiers and comments with
/// the next parameter, as Athena does for `ExecutionParameters`.
pub fn substitute_parameters(sql: &str, params: &[String]) -> Result<String, String> {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut used = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                // Doubled quotes are escapes; the loop simply re-enters the literal.
                for d in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                out.push(c);
                let mut prev = ' ';
                for d in chars.by_ref() {
                    out.push(d);
                    if prev == '*' && d == '/' {
                        break;
                    }
                    prev = d;
                }
            }
            '?' => {
                let p = params.get(used).ok_or_else(|| {
                    format!(
                        "Incorrect number of parameters: expected at least {} but found {}",
                        used + 1,
                        params.len()
                    )
                })?;
                out.push_str(p);
                used += 1;
            }
            _ => out.push(c),
        }
    }
    if used != params.len() {
        return Err(format!(
            "Incorrect number of parameters: expected {used} but found {}",
            params.len()
        ));
    }
    Ok(out)
}

/// Gives `DECIMAL '12.30'` Trino's type, `decimal(4,2)`, where DataFusion
/// would make it `decimal(38,10)`: such literals become
/// `CAST('12.30' AS DECIMAL(4,2))`. Literals, quoted names and comments are
/// left alone.
pub fn trino_decimal_literals(sql: &str) -> String {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let end = match c {
            '\'' | '"' => quoted_end(&chars, i),
            '-' if chars.get(i + 1) == Some(&'-') => (i..chars.len())
                .find(|&j| chars[j] == '\n')
                .map_or(chars.len(), |j| j + 1),
            '/' if chars.get(i + 1) == Some(&'*') => (i + 2..chars.len())
                .find(|&j| chars[j] == '*' && chars.get(j + 1) == Some(&'/'))
                .map_or(chars.len(), |j| j + 2),
            c if c.is_alphabetic() || c == '_' => {
                let word_end = (i..chars.len())
                    .find(|&j| !(chars[j].is_alphanumeric() || chars[j] == '_'))
                    .unwrap_or(chars.len());
                let word: String = chars[i..word_end].iter().collect();
                if word.eq_ignore_ascii_case("decimal") {
                    let open = (word_end..chars.len()).find(|&j| !chars[j].is_whitespace());
                    if let Some(open) = open.filter(|&j| chars[j] == '\'') {
                        let close = quoted_end(&chars, open);
                        // An unterminated literal is left for the parser to refuse.
                        let terminated = close > open + 1 && chars[close - 1] == '\'';
                        let text: String =
                            chars[open + 1..close.max(open + 2) - 1].iter().collect();
                        if let Some((precision, scale)) =
                            decimal_shape(&text).filter(|_| terminated)
                        {
                            out.push_str(&format!(
                                "CAST('{}' AS DECIMAL({precision},{scale}))",
                                text.trim()
                            ));
                            i = close;
                            continue;
                        }
                    }
                }
                word_end
            }
            _ => i + 1,
        };
        out.extend(&chars[i..end]);
        i = end;
    }
    out
}

/// The index just after the quoted text starting at `start` (doubled quotes stay inside).
fn quoted_end(chars: &[char], start: usize) -> usize {
    let quote = chars[start];
    let mut j = start + 1;
    while j < chars.len() {
        if chars[j] == quote {
            if chars.get(j + 1) == Some(&quote) {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    chars.len()
}

/// Precision and scale of a decimal literal's text, as Trino types it.
fn decimal_shape(text: &str) -> Option<(usize, usize)> {
    let text = text.trim();
    let digits = text
        .strip_prefix('+')
        .or_else(|| text.strip_prefix('-'))
        .unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if (whole.is_empty() && fraction.is_empty())
        || !whole
            .chars()
            .chain(fraction.chars())
            .all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let whole = whole.trim_start_matches('0');
    let precision = (whole.len() + fraction.len()).max(1);
    (precision <= 38).then_some((precision, fraction.len()))
}

/// A failed query, as reported in `Status.AthenaError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryFailure {
    /// 1 system, 2 user, 3 other.
    pub category: i32,
    /// Athena error type number (1000 user error, 100 internal error).
    pub error_type: i32,
    pub message: String,
}

impl QueryFailure {
    pub fn user(message: impl Into<String>) -> Self {
        QueryFailure {
            category: 2,
            error_type: 1000,
            message: message.into(),
        }
    }

    /// An internal failure (category SYSTEM, Athena's INTERNAL_ERROR type).
    pub fn system(message: impl Into<String>) -> Self {
        QueryFailure {
            category: 1,
            error_type: 100,
            message: message.into(),
        }
    }
}

/// Athena's failure for a catalog that does not exist.
pub fn catalog_not_found(catalog: &str) -> QueryFailure {
    QueryFailure::user(format!(
        "CATALOG_NOT_FOUND: Catalog '{catalog}' does not exist"
    ))
}

/// Maps a DataFusion error to Athena's `ERROR_NAME: message` form.
pub fn failure_from(err: &DataFusionError) -> QueryFailure {
    let root = err.find_root();
    let text = root.message().trim().to_string();
    let lower = text.to_ascii_lowercase();
    // A name's catalog that is not there (`nosuch.db.t`): Athena's code for it.
    if let Some(name) = text.strip_prefix("failed to resolve catalog: ") {
        return catalog_not_found(name.trim());
    }
    let (name, category, error_type) = match root {
        DataFusionError::SQL(_, _) => ("SYNTAX_ERROR", 2, 1000),
        DataFusionError::SchemaError(e, _) => match e.as_ref() {
            SchemaError::FieldNotFound { .. } => ("COLUMN_NOT_FOUND", 2, 1000),
            _ => ("SYNTAX_ERROR", 2, 1000),
        },
        DataFusionError::Plan(_) if lower.contains("table") && lower.contains("not found") => {
            ("TABLE_NOT_FOUND", 2, 1000)
        }
        DataFusionError::Plan(_) if lower.contains("invalid function") => {
            ("FUNCTION_NOT_FOUND", 2, 1000)
        }
        DataFusionError::Plan(_) | DataFusionError::NotImplemented(_) => ("NOT_SUPPORTED", 2, 1000),
        DataFusionError::ResourcesExhausted(_) => ("EXCEEDED_LOCAL_MEMORY_LIMIT", 1, 0),
        DataFusionError::Internal(_) => ("GENERIC_INTERNAL_ERROR", 1, 100),
        _ => ("GENERIC_USER_ERROR", 2, 1000),
    };
    QueryFailure {
        category,
        error_type,
        message: format!("{name}: {text}"),
    }
}

/// The materialised result of one query, paged on demand.
#[derive(Debug)]
pub struct ResultData {
    pub schema: SchemaRef,
    batches: Vec<RecordBatch>,
    /// Row number of the first row of each batch, for O(log n) page lookup.
    starts: Vec<usize>,
    pub total_rows: usize,
    /// Rows affected, for INSERT/CTAS.
    pub update_count: Option<i64>,
    /// UNLOAD: the manifest listing the written files (`DataManifestLocation`).
    pub manifest_location: Option<String>,
    /// The table scans the statement ran, with their bytes (see [`crate::scanned`]).
    pub tables_read: Vec<TableRead>,
}

impl ResultData {
    pub fn new(schema: SchemaRef, batches: Vec<RecordBatch>) -> Self {
        let mut starts = Vec::with_capacity(batches.len());
        let mut total = 0;
        let batches: Vec<RecordBatch> = batches.into_iter().filter(|b| b.num_rows() > 0).collect();
        for b in &batches {
            starts.push(total);
            total += b.num_rows();
        }
        ResultData {
            schema,
            batches,
            starts,
            total_rows: total,
            update_count: None,
            manifest_location: None,
            tables_read: Vec::new(),
        }
    }

    /// `DataScannedInBytes`: the bytes of every table scan.
    pub fn scanned_bytes(&self) -> i64 {
        let n: u64 = self.tables_read.iter().map(|t| t.bytes).sum();
        i64::try_from(n).unwrap_or(i64::MAX)
    }

    pub fn empty() -> Self {
        Self::new(Arc::new(Schema::empty()), Vec::new())
    }

    /// Renders rows `[start, start + count)` as Athena text (None = NULL).
    pub fn render_rows(&self, start: usize, count: usize) -> Vec<Vec<Option<String>>> {
        let mut out = Vec::new();
        self.for_each_row(start, count, |batch, r| {
            out.push(
                batch
                    .columns()
                    .iter()
                    .map(|c| render::render(c.as_ref(), r))
                    .collect(),
            );
        });
        out
    }

    /// Calls `f` with slices of the batches covering rows `[start, start + count)`.
    pub fn for_each_batch(&self, start: usize, count: usize, mut f: impl FnMut(RecordBatch)) {
        let end = start.saturating_add(count).min(self.total_rows);
        for (batch, &first) in self.batches.iter().zip(&self.starts) {
            let last = first + batch.num_rows();
            if last <= start || first >= end {
                continue;
            }
            let from = start.max(first);
            let to = end.min(last);
            f(batch.slice(from - first, to - from));
        }
    }

    /// Calls `f(batch, row_in_batch)` for rows `[start, start + count)` in order.
    pub fn for_each_row(&self, start: usize, count: usize, mut f: impl FnMut(&RecordBatch, usize)) {
        let end = start.saturating_add(count).min(self.total_rows);
        if start >= end {
            return;
        }
        let mut bi = match self.starts.binary_search(&start) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let mut row = start;
        while row < end && bi < self.batches.len() {
            let batch = &self.batches[bi];
            let offset = row - self.starts[bi];
            let take = (batch.num_rows() - offset).min(end - row);
            for r in offset..offset + take {
                f(batch, r);
            }
            row += take;
            bi += 1;
        }
    }
}

/// Casts dictionary columns to their value type so rendering stays simple.
fn normalize(batch: RecordBatch) -> Result<RecordBatch, DataFusionError> {
    if !batch
        .schema()
        .fields()
        .iter()
        .any(|f| matches!(f.data_type(), DataType::Dictionary(_, _)))
    {
        return Ok(batch);
    }
    let mut fields = Vec::new();
    let mut columns = Vec::new();
    for (f, c) in batch.schema().fields().iter().zip(batch.columns()) {
        if let DataType::Dictionary(_, v) = f.data_type() {
            columns.push(cast(c, v)?);
            fields.push(f.as_ref().clone().with_data_type(v.as_ref().clone()));
        } else {
            columns.push(c.clone());
            fields.push(f.as_ref().clone());
        }
    }
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}

fn normalize_schema(schema: &Schema) -> SchemaRef {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Dictionary(_, v) => f.as_ref().clone().with_data_type(v.as_ref().clone()),
            _ => f.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// The DataFusion session shared by all queries.
pub struct Engine {
    ctx: SessionContext,
    /// The main catalog (`catalog` in the configuration).
    catalog: String,
    /// Every catalog queries can name, as configured: the main one first,
    /// then the `[[nested_catalogs]]` (S3 Tables' `s3tablescatalog/BUCKET`).
    catalogs: Vec<String>,
    /// `[[database_rules]]` listing failures: database of the main catalog →
    /// text. `SHOW TABLES` in such a database fails with it.
    list_errors: HashMap<String, String>,
    /// `[[nested_catalogs]]` listing failures: catalog → text. `SHOW
    /// DATABASES` and `SHOW TABLES` in it fail with it.
    catalog_list_errors: HashMap<String, String>,
}

/// The schema that holds Athena's `information_schema` views.
const INFORMATION_SCHEMA: &str = "information_schema";

impl Engine {
    pub async fn new(config: &Config) -> Result<Engine, EngineError> {
        let mut session = SessionConfig::new()
            .with_information_schema(true)
            .with_create_default_catalog_and_schema(true)
            .with_default_catalog_and_schema(config.catalog.as_str(), "default");
        // Trino reads `12.3` as a decimal, not a double.
        session.options_mut().sql_parser.parse_float_as_decimal = true;
        // Hive's INT96 timestamps (UNLOAD's) read as milliseconds, which
        // reach years 1 to 9999 as Athena's timestamp(3) does.
        session.options_mut().execution.parquet.coerce_int96 = Some("ms".into());
        let ctx = SessionContext::new_with_config(session);
        let main = ctx
            .catalog(&config.catalog)
            .ok_or_else(|| EngineError::Catalog("default catalog missing".into()))?;
        let mut catalogs = vec![config.catalog.clone()];
        // Nested catalogs are DataFusion catalogs beside the main one, named
        // by their path (quoted in SQL because of the `/`).
        for nested in &config.nested_catalogs {
            ctx.register_catalog(nested.name.as_str(), Arc::new(MemoryCatalogProvider::new()));
            catalogs.push(nested.name.clone());
        }
        for name in &catalogs {
            let provider = if name == &config.catalog {
                Arc::clone(&main)
            } else {
                ctx.catalog(name)
                    .ok_or_else(|| EngineError::Catalog(format!("catalog {name} missing")))?
            };
            // Unquoted SQL identifiers are lower-cased, quoted ones are not:
            // register each catalog under both spellings.
            let lower = name.to_lowercase();
            if &lower != name {
                ctx.register_catalog(lower, Arc::clone(&provider));
            }
            // Athena's information_schema (filled when a query reads it)
            // lives beside each catalog's databases; DataFusion's own is set
            // aside for such queries.
            provider
                .register_schema(INFORMATION_SCHEMA, Arc::new(MemorySchemaProvider::new()))
                .map_err(|e| EngineError::Catalog(e.to_string()))?;
        }
        for db in &config.databases {
            let name = config.catalog_of(&db.catalog);
            let catalog = ctx
                .catalog(name)
                .ok_or_else(|| EngineError::Catalog(format!("catalog {name} missing")))?;
            if catalog.schema(&db.name).is_none() {
                catalog
                    .register_schema(&db.name, Arc::new(MemorySchemaProvider::new()))
                    .map_err(|e| EngineError::Catalog(e.to_string()))?;
            }
        }
        ctx.register_udf(ScalarUDF::from(ToUtf8::new()));
        ctx.register_udf(ScalarUDF::from(FromHex::new()));
        ctx.register_udf(ScalarUDF::from(JsonParse::new()));
        ctx.register_udf(ScalarUDF::from(JsonFormat::new()));
        ctx.register_udf(ScalarUDF::from(TypeOf::new()));
        crate::time::register(&ctx);
        let engine = Engine {
            ctx,
            catalog: config.catalog.clone(),
            catalogs,
            list_errors: config
                .database_rules
                .iter()
                .filter_map(|r| Some((r.database.clone(), r.list_error.clone()?)))
                .collect(),
            catalog_list_errors: config
                .nested_catalogs
                .iter()
                .filter_map(|c| Some((c.name.clone(), c.list_error.clone()?)))
                .collect(),
        };
        for t in &config.tables {
            engine
                .register_table(config.catalog_of(&t.catalog), t)
                .await?;
        }
        Ok(engine)
    }

    async fn register_table(
        &self,
        catalog: &str,
        t: &crate::config::Table,
    ) -> Result<(), EngineError> {
        let name = format!("{catalog}.{}.{}", t.database, t.name);
        let table_ref =
            datafusion::common::TableReference::full(catalog, t.database.as_str(), t.name.as_str());
        let path = t.path.to_string_lossy().to_string();
        // A single file may have any extension. In a folder, the files with
        // the usual one; if none has it (UNLOAD writes names without one, as
        // Athena's does), every file.
        let ext = if t.path.is_file() {
            t.path
                .extension()
                .map(|e| format!(".{}", e.to_string_lossy()))
                .unwrap_or_default()
        } else {
            let usual = match t.format {
                TableFormat::Csv => ".csv",
                TableFormat::Parquet => ".parquet",
            };
            let has_usual = std::fs::read_dir(&t.path)
                .map(|entries| {
                    entries
                        .flatten()
                        .any(|e| e.file_name().to_string_lossy().ends_with(usual))
                })
                .unwrap_or(true);
            if has_usual { usual } else { "" }.to_string()
        };
        let result = match t.format {
            TableFormat::Csv => {
                let delimiter = u8::try_from(u32::from(t.delimiter)).unwrap_or(b',');
                let opts = CsvReadOptions::new()
                    .has_header(t.has_header)
                    .delimiter(delimiter)
                    .file_extension(&ext);
                self.ctx.register_csv(table_ref, &path, opts).await
            }
            TableFormat::Parquet => {
                let opts = ParquetReadOptions {
                    file_extension: &ext,
                    ..Default::default()
                };
                self.ctx.register_parquet(table_ref, &path, opts).await
            }
        };
        result.map_err(|source| EngineError::Register {
            table: name,
            source,
        })
    }

    /// The main catalog's name, as configured.
    pub fn catalog_name(&self) -> &str {
        &self.catalog
    }

    /// A client-supplied catalog name (case-insensitive) as the engine
    /// spells it; `None` when no catalog has that name.
    pub fn resolve_catalog(&self, name: &str) -> Option<&str> {
        self.catalogs
            .iter()
            .find(|c| c.eq_ignore_ascii_case(name))
            .map(String::as_str)
    }

    fn catalog_provider(&self, catalog: &str) -> Option<Arc<dyn CatalogProvider>> {
        self.ctx.catalog(self.resolve_catalog(catalog)?)
    }

    /// Database (schema) names of a catalog, sorted.
    pub fn databases(&self, catalog: &str) -> Vec<String> {
        let mut names = self
            .catalog_provider(catalog)
            .map(|c| c.schema_names())
            .unwrap_or_default();
        names.retain(|n| n != INFORMATION_SCHEMA);
        names.sort();
        names
    }

    /// Table names of a database, sorted; `None` if the database is unknown.
    pub fn tables(&self, catalog: &str, database: &str) -> Option<Vec<String>> {
        let database = database.to_lowercase();
        if database == INFORMATION_SCHEMA {
            return None;
        }
        let schema = self.catalog_provider(catalog)?.schema(&database)?;
        let mut names = schema.table_names();
        names.sort();
        Some(names)
    }

    /// Arrow schema of a table and whether it is a view; `None` if unknown.
    pub async fn table_info(
        &self,
        catalog: &str,
        database: &str,
        table: &str,
    ) -> Option<(SchemaRef, bool)> {
        let schema = self
            .catalog_provider(catalog)?
            .schema(&database.to_lowercase())?;
        let provider = schema.table(&table.to_lowercase()).await.ok()??;
        let is_view = provider.table_type() == datafusion::logical_expr::TableType::View;
        Some((provider.schema(), is_view))
    }

    /// Whether a client-supplied catalog name (case-insensitive) is one the
    /// engine holds: the main catalog or a nested one.
    pub fn is_catalog(&self, name: &str) -> bool {
        self.resolve_catalog(name).is_some()
    }

    /// Whether `name` is the main catalog (case-insensitive).
    pub fn is_main_catalog(&self, name: &str) -> bool {
        name.eq_ignore_ascii_case(&self.catalog)
    }

    /// Fills Athena's `information_schema` views (`schemata`, `tables`,
    /// `columns`) from the catalog as it is now, with Athena's columns and
    /// type names. Two queries filling them at once both leave a current copy.
    async fn refresh_information_schema(&self) -> Result<(), DataFusionError> {
        for name in &self.catalogs {
            self.refresh_catalog_information_schema(name).await?;
        }
        Ok(())
    }

    /// One catalog's `information_schema`; its `*_catalog` columns hold the
    /// catalog's name in lower case, as Athena writes catalog names.
    async fn refresh_catalog_information_schema(&self, name: &str) -> Result<(), DataFusionError> {
        let Some(catalog) = self.ctx.catalog(name) else {
            return Ok(());
        };
        let Some(target) = catalog.schema(INFORMATION_SCHEMA) else {
            return Ok(());
        };
        let catalog_name = name.to_lowercase();
        let mut schemata = InformationRows::new(&["catalog_name", "schema_name"], &[]);
        let mut tables = InformationRows::new(
            &["table_catalog", "table_schema", "table_name", "table_type"],
            &[],
        );
        let mut columns = InformationRows::new(
            &[
                "table_catalog",
                "table_schema",
                "table_name",
                "column_name",
                "ordinal_position",
                "column_default",
                "is_nullable",
                "data_type",
                "comment",
                "extra_info",
            ],
            &["ordinal_position"],
        );
        let mut databases = catalog.schema_names();
        databases.sort();
        for database in databases {
            schemata.push(vec![Some(catalog_name.clone()), Some(database.clone())]);
            if database == INFORMATION_SCHEMA {
                continue;
            }
            let Some(schema) = catalog.schema(&database) else {
                continue;
            };
            let mut names = schema.table_names();
            names.sort();
            for name in names {
                let Some(provider) = schema.table(&name).await? else {
                    continue;
                };
                let is_view = provider.table_type() == datafusion::logical_expr::TableType::View;
                tables.push(vec![
                    Some(catalog_name.clone()),
                    Some(database.clone()),
                    Some(name.clone()),
                    Some(if is_view { "VIEW" } else { "BASE TABLE" }.into()),
                ]);
                for (position, field) in provider.schema().fields().iter().enumerate() {
                    columns.push(vec![
                        Some(catalog_name.clone()),
                        Some(database.clone()),
                        Some(name.clone()),
                        Some(field.name().clone()),
                        Some((position + 1).to_string()),
                        None,
                        Some("YES".into()),
                        Some(information_schema_type(field)),
                        None,
                        None,
                    ]);
                }
            }
        }
        for (name, rows) in [
            ("schemata", schemata),
            ("tables", tables),
            ("columns", columns),
        ] {
            let table = rows.into_table()?;
            // MemorySchemaProvider refuses to replace a table: take the old
            // copy out first. A query refreshing at the same moment may put
            // its copy back in between; it is just as current, so keep it.
            target.deregister_table(name)?;
            let _ = target.register_table(name.to_string(), table);
        }
        Ok(())
    }

    /// Rewrites the few Athena utility statements DataFusion lacks; `SHOW`
    /// answers for the context catalog and database.
    fn translate(&self, sql: &str, catalog: &str, database: &str) -> Result<String, QueryFailure> {
        let kw = keywords(sql, 4);
        let words: Vec<&str> = kw.iter().map(String::as_str).collect();
        let quote = |s: &str| s.replace('\'', "''");
        let catalog_error = |what: &str| match self.catalog_list_errors.get(catalog) {
            Some(why) => Err(QueryFailure::user(format!(
                "GENERIC_USER_ERROR: Could not list the {what} of catalog {}: {why}",
                catalog.to_lowercase()
            ))),
            None => Ok(()),
        };
        match words.as_slice() {
            ["SHOW", "DATABASES" | "SCHEMAS", ..] => {
                catalog_error("databases")?;
                Ok(format!(
                    "SELECT schema_name AS database_name FROM information_schema.schemata \
                     WHERE catalog_name = '{}' AND schema_name <> 'information_schema' ORDER BY 1",
                    quote(&catalog.to_lowercase())
                ))
            }
            ["SHOW", "TABLES", ..] => {
                let db = match words.get(2) {
                    Some(&"IN") | Some(&"FROM") => strip_leading_comments(sql)
                        .split_whitespace()
                        .nth(3)
                        .map(|s| {
                            s.trim_matches(|c| c == '`' || c == '"' || c == ';')
                                .to_lowercase()
                        })
                        .unwrap_or_else(|| database.to_string()),
                    _ => database.to_string(),
                };
                catalog_error("tables")?;
                // `[[database_rules]]` are about the main catalog's databases.
                if let Some(why) = self
                    .list_errors
                    .get(&db)
                    .filter(|_| self.is_main_catalog(catalog))
                {
                    return Err(QueryFailure::user(format!(
                        "GENERIC_USER_ERROR: Could not list the tables of database {db}: {why}"
                    )));
                }
                Ok(format!(
                    "SELECT table_name AS tab_name FROM information_schema.tables \
                     WHERE table_catalog = '{}' AND table_schema = '{}' ORDER BY 1",
                    quote(&catalog.to_lowercase()),
                    quote(&db)
                ))
            }
            _ => Ok(sql.replace('`', "\"")),
        }
    }

    /// Runs one statement with the given default catalog (the query
    /// context's, any spelling) and database.
    pub async fn execute(
        &self,
        sql: &str,
        catalog: &str,
        database: &str,
        classified: &Classified,
    ) -> Result<ResultData, QueryFailure> {
        let catalog = self
            .resolve_catalog(catalog)
            .ok_or_else(|| catalog_not_found(catalog))?;
        let sql =
            trino_decimal_literals(&self.translate(sql, catalog, &database.to_lowercase())?);
        let mut state = self.ctx.state();
        state.config_mut().options_mut().catalog.default_catalog = catalog.to_string();
        state.config_mut().options_mut().catalog.default_schema = database.to_lowercase();
        // Athena's information_schema, not DataFusion's (other columns, Arrow type names).
        if sql.to_ascii_lowercase().contains(INFORMATION_SCHEMA) {
            state.config_mut().options_mut().catalog.information_schema = false;
            self.refresh_information_schema()
                .await
                .map_err(|e| failure_from(&e))?;
        }
        let ctx = SessionContext::new_with_state(state);
        crate::time::register_clock(&ctx, Some(chrono::Utc::now()));
        let state = ctx.state();
        let dialect = state.config().options().sql_parser.dialect;
        let mut statement = state
            .sql_to_statement(&sql, &dialect)
            .map_err(|e| failure_from(&e))?;
        // Athena's times (milliseconds, session zone UTC, Trino's AT TIME ZONE).
        crate::time::rewrite(&mut statement);
        // A name whose catalog is not there: Athena's CATALOG_NOT_FOUND, where
        // DataFusion's planner would only find no such table.
        let references = state
            .resolve_table_references(&statement)
            .map_err(|e| failure_from(&e))?;
        let defaults = &state.config().options().catalog;
        for reference in references {
            let resolved = reference.resolve(&defaults.default_catalog, &defaults.default_schema);
            if state.catalog_list().catalog(&resolved.catalog).is_none() {
                return Err(catalog_not_found(&resolved.catalog));
            }
        }
        let plan = state
            .statement_to_plan(statement)
            .await
            .map_err(|e| failure_from(&e))?;
        // DataFusion reports no row count for CTAS; count the new table instead.
        let ctas_table = match &plan {
            LogicalPlan::Ddl(DdlStatement::CreateMemoryTable(c)) => Some(c.name.clone()),
            _ => None,
        };
        // Counted before running, so an INSERT's own rows are not counted
        // as read. Only CTAS among the DDL reads data; EXPLAIN reads none.
        let reading = match &plan {
            LogicalPlan::Ddl(DdlStatement::CreateMemoryTable(c)) => Some(c.input.as_ref()),
            LogicalPlan::Ddl(_) | LogicalPlan::Explain(_) => None,
            other => Some(other),
        };
        let tables_read = match reading {
            Some(p) => tables_read(&state, p, catalog, &database.to_lowercase(), &self.catalog)
                .await
                .map_err(|e| failure_from(&e))?,
            None => Vec::new(),
        };
        let df = ctx
            .execute_logical_plan(plan)
            .await
            .map_err(|e| failure_from(&e))?;
        let schema = normalize_schema(df.schema().as_arrow());
        let batches = df.collect().await.map_err(|e| failure_from(&e))?;
        let batches = batches
            .into_iter()
            .map(normalize)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| failure_from(&e))?;
        if let Some(name) = ctas_table {
            let count = ctx
                .table(name)
                .await
                .map_err(|e| failure_from(&e))?
                .count()
                .await
                .map_err(|e| failure_from(&e))?;
            let mut data = ResultData::empty();
            data.update_count = Some(i64::try_from(count).unwrap_or(i64::MAX));
            data.tables_read = tables_read;
            return Ok(data);
        }
        if classified.is_update {
            let count = update_count(&batches);
            let mut data = ResultData::empty();
            data.update_count = Some(count);
            data.tables_read = tables_read;
            return Ok(data);
        }
        if classified.statement_type == StatementType::Ddl {
            let mut data = ResultData::empty();
            data.update_count = Some(0);
            data.tables_read = tables_read;
            return Ok(data);
        }
        let mut data = ResultData::new(schema, batches);
        data.tables_read = tables_read;
        Ok(data)
    }
}

/// The type Athena's `information_schema.columns` gives in `data_type`:
/// Trino's names with parameters, `timestamp(3)` for Athena's timestamps.
fn information_schema_type(field: &Field) -> String {
    match field.data_type() {
        DataType::Timestamp(_, None) => "timestamp(3)".into(),
        DataType::Timestamp(_, Some(_)) => "timestamp(3) with time zone".into(),
        DataType::List(f)
        | DataType::LargeList(f)
        | DataType::ListView(f)
        | DataType::LargeListView(f)
        | DataType::FixedSizeList(f, _) => format!("array({})", information_schema_type(f)),
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => format!(
                "map({}, {})",
                information_schema_type(&kv[0]),
                information_schema_type(&kv[1])
            ),
            _ => render::full_type(field),
        },
        DataType::Struct(fields) => format!(
            "row({})",
            fields
                .iter()
                .map(|f| format!("{} {}", f.name(), information_schema_type(f)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => render::full_type(field),
    }
}

/// The rows of one `information_schema` view, as text; `integer_columns` are bigint.
struct InformationRows {
    schema: SchemaRef,
    rows: Vec<Vec<Option<String>>>,
}

impl InformationRows {
    fn new(names: &[&str], integer_columns: &[&str]) -> Self {
        let fields: Vec<Field> = names
            .iter()
            .map(|n| {
                let ty = if integer_columns.contains(n) {
                    DataType::Int64
                } else {
                    DataType::Utf8
                };
                Field::new(*n, ty, true)
            })
            .collect();
        InformationRows {
            schema: Arc::new(Schema::new(fields)),
            rows: Vec::new(),
        }
    }

    fn push(&mut self, row: Vec<Option<String>>) {
        self.rows.push(row);
    }

    fn into_table(self) -> Result<Arc<dyn datafusion::catalog::TableProvider>, DataFusionError> {
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.schema.fields().len());
        for (i, field) in self.schema.fields().iter().enumerate() {
            let cells = self.rows.iter().map(|r| r.get(i).cloned().flatten());
            let array: ArrayRef = if field.data_type() == &DataType::Int64 {
                Arc::new(
                    cells
                        .map(|c| c.and_then(|v| v.parse::<i64>().ok()))
                        .collect::<datafusion::arrow::array::Int64Array>(),
                )
            } else {
                Arc::new(cells.collect::<StringArray>())
            };
            arrays.push(array);
        }
        let batch = RecordBatch::try_new(Arc::clone(&self.schema), arrays)?;
        let table =
            datafusion::datasource::MemTable::try_new(Arc::clone(&self.schema), vec![vec![batch]])?;
        Ok(Arc::new(table))
    }
}

/// DataFusion answers DML with one `count` column.
fn update_count(batches: &[RecordBatch]) -> i64 {
    batches
        .iter()
        .filter_map(|b| b.columns().first())
        .filter_map(|c| c.as_primitive_opt::<UInt64Type>())
        .flat_map(|a| a.iter().flatten())
        .map(|v| i64::try_from(v).unwrap_or(i64::MAX))
        .sum()
}

// ---- Athena-compatible scalar functions -------------------------------------

fn string_arg(args: &ScalarFunctionArgs) -> Result<StringArray, DataFusionError> {
    let arrays = ColumnarValue::values_to_arrays(&args.args)?;
    let first: &ArrayRef = arrays
        .first()
        .ok_or_else(|| DataFusionError::Plan("function needs one argument".into()))?;
    let utf8 = cast(first, &DataType::Utf8)?;
    Ok(utf8.as_string::<i32>().clone())
}

fn string_signature() -> Signature {
    Signature::uniform(
        1,
        vec![DataType::Utf8, DataType::LargeUtf8, DataType::Utf8View],
        Volatility::Immutable,
    )
}

/// `to_utf8(varchar) -> varbinary`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct ToUtf8 {
    signature: Signature,
}

impl ToUtf8 {
    fn new() -> Self {
        ToUtf8 {
            signature: string_signature(),
        }
    }
}

impl ScalarUDFImpl for ToUtf8 {
    fn name(&self) -> &str {
        "to_utf8"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> datafusion::common::Result<DataType> {
        Ok(DataType::Binary)
    }
    fn invoke_with_args(
        &self,
        args: ScalarFunctionArgs,
    ) -> datafusion::common::Result<ColumnarValue> {
        let s = string_arg(&args)?;
        let out: BinaryArray = s.iter().map(|v| v.map(str::as_bytes)).collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

/// `from_hex(varchar) -> varbinary`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct FromHex {
    signature: Signature,
}

impl FromHex {
    fn new() -> Self {
        FromHex {
            signature: string_signature(),
        }
    }
}

impl ScalarUDFImpl for FromHex {
    fn name(&self) -> &str {
        "from_hex"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> datafusion::common::Result<DataType> {
        Ok(DataType::Binary)
    }
    fn invoke_with_args(
        &self,
        args: ScalarFunctionArgs,
    ) -> datafusion::common::Result<ColumnarValue> {
        let s = string_arg(&args)?;
        let mut values = Vec::with_capacity(s.len());
        for v in s.iter() {
            values.push(match v {
                None => None,
                Some(text) => Some(hex::decode(text).map_err(|_| {
                    DataFusionError::Execution(format!("invalid hexadecimal string: '{text}'"))
                })?),
            });
        }
        let out: BinaryArray = values.iter().map(|v| v.as_deref()).collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

fn json_field(name: &str) -> FieldRef {
    let meta: HashMap<String, String> = [(
        render::EXTENSION_KEY.to_string(),
        render::JSON_EXTENSION.to_string(),
    )]
    .into_iter()
    .collect();
    Arc::new(Field::new(name, DataType::Utf8, true).with_metadata(meta))
}

/// `json_parse(varchar) -> json`: validates and compacts, like Trino.
#[derive(Debug, PartialEq, Eq, Hash)]
struct JsonParse {
    signature: Signature,
}

impl JsonParse {
    fn new() -> Self {
        JsonParse {
            signature: string_signature(),
        }
    }
}

impl ScalarUDFImpl for JsonParse {
    fn name(&self) -> &str {
        "json_parse"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> datafusion::common::Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn return_field_from_args(
        &self,
        _args: ReturnFieldArgs,
    ) -> datafusion::common::Result<FieldRef> {
        Ok(json_field(self.name()))
    }
    fn invoke_with_args(
        &self,
        args: ScalarFunctionArgs,
    ) -> datafusion::common::Result<ColumnarValue> {
        let s = string_arg(&args)?;
        let mut values = Vec::with_capacity(s.len());
        for v in s.iter() {
            values.push(match v {
                None => None,
                Some(text) => {
                    let parsed: serde_json::Value = serde_json::from_str(text).map_err(|_| {
                        DataFusionError::Execution(format!(
                            "Cannot convert value to JSON: '{text}'"
                        ))
                    })?;
                    Some(parsed.to_string())
                }
            });
        }
        let out: StringArray = values.iter().map(|v| v.as_deref()).collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

/// `json_format(json) -> varchar`: drops the json marker.
#[derive(Debug, PartialEq, Eq, Hash)]
struct JsonFormat {
    signature: Signature,
}

impl JsonFormat {
    fn new() -> Self {
        JsonFormat {
            signature: string_signature(),
        }
    }
}

impl ScalarUDFImpl for JsonFormat {
    fn name(&self) -> &str {
        "json_format"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> datafusion::common::Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(
        &self,
        args: ScalarFunctionArgs,
    ) -> datafusion::common::Result<ColumnarValue> {
        let s = string_arg(&args)?;
        Ok(ColumnarValue::Array(Arc::new(s)))
    }
}

/// `typeof(x) -> varchar`: the full Trino type of its argument, as Athena
/// answers it (`array(row(a integer, b varchar))`, `decimal(10,2)`).
#[derive(Debug, PartialEq, Eq, Hash)]
struct TypeOf {
    signature: Signature,
}

impl TypeOf {
    fn new() -> Self {
        TypeOf {
            signature: Signature::any(1, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for TypeOf {
    fn name(&self) -> &str {
        "typeof"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> datafusion::common::Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(
        &self,
        args: ScalarFunctionArgs,
    ) -> datafusion::common::Result<ColumnarValue> {
        let field = args
            .arg_fields
            .first()
            .ok_or_else(|| DataFusionError::Plan("typeof takes one argument".to_string()))?;
        Ok(ColumnarValue::Scalar(
            datafusion::common::ScalarValue::Utf8(Some(athena_arrow_text::full_type(field))),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_statements() {
        assert_eq!(classify("select 1").statement_type, StatementType::Dml);
        assert!(classify("  -- c\n WITH x AS (SELECT 1) SELECT * FROM x").has_header_row);
        let c = classify("CREATE TABLE t AS SELECT 1");
        assert_eq!((c.statement_type, c.is_update), (StatementType::Ddl, true));
        assert_eq!(
            classify("create view v as select 1").substatement,
            "CREATE_VIEW"
        );
        assert_eq!(classify("DROP TABLE t").substatement, "DROP_TABLE");
        assert_eq!(
            classify("SHOW TABLES").statement_type,
            StatementType::Utility
        );
        assert_eq!(
            classify("DESCRIBE t").statement_type,
            StatementType::Utility
        );
        let i = classify("INSERT INTO t VALUES (1)");
        assert!(i.is_update && !i.has_header_row);
    }

    #[test]
    fn decimal_literals_get_trinos_precision_and_scale() {
        assert_eq!(
            trino_decimal_literals(
                "SELECT DECIMAL '12.30', decimal'-0.5', 'DECIMAL ''1''' -- DECIMAL '9'"
            ),
            "SELECT CAST('12.30' AS DECIMAL(4,2)), CAST('-0.5' AS DECIMAL(1,1)), 'DECIMAL ''1''' -- DECIMAL '9'"
        );
        assert_eq!(
            trino_decimal_literals("SELECT decimals, DECIMAL 'x'"),
            "SELECT decimals, DECIMAL 'x'"
        );
        assert_eq!(decimal_shape("007"), Some((1, 0)));
        assert_eq!(decimal_shape("+-1"), None);
        assert_eq!(
            trino_decimal_literals("SELECT DECIMAL '12"),
            "SELECT DECIMAL '12"
        );
    }

    #[test]
    fn substitutes_parameters() {
        let p = vec!["'a?b'".to_string(), "42".to_string()];
        assert_eq!(
            substitute_parameters("SELECT ? , '?' , \"?\" -- ?\n, ? /* ? */", &p).unwrap(),
            "SELECT 'a?b' , '?' , \"?\" -- ?\n, 42 /* ? */"
        );
        assert!(substitute_parameters("SELECT ?", &[]).is_err());
        assert!(substitute_parameters("SELECT 1", &p).is_err());
        assert_eq!(
            substitute_parameters("SELECT 'it''s ?'", &[]).unwrap(),
            "SELECT 'it''s ?'"
        );
    }

    #[test]
    fn paging_spans_batches() {
        use datafusion::arrow::array::Int32Array;
        let schema = Arc::new(Schema::new(vec![Field::new("v", DataType::Int32, true)]));
        let batches: Vec<RecordBatch> = (0..5)
            .map(|b| {
                RecordBatch::try_new(
                    schema.clone(),
                    vec![Arc::new(Int32Array::from_iter_values(b * 3..b * 3 + 3))],
                )
                .unwrap()
            })
            .collect();
        let data = ResultData::new(schema, batches);
        assert_eq!(data.total_rows, 15);
        let rows = data.render_rows(2, 5);
        let vals: Vec<String> = rows.iter().map(|r| r[0].clone().unwrap()).collect();
        assert_eq!(vals, ["2", "3", "4", "5", "6"]);
        assert_eq!(data.render_rows(14, 10).len(), 1);
        assert!(data.render_rows(15, 10).is_empty());
        assert!(data.render_rows(100, 10).is_empty());
    }
}
