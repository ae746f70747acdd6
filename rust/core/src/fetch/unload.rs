//! UNLOAD mode (`Unload=true`, PyAthena's `unload=True`): a SELECT runs as
//! `UNLOAD (…) TO '<output location>/athena-jdbc-unload/<uuid>/' WITH
//! (format = 'PARQUET', compression = 'SNAPPY')`; the Parquet files its
//! manifest lists are downloaded in parallel (within a byte budget) and
//! decoded in manifest order straight into pages, and the prefix is deleted
//! once read.
//!
//! UNLOAD writes files in parallel with no global order, so a query with a
//! top-level ORDER BY is not unloaded (it runs as written); its order is kept.

use std::collections::VecDeque;

use arrow::record_batch::RecordBatch;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use bytes::Bytes;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use tokio::sync::mpsc;

use super::{get_object, start, Fetchers, InFlight, Request, UnloadRun, PREFETCH_PAGES};
use crate::error::{from_sdk, Error, ErrorKind, Result};
use crate::log::Logger;
use crate::page;
use crate::results::ResultStream;
use crate::types::Column;

/// Rows per page unless the user set a fetch size.
const DEFAULT_PAGE_ROWS: usize = 10_000;
/// Downloads run ahead of the decoder only while the files held stay under
/// this many bytes (estimated from the last file's size), so memory does not
/// grow with the number of files; at least one file is always on its way.
const READ_AHEAD_BYTES: u64 = 64 * 1024 * 1024;
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
    Ok((statement, prefix))
}

struct Shape {
    is_select: bool,
    top_level_order_by: bool,
}

/// The first keyword and whether ORDER BY appears outside every parenthesis,
/// skipping quoted text and comments.
fn scan(sql: &str) -> Shape {
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

fn split_uri(uri: &str) -> Option<(String, String)> {
    let rest = uri.trim().strip_prefix("s3://")?;
    let (bucket, key) = rest.split_once('/')?;
    (!bucket.is_empty()).then(|| (bucket.to_string(), key.to_string()))
}

/// A whole object (the manifest, one Parquet file).
async fn get_whole(client: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Result<Bytes> {
    Ok(get_object(client, bucket, key, None).await?.0)
}

/// Reads the files of a finished UNLOAD of the query's `prefix`.
pub(super) async fn open(
    fetchers: &Fetchers,
    request: &Request<'_>,
    run: &UnloadRun,
) -> Result<ResultStream> {
    let prefix = run.prefix.as_str();
    let id = request.id;
    let client = fetchers
        .s3
        .clone()
        .ok_or_else(|| Error::internal("UNLOAD mode without an S3 client").with_query_id(id))?;
    let manifest = request
        .completion
        .manifest_location
        .as_deref()
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Service,
                "the UNLOAD reported no DataManifestLocation",
            )
            .with_query_id(id)
        })?;
    let (bucket, key) = split_uri(manifest).ok_or_else(|| {
        Error::new(
            ErrorKind::Service,
            format!("the UNLOAD manifest location {manifest} is not an s3:// location"),
        )
        .with_query_id(id)
    })?;
    let listing = get_whole(&client, &bucket, &key)
        .await
        .map_err(|e| e.with_query_id(id))?;
    let files: Vec<(String, String)> = String::from_utf8_lossy(&listing)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            split_uri(l).ok_or_else(|| {
                Error::new(
                    ErrorKind::Service,
                    format!("the UNLOAD manifest names {l}, not an s3:// location"),
                )
                .with_query_id(id)
            })
        })
        .collect::<Result<_>>()?;
    let cleanup = Cleanup {
        client: client.clone(),
        prefix: prefix.to_string(),
        logger: fetchers.logger.clone(),
    };
    let Some((first_bucket, first_key)) = files.first() else {
        cleanup.run().await;
        return as_written(fetchers, request, run).await;
    };
    // The first file gives the columns; its bytes are kept for the reader.
    let first = match get_whole(&client, first_bucket, first_key).await {
        Ok(b) => b,
        Err(e) => {
            cleanup.run().await;
            return Err(e.with_query_id(id));
        }
    };
    let columns = match ParquetRecordBatchReaderBuilder::try_new(first.clone()) {
        Ok(builder) => builder
            .schema()
            .fields()
            .iter()
            .map(|f| Column::of_arrow(f))
            .collect::<Vec<_>>(),
        Err(e) => {
            cleanup.run().await;
            return Err(parquet_error(first_key, e).with_query_id(id));
        }
    };
    let reader = FileReader {
        client,
        files,
        threads: fetchers.settings.s3_threads.max(1),
        page_rows: request.page_rows(DEFAULT_PAGE_ROWS),
        remaining: request.row_limit(),
        columns: columns.clone(),
        id: id.to_string(),
    };
    let (tx, rx) = mpsc::channel(PREFETCH_PAGES);
    tokio::spawn(async move {
        if let Err(e) = reader.run(first, &tx).await {
            let _ = tx.send(Err(e)).await;
        }
        cleanup.run().await;
    });
    Ok(ResultStream::streaming(columns, None, Some(rx)))
}

