//! `UNLOAD (SELECT …) TO 's3://…' WITH (format = 'PARQUET', …)` as Athena
//! runs it (AWS user guide, "UNLOAD"): the target prefix must be empty, the
//! rows are written as several Parquet files, and a manifest listing them is
//! written beside the query's result (`DataManifestLocation`). The files'
//! layout (INT96 timestamps and the rest) is [`crate::hive_parquet`]'s.

use crate::engine::{QueryFailure, ResultData};
use crate::hive_parquet::{HiveParquetError, HiveParquetWriter};
use crate::storage::{parse_s3_uri, Storage};
use datafusion::arrow::datatypes::DataType;
use datafusion::parquet::basic::{Compression, GzipLevel, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;

/// Rows per written file: a large result becomes several files, as Athena's
/// parallel writers make it, so readers must handle more than one.
const ROWS_PER_FILE: usize = 1_000_000;
/// Rows per row group: several in a file, so readers that fetch row groups
/// with ranged GETs (as the driver does) meet more than one per file.
const ROWS_PER_ROW_GROUP: usize = 128 * 1024;

/// A parsed UNLOAD statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unload {
    pub query: String,
    pub target: String,
    pub compression: String,
}

/// Parses an UNLOAD statement; the failure is Athena's for a malformed one.
pub fn parse(sql: &str) -> Result<Unload, QueryFailure> {
    let bad = |why: &str| QueryFailure::user(format!("SYNTAX_ERROR: UNLOAD {why}"));
    let text = sql.trim().trim_end_matches(';').trim();
    let rest = strip_keyword(text, "UNLOAD").ok_or_else(|| bad("must start with UNLOAD"))?;
    let rest = rest.trim_start();
    if !rest.starts_with('(') {
        return Err(bad(
            "needs the query in parentheses: UNLOAD (SELECT ...) TO 's3://...'",
        ));
    }
    let close = matching_paren(rest).ok_or_else(|| bad("has unbalanced parentheses"))?;
    let query = rest[1..close].trim().to_string();
    let rest = strip_keyword(rest[close + 1..].trim_start(), "TO")
        .ok_or_else(|| bad("needs TO 's3://...' after the query"))?
        .trim_start();
    let (target, rest) =
        quoted(rest).ok_or_else(|| bad("needs the target as a quoted s3:// location"))?;
    if parse_s3_uri(&target).is_none() {
        return Err(bad(&format!(
            "target must be an s3:// location, not '{target}'"
        )));
    }
    let rest = rest.trim();
    let mut format = "TEXTFILE".to_string();
    let mut compression = "GZIP".to_string();
    if !rest.is_empty() {
        let body = strip_keyword(rest, "WITH")
            .map(str::trim)
            .and_then(|r| r.strip_prefix('('))
            .and_then(|r| r.strip_suffix(')'))
            .ok_or_else(|| bad("options must be WITH (name = 'value', ...)"))?;
        for option in body.split(',').map(str::trim).filter(|o| !o.is_empty()) {
            let (name, value) = option
                .split_once('=')
                .ok_or_else(|| bad(&format!("option '{option}' needs a value")))?;
            let value = value.trim().trim_matches('\'').to_ascii_uppercase();
            match name.trim().to_ascii_lowercase().as_str() {
                "format" => format = value,
                "compression" => compression = value,
                other => {
                    return Err(QueryFailure::user(format!(
                        "NOT_SUPPORTED: athena-local's UNLOAD does not support the option {other}"
                    )))
                }
            }
        }
    }
    if format != "PARQUET" {
        return Err(QueryFailure::user(format!(
            "NOT_SUPPORTED: athena-local's UNLOAD writes only format = 'PARQUET', not '{format}'"
        )));
    }
    Ok(Unload {
        query,
        target,
        compression,
    })
}

fn strip_keyword<'a>(text: &'a str, keyword: &str) -> Option<&'a str> {
    let head = text.get(..keyword.len())?;
    let rest = &text[keyword.len()..];
    (head.eq_ignore_ascii_case(keyword)
        && rest
            .chars()
            .next()
            .is_none_or(|c| c.is_whitespace() || c == '(' || c == '\''))
    .then_some(rest)
}

