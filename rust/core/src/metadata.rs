//! DatabaseMetaData results, shaped as JDBC defines them and served through the
//! same page format as query results.

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

/// JDBC's LIKE patterns: `%` any run, `_` one character, `\` escapes (a
/// trailing lone `\` is a literal backslash). Literals compare without regard
/// to ASCII case. None matches all.
///
/// Greedy, with backtracking to the latest `%` only: an earlier `%` never has
/// to take more, since the latest one can absorb whatever it would. So the
/// work is at most |pattern| × |value| steps, and no recursion: metadata calls
/// run on the calling Java thread's stack.
pub fn like(pattern: Option<&str>, value: &str) -> bool {
    let Some(pattern) = pattern else { return true };
    let p = pieces(pattern);
    let v: Vec<char> = value.chars().collect();
    let (mut pi, mut vi) = (0, 0);
    // After the latest `%`: the piece that follows it, and the value position
    // from which that piece is tried next.
    let mut retry: Option<(usize, usize)> = None;
    while let Some(&c) = v.get(vi) {
        match p.get(pi) {
            Some(Piece::AnyRun) => {
                pi += 1;
                retry = Some((pi, vi));
            }
            Some(Piece::AnyOne) => {
                pi += 1;
                vi += 1;
            }
            Some(Piece::Literal(l)) if l.eq_ignore_ascii_case(&c) => {
                pi += 1;
                vi += 1;
            }
            // A mismatch, or the pattern ran out before the value.
            _ => match retry {
                Some((after_run, from)) => {
                    pi = after_run;
                    vi = from + 1;
                    retry = Some((after_run, from + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|piece| matches!(piece, Piece::AnyRun)))
}

/// One element of a JDBC LIKE pattern, its `\\` escapes resolved.
enum Piece {
    /// `%`
    AnyRun,
    /// `_`
    AnyOne,
    Literal(char),
}

fn pieces(pattern: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        pieces.push(match c {
            '%' => Piece::AnyRun,
            '_' => Piece::AnyOne,
            '\\' => Piece::Literal(chars.next().unwrap_or('\\')),
            other => Piece::Literal(other),
        });
    }
    pieces
}

/// The one name a JDBC pattern matches, when it has no unescaped wildcard.
fn exact_name(pattern: &str) -> Option<String> {
    pieces(pattern)
        .into_iter()
        .map(|piece| match piece {
            Piece::Literal(c) => Some(c),
            Piece::AnyRun | Piece::AnyOne => None,
        })
        .collect()
}

/// ListTableMetadata's `Expression` (a regular expression on table names) for a
/// JDBC pattern; the listing is still checked against the pattern itself.
fn expression(pattern: &str) -> Option<String> {
    if pattern.chars().all(|c| c == '%') {
        return None;
    }
    let mut regex = String::new();
    for piece in pieces(pattern) {
        match piece {
            Piece::AnyRun => regex.push_str(".*"),
            Piece::AnyOne => regex.push('.'),
            // Glue keeps table names in lower case; the pattern matches without regard to case.
            Piece::Literal(c) => push_literal(&mut regex, c.to_ascii_lowercase()),
        }
    }
    Some(regex)
}

fn push_literal(regex: &mut String, c: char) {
    if !c.is_alphanumeric() && c != '_' {
        regex.push('\\');
    }
    regex.push(c);
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

/// A text for inside single quotes in SQL.
fn sql_text(text: &str) -> String {
    text.replace('\'', "''")
}

/// The query of [`Session::via_information_schema`]. A pattern with
/// escapes is not passed on (Athena's LIKE has no escape character by
/// default): the rows are checked against the pattern afterwards anyway.
fn information_schema_sql(database: &str, pattern: Option<&str>, need: Need) -> String {
    let select = match need {
        Need::Tables => "SELECT table_name, table_type FROM information_schema.tables",
        Need::Columns => {
            "SELECT table_name, column_name, data_type, comment, extra_info \
             FROM information_schema.columns"
        }
    };
    // Glue keeps names in lower case; the pattern matches without regard to case.
    let table_filter = match pattern.map(str::to_lowercase) {
        Some(p) if p.chars().all(|c| c == '%') => String::new(),
        Some(p) => match exact_name(&p) {
            Some(name) => format!(" AND table_name = '{}'", sql_text(&name)),
            None if !p.contains('\\') => format!(" AND table_name LIKE '{}'", sql_text(&p)),
            None => String::new(),
        },
        None => String::new(),
    };
    let order = match need {
        Need::Tables => "table_name",
        Need::Columns => "table_name, ordinal_position",
    };
    format!(
        "{select} WHERE table_schema = '{}'{table_filter} ORDER BY {order}",
        sql_text(&database.to_lowercase())
    )
}

/// TableMetadata, as the API would give it, from the rows of
/// [`information_schema_sql`] (the header row, if the results have one, is
/// skipped). Partition keys (`extra_info` = `partition key`) come after the
/// columns, as Glue lists them.
fn tables_from_rows(
    rows: Vec<Vec<Option<String>>>,
    pattern: Option<&str>,
    need: Need,
) -> Result<Vec<TableMetadata>> {
    use aws_sdk_athena::types::Column as GlueColumn;
    let built = |what: &str, e: aws_sdk_athena::error::BuildError| {
        Error::internal(format!("{what} from information_schema: {e}"))
    };
    let header: &[&str] = match need {
        Need::Tables => &["table_name", "table_type"],
        Need::Columns => &[
            "table_name",
            "column_name",
            "data_type",
            "comment",
            "extra_info",
        ],
    };
    let mut tables: Vec<TableMetadata> = Vec::new();
    // The table being built: its name, columns and partition keys.
    let mut current: Option<(String, Vec<GlueColumn>, Vec<GlueColumn>)> = None;
    let finish = |current: Option<(String, Vec<GlueColumn>, Vec<GlueColumn>)>,
                  tables: &mut Vec<TableMetadata>|
     -> Result<()> {
        if let Some((name, cols, keys)) = current {
            tables.push(
                TableMetadata::builder()
                    .name(name)
                    .table_type("EXTERNAL_TABLE")
                    .set_columns(Some(cols))
                    .set_partition_keys(Some(keys))
                    .build()
                    .map_err(|e| built("a table", e))?,
            );
        }
        Ok(())
    };
    for (i, row) in rows.into_iter().enumerate() {
        let cell = |n: usize| row.get(n).cloned().flatten();
        let is_header = i == 0
            && header
                .iter()
                .enumerate()
                .all(|(n, h)| cell(n).as_deref() == Some(*h));
        let Some(table) = cell(0) else { continue };
        if is_header || !like(pattern, &table) {
            continue;
        }
        match need {
            Need::Tables => {
                let kind = match cell(1).as_deref() {
                    Some("VIEW") => "VIRTUAL_VIEW",
                    _ => "EXTERNAL_TABLE",
                };
                tables.push(
                    TableMetadata::builder()
                        .name(table)
                        .table_type(kind)
                        .build()
                        .map_err(|e| built("a table", e))?,
                );
            }
            Need::Columns => {
                let Some(column) = cell(1) else { continue };
                if current.as_ref().is_none_or(|(name, _, _)| *name != table) {
                    finish(current.take(), &mut tables)?;
                    current = Some((table, Vec::new(), Vec::new()));
                }
                let glue = GlueColumn::builder()
                    .name(column)
                    .set_type(cell(2).map(|t| glue_type(&t)))
                    .set_comment(cell(3).filter(|c| !c.is_empty()))
                    .build()
                    .map_err(|e| built("a column", e))?;
                if let Some((_, cols, keys)) = current.as_mut() {
                    if cell(4).as_deref() == Some("partition key") {
                        keys.push(glue);
                    } else {
                        cols.push(glue);
                    }
                }
            }
        }
    }
    finish(current.take(), &mut tables)?;
    tables.sort_by(|a, b| a.name().cmp(b.name()));
    Ok(tables)
}

/// What an open bracket of an Athena type becomes in Glue's spelling.
enum Bracket {
    /// `array(`, `map(`: `<` … `>`.
    Angle,
    /// `row(`: `struct<`, each field `name:type`; true while a field's name is next.
    Row(bool),
    /// `decimal(10,2)`, `varchar(20)`: kept as written.
    Kept,
    /// `timestamp(3)`: Glue has no precision.
    Dropped,
}

/// An Athena (Trino) type from `information_schema` in Glue's (Hive's)
/// spelling, as GetTableMetadata gives it: `integer` → `int`, `varchar` →
/// `string` (`varchar(20)` stays), `real` → `float`, `varbinary` → `binary`,
/// `timestamp(3)` → `timestamp`, `array(integer)` → `array<int>`,
/// `map(varchar, bigint)` → `map<string,bigint>`, `row(a integer, b
/// varchar)` → `struct<a:int,b:string>`. Written without recursion (the
/// text comes from outside).
fn glue_type(athena: &str) -> String {
    let mut out = String::new();
    let mut stack: Vec<Bracket> = Vec::new();
    // The last type name written, until its bracket (if any) opens.
    let mut last_name = String::new();
    let mut chars = athena.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '(' => {
                let bracket = match last_name.as_str() {
                    "array" | "map" => Bracket::Angle,
                    "row" => Bracket::Row(true),
                    "timestamp" | "time" => Bracket::Dropped,
                    _ => Bracket::Kept,
                };
                match bracket {
                    Bracket::Angle | Bracket::Row(_) => out.push('<'),
                    Bracket::Kept => out.push('('),
                    Bracket::Dropped => {}
                }
                stack.push(bracket);
                last_name.clear();
            }
            ')' => match stack.pop() {
                Some(Bracket::Angle | Bracket::Row(_)) => out.push('>'),
                Some(Bracket::Kept) => out.push(')'),
                Some(Bracket::Dropped) => {}
                None => out.push(')'),
            },
            ',' => match stack.last_mut() {
                Some(Bracket::Row(name_next)) => {
                    *name_next = true;
                    out.push(',');
                }
                Some(Bracket::Dropped) => {}
                _ => out.push(','),
            },
            ' ' => {
                // A space ends a row field's name; inside a type (`timestamp
                // with time zone`) it is kept.
                if !out.ends_with([' ', '<', ',', ':']) && chars.peek().is_some_and(|n| *n != ' ') {
                    out.push(' ');
                }
            }
            _ => {
                let mut word = String::from(c);
                while let Some(&n) = chars.peek() {
                    if matches!(n, '(' | ')' | ',' | ' ') {
                        break;
                    }
                    word.push(n);
                    chars.next();
                }
                if let Some(Bracket::Row(name_next)) = stack.last_mut() {
                    if *name_next {
                        *name_next = false;
                        out.push_str(word.trim_matches('"'));
                        out.push(':');
                        // The space after the name.
                        while chars.peek() == Some(&' ') {
                            chars.next();
                        }
                        continue;
                    }
                }
                if matches!(stack.last(), Some(Bracket::Dropped)) {
                    continue;
                }
                let followed_by_bracket = chars.peek() == Some(&'(');
                let lower = word.to_ascii_lowercase();
                let glue = match lower.as_str() {
                    "integer" => "int",
                    "real" => "float",
                    "varbinary" => "binary",
                    "row" => "struct",
                    "varchar" if !followed_by_bracket => "string",
                    other => other,
                };
                out.push_str(glue);
                last_name = lower;
            }
        }
    }
    out
}

pub fn jdbc_table_type(athena: Option<&str>) -> &'static str {
    match athena {
        Some("VIRTUAL_VIEW") => "VIEW",
        _ => "TABLE",
    }
}

/// What a walk needs of each table: getTables its name and type, getColumns
/// its columns too (which decides the `information_schema` view asked).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    Tables,
    Columns,
}

