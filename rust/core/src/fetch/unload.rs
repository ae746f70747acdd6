//! UNLOAD mode (`Unload=true`, PyAthena's `unload=True`): a SELECT runs as
//! `UNLOAD (…) TO '<output location>/athena-jdbc-unload/<uuid>/' WITH
//! (format = 'PARQUET', compression = 'SNAPPY')`; the Parquet files its
//! manifest lists are read row group by row group (each file's footer, then
//! each row group's bytes with a ranged GET, several in parallel within a
//! byte budget), decoded in manifest order straight into pages, and the
//! prefix is deleted once read. Memory depends on the row groups' size, not
//! on the number of rows.
//!
//! UNLOAD writes files in parallel with no global order, so a query with a
//! top-level ORDER BY is not unloaded (it runs as written); its order is kept.

use std::collections::VecDeque;
use std::sync::Arc;

use arrow::record_batch::RecordBatch;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use bytes::Buf;
use bytes::Bytes;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::file::metadata::{FooterTail, ParquetMetaDataReader};
use parquet::file::reader::{ChunkReader, Length};
use parquet::file::FOOTER_SIZE;

use super::{cpu, get_object, start, Fetchers, InFlight, Request, Span, UnloadRun};
use crate::error::{from_sdk, Error, ErrorKind, Result};
use crate::log::Logger;
use crate::page;
use crate::results::{Pages, ResultStream};
use crate::retry::retrying;
use crate::types::Column;

/// Rows per page unless the user set a fetch size.
const DEFAULT_PAGE_ROWS: usize = 10_000;
/// Parquet bytes held at once: the row group being decoded and those
/// downloaded or downloading ahead of it. At least one row group is always
/// on its way, so a row group larger than this is still read.
const HELD_BYTES: u64 = 32 * 1024 * 1024;
/// A footer's first ranged GET asks for this many bytes from the file's
/// end, enough for the metadata of most files in one call.
const FOOTER_GUESS: u64 = 64 * 1024;
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

/// The files the manifest lists, checked against the files under `prefix`:
/// a manifest cut short at a line end reads as a valid, shorter list, and
/// its missing files would be missing rows.
async fn manifest_files(
    client: &aws_sdk_s3::Client,
    window: std::time::Duration,
    (bucket, key): (&str, &str),
    prefix: &str,
    seen: &mut Vec<(String, String)>,
) -> Result<Vec<(String, String)>> {
    let (prefix_bucket, prefix_key) =
        split_uri(prefix).ok_or_else(|| Error::internal("UNLOAD prefix is not s3://"))?;
    let mut rereads = 0;
    loop {
        let listing = retrying(window, || get_whole(client, bucket, key)).await?;
        let files = parse_manifest(&listing)?;
        seen.clone_from(&files);
        let written = retrying(window, || list_keys(client, &prefix_bucket, &prefix_key)).await?;
        match manifest_mismatch(&files, &prefix_bucket, &written) {
            None => return Ok(files),
            Some(_) if rereads < crate::retry::REREADS => rereads += 1,
            Some(why) => {
                return Err(Error::new(
                    ErrorKind::Service,
                    format!("the UNLOAD manifest s3://{bucket}/{key} {why} under {prefix}"),
                ))
            }
        }
    }
}

fn parse_manifest(listing: &[u8]) -> Result<Vec<(String, String)>> {
    String::from_utf8_lossy(listing)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            split_uri(l).ok_or_else(|| {
                Error::new(
                    ErrorKind::Service,
                    format!("the UNLOAD manifest names {l}, not an s3:// location"),
                )
            })
        })
        .collect()
}

/// Why the manifest's files are not the files written, if they are not.
fn manifest_mismatch(
    files: &[(String, String)],
    bucket: &str,
    written: &[String],
) -> Option<String> {
    use std::collections::HashSet;
    let listed: HashSet<(&str, &str)> = files
        .iter()
        .map(|(b, k)| (b.as_str(), k.as_str()))
        .collect();
    let written: HashSet<(&str, &str)> = written.iter().map(|k| (bucket, k.as_str())).collect();
    let absent = listed.difference(&written).count();
    let unlisted = written.difference(&listed).count();
    (absent > 0 || unlisted > 0).then(|| {
        format!(
            "lists {} files, {absent} of them not written, and leaves out {unlisted} of the {} files written",
            listed.len(),
            written.len()
        )
    })
}

