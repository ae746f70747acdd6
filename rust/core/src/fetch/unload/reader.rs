//! The reading pipeline shared by the JDBC fetcher and an export's readers:
//! footers a few files ahead, row groups downloaded ahead within a byte
//! budget, decoded in order into pages.

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;

use super::super::{cpu, start, InFlight, Span};
use super::objects::{ObjectRef, Objects};
use super::parquet_file::{footer, Decoder, FileMeta, RowGroup, RowGroupBytes, PROBE_ROWS};
use crate::error::{Error, Result};
use crate::results::Pages;
use crate::retry::retrying;
use crate::types::Column;

/// Parquet bytes held at once: the row group being decoded and those
/// downloaded or downloading ahead of it. At least one row group is always
/// on its way, so a row group larger than this is still read.
const HELD_BYTES: u64 = 32 * 1024 * 1024;

/// Row groups `groups` of one file (all of them: `0..usize::MAX`).
#[derive(Debug, Clone)]
pub(super) struct FilePart {
    pub object: ObjectRef,
    pub groups: Range<usize>,
}

/// Reads files' row groups into pages: the JDBC fetcher's whole UNLOAD, or
/// an export reader's slices.
pub(super) struct FileReader {
    pub objects: Objects,
    /// The parts after the first, whose footer the opener read (it gives the columns).
    pub parts: Vec<FilePart>,
    pub threads: usize,
    pub retry_window: std::time::Duration,
    pub page_rows: usize,
    /// PageByteBudget: pages end at about this many bytes too.
    pub page_bytes: usize,
    pub remaining: u64,
    pub columns: Vec<Column>,
    /// The UNLOAD's QueryExecutionId, for errors.
    pub id: String,
}

impl FileReader {
    /// Reads the parts' row groups in order, up to `threads` downloads
    /// ahead within [`HELD_BYTES`]; footers are read `threads` files ahead.
    pub async fn run(mut self, first: (Arc<FileMeta>, Range<usize>), tx: Pages) -> Result<()> {
        let files = std::mem::take(&mut self.parts);
        let mut next_file = 0;
        let mut footers: InFlight<Result<(FileMeta, Range<usize>)>> = InFlight(VecDeque::new());
        let mut queued: VecDeque<RowGroup> = first.0.row_groups_in(first.1).collect();
        let mut downloads: InFlight<Result<Bytes>> = InFlight(VecDeque::new());
        let mut downloading: VecDeque<RowGroup> = VecDeque::new();
        let mut held = 0u64;
        loop {
            while footers.0.len() < self.threads && next_file < files.len() {
                let objects = self.objects.clone();
                let part = files[next_file].clone();
                footers.0.push_back(
                    start(retrying(self.retry_window, move || {
                        let (objects, part) = (objects.clone(), part.clone());
                        async move {
                            let meta = footer(&objects, &part.object).await?;
                            Ok((meta, part.groups))
                        }
                    }))
                    .await,
                );
                next_file += 1;
            }
            if queued.is_empty() {
                if let Some(handle) = footers.0.pop_front() {
                    let (meta, groups) = self.joined(handle.await)?;
                    let meta = Arc::new(meta);
                    queued.extend(meta.row_groups_in(groups));
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
                let objects = self.objects.clone();
                let object = group.file.object.clone();
                let span = Span::Range(group.start, group.end);
                downloads.0.push_back(
                    start(retrying(self.retry_window, move || {
                        let (objects, object) = (objects.clone(), object.clone());
                        async move { objects.get(&object, span).await }
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
        let key = group.file.object.key.clone();
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
