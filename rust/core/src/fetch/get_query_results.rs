//! The GetQueryResults fetcher: at most 1000 rows a call, each call waiting
//! for the previous one's NextToken. Works for every statement and every
//! workgroup; the S3 fetcher's fallback.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_athena::operation::get_query_results::GetQueryResultsOutput;
use aws_sdk_athena::types::ColumnNullable;
use aws_sdk_athena::Client;

use bytes::Bytes;

use super::{cpu, raw_page, start, Fetchers, InFlight, Request};
use crate::error::{from_sdk, Error, Result};
use crate::page;
use crate::results::{Pages, ResultStream};
use crate::retry::{retrying, REREADS, RESULT_RETRY_WINDOW};
use crate::types::Column;

/// GetQueryResults returns at most this many rows a call.
pub const MAX_PAGE_ROWS: u32 = 1000;

pub(super) async fn open(fetchers: &Fetchers, request: &Request<'_>) -> Result<ResultStream> {
    let page_rows = match request.fetch_size {
        0 => MAX_PAGE_ROWS,
        n => n.min(MAX_PAGE_ROWS),
    } as i32;
    let window = fetchers.settings.retry_window;
    let output = fetch(&fetchers.athena, request.id, page_rows, None, window).await?;
    from_first_page(fetchers, request, output, page_rows)
}

/// Continues from a first page already fetched (the S3 fetcher asks for
/// ColumnInfo with one GetQueryResults call and may hand that page over).
pub(super) fn from_first_page(
    fetchers: &Fetchers,
    request: &Request<'_>,
    mut output: GetQueryResultsOutput,
    page_rows: i32,
) -> Result<ResultStream> {
    let id = request.id;
    let columns = columns_of(&output);
    if columns.is_empty() {
        return Ok(ResultStream::update(
            columns,
            output.update_count().unwrap_or(0),
        ));
    }
    let mut rows = rows_of(&mut output);
    // A SELECT's first page starts with the column names; other statements' do not.
    let is_header = request.completion.statement_type == "DML"
        && rows.first().is_some_and(|r| {
            r.len() == columns.len()
                && r.iter()
                    .zip(&columns)
                    .all(|(v, c)| v.as_deref() == Some(c.label.as_str()))
        });
    if is_header {
        rows.remove(0);
    }
    if columns.len() > page::MAX_COLUMNS {
        return Err(page::too_many_columns(columns.len()).with_query_id(id));
    }
    let mut remaining = request.row_limit();
    truncate(&mut rows, &mut remaining);
    let budget = fetchers.settings.page_bytes.max(1);
    // A response of wide rows is more than one page: the first goes with the
    // result, the others are the background task's first pages.
    let mut pages = encode_within(&columns, &rows, budget).map_err(|e| e.with_query_id(id))?;
    drop(rows);
    let first = pages.remove(0);
    let token = output
        .next_token()
        .filter(|_| remaining > 0)
        .map(str::to_string);
    if pages.is_empty() && token.is_none() {
        return Ok(ResultStream::complete(columns, Some(first)));
    }
    let (client, query_id) = (fetchers.athena.clone(), id.to_string());
    let window = fetchers.settings.retry_window;
    Ok(ResultStream::background(
        columns.clone(),
        Some(first),
        id,
        move |tx| async move {
            for page in pages {
                if !tx.send(page).await {
                    return Ok(());
                }
            }
            let Some(token) = token else {
                return Ok(());
            };
            let call = PageCall {
                client,
                id: query_id,
                page_rows,
                window,
            };
            prefetch(call, columns, budget, token, remaining, tx).await
        },
    ))
}

/// `rows` as pages of at most `budget` bytes (a larger row alone); one empty
/// page when there are no rows.
fn encode_within(
    columns: &[Column],
    rows: &[Vec<Option<String>>],
    budget: usize,
) -> Result<Vec<Vec<u8>>> {
    let mut pages = Vec::new();
    let mut at = 0;
    loop {
        let rest = &rows[at..];
        let n = page::rows_within(
            rest.iter().map(|r| page::text_row_bytes(r)),
            usize::MAX,
            budget,
        );
        pages.push(page::encode(columns, &rest[..n])?);
        at += n;
        if at >= rows.len() {
            return Ok(pages);
        }
    }
}

/// What one later page's body gives.
enum Decoded {
    /// Its rows (up to those still wanted) as pages, and how many rows the body held.
    Pages(Vec<Vec<u8>>, u64),
    /// The body is not a page's JSON: it is asked for again.
    Unparsable(Error),
}

/// Parses a GetQueryResults body and encodes its rows into pages of at most
/// `budget` bytes; CPU work, run off the I/O workers.
fn decode_body(body: &[u8], columns: &[Column], remaining: u64, budget: usize) -> Result<Decoded> {
    let width = columns.len().max(1);
    let mut values = match raw_page::values(body, width) {
        Ok(values) => values,
        Err(e) => return Ok(Decoded::Unparsable(e)),
    };
    let rows = (values.len() / width) as u64;
    if rows > remaining {
        values.truncate(remaining as usize * width);
    }
    let mut pages = Vec::new();
    let mut at = 0;
    while at < values.len() || pages.is_empty() {
        let rest = &values[at..];
        let n = page::rows_within(
            rest.chunks(width).map(page::text_row_bytes),
            usize::MAX,
            budget,
        );
        pages.push(page::encode_flat(columns, &rest[..n * width])?);
        at += n * width;
    }
    Ok(Decoded::Pages(pages, rows))
}

