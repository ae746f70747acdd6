//! Reading results: GetQueryResults pages, encoded for Java, with the next
//! pages fetched in the background while Java reads the current one.

use aws_sdk_athena::operation::get_query_results::GetQueryResultsOutput;
use aws_sdk_athena::types::ColumnNullable;
use aws_sdk_athena::Client;
use tokio::sync::mpsc;

use crate::error::{from_sdk, Result};
use crate::page;
use crate::query::Completion;
use crate::types::Column;

/// GetQueryResults returns at most this many rows a call.
pub const MAX_PAGE_ROWS: u32 = 1000;
/// How many encoded pages may wait ahead of the reader.
const PREFETCH_PAGES: usize = 2;

pub struct ResultStream {
    columns: Vec<Column>,
    update_count: Option<i64>,
    first: Option<Vec<u8>>,
    rest: Option<mpsc::Receiver<Result<Vec<u8>>>>,
    /// What the user should know about these rows (JDBC's SQLWarning), e.g. a
    /// table a metadata listing had to leave out.
    warnings: Vec<String>,
}

impl ResultStream {
    pub(crate) async fn open(
        client: Client,
        id: String,
        completion: &Completion,
        fetch_size: u32,
        max_rows: u64,
    ) -> Result<ResultStream> {
        let page_rows = if fetch_size == 0 {
            MAX_PAGE_ROWS
        } else {
            fetch_size.min(MAX_PAGE_ROWS)
        } as i32;
        let output = fetch(&client, &id, page_rows, None).await?;
        let columns = columns_of(&output);
        if columns.is_empty() {
            let update_count = output.update_count().unwrap_or(0);
            return Ok(ResultStream {
                columns,
                update_count: Some(update_count),
                first: None,
                rest: None,
                warnings: Vec::new(),
            });
        }
        let mut rows = rows_of(&output);
        // A SELECT's first page starts with the column names; other statements' do not.
        let is_header = completion.statement_type == "DML"
            && rows.first().is_some_and(|r| {
                r.len() == columns.len()
                    && r.iter()
                        .zip(&columns)
                        .all(|(v, c)| v.as_deref() == Some(c.label.as_str()))
            });
        if is_header {
            rows.remove(0);
        }
        let mut remaining = if max_rows == 0 { u64::MAX } else { max_rows };
        truncate(&mut rows, &mut remaining);
        let first = page::encode(&columns, &rows).map_err(|e| e.with_query_id(&id))?;
        let next_token = output.next_token().map(str::to_string);
        let rest = match next_token {
            Some(token) if remaining > 0 => {
                let (tx, rx) = mpsc::channel(PREFETCH_PAGES);
                tokio::spawn(prefetch(
                    client,
                    id,
                    columns.clone(),
                    page_rows,
                    token,
                    remaining,
                    tx,
                ));
                Some(rx)
            }
            _ => None,
        };
        Ok(ResultStream {
            columns,
            update_count: None,
            first: Some(first),
            rest,
            warnings: Vec::new(),
        })
    }

    /// A result computed by the driver itself (metadata), served the same way.
    pub fn local(columns: Vec<Column>, rows: Vec<Vec<Option<String>>>) -> Result<ResultStream> {
        let first = page::encode(&columns, &rows)?;
        Ok(ResultStream {
            columns,
            update_count: None,
            first: Some(first),
            rest: None,
            warnings: Vec::new(),
        })
    }

    pub fn with_warnings(mut self, warnings: Vec<String>) -> ResultStream {
        self.warnings = warnings;
        self
    }

    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Some(n) when the statement produced an update count instead of rows.
    pub fn update_count(&self) -> Option<i64> {
        self.update_count
    }

    /// The next encoded page, or None at the end.
    pub async fn next_page(&mut self) -> Result<Option<Vec<u8>>> {
        if let Some(first) = self.first.take() {
            return Ok(Some(first));
        }
        let Some(rest) = self.rest.as_mut() else {
            return Ok(None);
        };
        match rest.recv().await {
            Some(Ok(page)) => Ok(Some(page)),
            Some(Err(e)) => {
                self.rest = None;
                Err(e)
            }
            None => {
                self.rest = None;
                Ok(None)
            }
        }
    }
}

async fn prefetch(
    client: Client,
    id: String,
    columns: Vec<Column>,
    page_rows: i32,
    mut token: String,
    mut remaining: u64,
    tx: mpsc::Sender<Result<Vec<u8>>>,
) {
    loop {
        let output = match fetch(&client, &id, page_rows, Some(token)).await {
            Ok(output) => output,
            Err(e) => {
                let _ = tx.send(Err(e)).await;
                return;
            }
        };
        let mut rows = rows_of(&output);
        truncate(&mut rows, &mut remaining);
        let page = page::encode(&columns, &rows).map_err(|e| e.with_query_id(&id));
        let failed = page.is_err();
        // A closed receiver means the result set was closed: stop fetching.
        if tx.send(page).await.is_err() || failed || remaining == 0 {
            return;
        }
        match output.next_token() {
            Some(next) => token = next.to_string(),
            None => return,
        }
    }
}

fn truncate(rows: &mut Vec<Vec<Option<String>>>, remaining: &mut u64) {
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
        let output = fetch(client, id, MAX_PAGE_ROWS as i32, token).await?;
        rows.extend(rows_of(&output));
        token = output.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(rows);
        }
    }
}

async fn fetch(
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

fn columns_of(output: &GetQueryResultsOutput) -> Vec<Column> {
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

fn rows_of(output: &GetQueryResultsOutput) -> Vec<Vec<Option<String>>> {
    let Some(result_set) = output.result_set() else {
        return Vec::new();
    };
    result_set
        .rows()
        .iter()
        .map(|row| {
            row.data()
                .iter()
                .map(|d| d.var_char_value().map(str::to_string))
                .collect()
        })
        .collect()
}

impl std::fmt::Debug for ResultStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultStream")
            .field("columns", &self.columns.len())
            .finish()
    }
}