impl Session {
    pub async fn catalog_names(&self) -> Result<Vec<String>> {
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
        names.sort();
        Ok(names)
    }

    async fn catalogs_matching(&self, catalog: Option<&str>) -> Result<Vec<String>> {
        match catalog {
            Some(name) => Ok(vec![name.to_string()]),
            None => self.catalog_names().await,
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
        let rows = self
            .catalog_names()
            .await?
            .into_iter()
            .map(|c| vec![Some(c)])
            .collect();
        ResultStream::local(columns(&[("TABLE_CAT", "varchar")]), rows)
    }

    pub async fn get_schemas(
        &self,
        catalog: Option<&str>,
        pattern: Option<&str>,
    ) -> Result<ResultStream> {
        let mut rows = Vec::new();
        let mut warnings = Vec::new();
        for catalog in self.catalogs_matching(catalog).await? {
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
        for catalog in self.catalogs_matching(catalog).await? {
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

pub fn get_table_types() -> Result<ResultStream> {
    ResultStream::local(
        columns(&[("TABLE_TYPE", "varchar")]),
        vec![vec![s("TABLE")], vec![s("VIEW")]],
    )
}

pub fn get_type_info() -> Result<ResultStream> {
    let rows = types::type_info()
        .into_iter()
        .map(|(name, data_type, precision)| {
            let quoted = matches!(name, "char" | "varchar" | "date" | "time" | "timestamp");
            vec![
                s(name),
                n(i64::from(data_type)),
                (precision != i32::MAX).then(|| precision.to_string()),
                quoted.then(|| "'".to_string()),
                quoted.then(|| "'".to_string()),
                (name == "decimal").then(|| "precision,scale".to_string()),
                n(1),
                s(if matches!(name, "char" | "varchar") {
                    "true"
                } else {
                    "false"
                }),
                n(3),
                s("false"),
                s("false"),
                s("false"),
                None,
                n(0),
                n(if name == "decimal" { 38 } else { 0 }),
                None,
                None,
                n(10),
            ]
        })
        .collect();
    let spec = [
        ("TYPE_NAME", "varchar"),
        ("DATA_TYPE", "integer"),
        ("PRECISION", "integer"),
        ("LITERAL_PREFIX", "varchar"),
        ("LITERAL_SUFFIX", "varchar"),
        ("CREATE_PARAMS", "varchar"),
        ("NULLABLE", "smallint"),
        ("CASE_SENSITIVE", "boolean"),
        ("SEARCHABLE", "smallint"),
        ("UNSIGNED_ATTRIBUTE", "boolean"),
        ("FIXED_PREC_SCALE", "boolean"),
        ("AUTO_INCREMENT", "boolean"),
        ("LOCAL_TYPE_NAME", "varchar"),
        ("MINIMUM_SCALE", "smallint"),
        ("MAXIMUM_SCALE", "smallint"),
        ("SQL_DATA_TYPE", "integer"),
        ("SQL_DATETIME_SUB", "integer"),
        ("NUM_PREC_RADIX", "integer"),
    ];
    ResultStream::local(columns(&spec), rows)
}

const V: &str = "varchar";
const I: &str = "integer";
const SI: &str = "smallint";

/// The shapes (column names and types, as `java.sql.DatabaseMetaData` lists them)
/// of the metadata Athena has none of: keys, indexes, privileges, procedures,
/// user-defined types. Tools call these on every table they open and expect an
/// empty result, not an error.
pub static EMPTY_SHAPES: &[(&str, &[(&str, &str)])] = &[
    (
        "procedures",
        &[
            ("PROCEDURE_CAT", V),
            ("PROCEDURE_SCHEM", V),
            ("PROCEDURE_NAME", V),
            ("RESERVED1", V),
            ("RESERVED2", V),
            ("RESERVED3", V),
            ("REMARKS", V),
            ("PROCEDURE_TYPE", SI),
            ("SPECIFIC_NAME", V),
        ],
    ),
    (
        "procedureColumns",
        &[
            ("PROCEDURE_CAT", V),
            ("PROCEDURE_SCHEM", V),
            ("PROCEDURE_NAME", V),
            ("COLUMN_NAME", V),
            ("COLUMN_TYPE", SI),
            ("DATA_TYPE", I),
            ("TYPE_NAME", V),
            ("PRECISION", I),
            ("LENGTH", I),
            ("SCALE", SI),
            ("RADIX", SI),
            ("NULLABLE", SI),
            ("REMARKS", V),
            ("COLUMN_DEF", V),
            ("SQL_DATA_TYPE", I),
            ("SQL_DATETIME_SUB", I),
            ("CHAR_OCTET_LENGTH", I),
            ("ORDINAL_POSITION", I),
            ("IS_NULLABLE", V),
            ("SPECIFIC_NAME", V),
        ],
    ),
    (
        "columnPrivileges",
        &[
            ("TABLE_CAT", V),
            ("TABLE_SCHEM", V),
            ("TABLE_NAME", V),
            ("COLUMN_NAME", V),
            ("GRANTOR", V),
            ("GRANTEE", V),
            ("PRIVILEGE", V),
            ("IS_GRANTABLE", V),
        ],
    ),
    (
        "tablePrivileges",
        &[
            ("TABLE_CAT", V),
            ("TABLE_SCHEM", V),
            ("TABLE_NAME", V),
            ("GRANTOR", V),
            ("GRANTEE", V),
            ("PRIVILEGE", V),
            ("IS_GRANTABLE", V),
        ],
    ),
    (
        "bestRowIdentifier",
        &[
            ("SCOPE", SI),
            ("COLUMN_NAME", V),
            ("DATA_TYPE", I),
            ("TYPE_NAME", V),
            ("COLUMN_SIZE", I),
            ("BUFFER_LENGTH", I),
            ("DECIMAL_DIGITS", SI),
            ("PSEUDO_COLUMN", SI),
        ],
    ),
    (
        "versionColumns",
        &[
            ("SCOPE", SI),
            ("COLUMN_NAME", V),
            ("DATA_TYPE", I),
            ("TYPE_NAME", V),
            ("COLUMN_SIZE", I),
            ("BUFFER_LENGTH", I),
            ("DECIMAL_DIGITS", SI),
            ("PSEUDO_COLUMN", SI),
        ],
    ),
    (
        "primaryKeys",
        &[
            ("TABLE_CAT", V),
            ("TABLE_SCHEM", V),
            ("TABLE_NAME", V),
            ("COLUMN_NAME", V),
            ("KEY_SEQ", SI),
            ("PK_NAME", V),
        ],
    ),
    ("importedKeys", KEYS),
    ("exportedKeys", KEYS),
    ("crossReference", KEYS),
    (
        "indexInfo",
        &[
            ("TABLE_CAT", V),
            ("TABLE_SCHEM", V),
            ("TABLE_NAME", V),
            ("NON_UNIQUE", "boolean"),
            ("INDEX_QUALIFIER", V),
            ("INDEX_NAME", V),
            ("TYPE", SI),
            ("ORDINAL_POSITION", SI),
            ("COLUMN_NAME", V),
            ("ASC_OR_DESC", V),
            ("CARDINALITY", "bigint"),
            ("PAGES", "bigint"),
            ("FILTER_CONDITION", V),
        ],
    ),
    (
        "udts",
        &[
            ("TYPE_CAT", V),
            ("TYPE_SCHEM", V),
            ("TYPE_NAME", V),
            ("CLASS_NAME", V),
            ("DATA_TYPE", I),
            ("REMARKS", V),
            ("BASE_TYPE", SI),
        ],
    ),
    (
        "superTypes",
        &[
            ("TYPE_CAT", V),
            ("TYPE_SCHEM", V),
            ("TYPE_NAME", V),
            ("SUPERTYPE_CAT", V),
            ("SUPERTYPE_SCHEM", V),
            ("SUPERTYPE_NAME", V),
        ],
    ),
    (
        "superTables",
        &[
            ("TABLE_CAT", V),
            ("TABLE_SCHEM", V),
            ("TABLE_NAME", V),
            ("SUPERTABLE_NAME", V),
        ],
    ),
    (
        "attributes",
        &[
            ("TYPE_CAT", V),
            ("TYPE_SCHEM", V),
            ("TYPE_NAME", V),
            ("ATTR_NAME", V),
            ("DATA_TYPE", I),
            ("ATTR_TYPE_NAME", V),
            ("ATTR_SIZE", I),
            ("DECIMAL_DIGITS", I),
            ("NUM_PREC_RADIX", I),
            ("NULLABLE", I),
            ("REMARKS", V),
            ("ATTR_DEF", V),
            ("SQL_DATA_TYPE", I),
            ("SQL_DATETIME_SUB", I),
            ("CHAR_OCTET_LENGTH", I),
            ("ORDINAL_POSITION", I),
            ("IS_NULLABLE", V),
            ("SCOPE_CATALOG", V),
            ("SCOPE_SCHEMA", V),
            ("SCOPE_TABLE", V),
            ("SOURCE_DATA_TYPE", SI),
        ],
    ),
    (
        "clientInfoProperties",
        &[
            ("NAME", V),
            ("MAX_LEN", I),
            ("DEFAULT_VALUE", V),
            ("DESCRIPTION", V),
        ],
    ),
    (
        "functions",
        &[
            ("FUNCTION_CAT", V),
            ("FUNCTION_SCHEM", V),
            ("FUNCTION_NAME", V),
            ("REMARKS", V),
            ("FUNCTION_TYPE", SI),
            ("SPECIFIC_NAME", V),
        ],
    ),
    (
        "functionColumns",
        &[
            ("FUNCTION_CAT", V),
            ("FUNCTION_SCHEM", V),
            ("FUNCTION_NAME", V),
            ("COLUMN_NAME", V),
            ("COLUMN_TYPE", SI),
            ("DATA_TYPE", I),
            ("TYPE_NAME", V),
            ("PRECISION", I),
            ("LENGTH", I),
            ("SCALE", SI),
            ("RADIX", SI),
            ("NULLABLE", SI),
            ("REMARKS", V),
            ("CHAR_OCTET_LENGTH", I),
            ("ORDINAL_POSITION", I),
            ("IS_NULLABLE", V),
            ("SPECIFIC_NAME", V),
        ],
    ),
    (
        "pseudoColumns",
        &[
            ("TABLE_CAT", V),
            ("TABLE_SCHEM", V),
            ("TABLE_NAME", V),
            ("COLUMN_NAME", V),
            ("DATA_TYPE", I),
            ("COLUMN_SIZE", I),
            ("DECIMAL_DIGITS", I),
            ("NUM_PREC_RADIX", I),
            ("COLUMN_USAGE", V),
            ("REMARKS", V),
            ("CHAR_OCTET_LENGTH", I),
            ("IS_NULLABLE", V),
        ],
    ),
];

const KEYS: &[(&str, &str)] = &[
    ("PKTABLE_CAT", V),
    ("PKTABLE_SCHEM", V),
    ("PKTABLE_NAME", V),
    ("PKCOLUMN_NAME", V),
    ("FKTABLE_CAT", V),
    ("FKTABLE_SCHEM", V),
    ("FKTABLE_NAME", V),
    ("FKCOLUMN_NAME", V),
    ("KEY_SEQ", SI),
    ("UPDATE_RULE", SI),
    ("DELETE_RULE", SI),
    ("FK_NAME", V),
    ("PK_NAME", V),
    ("DEFERRABILITY", SI),
];

/// An empty, correctly shaped result for one of [`EMPTY_SHAPES`], by the
/// `DatabaseMetaData` method's name without `get`.
pub fn empty(kind: &str) -> Result<ResultStream> {
    let spec = EMPTY_SHAPES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(kind))
        .map(|(_, spec)| *spec)
        .ok_or_else(|| crate::error::Error::internal(format!("no metadata shape named {kind}")))?;
    ResultStream::local(columns(spec), Vec::new())
}

/// Glue writes Hive names for some types.
fn normalize_glue(base: &str) -> String {
    match base {
        "string" => "varchar".into(),
        "int" => "integer".into(),
        "float" => "real".into(),
        "struct" => "row".into(),
        other => other.into(),
    }
}

/// TYPE_NAME of a column: a scalar under the name getTypeInfo lists
/// (`string` is `varchar`, `int` is `integer`), so tools match the two; a
/// complex type keeps its whole text (`array<int>`, `struct<x:int>`).
fn type_name(ty: &str) -> String {
    let trimmed = ty.trim();
    if trimmed.contains('<') {
        return trimmed.to_string();
    }
    let base = types::base_type(trimmed);
    let normalized = normalize_glue(&base);
    if normalized == base {
        trimmed.to_string()
    } else {
        normalized
    }
}

/// COLUMN_SIZE and DECIMAL_DIGITS from a type such as `decimal(10,2)` or `varchar(20)`.
fn type_size(ty: &str) -> (Option<i32>, Option<i32>) {
    let base = normalize_glue(&types::base_type(ty));
    let params: Vec<i32> = ty
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(inner, _)| {
            inner
                .split(',')
                .filter_map(|p| p.trim().parse().ok())
                .collect()
        })
        .unwrap_or_default();
    match base.as_str() {
        "decimal" => (
            Some(*params.first().unwrap_or(&38)),
            Some(*params.get(1).unwrap_or(&0)),
        ),
        "varchar" | "char" => (params.first().copied().or(Some(i32::MAX)), None),
        "tinyint" => (Some(3), Some(0)),
        "smallint" => (Some(5), Some(0)),
        "integer" => (Some(10), Some(0)),
        "bigint" => (Some(19), Some(0)),
        "real" => (Some(7), None),
        "double" => (Some(15), None),
        "date" => (Some(10), None),
        "timestamp" => (Some(23), Some(3)),
        "boolean" => (Some(1), None),
        _ => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_follow_jdbc() {
        assert!(like(None, "x"));
        assert!(like(Some("%"), ""));
        assert!(like(Some("ci%"), "cities"));
        assert!(like(Some("c_ties"), "cities"));
        assert!(!like(Some("c_ties"), "ccities"));
        assert!(like(Some("my\\_t"), "my_t"));
        assert!(!like(Some("my\\_t"), "myxt"));
    }

    #[test]
    fn like_escapes_and_backslashes() {
        // A trailing lone `\` is a literal backslash.
        assert!(like(Some("a\\"), "a\\"));
        assert!(!like(Some("a\\"), "a"));
        assert!(like(Some("100\\%"), "100%"));
        assert!(!like(Some("100\\%"), "1000"));
        assert!(like(Some("a\\\\b"), "a\\b"));
        // Escaped letters compare without regard to case, like every literal.
        assert!(like(Some("\\T%"), "tables"));
        assert!(like(Some("CI%"), "cities"));
        assert!(!like(Some("%x"), "cities"));
        assert!(like(Some("%%_"), "c"));
        assert!(!like(Some("%%_"), ""));
    }

    /// The meaning of a JDBC LIKE pattern, written as plainly as possible: a
    /// table of which pattern prefixes match which value prefixes.
    fn like_reference(pattern: &str, value: &str) -> bool {
        enum P {
            Run,
            One,
            Lit(char),
        }
        let mut p = Vec::new();
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            p.push(match c {
                '%' => P::Run,
                '_' => P::One,
                '\\' => P::Lit(chars.next().unwrap_or('\\')),
                c => P::Lit(c),
            });
        }
        let v: Vec<char> = value.chars().collect();
        // m[i][j]: the first i pieces match the first j characters.
        let mut m = vec![vec![false; v.len() + 1]; p.len() + 1];
        m[0][0] = true;
        for i in 1..=p.len() {
            for j in 0..=v.len() {
                m[i][j] = match &p[i - 1] {
                    P::Run => m[i - 1][j] || (j > 0 && m[i][j - 1]),
                    P::One => j > 0 && m[i - 1][j - 1],
                    P::Lit(c) => j > 0 && m[i - 1][j - 1] && c.eq_ignore_ascii_case(&v[j - 1]),
                };
            }
        }
        m[p.len()][v.len()]
    }

    /// A value the pattern (nearly) describes, so that matches are common: each
    /// `%` becomes its filler, `_` one character, a literal itself, its other
    /// case, or (when the filler says so) something else.
    fn near_match(pattern: &str, fillers: &[String]) -> String {
        let mut value = String::new();
        let mut chars = pattern.chars();
        let mut fill = fillers.iter().cycle();
        while let Some(c) = chars.next() {
            let filler = fill.next().map(String::as_str).unwrap_or("");
            match c {
                '%' => value.push_str(filler),
                '_' => value.push(filler.chars().next().unwrap_or('_')),
                c => {
                    let c = if c == '\\' {
                        chars.next().unwrap_or('\\')
                    } else {
                        c
                    };
                    match filler.len() {
                        0 => value.push(c.to_ascii_uppercase()),
                        1 => value.push(c.to_ascii_lowercase()),
                        2 => value.push(c),
                        _ => value.push_str(filler),
                    }
                }
            }
        }
        value
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        #[test]
        fn like_agrees_with_the_reference(
            pattern in "[aAb%_\\\\é]{0,12}",
            value in "[aAb%_\\\\éÉ]{0,14}",
            fillers in proptest::collection::vec("[aAb%_\\\\éÉ]{0,4}", 1..6),
        ) {
            let near = near_match(&pattern, &fillers);
            for value in [&value, &near] {
                proptest::prop_assert_eq!(
                    like(Some(&pattern), value),
                    like_reference(&pattern, value),
                    "pattern {:?} value {:?}", pattern, value
                );
            }
        }
    }

    #[test]
    fn many_wildcards_against_a_long_name_answer_quickly() {
        let name = "a".repeat(10_000);
        let started = std::time::Instant::now();
        assert!(!like(Some("%a%a%a%a%a%a%a%a%a%a%a%b"), &name));
        assert!(like(Some("%a%a%a%a%a%a%a%a%a%a%a%"), &name));
        assert!(like(Some("%a_a%a%a%a%a%a%a%a%a%a"), &name));
        // Generous: the point is that it finishes at all.
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
    }

    #[test]
    fn long_patterns_do_not_exhaust_a_small_stack() {
        // Metadata calls run on the calling Java thread, whose stack may be small.
        let answers = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(|| {
                let name = "a".repeat(100_000);
                [
                    like(Some(&"%".repeat(100_000)), "abc"),
                    like(Some(&name), &name),
                    like(Some(&"_".repeat(100_000)), &name),
                    like(Some(&"a%".repeat(50_000)), &name),
                ]
            })
            .map(|thread| thread.join());
        assert!(
            matches!(answers, Ok(Ok([true, true, true, true]))),
            "{answers:?}"
        );
    }

    #[test]
    fn patterns_become_exact_names_or_expressions() {
        assert_eq!(exact_name("my\\_t").as_deref(), Some("my_t"));
        assert_eq!(exact_name("t%"), None);
        assert_eq!(exact_name("t_1"), None);
        assert_eq!(expression("T1\\_%").as_deref(), Some("t1_.*"));
        assert_eq!(expression("a.b_").as_deref(), Some("a\\.b."));
        assert_eq!(expression("%%"), None);
    }

    #[test]
    fn type_names_match_get_type_info() {
        assert_eq!(type_name("string"), "varchar");
        assert_eq!(type_name("int"), "integer");
        assert_eq!(type_name("decimal(10,2)"), "decimal(10,2)");
        assert_eq!(type_name("array<int>"), "array<int>");
        assert_eq!(
            type_name("struct<x:int,y:string>"),
            "struct<x:int,y:string>"
        );
    }

    #[test]
    fn athena_types_read_as_glue_writes_them() {
        for (athena, glue) in [
            ("integer", "int"),
            ("varchar", "string"),
            ("varchar(20)", "varchar(20)"),
            ("decimal(10,2)", "decimal(10,2)"),
            ("timestamp(3)", "timestamp"),
            ("real", "float"),
            ("varbinary", "binary"),
            ("array(integer)", "array<int>"),
            ("map(varchar, bigint)", "map<string,bigint>"),
            ("row(a integer, b varchar)", "struct<a:int,b:string>"),
            (
                "array(row(x double, y array(decimal(5,1))))",
                "array<struct<x:double,y:array<decimal(5,1)>>>",
            ),
            ("timestamp(3) with time zone", "timestamp with time zone"),
        ] {
            assert_eq!(glue_type(athena), glue, "{athena}");
        }
        // Deep nesting needs no stack of its own.
        let deep = format!("{}integer{}", "array(".repeat(100_000), ")".repeat(100_000));
        assert!(glue_type(&deep).starts_with("array<array<"));
    }

    #[test]
    fn information_schema_rows_become_table_metadata() {
        let row = |t: &str, c: &str, ty: &str, extra: Option<&str>| {
            vec![s(t), s(c), s(ty), None, extra.map(str::to_string)]
        };
        let rows = vec![
            vec![
                s("table_name"),
                s("column_name"),
                s("data_type"),
                s("comment"),
                s("extra_info"),
            ],
            row("b", "x", "integer", None),
            row("a", "id", "bigint", None),
            row("a", "day", "varchar", Some("partition key")),
            row("a", "tags", "array(varchar)", None),
        ];
        let tables = tables_from_rows(rows, Some("%"), Need::Columns).unwrap();
        let names: Vec<&str> = tables.iter().map(|t| t.name()).collect();
        assert_eq!(names, ["a", "b"]);
        let a = &tables[0];
        let cols: Vec<(&str, Option<&str>)> =
            a.columns().iter().map(|c| (c.name(), c.r#type())).collect();
        assert_eq!(
            cols,
            [("id", Some("bigint")), ("tags", Some("array<string>"))]
        );
        assert_eq!(a.partition_keys()[0].name(), "day");
    }

    #[test]
    fn information_schema_queries_narrow_by_pattern() {
        assert_eq!(
            information_schema_sql("Sales", Some("Ord%"), Need::Columns),
            "SELECT table_name, column_name, data_type, comment, extra_info FROM information_schema.columns \
             WHERE table_schema = 'sales' AND table_name LIKE 'ord%' ORDER BY table_name, ordinal_position"
        );
        assert_eq!(
            information_schema_sql("d", Some("it's"), Need::Tables),
            "SELECT table_name, table_type FROM information_schema.tables \
             WHERE table_schema = 'd' AND table_name = 'it''s' ORDER BY table_name"
        );
        assert!(!information_schema_sql("d", Some("a\\_%"), Need::Tables).contains("LIKE"));
        assert!(!information_schema_sql("d", None, Need::Tables).contains("table_name ="));
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

    #[test]
    fn sizes_come_from_type_parameters() {
        assert_eq!(type_size("decimal(10,2)"), (Some(10), Some(2)));
        assert_eq!(type_size("varchar(20)"), (Some(20), None));
        assert_eq!(type_size("int"), (Some(10), Some(0)));
    }
}
