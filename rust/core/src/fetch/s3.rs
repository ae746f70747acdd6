//! The S3 fetcher: reads `<OutputLocation>/<QueryExecutionId>.csv` with
//! ranged GETs, several in flight, parsed in file order into pages.
//!
//! Memory: at most `s3_threads` blocks are fetched ahead of the parser, the
//! block being parsed is held as rows and then pages of at most
//! `PageByteBudget` bytes (a larger row alone), and at most `PREFETCH_PAGES`
//! pages wait for the reader, so a result of any size and any row width is
//! read in bounded memory.

use std::collections::VecDeque;

use bytes::Bytes;

use super::csv::{CsvReader, Row};
use super::{cpu, get_object, start, FetchSettings, Fetchers, InFlight, Request, Span};
use crate::error::{Error, ErrorKind, Result};
use crate::page;
use crate::results::{Pages, ResultStream};
use crate::retry::retrying;
use crate::types::Column;

/// Rows per page when the user set no fetch size: large pages cross JNI
/// less often, and the file is not read 1000 rows at a time anyway. Wide
/// rows end a page sooner, at the byte budget.
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
        if columns.len() > page::MAX_COLUMNS {
            return Err(page::too_many_columns(columns.len()).with_query_id(&self.id));
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
            parser: Parser {
                csv: CsvReader::new(columns.len()),
                rows: Vec::new(),
                columns: columns.clone(),
                page_rows: request.page_rows(DEFAULT_PAGE_ROWS),
                page_bytes: settings.page_bytes.max(1),
                remaining: request.row_limit(),
                sent_any: false,
            },
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
    parser: Parser,
}

impl BlockReader {
    async fn run(mut self, first: Bytes, mut offset: u64, tx: Pages) -> Result<()> {
        let mut in_flight = InFlight(VecDeque::new());
        let mut block = Some(first);
        let mut parser = self.parser.take();
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
                Some(b) => Some(b),
                None => match in_flight.0.pop_front() {
                    None => None,
                    Some(handle) => {
                        let (bytes, _) = handle
                            .await
                            .map_err(|e| Error::internal(format!("S3 block reader stopped: {e}")))?
                            .map_err(|e| e.with_query_id(&self.id))?;
                        Some(bytes)
                    }
                },
            };
            let at_end = bytes.is_none();
            // Parsing and encoding run off the I/O workers (see `cpu`).
            let (returned, pages) = cpu(move || {
                let pages = parser.step(bytes.as_deref());
                (parser, pages)
            })
            .await?;
            parser = returned;
            for page in pages.map_err(|e| e.with_query_id(&self.id))? {
                if !tx.send(page).await {
                    return Ok(());
                }
            }
            if at_end || parser.remaining == 0 {
                return Ok(());
            }
        }
    }
}

/// The CPU side of reading a result file: parses its blocks and cuts their
/// rows into encoded pages, by rows and by bytes.
struct Parser {
    csv: CsvReader,
    /// Rows parsed and not yet in a page: fewer than a page's worth between blocks.
    rows: Vec<Row>,
    columns: Vec<Column>,
    page_rows: usize,
    page_bytes: usize,
    /// Rows still wanted (JDBC max rows).
    remaining: u64,
    sent_any: bool,
}

impl Parser {
    /// Moves the parser out, leaving an empty one (the reader's task owns
    /// the real one, passing it to each decoding job and back).
    fn take(&mut self) -> Parser {
        std::mem::replace(
            self,
            Parser {
                csv: CsvReader::new(0),
                rows: Vec::new(),
                columns: Vec::new(),
                page_rows: 1,
                page_bytes: 1,
                remaining: 0,
                sent_any: true,
            },
        )
    }

    /// Adds the next block (None at the end of the file) and returns the
    /// pages now complete: every full page, and at the end the rest (an
    /// empty page when the file has no rows), all within max rows.
    fn step(&mut self, block: Option<&[u8]>) -> Result<Vec<Vec<u8>>> {
        match block {
            Some(bytes) => self.csv.push(bytes, &mut self.rows)?,
            None => self.csv.finish(&mut self.rows)?,
        }
        let at_end = block.is_none();
        let mut pages = Vec::new();
        let mut taken = 0;
        while self.remaining > 0 && taken < self.rows.len() {
            let rest = &self.rows[taken..];
            let n = page::rows_within(
                rest.iter().map(|r| page::text_row_bytes(r)),
                self.page_rows,
                self.page_bytes,
            );
            // A page is full at its rows or its bytes; a shorter one waits for
            // the next block unless the file has ended.
            let full = n == self.page_rows || n < rest.len();
            if !(full || at_end) {
                break;
            }
            let n = (n as u64).min(self.remaining) as usize;
            pages.push(page::encode(&self.columns, &rest[..n])?);
            self.remaining -= n as u64;
            taken += n;
        }
        self.rows.drain(..taken);
        if at_end && !self.sent_any && pages.is_empty() {
            pages.push(page::encode::<String>(&self.columns, &[])?);
        }
        self.sent_any |= !pages.is_empty();
        Ok(pages)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parser(page_rows: usize, page_bytes: usize, remaining: u64) -> Parser {
        Parser {
            csv: CsvReader::new(2),
            rows: Vec::new(),
            columns: vec![Column::new("n", "integer"), Column::new("s", "varchar")],
            page_rows,
            page_bytes,
            remaining,
            sent_any: false,
        }
    }

    /// `rows` CSV rows whose text column is `width` bytes.
    fn csv(rows: usize, width: usize) -> Vec<u8> {
        let text = "x".repeat(width);
        (0..rows)
            .map(|i| format!("\"{i}\",\"{text}\"\n"))
            .collect::<String>()
            .into_bytes()
    }

    fn row_count(page: &[u8]) -> u32 {
        u32::from_le_bytes([page[8], page[9], page[10], page[11]])
    }

    #[test]
    fn wide_rows_end_pages_at_the_byte_budget() {
        // 10 rows of about 1 KB against a 3 KB budget: pages of 2 rows (a third would pass it).
        let mut p = parser(10_000, 3_000, u64::MAX);
        let pages = p.step(Some(&csv(10, 1000))).unwrap();
        let mut rows: Vec<u32> = pages.iter().map(|page| row_count(page)).collect();
        rows.extend(p.step(None).unwrap().iter().map(|page| row_count(page)));
        assert_eq!(rows, vec![2, 2, 2, 2, 2]);
        // Narrow rows still end at the row count; the rest waits for the next block.
        let mut p = parser(4, 1 << 20, u64::MAX);
        let pages = p.step(Some(&csv(10, 1))).unwrap();
        assert_eq!(
            pages.iter().map(|page| row_count(page)).collect::<Vec<_>>(),
            vec![4, 4]
        );
        assert_eq!(p.rows.len(), 2);
        let last = p.step(None).unwrap();
        assert_eq!(
            last.iter().map(|page| row_count(page)).collect::<Vec<_>>(),
            vec![2]
        );
    }

    #[test]
    fn a_row_over_the_budget_travels_alone_and_max_rows_holds() {
        let mut p = parser(10_000, 100, 3);
        let pages = p.step(Some(&csv(5, 1000))).unwrap();
        assert_eq!(
            pages.iter().map(|page| row_count(page)).collect::<Vec<_>>(),
            vec![1, 1, 1]
        );
        assert_eq!(p.remaining, 0);
        // A file without rows still gives one (empty) page.
        let mut p = parser(10, 100, u64::MAX);
        let pages = p.step(None).unwrap();
        assert_eq!(pages.len(), 1);
        assert_eq!(row_count(&pages[0]), 0);
    }
}
