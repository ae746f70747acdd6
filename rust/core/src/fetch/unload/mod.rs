//! UNLOAD: a SELECT runs as `UNLOAD (…) TO '<output location>/athena-jdbc-unload/<uuid>/'
//! WITH (format = 'PARQUET', compression = 'SNAPPY')`; the Parquet files its
//! manifest lists are read row group by row group (each file's footer, then
//! each row group's bytes with a ranged GET, several in parallel within a
//! byte budget), decoded in order straight into pages. Memory depends on the
//! row groups' size, not on the number of rows. Two callers share the pieces:
//! - UNLOAD mode (`Unload=true`, PyAthena's `unload=True`), this file: a
//!   statement's rows through JDBC, the prefix deleted once read. UNLOAD
//!   writes files in parallel with no global order, so a query with a
//!   top-level ORDER BY is not unloaded (it runs as written);
//! - an export (`export`): one UNLOAD whose row groups readers in other
//!   processes read through presigned URLs (Spark's executors).
//!
//! `statement` writes the UNLOAD, `manifest` lists its files, `parquet_file`
//! reads one file's footer and decodes a row group, `reader` is the pipeline,
//! `objects` gets bytes (S3 or a presigned URL), `cleanup` deletes the prefix.

mod cleanup;
pub mod export;
mod manifest;
mod objects;
mod parquet_file;
mod reader;
mod statement;

pub(crate) use statement::{refusal, rewrite, unload_statement};

use std::sync::Arc;

use super::{Fetchers, Request, UnloadRun};
use crate::error::{Error, ErrorKind, Result};
use crate::results::ResultStream;
use crate::retry::retrying;
use crate::types::Column;
use cleanup::Cleanup;
use manifest::{manifest_files, split_uri};
use objects::{ObjectRef, Objects};
use parquet_file::{footer, FileMeta};
use reader::{FilePart, FileReader};

/// Rows per page unless the user set a fetch size.
const DEFAULT_PAGE_ROWS: usize = 10_000;

/// Reads the files of a finished UNLOAD of the query's `prefix`. Whatever
/// goes wrong before the first row (Athena refused the UNLOAD, the bucket
/// cannot be listed or read, a file is not Parquet), the UNLOAD's files are
/// deleted and the statement runs as written, with the reason as a warning:
/// it is a SELECT, so running it again changes nothing.
pub(super) async fn open(
    fetchers: &Fetchers,
    request: &Request<'_>,
    run: &UnloadRun,
) -> Result<ResultStream> {
    let id = request.id;
    let mut client = fetchers
        .s3
        .clone()
        .ok_or_else(|| Error::internal("UNLOAD mode without an S3 client").with_query_id(id))?;
    let mut cleanup = Cleanup::new(client.clone(), &run.prefix, &fetchers.logger);
    if let Some(why) = &request.completion.unload_refused {
        // Athena may leave files behind when an UNLOAD fails.
        cleanup.run().await;
        return as_written(fetchers, request, run, Some(format!("{why} (query {id})"))).await;
    }
    let mut seen = Vec::new();
    let mut opened = open_files(fetchers, request, &run.prefix, &client, &mut seen).await;
    if opened.is_err() {
        // A bucket in another Region answers 301: read it with a client of its Region.
        if let Some(moved) = moved_to_region(&client, &run.prefix).await {
            fetchers.logger.debug(|| {
                format!(
                    "query {id}: the UNLOAD's bucket is in {:?}; reading it there",
                    moved.config().region()
                )
            });
            client = moved;
            opened = open_files(fetchers, request, &run.prefix, &client, &mut seen).await;
        }
    }
    cleanup.client = client.clone();
    cleanup.known = seen;
    let (files, first) = match opened {
        Ok(Some(opened)) => opened,
        Ok(None) => {
            cleanup.run().await;
            fetchers.logger.debug(|| {
                format!("query {id}: the UNLOAD wrote no files; its columns come from the statement run as written")
            });
            return as_written(fetchers, request, run, None).await;
        }
        Err(e) => {
            cleanup.run().await;
            let why = format!("the UNLOAD's files could not be read: {e}");
            fetchers
                .logger
                .debug(|| format!("query {id}: {why}; running the statement as written"));
            return as_written(fetchers, request, run, Some(format!("{why} (query {id})"))).await;
        }
    };
    let columns = first
        .arrow
        .schema()
        .fields()
        .iter()
        .map(|f| Column::of_arrow(f))
        .collect::<Vec<_>>();
    let mut parts = files.into_iter().map(|f| FilePart {
        object: ObjectRef::s3(&f.bucket, &f.key),
        groups: 0..usize::MAX,
    });
    parts.next();
    let reader = FileReader {
        objects: Objects::S3(client),
        parts: parts.collect(),
        threads: fetchers.settings.s3_threads.max(1),
        retry_window: fetchers.settings.retry_window,
        page_rows: request.page_rows(DEFAULT_PAGE_ROWS),
        page_bytes: fetchers.settings.page_bytes,
        remaining: request.row_limit(),
        columns: columns.clone(),
        id: id.to_string(),
    };
    Ok(ResultStream::background(
        columns,
        None,
        id,
        move |pages| async move {
            let read = reader.run((first, 0..usize::MAX), pages).await;
            cleanup.run().await;
            read
        },
    ))
}

