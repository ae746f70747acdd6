//! A result as the reader sees it: columns, then encoded pages, the next
//! ones fetched in the background (by one of the fetchers in `fetch/`)
//! while Java reads the current one.

use tokio::sync::mpsc;

use crate::error::Result;
use crate::page;
use crate::types::Column;

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
    /// Rows arriving from a fetcher: an optional first page, then the rest.
    pub(crate) fn streaming(
        columns: Vec<Column>,
        first: Option<Vec<u8>>,
        rest: Option<mpsc::Receiver<Result<Vec<u8>>>>,
    ) -> ResultStream {
        ResultStream {
            columns,
            update_count: None,
            first,
            rest,
            warnings: Vec::new(),
        }
    }

    /// A statement that produced an update count instead of rows.
    pub(crate) fn update(columns: Vec<Column>, update_count: i64) -> ResultStream {
        ResultStream {
            columns,
            update_count: Some(update_count),
            first: None,
            rest: None,
            warnings: Vec::new(),
        }
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

impl std::fmt::Debug for ResultStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultStream")
            .field("columns", &self.columns.len())
            .finish()
    }
}
