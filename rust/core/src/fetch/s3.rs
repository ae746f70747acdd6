//! The S3 fetcher: reads `<OutputLocation>/<QueryExecutionId>.csv` with
//! ranged GETs, several in flight, parsed in file order into pages.
//!
//! Memory: at most `s3_threads` blocks are fetched ahead of the parser, and
//! at most `PREFETCH_PAGES` encoded pages wait for the reader, so a result of
//! any size is read in bounded memory.

use std::collections::VecDeque;

use bytes::Bytes;

use super::csv::{CsvReader, Row};
use super::get_query_results::truncate;
use super::{get_object, retrying, start, FetchSettings, Fetchers, InFlight, Request, Span};
use crate::error::{Error, ErrorKind, Result};
use crate::page;
use crate::results::{Pages, ResultStream};
use crate::types::Column;

/// Rows per page when the user set no fetch size: large pages cross JNI
/// less often, and the file is not read 1000 rows at a time anyway.
const DEFAULT_PAGE_ROWS: usize = 10_000;

/// Why S3 is not used for a query.
pub(super) enum Skip {
    /// The statement has no CSV result file (DDL, utility statements): its
    /// result is read with GetQueryResults whatever the setting.
    NotApplicable(String),
    /// There is a result, but a plain S3 client cannot read it.
    Unreadable(Error),
}

/// Where one query's result file is and how to reach it.
pub(super) struct Plan {
    client: aws_sdk_s3::Client,
    bucket: String,
    key: String,
    id: String,
}

/// The first block of the file and the file's size.
pub(super) struct Probe {
    size: u64,
    first: Bytes,
}

fn unreadable(message: impl Into<String>) -> Skip {
    Skip::Unreadable(Error::new(ErrorKind::Service, message))
}

pub(super) fn plan(fetchers: &Fetchers, request: &Request<'_>) -> std::result::Result<Plan, Skip> {
    let completion = request.completion;
    if completion.statement_type != "DML" {
        return Err(Skip::NotApplicable(format!(
            "a {} statement writes no CSV result file",
            completion.statement_type
        )));
    }
    if completion.managed_results {
        return Err(unreadable(
            "the workgroup keeps query results in Athena-managed storage, which S3 clients cannot read",
        ));
    }
    let Some(location) = completion.output_location.as_deref() else {
        return Err(unreadable(
            "Athena reported no output location for the query",
        ));
    };
    if !location.ends_with(".csv") {
        return Err(Skip::NotApplicable(format!(
            "the result file {location} is not CSV"
        )));
    }
    if completion.encryption.as_deref() == Some("CSE_KMS") {
        return Err(unreadable(format!(
            "{location} is client-side encrypted (CSE_KMS), which this driver cannot decrypt"
        )));
    }
    let Some(client) = fetchers.s3.clone() else {
        return Err(unreadable(
            "AthenaEndpoint is not an AWS endpoint and S3Endpoint is not set, so the S3 endpoint is unknown",
        ));
    };
    let rest = location.strip_prefix("s3://").unwrap_or("");
    let Some((bucket, key)) = rest
        .split_once('/')
        .filter(|(b, k)| !b.is_empty() && !k.is_empty())
    else {
        return Err(unreadable(format!(
            "the output location {location} is not an s3://BUCKET/KEY location"
        )));
    };
    Ok(Plan {
        client,
        bucket: bucket.to_string(),
        key: key.to_string(),
        id: request.id.to_string(),
    })
}