/// The files the manifest lists and the first one's footer (which gives the
/// columns); None when the UNLOAD wrote no files. `seen` gets the
/// manifest's files as soon as they are known, for the cleanup.
async fn open_files(
    fetchers: &Fetchers,
    request: &Request<'_>,
    prefix: &str,
    client: &aws_sdk_s3::Client,
    seen: &mut Vec<(String, String)>,
) -> Result<Option<(Vec<manifest::Listed>, Arc<FileMeta>)>> {
    let id = request.id;
    let window = fetchers.settings.retry_window;
    let manifest = request.completion.manifest_location.as_deref();
    let files = listed_files(client, window, manifest, prefix, seen)
        .await
        .map_err(|e| e.with_query_id(id))?;
    let Some(first) = files.first() else {
        return Ok(None);
    };
    let objects = Objects::S3(client.clone());
    let object = ObjectRef::s3(&first.bucket, &first.key);
    let first = retrying(window, || footer(&objects, &object))
        .await
        .map_err(|e| e.with_query_id(id))?;
    Ok(Some((files, Arc::new(first))))
}

/// The files a finished UNLOAD's manifest lists, checked against those
/// written under `prefix`.
async fn listed_files(
    client: &aws_sdk_s3::Client,
    window: std::time::Duration,
    manifest: Option<&str>,
    prefix: &str,
    seen: &mut Vec<(String, String)>,
) -> Result<Vec<manifest::Listed>> {
    let manifest = manifest.ok_or_else(|| {
        Error::new(
            ErrorKind::Service,
            "the UNLOAD reported no DataManifestLocation",
        )
    })?;
    let (bucket, key) = split_uri(manifest).ok_or_else(|| {
        Error::new(
            ErrorKind::Service,
            format!("the UNLOAD manifest location {manifest} is not an s3:// location"),
        )
    })?;
    manifest_files(client, window, (&bucket, &key), prefix, seen).await
}

/// A client for the Region of the bucket of `prefix`, when S3 says (HeadBucket's
/// 301 and `x-amz-bucket-region`) that it is not the client's.
async fn moved_to_region(client: &aws_sdk_s3::Client, prefix: &str) -> Option<aws_sdk_s3::Client> {
    let (bucket, _) = split_uri(prefix)?;
    let region = match client.head_bucket().bucket(&bucket).send().await {
        Ok(head) => head.bucket_region().map(str::to_string),
        Err(aws_sdk_s3::error::SdkError::ServiceError(e)) => e
            .raw()
            .headers()
            .get("x-amz-bucket-region")
            .map(str::to_string),
        Err(_) => None,
    }?;
    let current = client.config().region().map(|r| r.as_ref().to_string());
    (current.as_deref() != Some(region.as_str())).then(|| {
        let config = client
            .config()
            .to_builder()
            .region(aws_sdk_s3::config::Region::new(region))
            .build();
        aws_sdk_s3::Client::from_conf(config)
    })
}

/// Runs the statement as written and reads its result: the UNLOAD wrote no
/// files (so its columns are unknown), or it could not be used (`why`,
/// which the rows then carry as a warning).
///
/// The re-run lives in a task of its own that stops it on the server
/// (StopQueryExecution) when this wait is given up, by a cancel or the
/// query timeout, rather than leave it running.
async fn as_written(
    fetchers: &Fetchers,
    request: &Request<'_>,
    run: &UnloadRun,
    why: Option<String>,
) -> Result<ResultStream> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let task_fetchers = fetchers.clone();
    let statement = run.as_written.clone();
    let (poll, fetch_size, unload_id) = (run.poll, request.fetch_size, request.id.to_string());
    tokio::spawn(async move {
        let mut tx = tx;
        let logger = task_fetchers.logger.clone();
        // The ClientRequestToken makes a repeat return the same query.
        let started = retrying(task_fetchers.settings.retry_window, || {
            crate::query::send_start(statement.clone())
        })
        .await;
        let id = match started {
            Ok(id) => id,
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        };
        logger.debug(|| format!("query {unload_id}: the statement runs as written as query {id}"));
        let query = Arc::new(crate::query::Query::new(
            task_fetchers,
            id.clone(),
            poll,
            fetch_size,
            None,
        ));
        let finished = tokio::select! {
            done = query.wait(None) => Some(done),
            () = tx.closed() => None,
        };
        match finished {
            Some(done) => {
                let _ = tx.send(done.map(|completion| (query, completion)));
            }
            None => match query.stop_on_server().await {
                Ok(()) => logger.debug(|| {
                    format!("query {id}: stopped, its reader gave up waiting (cancel or timeout)")
                }),
                Err(e) => logger.warn(|| format!("query {id} could not be stopped: {e}")),
            },
        }
    });
    let (query, completion) = rx
        .await
        .map_err(|_| Error::internal("the statement's run as written stopped unexpectedly"))??;
    let stream = Box::pin(query.results(&completion, request.max_rows, request.fetch_size)).await?;
    Ok(match why {
        Some(why) => {
            let warning = format!(
                "Unload=true: {why}; the statement ran as written instead (query {})",
                query.id()
            );
            let mut warnings = vec![warning];
            warnings.extend_from_slice(stream.warnings());
            stream.with_warnings(warnings)
        }
        None => stream,
    })
}
