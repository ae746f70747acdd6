//! DatabaseMetaData results, shaped as JDBC defines them and served through the
//! same page format as query results.

use aws_sdk_athena::types::TableMetadata;

use crate::error::{from_sdk, Result};
use crate::results::ResultStream;
use crate::session::Session;
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

/// JDBC's LIKE patterns: `%` any run, `_` one character, `\` escapes. None matches all.
pub fn like(pattern: Option<&str>, value: &str) -> bool {
    let Some(pattern) = pattern else { return true };
    let p: Vec<char> = pattern.chars().collect();
    let v: Vec<char> = value.chars().collect();
    fn go(p: &[char], v: &[char]) -> bool {
        match p.first() {
            None => v.is_empty(),
            Some('%') => (0..=v.len()).any(|i| go(&p[1..], &v[i..])),
            Some('_') => !v.is_empty() && go(&p[1..], &v[1..]),
            Some('\\') if p.len() > 1 => v.first() == Some(&p[1]) && go(&p[2..], &v[1..]),
            Some(c) => v.first().is_some_and(|x| x.eq_ignore_ascii_case(c)) && go(&p[1..], &v[1..]),
        }
    }
    go(&p, &v)
}

pub fn jdbc_table_type(athena: Option<&str>) -> &'static str {
    match athena {
        Some("VIRTUAL_VIEW") => "VIEW",
        _ => "TABLE",
    }
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

    async fn tables(&self, catalog: &str, database: &str) -> Result<Vec<TableMetadata>> {
        let mut tables = Vec::new();
        let mut pages = self
            .client()
            .list_table_metadata()
            .catalog_name(catalog)
            .database_name(database)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| from_sdk("ListTableMetadata", e))?;
            tables.extend(page.table_metadata_list().iter().cloned());
        }
        tables.sort_by(|a, b| a.name().cmp(b.name()));
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
        for catalog in self.catalogs_matching(catalog).await? {
            for database in self.database_names(&catalog).await? {
                if like(pattern, &database) {
                    rows.push(vec![Some(database), Some(catalog.clone())]);
                }
            }
        }
        ResultStream::local(
            columns(&[("TABLE_SCHEM", "varchar"), ("TABLE_CATALOG", "varchar")]),
            rows,
        )
    }

    /// Walks catalogs, databases and tables that match, calling `each` for every table.
    async fn walk_tables(
        &self,
        catalog: Option<&str>,
        schema_pattern: Option<&str>,
        table_pattern: Option<&str>,
        mut each: impl FnMut(&str, &str, &TableMetadata),
    ) -> Result<()> {
        for catalog in self.catalogs_matching(catalog).await? {
            for database in self.database_names(&catalog).await? {
                if !like(schema_pattern, &database) {
                    continue;
                }
                for table in self.tables(&catalog, &database).await? {
                    if like(table_pattern, table.name()) {
                        each(&catalog, &database, &table);
                    }
                }
            }
        }
        Ok(())
    }

    pub async fn get_tables(
        &self,
        catalog: Option<&str>,
        schema: Option<&str>,
        table: Option<&str>,
        types: Option<&[String]>,
    ) -> Result<ResultStream> {
        let mut rows: Vec<Row> = Vec::new();
        self.walk_tables(catalog, schema, table, |cat, db, t| {
            let kind = jdbc_table_type(t.table_type());
            if types.is_some_and(|wanted| !wanted.iter().any(|w| w.eq_ignore_ascii_case(kind))) {
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
        ResultStream::local(columns(&spec), rows)
    }

    pub async fn get_columns(
        &self,
        catalog: Option<&str>,
        schema: Option<&str>,
        table: Option<&str>,
        column: Option<&str>,
    ) -> Result<ResultStream> {
        let mut rows: Vec<Row> = Vec::new();
        self.walk_tables(catalog, schema, table, |cat, db, t| {
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
                    s(ty),
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
        ResultStream::local(columns(&spec), rows)
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
    fn sizes_come_from_type_parameters() {
        assert_eq!(type_size("decimal(10,2)"), (Some(10), Some(2)));
        assert_eq!(type_size("varchar(20)"), (Some(20), None));
        assert_eq!(type_size("int"), (Some(10), Some(0)));
    }
}
