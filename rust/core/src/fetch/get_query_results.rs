//! The GetQueryResults fetcher: at most 1000 rows a call, each call waiting
//! for the previous one's NextToken. Works for every statement and every
//! workgroup; the S3 fetcher's fallback.

use aws_sdk_athena::operation::get_query_results::GetQueryResultsOutput;
use aws_sdk_athena::types::ColumnNullable;
use aws_sdk_athena::Client;
use tokio::sync::mpsc;

use super::{raw_page, start, Request, PREFETCH_PAGES};
use crate::error::{from_sdk, Error, Result};
use crate::page;
use crate::results::ResultStream;
use crate::types::Column;

/// GetQueryResults returns at most this many rows a call.
pub const MAX_PAGE_ROWS: u32 = 1000;

pub(super) async fn open(client: &Client, request: &Request<'_>) -> Result<ResultStream> {
    let page_rows = match request.fetch_size {
        0 => MAX_PAGE_ROWS,
        n => n.min(MAX_PAGE_ROWS),
    } as i32;
    let output = fetch(client, request.id, page_rows, None).await?;
    from_first_page(client, request, output, page_rows)
}

/// Continues from a first page already fetched (the S3 fetcher asks for
/// ColumnInfo with one GetQueryResults call and may hand that page over).
pub(super) fn from_first_page(
    client: &Client,
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
    let mut remaining = request.row_limit();
    truncate(&mut rows, &mut remaining);
    let first = page::encode(&columns, &rows).map_err(|e| e.with_query_id(id))?;
    let rest = match output.next_token() {
        Some(token) if remaining > 0 => {
            let (tx, rx) = mpsc::channel(PREFETCH_PAGES);
            tokio::spawn(prefetch(
                client.clone(),
                id.to_string(),
                columns.clone(),
                page_rows,
                token.to_string(),
                remaining,
                tx,
            ));
            Some(rx)
        }
        _ => None,
    };
    Ok(ResultStream::streaming(columns, Some(first), rest))
}

/// Fetches the pages after the first. The next call is sent as soon as a
/// page's NextToken is known (before its rows are parsed), so Athena works on
/// page N+1 while this page is parsed and encoded.
async fn prefetch(
    client: Client,
    id: String,
    columns: Vec<Column>,
    page_rows: i32,
    token: String,
    mut remaining: u64,
    tx: mpsc::Sender<Result<Vec<u8>>>,
) {
    let fetch = |token: String| {
        let client = client.clone();
        let id = id.clone();
        async move { raw_page::fetch(&client, &id, page_rows, token).await }
    };
    let width = columns.len().max(1);
    let mut next = Some(start(fetch(token)).await);
    while let Some(handle) = next.take() {
        let body = handle
            .await
            .map_err(|e| Error::internal(format!("GetQueryResults reader stopped: {e}")))
            .and_then(|r| r);
        // A page holds at most `page_rows` rows, so while more than that are
        // wanted the next call need not wait for the parse.
        if remaining > page_rows as u64 {
            if let Ok(Some(token)) = body
                .as_deref()
                .map(raw_page::next_token)
                .unwrap_or(Ok(None))
            {
                next = Some(start(fetch(token)).await);
            }
        }
        let mut token_after_parse = None;
        let page = body
            .and_then(|body| {
                let mut values = raw_page::values(&body, width)?;
                let rows = (values.len() / width) as u64;
                if rows > remaining {
                    values.truncate(remaining as usize * width);
                }
                remaining = remaining.saturating_sub(rows);
                if next.is_none() && remaining > 0 {
                    token_after_parse = raw_page::next_token(&body)?;
                }
                page::encode_flat(&columns, &values)
            })
            .map_err(|e| e.with_query_id(&id));
        if let Some(token) = token_after_parse {
            next = Some(start(fetch(token)).await);
        }
        let failed = page.is_err();
        // A closed receiver means the result set was closed: stop fetching.
        if tx.send(page).await.is_err() || failed {
            if let Some(handle) = next {
                handle.abort();
            }
            return;
        }
    }
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
        let mut output = fetch(client, id, MAX_PAGE_ROWS as i32, token).await?;
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
) -> Result<GetQueryResultsOutput> {
    client
        .get_query_results()
        .query_execution_id(id)
        .max_results(page_rows)
        .set_next_token(token)
        .send()
        .await
        .map_err(|e| from_sdk("GetQueryResults", e).with_query_id(id))
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
