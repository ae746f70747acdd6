//! An export: one UNLOAD whose files readers in other processes read in
//! parallel (Spark's executors), without a connection and without signing in.
//!
//! The signed-in side runs the UNLOAD, lists the manifest's files, reads
//! each footer for its row groups, and presigns a GET of each file. A reader
//! gets row-group slices with their URLs and reads them through the same
//! pipeline as UNLOAD mode (`reader`), with the same retries and types.
//!
//! Presigned URLs were chosen over handing readers session credentials: a
//! URL allows one GET of one object until it expires, where credentials
//! would allow whatever the role may do. A URL still carries the session
//! token and is a bearer credential for that object: it is never logged or
//! shown, only the object's location is.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_s3::presigning::PresigningConfig;
use serde::{Deserialize, Serialize};

use super::cleanup::Cleanup;
use super::manifest::split_uri;
use super::objects::{ObjectRef, Objects};
use super::parquet_file::footer;
use super::reader::{FilePart, FileReader};
use super::{listed_files, DEFAULT_PAGE_ROWS};
use crate::error::{Error, ErrorKind, Result};
use crate::fetch::{start, FetchSettings, InFlight, MAX_FETCH_SIZE};
use crate::log::Logger;
use crate::query::Completion;
use crate::results::ResultStream;
use crate::retry::retrying;
use crate::types::Column;

/// What an export's planning gives the signed-in side (as JSON to Java).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportPlan {
    pub query_execution_id: String,
    pub prefix: String,
    pub data_scanned_bytes: i64,
    pub expires_at_millis: i64,
    pub files: Vec<ExportFile>,
}

impl ExportPlan {
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self)
            .map_err(|e| Error::internal(format!("an export plan as JSON: {e}")))
    }
}

/// One file of an export.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportFile {
    pub location: String,
    pub size: u64,
    /// The presigned GET: a credential, never shown (see Debug).
    pub url: String,
    /// Each row group's rows and compressed bytes, in file order.
    pub row_groups: Vec<[i64; 2]>,
}

impl std::fmt::Debug for ExportFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportFile")
            .field("location", &self.location)
            .field("size", &self.size)
            .field("row_groups", &self.row_groups)
            .finish_non_exhaustive()
    }
}

/// A finished UNLOAD, as the session ran it.
pub struct Unloaded<'a> {
    pub id: &'a str,
    pub scanned: i64,
    pub prefix: &'a str,
    pub completion: &'a Completion,
}

/// The export of a finished UNLOAD: its files, their row groups, and URLs
/// valid for `lifetime` (or until the credentials that sign them expire).
/// Should anything fail, the files are deleted before the error returns.
pub(crate) async fn plan(
    s3: &aws_sdk_s3::Client,
    settings: &FetchSettings,
    logger: &Logger,
    unloaded: Unloaded<'_>,
    (lifetime, credentials_expiry): (Duration, Option<SystemTime>),
) -> Result<ExportPlan> {
    let id = unloaded.id;
    let mut cleanup = Cleanup::new(s3.clone(), unloaded.prefix, logger);
    let planned = plan_files(s3, settings, &unloaded, lifetime, &mut cleanup).await;
    match planned {
        Ok((files, signed_at)) => {
            let expires = signed_at + lifetime;
            let expires = match credentials_expiry {
                Some(credentials) if credentials < expires => credentials,
                _ => expires,
            };
            let expires_at_millis = expires
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
            // Readers are now the prefix's: the caller deletes it (delete_export).
            cleanup.disarm();
            logger.debug(|| {
                format!(
                    "query {id}: exported {} files under {}",
                    files.len(),
                    unloaded.prefix
                )
            });
            Ok(ExportPlan {
                query_execution_id: id.to_string(),
                prefix: unloaded.prefix.to_string(),
                data_scanned_bytes: unloaded.scanned,
                expires_at_millis,
                files,
            })
        }
        Err(e) => {
            cleanup.run().await;
            Err(e.with_query_id(id))
        }
    }
}