/// Index of the `)` closing the `(` at index 0, skipping quoted text and comments.
fn matching_paren(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            q @ (b'\'' | b'"') => {
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == q {
                        if bytes.get(i + 1) == Some(&q) {
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
            b'(' => depth += 1,
            b')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// A `'…'` literal at the start of `text` (quotes doubled inside), and what follows.
fn quoted(text: &str) -> Option<(String, &str)> {
    let body = text.strip_prefix('\'')?;
    let mut value = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if body[i + 1..].starts_with('\'') {
                value.push('\'');
                chars.next();
            } else {
                return Some((value, &body[i + 1..]));
            }
        } else {
            value.push(c);
        }
    }
    None
}

fn compression_of(name: &str) -> Result<Compression, QueryFailure> {
    Ok(match name {
        "SNAPPY" => Compression::SNAPPY,
        "GZIP" => Compression::GZIP(GzipLevel::default()),
        "ZSTD" => Compression::ZSTD(ZstdLevel::default()),
        "NONE" | "UNCOMPRESSED" => Compression::UNCOMPRESSED,
        other => {
            return Err(QueryFailure::user(format!(
                "NOT_SUPPORTED: athena-local's UNLOAD does not support compression '{other}'"
            )))
        }
    })
}

/// What Athena's UNLOAD refuses in its query's columns, with Athena's texts
/// (Trino's analyzer for a table write, then its Hive type translator): a
/// name given twice (names compare without case, as Trino's identifiers),
/// and a type the Hive writer has no type for (`time`, `timestamp with time
/// zone`, intervals), also inside arrays, maps and rows.
pub fn refuse_columns(schema: &datafusion::arrow::datatypes::Schema) -> Result<(), QueryFailure> {
    let mut seen = std::collections::HashSet::new();
    for field in schema.fields() {
        let name = field.name().to_lowercase();
        if !seen.insert(name.clone()) {
            return Err(QueryFailure::user(format!(
                "SYNTAX_ERROR: line 1:1: Column name '{name}' specified more than once"
            )));
        }
    }
    for field in schema.fields() {
        if let Some(hive_less) = unsupported_type(field) {
            return Err(QueryFailure::user(format!(
                "NOT_SUPPORTED: Unsupported Hive type: {hive_less}"
            )));
        }
    }
    Ok(())
}

/// The Athena name of the first type in `field` (itself or nested) that
/// Hive cannot store.
fn unsupported_type(field: &datafusion::arrow::datatypes::Field) -> Option<String> {
    // `time with time zone` travels as text with a marker: Hive refuses it all the same.
    if athena_arrow_text::is_time_tz_field(field) {
        return Some("time(3) with time zone".into());
    }
    match field.data_type() {
        DataType::Time32(_) | DataType::Time64(_) => Some("time(3)".into()),
        DataType::Timestamp(_, Some(_)) => Some("timestamp(3) with time zone".into()),
        data_type @ (DataType::Interval(_) | DataType::Duration(_)) => {
            Some(athena_arrow_text::athena_type_of(data_type).name)
        }
        DataType::List(f)
        | DataType::LargeList(f)
        | DataType::ListView(f)
        | DataType::LargeListView(f)
        | DataType::FixedSizeList(f, _)
        | DataType::Map(f, _) => unsupported_type(f),
        DataType::Struct(fields) => fields.iter().find_map(|f| unsupported_type(f)),
        DataType::Dictionary(_, value) => {
            unsupported_type(&field.clone().with_data_type(value.as_ref().clone()))
        }
        _ => None,
    }
}

/// Writes `data` as Parquet files under the (empty) target prefix and the
/// manifest at `manifest`; returns the row count. `client_side_encrypted`
/// (a CSE_KMS result configuration) writes each file as ciphertext, which
/// only a client holding the KMS key can read: no plain reader can.
pub fn write(
    storage: &Storage,
    unload: &Unload,
    query_id: &str,
    data: &ResultData,
    manifest: &str,
    client_side_encrypted: bool,
) -> Result<i64, QueryFailure> {
    // Athena's analyzer refuses these before the query runs or writes.
    refuse_columns(&data.schema)?;
    let (bucket, prefix) = parse_s3_uri(&unload.target)
        .ok_or_else(|| QueryFailure::user("SYNTAX_ERROR: UNLOAD target is not s3://"))?;
    let prefix = if prefix.is_empty() || prefix.ends_with('/') {
        prefix.to_string()
    } else {
        format!("{prefix}/")
    };
    let existing = storage
        .list(bucket, &prefix)
        .map_err(|e| QueryFailure::system(format!("cannot list {}: {e}", unload.target)))?;
    if !existing.is_empty() {
        return Err(QueryFailure::user(format!(
            "HIVE_PATH_ALREADY_EXISTS: Target directory for table already exists: {}. The UNLOAD target must be empty",
            unload.target
        )));
    }
    let properties = WriterProperties::builder()
        .set_compression(compression_of(&unload.compression)?)
        .build();
    let failed = |e: &dyn std::fmt::Display| {
        QueryFailure::system(format!("UNLOAD could not write Parquet: {e}"))
    };
    let refused = |e: HiveParquetError| match e {
        HiveParquetError::Unsupported(what) => QueryFailure::user(format!(
            "NOT_SUPPORTED: athena-local's UNLOAD cannot write {what}"
        )),
        HiveParquetError::OutOfRange { .. } => {
            QueryFailure::user(format!("INVALID_FUNCTION_ARGUMENT: {e}"))
        }
        HiveParquetError::Parquet(e) => failed(&e),
        HiveParquetError::Internal(why) => failed(&why),
    };
    // No rows, no files (as Athena's writers leave it): the manifest is empty.
    let ranges: Vec<(usize, usize)> = (0..data.total_rows)
        .step_by(ROWS_PER_FILE)
        .map(|start| (start, ROWS_PER_FILE.min(data.total_rows - start)))
        .collect();
    let write_file = |index: usize| -> Result<String, QueryFailure> {
        let (start, count) = ranges[index];
        let key = format!("{prefix}{query_id}_{index:05}");
        // One file per worker in memory (at most ROWS_PER_FILE rows, compressed).
        let mut writer =
            HiveParquetWriter::try_new(Vec::new(), data.schema.clone(), properties.clone())
                .map_err(refused)?;
        let mut group_start = start;
        while group_start < start + count {
            let rows = ROWS_PER_ROW_GROUP.min(start + count - group_start);
            let mut batches = Vec::new();
            data.for_each_batch(group_start, rows, |batch| batches.push(batch));
            writer.write_row_group(&batches).map_err(refused)?;
            group_start += rows;
        }
        let mut buffer = writer.close().map_err(refused)?;
        if client_side_encrypted {
            // Stands in for ciphertext, as the CSE_KMS result file does.
            buffer.iter_mut().for_each(|b| *b ^= 0xA5);
        }
        storage.put(bucket, &key, &buffer).map_err(|e| failed(&e))?;
        Ok(format!("s3://{bucket}/{key}"))
    };
    // Athena's writers run in parallel: files are written on every core.
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(ranges.len())
        .max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let written: Vec<Vec<(usize, Result<String, QueryFailure>)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if index >= ranges.len() {
                            return done;
                        }
                        done.push((index, write_file(index)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    vec![(0, Err(QueryFailure::system("an UNLOAD writer stopped")))]
                })
            })
            .collect()
    });
    let mut written: Vec<(usize, Result<String, QueryFailure>)> =
        written.into_iter().flatten().collect();
    written.sort_by_key(|(index, _)| *index);
    let files = written
        .into_iter()
        .map(|(_, file)| file)
        .collect::<Result<Vec<String>, QueryFailure>>()?;
    let (manifest_bucket, manifest_key) = parse_s3_uri(manifest)
        .ok_or_else(|| QueryFailure::system(format!("invalid manifest location {manifest}")))?;
    let listing: String = files.iter().map(|f| format!("{f}\n")).collect();
    storage
        .put(manifest_bucket, manifest_key, listing.as_bytes())
        .map_err(|e| failed(&e))?;
    Ok(i64::try_from(data.total_rows).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_athena_unload() {
        let u = parse(
            "UNLOAD (SELECT ')' AS x, f(1) FROM t -- )\n) TO 's3://b/p/' WITH (format = 'PARQUET', compression = 'SNAPPY');",
        )
        .unwrap();
        assert_eq!(u.query, "SELECT ')' AS x, f(1) FROM t -- )");
        assert_eq!(u.target, "s3://b/p/");
        assert_eq!(u.compression, "SNAPPY");
        assert!(parse("UNLOAD SELECT 1 TO 's3://b/'").is_err());
        assert!(parse("UNLOAD (SELECT 1) TO 'b/p'").is_err());
        let text = parse("UNLOAD (SELECT 1) TO 's3://b/p/'").unwrap_err();
        assert!(text.message.contains("PARQUET"), "{}", text.message);
        assert!(parse(
            "unload (select 1) to 's3://b/p/' with (format='parquet', partitioned_by=ARRAY['x'])"
        )
        .is_err());
    }
}