/// Fetches the pages after the first. The next call is sent as soon as a
/// page's NextToken is known (before its rows are parsed), so Athena works on
/// page N+1 while this page is parsed and encoded.
/// What every call for a later page of one result shares.
#[derive(Clone)]
struct PageCall {
    client: Client,
    id: String,
    page_rows: i32,
    window: Duration,
}

impl PageCall {
    /// The page after `token`, retried while the failure is transient; the
    /// token comes back with it so a page that does not parse can be asked
    /// for again.
    async fn fetch(self, token: String) -> (String, Result<Bytes>) {
        let body = retrying(self.window, || {
            raw_page::fetch(&self.client, &self.id, self.page_rows, token.clone())
        })
        .await;
        (token, body)
    }
}

async fn prefetch(
    call: PageCall,
    columns: Vec<Column>,
    budget: usize,
    token: String,
    mut remaining: u64,
    pages: Pages,
) -> Result<()> {
    let id = call.id.clone();
    let page_rows = call.page_rows as u64;
    let columns = Arc::new(columns);
    // The call in flight; aborted if reading stops early.
    let mut next = InFlight(VecDeque::new());
    next.0.push_back(start(call.clone().fetch(token)).await);
    let mut rereads = 0;
    while let Some(handle) = next.0.pop_front() {
        let (token, body) = handle
            .await
            .map_err(|e| Error::internal(format!("GetQueryResults reader stopped: {e}")))?;
        let body = body.map_err(|e| e.with_query_id(&id))?;
        // A page holds at most `page_rows` rows, so while more than that are
        // wanted the next call need not wait for the parse.
        if remaining > page_rows {
            if let Ok(Some(token)) = raw_page::next_token(&body) {
                next.0.push_back(start(call.clone().fetch(token)).await);
            }
        }
        // Parsing and encoding run off the I/O workers (see `cpu`).
        let decoded = {
            let (body, columns) = (body.clone(), columns.clone());
            cpu(move || decode_body(&body, &columns, remaining, budget)).await?
        };
        let (encoded, rows) = match decoded.map_err(|e| e.with_query_id(&id))? {
            Decoded::Pages(encoded, rows) => (encoded, rows),
            Decoded::Unparsable(_) if rereads < REREADS => {
                // Whatever was started from this page is dropped with it.
                rereads += 1;
                next = InFlight(VecDeque::new());
                next.0.push_back(start(call.clone().fetch(token)).await);
                continue;
            }
            Decoded::Unparsable(e) => return Err(e.with_query_id(&id)),
        };
        rereads = 0;
        remaining = remaining.saturating_sub(rows);
        if next.0.is_empty() && remaining > 0 {
            if let Some(token) = raw_page::next_token(&body).map_err(|e| e.with_query_id(&id))? {
                next.0.push_back(start(call.clone().fetch(token)).await);
            }
        }
        drop(body);
        for page in encoded {
            // A closed receiver means the result set was closed: stop fetching.
            if !pages.send(page).await {
                return Ok(());
            }
        }
    }
    Ok(())
}

pub(super) fn truncate<T>(rows: &mut Vec<T>, remaining: &mut u64) {
    if rows.len() as u64 > *remaining {
        rows.truncate(*remaining as usize);
    }
    *remaining -= rows.len() as u64;
}

/// Every row of a query's results as text, page after page.
pub(crate) async fn all_text_rows(client: &Client, id: &str) -> Result<Vec<Vec<Option<String>>>> {
    let mut rows = Vec::new();
    let mut token = None;
    loop {
        let mut output =
            fetch(client, id, MAX_PAGE_ROWS as i32, token, RESULT_RETRY_WINDOW).await?;
        rows.extend(rows_of(&mut output));
        token = output.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(rows);
        }
    }
}

pub(super) async fn fetch(
    client: &Client,
    id: &str,
    page_rows: i32,
    token: Option<String>,
    window: Duration,
) -> Result<GetQueryResultsOutput> {
    retrying(window, || async {
        client
            .get_query_results()
            .query_execution_id(id)
            .max_results(page_rows)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| from_sdk("GetQueryResults", e))
    })
    .await
    .map_err(|e| e.with_query_id(id))
}

pub(super) fn columns_of(output: &GetQueryResultsOutput) -> Vec<Column> {
    let Some(metadata) = output.result_set().and_then(|r| r.result_set_metadata()) else {
        return Vec::new();
    };
    metadata
        .column_info()
        .iter()
        .map(|info| {
            let mut column = Column::new(info.name(), info.r#type());
            column.label = info.label().unwrap_or(info.name()).to_string();
            if info.precision() > 0 {
                column.precision = info.precision();
            }
            column.scale = info.scale();
            column.nullable = match info.nullable() {
                Some(ColumnNullable::NotNull) => 0,
                Some(ColumnNullable::Nullable) => 1,
                _ => 2,
            };
            column
        })
        .collect()
}

/// The page's values, moved out of the response rather than copied.
fn rows_of(output: &mut GetQueryResultsOutput) -> Vec<Vec<Option<String>>> {
    let Some(rows) = output.result_set.as_mut().and_then(|r| r.rows.take()) else {
        return Vec::new();
    };
    rows.into_iter()
        .map(|row| {
            row.data
                .unwrap_or_default()
                .into_iter()
                .map(|d| d.var_char_value)
                .collect()
        })
        .collect()
}