/// Every key under `prefix` in `bucket`.
async fn list_keys(client: &aws_sdk_s3::Client, bucket: &str, prefix: &str) -> Result<Vec<String>> {
    let mut keys = Vec::new();
    let mut token = None;
    loop {
        let listed = client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .set_continuation_token(token)
            .send()
            .await
            .map_err(|e| from_sdk("ListObjectsV2", e))?;
        keys.extend(
            listed
                .contents()
                .iter()
                .filter_map(|o| o.key())
                .map(str::to_string),
        );
        token = listed.next_continuation_token().map(str::to_string);
        if token.is_none() {
            return Ok(keys);
        }
    }
}

/// A whole object (the manifest).
async fn get_whole(client: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Result<Bytes> {
    Ok(get_object(client, bucket, key, Span::Whole).await?.0)
}

/// One Parquet file's metadata, read from its footer.
struct FileMeta {
    bucket: String,
    key: String,
    arrow: ArrowReaderMetadata,
}

impl FileMeta {
    /// The file's row groups, each a byte range to get in one call.
    fn row_groups(self: &Arc<Self>) -> impl Iterator<Item = RowGroup> + '_ {
        self.arrow
            .metadata()
            .row_groups()
            .iter()
            .enumerate()
            .map(|(index, group)| {
                let (start, end) = group.columns().iter().fold((u64::MAX, 0), |(s, e), c| {
                    let (start, length) = c.byte_range();
                    (s.min(start), e.max(start + length))
                });
                RowGroup {
                    file: self.clone(),
                    index,
                    start: start.min(end),
                    end,
                }
            })
    }
}

/// Reads a Parquet file's footer: the last [`FOOTER_GUESS`] bytes, and
/// the rest of the metadata with a second call when it is larger.
async fn footer(client: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Result<FileMeta> {
    let (tail, _) = get_object(client, bucket, key, Span::Last(FOOTER_GUESS)).await?;
    let arrow = match parse_footer(key, &tail)? {
        Footer::Read(arrow) => arrow,
        Footer::Needs(wanted) => {
            let (tail, _) = get_object(client, bucket, key, Span::Last(wanted)).await?;
            match parse_footer(key, &tail)? {
                Footer::Read(arrow) => arrow,
                Footer::Needs(_) => {
                    return Err(parquet_error(
                        key,
                        format!("its metadata claims {wanted} bytes, more than the file has"),
                    ))
                }
            }
        }
    };
    Ok(FileMeta {
        bucket: bucket.to_string(),
        key: key.to_string(),
        arrow,
    })
}

/// What a file's last bytes tell.
enum Footer {
    Read(ArrowReaderMetadata),
    /// The metadata is in the last this many bytes, more than were given.
    Needs(u64),
}

fn parse_footer(key: &str, tail: &[u8]) -> Result<Footer> {
    let bad = |why: String| parquet_error(key, why);
    let footer_at = tail
        .len()
        .checked_sub(FOOTER_SIZE)
        .ok_or_else(|| bad(format!("it has only {} bytes", tail.len())))?;
    let mut last = [0u8; FOOTER_SIZE];
    last.copy_from_slice(&tail[footer_at..]);
    let footer = FooterTail::try_new(&last).map_err(|e| bad(e.to_string()))?;
    if footer.is_encrypted_footer() {
        return Err(bad("its footer is encrypted".to_string()));
    }
    let Some(metadata_at) = footer_at.checked_sub(footer.metadata_length()) else {
        return Ok(Footer::Needs(
            (footer.metadata_length() + FOOTER_SIZE) as u64,
        ));
    };
    let metadata = ParquetMetaDataReader::decode_metadata(&tail[metadata_at..footer_at])
        .map_err(|e| bad(e.to_string()))?;
    reader_metadata(Arc::new(metadata))
        .map(Footer::Read)
        .map_err(|e| bad(e.to_string()))
}

/// The Arrow view of a file, with every INT96 leaf (Athena's `timestamp`,
/// top-level or inside arrays, maps and rows) read as Timestamp(Millisecond):
/// parquet-rs reads INT96 as nanoseconds by default, which wrap outside
/// 1677-09-21..2262-04-11, while Athena's timestamps run from year 1 to
/// 9999 at millisecond precision.
fn reader_metadata(
    metadata: Arc<parquet::file::metadata::ParquetMetaData>,
) -> parquet::errors::Result<ArrowReaderMetadata> {
    use parquet::basic::Type as PhysicalType;
    let plain = ArrowReaderMetadata::try_new(metadata.clone(), ArrowReaderOptions::new())?;
    let int96: Vec<bool> = metadata
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.physical_type() == PhysicalType::INT96)
        .collect();
    if !int96.contains(&true) {
        return Ok(plain);
    }
    let mut leaves = int96.iter().copied();
    let fields: Vec<arrow::datatypes::FieldRef> = plain
        .schema()
        .fields()
        .iter()
        .map(|f| int96_as_millis(f, &mut leaves))
        .collect();
    if leaves.next().is_some() {
        // A layout this walk does not know: read as before, nanoseconds.
        return Ok(plain);
    }
    let hint =
        arrow::datatypes::Schema::new_with_metadata(fields, plain.schema().metadata().clone());
    // The hint reaches nested leaves: parquet-rs applies it through lists,
    // maps and structs. Should it be refused, the default reading still
    // gives every timestamp from 1677 to 2262.
    Ok(ArrowReaderMetadata::try_new(
        metadata,
        ArrowReaderOptions::new().with_schema(Arc::new(hint)),
    )
    .unwrap_or(plain))
}

