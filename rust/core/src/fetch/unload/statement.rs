//! The UNLOAD statement: which SELECTs become one, its text, and which of
//! its failures are UNLOAD's own refusals.

/// Folder under the output location that holds each UNLOAD's files.
const UNLOAD_FOLDER: &str = "athena-jdbc-unload";

/// The statement to run instead of `sql`, and the prefix it writes to; or
/// why `sql` runs as written.
pub(crate) fn rewrite(
    sql: &str,
    output_location: &str,
) -> std::result::Result<(String, String), String> {
    let shape = scan(sql);
    if !shape.is_select {
        return Err("only SELECT, WITH and VALUES queries are unloaded".into());
    }
    if shape.top_level_order_by {
        return Err(
            "the query has a top-level ORDER BY, whose order UNLOAD's parallel files would lose"
                .into(),
        );
    }
    Ok(unload_statement(sql, output_location))
}

/// `UNLOAD (sql) TO` a fresh prefix under `output_location`, and the prefix.
pub(crate) fn unload_statement(sql: &str, output_location: &str) -> (String, String) {
    let prefix = format!(
        "{}/{UNLOAD_FOLDER}/{}/",
        output_location.trim_end_matches('/'),
        uuid::Uuid::new_v4()
    );
    let inner = sql.trim().trim_end_matches(';');
    // The newline ends a trailing `--` comment before the closing parenthesis.
    let statement = format!(
        "UNLOAD (\n{inner}\n) TO '{}' WITH (format = 'PARQUET', compression = 'SNAPPY')",
        prefix.replace('\'', "''")
    );
    (statement, prefix)
}

pub(crate) struct Shape {
    pub is_select: bool,
    pub top_level_order_by: bool,
}

/// The first keyword and whether ORDER BY appears outside every parenthesis,
/// skipping quoted text and comments.
pub(crate) fn scan(sql: &str) -> Shape {
    let bytes = sql.as_bytes();
    let mut words: Vec<(usize, String)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\'' | b'"' => {
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == b {
                        if bytes.get(i + 1) == Some(&b) {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    i += 1;
                }
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                words.push((depth, sql[start..i].to_ascii_uppercase()));
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    let is_select = words
        .first()
        .is_some_and(|(_, w)| matches!(w.as_str(), "SELECT" | "WITH" | "VALUES"));
    let top_level_order_by = words
        .windows(2)
        .any(|w| w[0].0 == 0 && w[1].0 == 0 && w[0].1 == "ORDER" && w[1].1 == "BY");
    Shape {
        is_select,
        top_level_order_by,
    }
}

/// Why Athena's failure of an UNLOAD is UNLOAD's own refusal of a query that
/// runs as written (a table write's checks, which a SELECT never meets), or
/// None when the failure is the query's: that one is the user's to see,
/// once, and the statement does not run again.
pub(crate) fn refusal(message: &str) -> Option<String> {
    // Trino's analyzer for a table write (DUPLICATE_COLUMN_NAME,
    // MISSING_COLUMN_NAME, COLUMN_TYPE_UNKNOWN), and its Hive type
    // translator's NOT_SUPPORTED for `time`, `timestamp with time zone`
    // and intervals.
    let duplicate =
        message.contains("Column name '") && message.contains("specified more than once");
    let refused = duplicate
        || message.contains("Column name not specified at position")
        || message.contains("Column type is unknown")
        || message.contains("Unsupported Hive type");
    refused.then(|| format!("Athena refused the UNLOAD: {message}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unloads_own_refusals_run_as_written() {
        for refused in [
            "SYNTAX_ERROR: line 1:8: Column name 'name' specified more than once",
            "SYNTAX_ERROR: line 1:1: Column name not specified at position 1",
            "SYNTAX_ERROR: line 1:1: Column type is unknown: x",
            "NOT_SUPPORTED: Unsupported Hive type: time",
            "NOT_SUPPORTED: Unsupported Hive type: timestamp(3) with time zone",
            "NOT_SUPPORTED: Unsupported Hive type: interval day to second",
        ] {
            let why = refusal(refused).unwrap_or_default();
            assert!(why.contains(refused), "{refused}");
        }
        // The query's own errors are the user's to see, once.
        for own in [
            "COLUMN_NOT_FOUND: line 1:8: Column 'no_such_column' cannot be resolved",
            "SYNTAX_ERROR: line 1:15: Table 'default.nope' does not exist",
            "HIVE_PATH_ALREADY_EXISTS: Target directory for table already exists",
            "Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied)",
            "NOT_SUPPORTED: Unsupported type: uuid",
        ] {
            assert_eq!(refusal(own), None, "{own}");
        }
    }

    #[test]
    fn selects_without_top_level_order_are_unloaded() {
        let (statement, prefix) = rewrite("SELECT a FROM t -- note", "s3://b/results/").unwrap();
        assert!(prefix.starts_with("s3://b/results/athena-jdbc-unload/"));
        assert!(statement.starts_with(
            "UNLOAD (\nSELECT a FROM t -- note\n) TO 's3://b/results/athena-jdbc-unload/"
        ));
        assert!(statement.ends_with("WITH (format = 'PARQUET', compression = 'SNAPPY')"));
        for sql in [
            "WITH x AS (SELECT 1 a) SELECT * FROM x",
            "select * from (select a from t order by a) limit 5",
            "SELECT 'ORDER BY' AS \"order by\" FROM t /* ORDER BY a */",
            "VALUES (1)",
        ] {
            assert!(rewrite(sql, "s3://b/").is_ok(), "{sql}");
        }
        for sql in [
            "SELECT a FROM t ORDER BY a",
            "select a from t order\n by a limit 3",
            "SHOW TABLES",
            "INSERT INTO t SELECT 1",
            "CREATE TABLE x AS SELECT 1",
        ] {
            assert!(rewrite(sql, "s3://b/").is_err(), "{sql}");
        }
    }
}
