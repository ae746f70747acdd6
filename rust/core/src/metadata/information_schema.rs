//! Table metadata from Athena's `information_schema`, for principals denied
//! Glue's table metadata: the query, and its rows read as GetTableMetadata
//! would have given them.

use aws_sdk_athena::types::TableMetadata;

use super::pattern::exact_name;
use super::{like, Need};
use crate::error::{Error, Result};

/// A text for inside single quotes in SQL.
fn sql_text(text: &str) -> String {
    text.replace('\'', "''")
}

/// The query of [`Session::via_information_schema`]. A pattern with
/// escapes is not passed on (Athena's LIKE has no escape character by
/// default): the rows are checked against the pattern afterwards anyway.
pub(super) fn information_schema_sql(database: &str, pattern: Option<&str>, need: Need) -> String {
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
pub(super) fn tables_from_rows(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::s;

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
}