impl Plan {
    pub(super) fn uri(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    /// Fetches the first block; its Content-Range tells the file's size.
    pub(super) async fn probe(
        &self,
        block_size: u64,
        window: std::time::Duration,
    ) -> Result<Probe> {
        let (first, size) = retrying(window, || {
            get_range(&self.client, &self.bucket, &self.key, 0, block_size)
        })
        .await?;
        let size = size.unwrap_or(first.len() as u64);
        Ok(Probe { size, first })
    }

    /// Checks the header line against the columns, then reads the rest of the
    /// file in the background. An error here (not CSV, wrong header) still
    /// leaves room to fall back.
    pub(super) fn stream(
        &self,
        probe: Probe,
        columns: Vec<Column>,
        request: &Request<'_>,
        settings: &FetchSettings,
    ) -> Result<ResultStream> {
        let wrong_header = || {
            Error::new(
                ErrorKind::Service,
                format!(
                    "{} does not start with the query's column names: it is encrypted or was not written by Athena",
                    self.uri()
                ),
            )
        };
        // Column names hold no newline, so the header is the first line.
        let header_end = probe
            .first
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(wrong_header)?
            + 1;
        let mut header = Vec::new();
        let mut header_reader = CsvReader::new(columns.len());
        header_reader
            .push(&probe.first[..header_end], &mut header)
            .map_err(|_| wrong_header())?;
        let expected: Vec<Option<String>> = columns.iter().map(|c| Some(c.name.clone())).collect();
        if header.first() != Some(&expected) {
            return Err(wrong_header());
        }
        let reader = BlockReader {
            client: self.client.clone(),
            bucket: self.bucket.clone(),
            key: self.key.clone(),
            id: self.id.clone(),
            size: probe.size,
            block_size: settings.s3_block_size.max(1),
            threads: settings.s3_threads.max(1),
            retry_window: settings.retry_window,
            page_rows: request.page_rows(DEFAULT_PAGE_ROWS),
            remaining: request.row_limit(),
            columns: columns.clone(),
        };
        let first_rows = probe.first.slice(header_end..);
        let next_offset = probe.first.len() as u64;
        let id = self.id.clone();
        Ok(ResultStream::background(columns, None, &id, move |pages| {
            reader.run(first_rows, next_offset, pages)
        }))
    }
}

/// A block's bytes and the object's size (from Content-Range).
type Block = (Bytes, Option<u64>);

struct BlockReader {
    client: aws_sdk_s3::Client,
    bucket: String,
    key: String,
    id: String,
    size: u64,
    block_size: u64,
    threads: usize,
    retry_window: std::time::Duration,
    page_rows: usize,
    remaining: u64,
    columns: Vec<Column>,
}

impl BlockReader {
    async fn run(mut self, first: Bytes, mut offset: u64, tx: Pages) -> Result<()> {
        let mut csv = CsvReader::new(self.columns.len());
        let mut rows: Vec<Row> = Vec::new();
        let mut sent_any = false;
        let mut in_flight = InFlight(VecDeque::new());
        let mut block = Some(first);
        loop {
            while in_flight.0.len() < self.threads && offset < self.size {
                let end = offset.saturating_add(self.block_size).min(self.size);
                let client = self.client.clone();
                let (bucket, key) = (self.bucket.clone(), self.key.clone());
                in_flight.0.push_back(
                    start(retrying(self.retry_window, move || {
                        let (client, bucket, key) = (client.clone(), bucket.clone(), key.clone());
                        async move { get_range(&client, &bucket, &key, offset, end).await }
                    }))
                    .await,
                );
                offset = end;
            }
            let bytes = match block.take() {
                Some(b) => b,
                None => match in_flight.0.pop_front() {
                    None => break,
                    Some(handle) => {
                        let (bytes, _) = handle
                            .await
                            .map_err(|e| Error::internal(format!("S3 block reader stopped: {e}")))?
                            .map_err(|e| e.with_query_id(&self.id))?;
                        bytes
                    }
                },
            };
            csv.push(&bytes, &mut rows)
                .map_err(|e| e.with_query_id(&self.id))?;
            while rows.len() >= self.page_rows {
                let page: Vec<Row> = rows.drain(..self.page_rows).collect();
                if !self.send(page, &tx).await? {
                    return Ok(());
                }
                sent_any = true;
            }
        }
        csv.finish(&mut rows)
            .map_err(|e| e.with_query_id(&self.id))?;
        while !rows.is_empty() || !sent_any {
            let take = rows.len().min(self.page_rows);
            let page: Vec<Row> = rows.drain(..take).collect();
            if !self.send(page, &tx).await? {
                return Ok(());
            }
            sent_any = true;
        }
        Ok(())
    }

    /// Encodes and sends one page; false when reading should stop (the
    /// reader closed the result set, or max rows is reached).
    async fn send(&mut self, mut page: Vec<Row>, tx: &Pages) -> Result<bool> {
        truncate(&mut page, &mut self.remaining);
        let encoded = page::encode(&self.columns, &page).map_err(|e| e.with_query_id(&self.id))?;
        if !tx.send(encoded).await {
            return Ok(false);
        }
        Ok(self.remaining > 0)
    }
}

/// Bytes `[start, end)` of an object, and the object's size from Content-Range.
async fn get_range(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    start: u64,
    end: u64,
) -> Result<Block> {
    let (body, size) = get_object(client, bucket, key, Span::Range(start, end)).await?;
    let expected = end.min(size.unwrap_or(u64::MAX)).saturating_sub(start);
    if size.is_some() && body.len() as u64 != expected {
        return Err(Error::new(
            ErrorKind::Transient,
            format!(
                "GetObject of s3://{bucket}/{key} returned {} bytes of range {start}-{end}, expected {expected}",
                body.len()
            ),
        ));
    }
    Ok((body, size))
}