async fn plan_files(
    s3: &aws_sdk_s3::Client,
    settings: &FetchSettings,
    unloaded: &Unloaded<'_>,
    lifetime: Duration,
    cleanup: &mut Cleanup,
) -> Result<(Vec<ExportFile>, SystemTime)> {
    let window = settings.retry_window;
    let listed = listed_files(
        s3,
        window,
        unloaded.completion.manifest_location.as_deref(),
        unloaded.prefix,
        &mut cleanup.known,
    )
    .await?;
    let objects = Objects::S3(s3.clone());
    // Footers, a few at once: each is one or two small ranged GETs.
    let mut footers = InFlight(std::collections::VecDeque::new());
    let mut files = Vec::with_capacity(listed.len());
    let mut next = listed.iter();
    let threads = settings.s3_threads.max(1);
    loop {
        while footers.0.len() < threads {
            let Some(file) = next.next() else { break };
            let objects = objects.clone();
            let object = ObjectRef::s3(&file.bucket, &file.key);
            let size = file.size;
            footers.0.push_back(
                start(async move {
                    let meta = retrying(window, || footer(&objects, &object)).await?;
                    Ok::<_, Error>((Arc::new(meta), size))
                })
                .await,
            );
        }
        let Some(handle) = footers.0.pop_front() else {
            break;
        };
        let (meta, size) = handle
            .await
            .map_err(|e| Error::internal(format!("export planning stopped: {e}")))??;
        let row_groups = meta
            .row_groups()
            .map(|g| {
                let rows = meta.arrow.metadata().row_group(g.index).num_rows();
                [rows, i64::try_from(g.size()).unwrap_or(i64::MAX)]
            })
            .collect();
        files.push((meta.object.clone(), size, row_groups));
    }
    let signed_at = SystemTime::now();
    let config = PresigningConfig::builder()
        .start_time(signed_at)
        .expires_in(lifetime)
        .build()
        .map_err(|e| {
            Error::new(
                ErrorKind::InvalidProperties,
                format!(
                    "the URLs' lifetime {} s is not usable: {e}",
                    lifetime.as_secs()
                ),
            )
        })?;
    let mut exported = Vec::with_capacity(files.len());
    for (object, size, row_groups) in files {
        let presigned = s3
            .get_object()
            .bucket(&object.bucket)
            .key(&object.key)
            .presigned(config.clone())
            .await
            .map_err(|e| {
                Error::new(
                    ErrorKind::Authentication,
                    format!(
                        "could not presign a GET of {}: {}",
                        object.location(),
                        crate::error::describe_chain(&e)
                    ),
                )
            })?;
        exported.push(ExportFile {
            location: object.location(),
            size,
            url: presigned.uri().to_string(),
            row_groups,
        });
    }
    Ok((exported, signed_at))
}

/// Deletes everything under an export's prefix.
pub(crate) async fn delete(s3: &aws_sdk_s3::Client, prefix: &str, logger: &Logger) -> Result<()> {
    if split_uri(prefix).is_none() {
        return Err(Error::new(
            ErrorKind::InvalidProperties,
            format!("{prefix} is not an s3:// prefix"),
        ));
    }
    let mut cleanup = Cleanup::new(s3.clone(), prefix, logger);
    cleanup.disarm();
    cleanup.delete().await
}

/// A reader's share: row groups `[from, to)` of one file, with its URL.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Slice {
    /// The UNLOAD's, for errors.
    pub query_execution_id: String,
    pub location: String,
    pub url: String,
    pub from: usize,
    pub to: usize,
}

impl std::fmt::Debug for Slice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} row groups {}..{}", self.location, self.from, self.to)
    }
}

/// Slices as the Java side writes them: a JSON array of [`Slice`].
pub fn slices_from_json(json: &str) -> Result<Vec<Slice>> {
    serde_json::from_str(json).map_err(|e| {
        Error::new(
            ErrorKind::InvalidProperties,
            format!("the export's slices are not readable: {e}"),
        )
    })
}

/// Rows of `slices`, in order, read through their presigned URLs. The
/// columns are the first slice's file's; no slice gives no columns and no
/// rows.
pub async fn read(
    slices: Vec<Slice>,
    fetch_size: u32,
    settings: &FetchSettings,
) -> Result<ResultStream> {
    let objects = Objects::presigned()?;
    let slices_id = slices.first().map(|s| s.query_execution_id.clone());
    let mut parts = Vec::with_capacity(slices.len());
    for slice in slices {
        let (bucket, key) = split_uri(&slice.location).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidProperties,
                format!("{} is not an s3:// location", slice.location),
            )
        })?;
        parts.push(FilePart {
            object: ObjectRef {
                bucket,
                key,
                url: Some(slice.url),
            },
            groups: slice.from..slice.to,
        });
    }
    let Some(id) = slices_id else {
        return Ok(ResultStream::complete(Vec::new(), None));
    };
    let first_part = parts.remove(0);
    let first = retrying(settings.retry_window, || {
        footer(&objects, &first_part.object)
    })
    .await
    .map_err(|e| e.with_query_id(&id))?;
    let columns = first
        .arrow
        .schema()
        .fields()
        .iter()
        .map(|f| Column::of_arrow(f))
        .collect::<Vec<_>>();
    let page_rows = match fetch_size {
        0 => DEFAULT_PAGE_ROWS,
        n => n.min(MAX_FETCH_SIZE) as usize,
    };
    let reader = FileReader {
        objects,
        parts,
        threads: settings.s3_threads.max(1),
        retry_window: settings.retry_window,
        page_rows,
        page_bytes: settings.page_bytes,
        remaining: u64::MAX,
        columns: columns.clone(),
        id: id.clone(),
    };
    let first = (Arc::new(first), first_part.groups);
    Ok(ResultStream::background(
        columns,
        None,
        &id,
        move |pages| async move { reader.run(first, pages).await },
    ))
}
