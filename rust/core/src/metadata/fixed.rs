//! The answers that need no AWS call: table types, type info, the empty
//! correctly shaped results of what Athena lacks, and column types as
//! JDBC reports them.

use super::{columns, n, s};
use crate::error::Result;
use crate::results::ResultStream;
use crate::types;

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
pub(super) fn normalize_glue(base: &str) -> String {
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
pub(super) fn type_name(ty: &str) -> String {
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
pub(super) fn type_size(ty: &str) -> (Option<i32>, Option<i32>) {
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
    fn sizes_come_from_type_parameters() {
        assert_eq!(type_size("decimal(10,2)"), (Some(10), Some(2)));
        assert_eq!(type_size("varchar(20)"), (Some(20), None));
        assert_eq!(type_size("int"), (Some(10), Some(0)));
    }
}