/// `field` with its Timestamp leaves that are INT96 in the file (the next
/// flags of `int96`, in the Parquet schema's depth-first leaf order) made
/// Timestamp(Millisecond).
fn int96_as_millis(
    field: &arrow::datatypes::FieldRef,
    int96: &mut impl Iterator<Item = bool>,
) -> arrow::datatypes::FieldRef {
    use arrow::datatypes::{DataType, Fields, TimeUnit};
    let data_type = match field.data_type() {
        DataType::List(f) => DataType::List(int96_as_millis(f, int96)),
        DataType::LargeList(f) => DataType::LargeList(int96_as_millis(f, int96)),
        DataType::FixedSizeList(f, n) => DataType::FixedSizeList(int96_as_millis(f, int96), *n),
        DataType::ListView(f) => DataType::ListView(int96_as_millis(f, int96)),
        DataType::LargeListView(f) => DataType::LargeListView(int96_as_millis(f, int96)),
        DataType::Struct(fs) => DataType::Struct(
            fs.iter()
                .map(|f| int96_as_millis(f, int96))
                .collect::<Fields>(),
        ),
        DataType::Map(f, sorted) => DataType::Map(int96_as_millis(f, int96), *sorted),
        DataType::Timestamp(_, tz) if int96.next() == Some(true) => {
            DataType::Timestamp(TimeUnit::Millisecond, tz.clone())
        }
        DataType::Timestamp(..) => return field.clone(),
        _ => {
            // Any other leaf takes one Parquet column.
            int96.next();
            return field.clone();
        }
    };
    Arc::new(field.as_ref().clone().with_data_type(data_type))
}

/// One row group of one file: the unit downloaded and decoded.
struct RowGroup {
    file: Arc<FileMeta>,
    index: usize,
    start: u64,
    end: u64,
}

impl RowGroup {
    fn size(&self) -> u64 {
        self.end - self.start
    }
}

/// A row group's bytes, answering the Parquet reader's reads at file offsets.
struct RowGroupBytes {
    start: u64,
    bytes: Bytes,
}

impl Length for RowGroupBytes {
    fn len(&self) -> u64 {
        self.start + self.bytes.len() as u64
    }
}

impl ChunkReader for RowGroupBytes {
    type T = bytes::buf::Reader<Bytes>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        self.slice(start, None).map(Buf::reader)
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        self.slice(start, Some(length))
    }
}