/// An UNLOAD of no rows writes no files, so its columns are unknown: the
/// statement runs again as written, and its (empty) result is read instead.
async fn as_written(
    fetchers: &Fetchers,
    request: &Request<'_>,
    run: &UnloadRun,
) -> Result<ResultStream> {
    let id = crate::query::send_start(run.as_written.clone()).await?;
    fetchers.logger.debug(|| {
        format!(
            "query {}: the UNLOAD wrote no files; its columns come from query {id}, run as written",
            request.id
        )
    });
    let query = crate::query::Query::new(
        fetchers.clone(),
        id.to_string(),
        run.poll,
        request.fetch_size,
        None,
    );
    let completion = query.wait(None).await?;
    Box::pin(query.results(&completion, request.max_rows, request.fetch_size)).await
}

fn parquet_error(key: &str, e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Service,
        format!("the UNLOAD file {key} is not readable Parquet: {e}"),
    )
}

/// Deletes an UNLOAD's files once they are read (or reading stopped).
struct Cleanup {
    client: aws_sdk_s3::Client,
    prefix: String,
    logger: Logger,
}

impl Cleanup {
    async fn run(&self) {
        if let Err(e) = self.delete().await {
            // The rows were read; a leftover prefix is worth a warning, not an error.
            self.logger.warn(|| {
                format!(
                    "could not delete the UNLOAD files under {}: {e}",
                    self.prefix
                )
            });
        }
    }

    async fn delete(&self) -> Result<()> {
        let (bucket, prefix) =
            split_uri(&self.prefix).ok_or_else(|| Error::internal("UNLOAD prefix is not s3://"))?;
        let mut token = None;
        loop {
            let listed = self
                .client
                .list_objects_v2()
                .bucket(&bucket)
                .prefix(&prefix)
                .set_continuation_token(token)
                .send()
                .await
                .map_err(|e| from_sdk("ListObjectsV2", e))?;
            let keys: Vec<ObjectIdentifier> = listed
                .contents()
                .iter()
                .filter_map(|o| o.key())
                .filter_map(|k| ObjectIdentifier::builder().key(k).build().ok())
                .collect();
            if !keys.is_empty() {
                let delete = Delete::builder()
                    .set_objects(Some(keys))
                    .quiet(true)
                    .build()
                    .map_err(|e| Error::internal(format!("DeleteObjects request: {e}")))?;
                self.client
                    .delete_objects()
                    .bucket(&bucket)
                    .delete(delete)
                    .send()
                    .await
                    .map_err(|e| from_sdk("DeleteObjects", e))?;
            }
            token = listed.next_continuation_token().map(str::to_string);
            if token.is_none() {
                return Ok(());
            }
        }
    }
}

struct FileReader {
    client: aws_sdk_s3::Client,
    files: Vec<(String, String)>,
    threads: usize,
    page_rows: usize,
    remaining: u64,
    columns: Vec<Column>,
    id: String,
}

impl FileReader {
    /// Reads the files in manifest order, `threads` downloads ahead.
    async fn run(mut self, first: Bytes, tx: &mpsc::Sender<Result<Vec<u8>>>) -> Result<()> {
        let files = std::mem::take(&mut self.files);
        let mut next = 1;
        let mut in_flight: InFlight<Result<Bytes>> = InFlight(VecDeque::new());
        let mut file_size = first.len() as u64;
        let mut current = Some(first);
        let mut index = 0;
        loop {
            while next < files.len()
                && (in_flight.0.is_empty()
                    || (in_flight.0.len() < self.threads
                        && (in_flight.0.len() as u64 + 1) * file_size <= READ_AHEAD_BYTES))
            {
                let client = self.client.clone();
                let (bucket, key) = files[next].clone();
                in_flight
                    .0
                    .push_back(start(async move { get_whole(&client, &bucket, &key).await }).await);
                next += 1;
            }
            let bytes = match current.take() {
                Some(b) => b,
                None => match in_flight.0.pop_front() {
                    None => return Ok(()),
                    Some(h) => h
                        .await
                        .map_err(|e| Error::internal(format!("UNLOAD reader stopped: {e}")))?
                        .map_err(|e| e.with_query_id(&self.id))?,
                },
            };
            file_size = bytes.len() as u64;
            let key = &files[index].1;
            index += 1;
            let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
                .and_then(|b| b.with_batch_size(self.page_rows).build())
                .map_err(|e| parquet_error(key, e).with_query_id(&self.id))?;
            for batch in reader {
                let batch = batch.map_err(|e| parquet_error(key, e).with_query_id(&self.id))?;
                if !self.send(&batch, tx).await? {
                    return Ok(());
                }
            }
        }
    }

    /// Sends one batch as a page; false when reading should stop.
    async fn send(
        &mut self,
        batch: &RecordBatch,
        tx: &mpsc::Sender<Result<Vec<u8>>>,
    ) -> Result<bool> {
        if batch.num_columns() != self.columns.len() {
            return Err(Error::new(
                ErrorKind::Service,
                format!(
                    "an UNLOAD file has {} columns, the first had {}",
                    batch.num_columns(),
                    self.columns.len()
                ),
            )
            .with_query_id(&self.id));
        }
        let rows = (batch.num_rows() as u64).min(self.remaining) as usize;
        self.remaining -= rows as u64;
        let encoded = page::encode_arrow(&self.columns, batch, rows)
            .map_err(|e| e.with_query_id(&self.id))?;
        if tx.send(Ok(encoded)).await.is_err() {
            return Ok(false);
        }
        Ok(self.remaining > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