impl RowGroupBytes {
    fn slice(&self, start: u64, length: Option<usize>) -> parquet::errors::Result<Bytes> {
        let from = start
            .checked_sub(self.start)
            .map(|f| f as usize)
            .filter(|f| *f <= self.bytes.len());
        let to = from.map(|f| length.map_or(self.bytes.len(), |l| f.saturating_add(l)));
        match (from, to) {
            (Some(from), Some(to)) if to <= self.bytes.len() => Ok(self.bytes.slice(from..to)),
            _ => Err(parquet::errors::ParquetError::General(format!(
                "a read at byte {start} falls outside the row group's bytes {}..{}",
                self.start,
                self.len()
            ))),
        }
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
    let reader = FileReader {
        client,
        files,
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
            let read = reader.run(first, pages).await;
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
) -> Result<Option<(Vec<(String, String)>, Arc<FileMeta>)>> {
    let id = request.id;
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
    let window = fetchers.settings.retry_window;
    let files = manifest_files(client, window, (&bucket, &key), prefix, seen)
        .await
        .map_err(|e| e.with_query_id(id))?;
    let Some((first_bucket, first_key)) = files.first() else {
        return Ok(None);
    };
    let first = retrying(window, || footer(client, first_bucket, first_key))
        .await
        .map_err(|e| e.with_query_id(id))?;
    Ok(Some((files, Arc::new(first))))
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

fn parquet_error(key: &str, e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Service,
        format!("the UNLOAD file {key} is not readable Parquet: {e}"),
    )
}

/// Deletes an UNLOAD's files once they are read, reading stopped, or they
/// could not be used. Dropped before it ran (the opening was given up by a
/// cancel or a timeout), it still deletes them, in the background.
struct Cleanup {
    client: aws_sdk_s3::Client,
    prefix: String,
    logger: Logger,
    /// The manifest's files, deleted by name when the prefix cannot be
    /// listed (no `s3:ListBucket`).
    known: Vec<(String, String)>,
    done: bool,
}

impl Cleanup {
    fn new(client: aws_sdk_s3::Client, prefix: &str, logger: &Logger) -> Cleanup {
        Cleanup {
            client,
            prefix: prefix.to_string(),
            logger: logger.clone(),
            known: Vec::new(),
            done: false,
        }
    }

    async fn run(&mut self) {
        self.done = true;
        if let Err(e) = self.delete().await {
            // A leftover prefix is worth a warning in the log, not an error for the rows.
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
        let keys = match list_keys(&self.client, &bucket, &prefix).await {
            Ok(keys) => keys,
            Err(e) if !self.known.is_empty() => {
                self.logger.debug(|| {
                    format!(
                        "cannot list {} ({e}): deleting the files its manifest names",
                        self.prefix
                    )
                });
                self.known
                    .iter()
                    .filter(|(b, k)| *b == bucket && k.starts_with(&prefix))
                    .map(|(_, k)| k.clone())
                    .collect()
            }
            Err(e) => return Err(e),
        };
        // DeleteObjects takes at most 1000 keys a call.
        for chunk in keys.chunks(1000) {
            let objects = chunk
                .iter()
                .filter_map(|k| ObjectIdentifier::builder().key(k).build().ok())
                .collect();
            let delete = Delete::builder()
                .set_objects(Some(objects))
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
        Ok(())
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        // Marked done already: should the runtime drop it unrun (shutting
        // down), it must not spawn itself again.
        let mut rest = Cleanup {
            client: self.client.clone(),
            prefix: std::mem::take(&mut self.prefix),
            logger: self.logger.clone(),
            known: std::mem::take(&mut self.known),
            done: true,
        };
        runtime.spawn(async move { rest.run().await });
    }
}

struct FileReader {
    client: aws_sdk_s3::Client,
    files: Vec<(String, String)>,
    threads: usize,
    retry_window: std::time::Duration,
    page_rows: usize,
    /// PageByteBudget: pages end at about this many bytes too.
    page_bytes: usize,
    remaining: u64,
    columns: Vec<Column>,
    id: String,
}

impl FileReader {
    /// Reads the files' row groups in manifest order, up to `threads`
    /// downloads ahead within [`HELD_BYTES`]; footers are read `threads`
    /// files ahead.
    async fn run(mut self, first: Arc<FileMeta>, tx: Pages) -> Result<()> {
        let files = std::mem::take(&mut self.files);
        let mut next_file = 1;
        let mut footers: InFlight<Result<FileMeta>> = InFlight(VecDeque::new());
        let mut queued: VecDeque<RowGroup> = first.row_groups().collect();
        let mut downloads: InFlight<Result<Bytes>> = InFlight(VecDeque::new());
        let mut downloading: VecDeque<RowGroup> = VecDeque::new();
        let mut held = 0u64;
        loop {
            while footers.0.len() < self.threads && next_file < files.len() {
                let client = self.client.clone();
                let (bucket, key) = files[next_file].clone();
                footers.0.push_back(
                    start(retrying(self.retry_window, move || {
                        let (client, bucket, key) = (client.clone(), bucket.clone(), key.clone());
                        async move { footer(&client, &bucket, &key).await }
                    }))
                    .await,
                );
                next_file += 1;
            }
            if queued.is_empty() {
                if let Some(handle) = footers.0.pop_front() {
                    let meta = Arc::new(self.joined(handle.await)?);
                    queued.extend(meta.row_groups());
                    continue;
                }
            }
            while let Some(group) = queued.front() {
                if !downloads.0.is_empty()
                    && (downloads.0.len() >= self.threads || held + group.size() > HELD_BYTES)
                {
                    break;
                }
                let Some(group) = queued.pop_front() else {
                    break;
                };
                held += group.size();
                let client = self.client.clone();
                let (bucket, key) = (group.file.bucket.clone(), group.file.key.clone());
                let span = Span::Range(group.start, group.end);
                downloads.0.push_back(
                    start(retrying(self.retry_window, move || {
                        let (client, bucket, key) = (client.clone(), bucket.clone(), key.clone());
                        async move { Ok(get_object(&client, &bucket, &key, span).await?.0) }
                    }))
                    .await,
                );
                downloading.push_back(group);
            }
            let (Some(handle), Some(group)) = (downloads.0.pop_front(), downloading.pop_front())
            else {
                return Ok(());
            };
            let bytes = self.joined(handle.await)?;
            let more = self.decode(&group, bytes, &tx).await;
            held -= group.size();
            if !more? {
                return Ok(());
            }
        }
    }

    fn joined<T>(
        &self,
        joined: std::result::Result<Result<T>, tokio::task::JoinError>,
    ) -> Result<T> {
        joined
            .map_err(|e| Error::internal(format!("UNLOAD reader stopped: {e}")))?
            .map_err(|e| e.with_query_id(&self.id))
    }

    /// Decodes one row group into pages; false when reading should stop.
    /// Decoding and encoding run off the I/O workers (see `cpu`), one page
    /// a job, so a reader that stops does so within a page.
    async fn decode(&mut self, group: &RowGroup, bytes: Bytes, tx: &Pages) -> Result<bool> {
        let key = group.file.key.clone();
        let chunk = RowGroupBytes {
            start: group.start,
            bytes,
        };
        let rows = group
            .file
            .arrow
            .metadata()
            .row_group(group.index)
            .num_rows();
        let mut decoder = Decoder {
            chunk,
            arrow: group.file.arrow.clone(),
            index: group.index,
            rows: usize::try_from(rows).unwrap_or(0),
            read: 0,
            resized: false,
            row_bytes: 1,
            reader: None,
            batch: None,
            key,
            columns: Arc::new(self.columns.clone()),
        };
        // The first batch is small: a row's decoded size is known only once
        // decoded (dictionary encoding and compression can hide gigabytes of
        // repeated text in a few kilobytes), and the next batches are sized from it.
        decoder
            .start(PROBE_ROWS.min(self.page_rows.max(1)))
            .map_err(|e| e.with_query_id(&self.id))?;
        while self.remaining > 0 {
            let (page_rows, budget, remaining) = (
                self.page_rows.max(1),
                self.page_bytes.max(1),
                self.remaining,
            );
            let (returned, page) = cpu(move || {
                let page = decoder.next_page(page_rows, budget, remaining);
                (decoder, page)
            })
            .await?;
            decoder = returned;
            let Some((page, rows)) = page.map_err(|e| e.with_query_id(&self.id))? else {
                return Ok(true);
            };
            self.remaining -= rows as u64;
            if !tx.send(page).await {
                return Ok(false);
            }
        }
        Ok(false)
    }
}

/// Rows of a row group's first decoded batch (see `FileReader::decode`).
const PROBE_ROWS: usize = 64;

/// The CPU side of one row group: its Parquet decoder and the batch being
/// cut into pages.
struct Decoder {
    chunk: RowGroupBytes,
    arrow: ArrowReaderMetadata,
    index: usize,
    /// Rows in the row group, and how many were decoded so far.
    rows: usize,
    read: usize,
    /// Whether the reader was rebuilt with batches sized from the first.
    resized: bool,
    /// Decoded bytes a row of the first batch took.
    row_bytes: usize,
    reader: Option<parquet::arrow::arrow_reader::ParquetRecordBatchReader>,
    /// The batch decoded last and the first of its rows not yet in a page.
    batch: Option<(RecordBatch, usize)>,
    key: String,
    columns: Arc<Vec<Column>>,
}

impl Decoder {
    /// (Re)starts decoding at row `read` with batches of `batch_rows`.
    fn start(&mut self, batch_rows: usize) -> Result<()> {
        use parquet::arrow::arrow_reader::{RowSelection, RowSelector};
        let mut builder = ParquetRecordBatchReaderBuilder::new_with_metadata(
            RowGroupBytes {
                start: self.chunk.start,
                bytes: self.chunk.bytes.clone(),
            },
            self.arrow.clone(),
        )
        .with_row_groups(vec![self.index])
        .with_batch_size(batch_rows.max(1));
        if self.read > 0 {
            builder = builder.with_row_selection(RowSelection::from(vec![
                RowSelector::skip(self.read),
                RowSelector::select(self.rows.saturating_sub(self.read)),
            ]));
        }
        self.reader = Some(builder.build().map_err(|e| parquet_error(&self.key, e))?);
        Ok(())
    }

    /// The next page, within `page_rows` rows, `budget` bytes (a larger row
    /// alone) and the `remaining` rows wanted, with its row count; None once
    /// the row group is read.
    fn next_page(
        &mut self,
        page_rows: usize,
        budget: usize,
        remaining: u64,
    ) -> Result<Option<(Vec<u8>, usize)>> {
        loop {
            if let Some((batch, from)) = &mut self.batch {
                if *from < batch.num_rows() {
                    let max = page_rows.min(usize::try_from(remaining).unwrap_or(usize::MAX));
                    let n = page::arrow_rows_within(batch, *from, max, budget);
                    let slice = batch.slice(*from, n);
                    *from += n;
                    let page = page::encode_arrow(&self.columns, &slice, n)?;
                    return Ok(Some((page, n)));
                }
            }
            self.batch = None;
            if !self.resized && self.read > 0 {
                // Batches of about a page from here on, sized by the first batch's rows.
                self.resized = true;
                let rows = (budget / self.row_bytes.max(1)).clamp(1, page_rows);
                if rows > PROBE_ROWS {
                    self.start(rows)?;
                }
            }
            let Some(reader) = self.reader.as_mut() else {
                return Ok(None);
            };
            let Some(batch) = reader.next() else {
                return Ok(None);
            };
            let batch = batch.map_err(|e| parquet_error(&self.key, e))?;
            if batch.num_columns() != self.columns.len() {
                return Err(Error::new(
                    ErrorKind::Service,
                    format!(
                        "an UNLOAD file has {} columns, the first had {}",
                        batch.num_columns(),
                        self.columns.len()
                    ),
                ));
            }
            if !self.resized && batch.num_rows() > 0 {
                self.row_bytes = batch.get_array_memory_size() / batch.num_rows();
            }
            self.read += batch.num_rows();
            self.batch = Some((batch, 0));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_manifest_must_list_exactly_the_files_written() {
        let files =
            super::parse_manifest(b"s3://b/p/q_00000\ns3://b/p/q_00001\n").unwrap_or_default();
        let written = vec!["p/q_00000".to_string(), "p/q_00001".to_string()];
        assert_eq!(super::manifest_mismatch(&files, "b", &written), None);
        let short = &files[..1];
        let why = super::manifest_mismatch(short, "b", &written).unwrap_or_default();
        assert!(why.contains("leaves out 1 of the 2 files written"), "{why}");
        let elsewhere = vec![("c".to_string(), "p/q_00000".to_string())];
        let why = super::manifest_mismatch(&elsewhere, "b", &written[..1]).unwrap_or_default();
        assert!(why.contains("1 of them not written"), "{why}");
        assert!(super::parse_manifest(b"not a location\n").is_err());
    }

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

    /// A Parquet file of `columns` int columns and `rows` rows in row groups of 100.
    fn parquet_file(columns: usize, rows: i64) -> Bytes {
        use arrow::array::{ArrayRef, Int64Array};
        use parquet::arrow::ArrowWriter;
        use parquet::file::properties::WriterProperties;
        let arrays: Vec<(String, ArrayRef)> = (0..columns)
            .map(|c| {
                let values: ArrayRef = Arc::new(Int64Array::from_iter_values(0..rows));
                (format!("column_{c}"), values)
            })
            .collect();
        let batch = RecordBatch::try_from_iter(arrays).unwrap();
        let properties = WriterProperties::builder()
            .set_max_row_group_row_count(Some(100))
            .build();
        let mut out = Vec::new();
        let mut writer = ArrowWriter::try_new(&mut out, batch.schema(), Some(properties)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        Bytes::from(out)
    }

    #[test]
    fn a_footer_larger_than_the_first_read_asks_for_the_rest() {
        let file = parquet_file(300, 1000);
        let tail = file.slice(file.len() - 1024..);
        let Footer::Needs(wanted) = parse_footer("k", &tail).unwrap() else {
            panic!("1 KiB cannot hold the metadata of 300 columns × 10 row groups");
        };
        assert!(wanted > 1024 && wanted < file.len() as u64);
        let tail = file.slice(file.len() - wanted as usize..);
        let Footer::Read(arrow) = parse_footer("k", &tail).unwrap() else {
            panic!("the wanted bytes hold the metadata");
        };
        assert_eq!(arrow.metadata().num_row_groups(), 10);
        assert_eq!(arrow.schema().fields().len(), 300);
        let not_parquet = parse_footer("k", b"PAR1 is not this").err().unwrap();
        assert!(not_parquet
            .to_string()
            .contains("k is not readable Parquet"));
        assert!(parse_footer("k", b"1234").is_err());
    }

    #[test]
    fn row_groups_decode_from_their_own_bytes_alone() {
        let file = parquet_file(3, 250);
        let Footer::Read(arrow) = parse_footer("k", &file).unwrap() else {
            panic!("a whole file holds its metadata");
        };
        let meta = Arc::new(FileMeta {
            bucket: "b".into(),
            key: "k".into(),
            arrow,
        });
        let groups: Vec<RowGroup> = meta.row_groups().collect();
        assert_eq!(groups.len(), 3);
        let mut next = 0i64;
        for group in &groups {
            let chunk = RowGroupBytes {
                start: group.start,
                bytes: file.slice(group.start as usize..group.end as usize),
            };
            let reader =
                ParquetRecordBatchReaderBuilder::new_with_metadata(chunk, meta.arrow.clone())
                    .with_row_groups(vec![group.index])
                    .build()
                    .unwrap();
            for batch in reader {
                let batch = batch.unwrap();
                let values = batch
                    .column(2)
                    .as_any()
                    .downcast_ref::<arrow::array::Int64Array>()
                    .unwrap();
                for v in values.values() {
                    assert_eq!(*v, next);
                    next += 1;
                }
            }
        }
        assert_eq!(next, 250);
        // Reads outside a row group's bytes are errors, not panics.
        let chunk = RowGroupBytes {
            start: 100,
            bytes: Bytes::from_static(b"0123456789"),
        };
        assert_eq!(chunk.get_bytes(102, 3).unwrap(), Bytes::from_static(b"234"));
        assert!(chunk.get_bytes(99, 2).is_err());
        assert!(chunk.get_bytes(105, 6).is_err());
        assert!(chunk.get_read(111).is_err());
        assert!(chunk.get_read(110).is_ok());
    }

    /// Athena's timestamps at the edges of its range (year 1 to 9999) and of
    /// INT96-as-nanoseconds (1677..2262), as milliseconds since 1970.
    fn edge_timestamps() -> Vec<(i64, &'static str)> {
        vec![
            (-62_135_596_800_000, "0001-01-01 00:00:00.000"),
            (-14_826_710_744_322, "1500-02-28 13:14:15.678"),
            (0, "1970-01-01 00:00:00.000"),
            (9_223_372_800_000, "2262-04-12 00:00:00.000"),
            (253_402_300_799_999, "9999-12-31 23:59:59.999"),
        ]
    }

    /// Milliseconds since 1970 as INT96: nanoseconds of the day, Julian day.
    fn int96(millis: i64) -> parquet::data_type::Int96 {
        let day = millis.div_euclid(86_400_000);
        let nanos = (millis.rem_euclid(86_400_000) * 1_000_000) as u64;
        let mut v = parquet::data_type::Int96::new();
        v.set_data(nanos as u32, (nanos >> 32) as u32, (day + 2_440_588) as u32);
        v
    }

    /// A file as Athena's UNLOAD writes timestamps: INT96 leaves, top-level
    /// and in an array, a row and a map. Row k holds the k-th edge value
    /// (the array also the next one); the last row is all NULL.
    fn int96_file() -> Bytes {
        use parquet::column::writer::ColumnWriter;
        use parquet::data_type::{ByteArray, Int96};
        use parquet::file::properties::WriterProperties;
        use parquet::file::writer::SerializedFileWriter;
        let schema = "message hive_schema {
            optional int96 ts;
            optional group tss (LIST) { repeated group list { optional int96 element; } }
            optional group r { optional int96 ts; optional int32 n; }
            optional group m (MAP) {
                repeated group key_value { required binary key (STRING); optional int96 value; }
            }
        }";
        let schema = Arc::new(parquet::schema::parser::parse_message_type(schema).unwrap());
        let values: Vec<Int96> = edge_timestamps().iter().map(|(ms, _)| int96(*ms)).collect();
        let n = values.len();
        let mut out = Vec::new();
        let mut writer =
            SerializedFileWriter::new(&mut out, schema, Arc::new(WriterProperties::default()))
                .unwrap();
        let mut group = writer.next_row_group().unwrap();
        // (values, definition levels, repetition levels) per leaf, in schema order.
        let def = |max: i16| {
            let mut d = vec![max; n];
            d.push(0);
            d
        };
        let rep0 = vec![0i16; n + 1];
        let pairs: Vec<Int96> = (0..n)
            .flat_map(|k| [values[k], values[(k + 1) % n]])
            .collect();
        let mut pair_def: Vec<i16> = vec![3; 2 * n];
        pair_def.push(0);
        let mut pair_rep: Vec<i16> = (0..n).flat_map(|_| [0, 1]).collect();
        pair_rep.push(0);
        let n_values: Vec<i32> = (0..n as i32).collect();
        let keys: Vec<ByteArray> = (0..n).map(|_| ByteArray::from("k")).collect();
        let mut index = 0;
        while let Some(mut column) = group.next_column().unwrap() {
            match (index, column.untyped()) {
                (0, ColumnWriter::Int96ColumnWriter(w)) => {
                    w.write_batch(&values, Some(&def(1)), None).unwrap();
                }
                (1, ColumnWriter::Int96ColumnWriter(w)) => {
                    w.write_batch(&pairs, Some(&pair_def), Some(&pair_rep))
                        .unwrap();
                }
                (2, ColumnWriter::Int96ColumnWriter(w)) => {
                    w.write_batch(&values, Some(&def(2)), None).unwrap();
                }
                (3, ColumnWriter::Int32ColumnWriter(w)) => {
                    w.write_batch(&n_values, Some(&def(2)), None).unwrap();
                }
                (4, ColumnWriter::ByteArrayColumnWriter(w)) => {
                    w.write_batch(&keys, Some(&def(2)), Some(&rep0)).unwrap();
                }
                (5, ColumnWriter::Int96ColumnWriter(w)) => {
                    w.write_batch(&values, Some(&def(3)), Some(&rep0)).unwrap();
                }
                _ => panic!("unexpected column {index}"),
            }
            column.close().unwrap();
            index += 1;
        }
        group.close().unwrap();
        writer.close().unwrap();
        Bytes::from(out)
    }

    #[test]
    fn int96_timestamps_read_exactly_from_year_1_to_9999() {
        use arrow::array::{Array, AsArray};
        use arrow::datatypes::{DataType, TimeUnit, TimestampMillisecondType};
        let file = int96_file();
        let Footer::Read(arrow) = parse_footer("k", &file).unwrap() else {
            panic!("a whole file holds its metadata");
        };
        let millis = DataType::Timestamp(TimeUnit::Millisecond, None);
        let schema = arrow.schema().clone();
        assert_eq!(schema.field(0).data_type(), &millis);
        let DataType::List(element) = schema.field(1).data_type() else {
            panic!("tss is a list");
        };
        assert_eq!(element.data_type(), &millis);
        let DataType::Struct(fields) = schema.field(2).data_type() else {
            panic!("r is a row");
        };
        assert_eq!(fields[0].data_type(), &millis);
        let DataType::Map(entries, _) = schema.field(3).data_type() else {
            panic!("m is a map");
        };
        let DataType::Struct(kv) = entries.data_type() else {
            panic!("map entries are a struct");
        };
        assert_eq!(kv[1].data_type(), &millis);

        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, arrow)
            .build()
            .unwrap();
        let batches: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
        assert_eq!(batches.len(), 1);
        let batch = &batches[0];
        let edges = edge_timestamps();
        let n = edges.len();
        assert_eq!(batch.num_rows(), n + 1);
        let top = batch.column(0).as_primitive::<TimestampMillisecondType>();
        let columns: Vec<Column> = schema
            .fields()
            .iter()
            .map(|f| Column::of_arrow(f))
            .collect();
        assert_eq!(columns[0].athena_type, "timestamp");
        for (k, (ms, text)) in edges.iter().enumerate() {
            assert_eq!(top.value(k), *ms, "{text}");
            // Athena's text form, top-level and inside JSON of nested values.
            assert_eq!(athena_arrow_text::render(top, k).as_deref(), Some(*text));
            let next = edges[(k + 1) % n].1;
            let mut json = String::new();
            athena_arrow_text::write_json(batch.column(1).as_ref(), k, &mut json);
            assert_eq!(json, format!("[\"{text}\",\"{next}\"]"));
            json.clear();
            athena_arrow_text::write_json(batch.column(2).as_ref(), k, &mut json);
            assert_eq!(json, format!("{{\"ts\":\"{text}\",\"n\":{k}}}"));
            json.clear();
            athena_arrow_text::write_json(batch.column(3).as_ref(), k, &mut json);
            assert_eq!(json, format!("[[\"k\",\"{text}\"]]"));
        }
        for column in batch.columns() {
            assert!(column.is_null(n));
        }

        // The page carries the top-level column as microseconds, exactly.
        let page = page::encode_arrow(&columns[..1], &batch.project(&[0]).unwrap(), n + 1).unwrap();
        let header = 12;
        assert_eq!(page[header], 5, "Timestamp encoding");
        assert_eq!(page[header + 1], 3, "milliseconds in Athena's text");
        let body = header + 8 + (n + 1).div_ceil(8);
        for (k, (ms, text)) in edges.iter().enumerate() {
            let at = body + 8 * k;
            let micros = i64::from_le_bytes(page[at..at + 8].try_into().unwrap());
            assert_eq!(micros, ms * 1000, "{text}");
        }
    }
}
