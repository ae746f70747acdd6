//! A result as the reader sees it: columns, then encoded pages, the next
//! ones fetched in the background (by one of the fetchers in `fetch/`)
//! while Java reads the current one.
//!
//! The background task ends its pages with an explicit end mark, sent only
//! when it finished without error: a task that fails, panics or is stopped
//! can never look like the end of the rows.

use std::future::Future;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::error::{Error, ErrorKind, Result};
use crate::page;
use crate::types::Column;

/// How many encoded pages may wait ahead of the reader.
pub(crate) const PREFETCH_PAGES: usize = 4;

enum Message {
    Page(Vec<u8>),
    End,
}

/// Where a result's background task sends its pages.
pub(crate) struct Pages(mpsc::Sender<Result<Message>>);

impl Pages {
    /// Sends one page; false once the reader has closed the result set, when
    /// the task should stop.
    pub(crate) async fn send(&self, page: Vec<u8>) -> bool {
        self.0.send(Ok(Message::Page(page))).await.is_ok()
    }
}

/// The receiving side, with the task to ask why when pages stop early.
struct Background {
    rx: mpsc::Receiver<Result<Message>>,
    task: JoinHandle<()>,
    query_id: String,
}

impl Background {
    /// Why the task's pages stopped with no end mark and no error.
    async fn stopped(self) -> Error {
        let how = match self.task.await {
            Err(e) if e.is_panic() => {
                let payload = e.into_panic();
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "no message".to_string());
                format!("panicked ({message})")
            }
            Err(_) => "was stopped".to_string(),
            Ok(()) => "ended without a last page".to_string(),
        };
        Error::internal(format!(
            "the background reader of the result {how} before the last row; \
             the rows read so far are not the whole result"
        ))
        .with_query_id(&self.query_id)
    }
}

pub struct ResultStream {
    columns: Vec<Column>,
    update_count: Option<i64>,
    first: Option<Vec<u8>>,
    rest: Option<Background>,
    /// The longest wait for one page (the statement's query timeout).
    page_timeout: Option<Duration>,
    /// What the user should know about these rows (JDBC's SQLWarning), e.g. a
    /// table a metadata listing had to leave out.
    warnings: Vec<String>,
}

impl ResultStream {
    /// All the rows in one page (or none).
    pub(crate) fn complete(columns: Vec<Column>, first: Option<Vec<u8>>) -> ResultStream {
        ResultStream {
            columns,
            update_count: None,
            first,
            rest: None,
            page_timeout: None,
            warnings: Vec::new(),
        }
    }

    /// Rows from a fetcher: `first` (if any), then the pages `produce` sends
    /// from a background task. The rows end only when `produce` returns Ok;
    /// its error, its panic or its being stopped reaches the reader as an
    /// error naming the query.
    pub(crate) fn background<F, Fut>(
        columns: Vec<Column>,
        first: Option<Vec<u8>>,
        query_id: &str,
        produce: F,
    ) -> ResultStream
    where
        F: FnOnce(Pages) -> Fut,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel(PREFETCH_PAGES);
        let work = produce(Pages(tx.clone()));
        let task = tokio::spawn(async move {
            let last = work.await.map(|()| Message::End);
            // A closed receiver means the reader is gone: nobody to tell.
            let _ = tx.send(last).await;
        });
        ResultStream {
            columns,
            update_count: None,
            first,
            rest: Some(Background {
                rx,
                task,
                query_id: query_id.to_string(),
            }),
            page_timeout: None,
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
            page_timeout: None,
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
            page_timeout: None,
            warnings: Vec::new(),
        })
    }

    /// Bounds each wait for a page (JDBC's query timeout covers the reads
    /// of the result too); None waits as long as the fetcher needs.
    pub fn with_page_timeout(mut self, limit: Option<Duration>) -> ResultStream {
        self.page_timeout = limit;
        self
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
        let received = match self.page_timeout {
            None => rest.rx.recv().await,
            Some(limit) => match tokio::time::timeout(limit, rest.rx.recv()).await {
                Ok(received) => received,
                Err(_) => {
                    return Err(Error::new(
                        ErrorKind::Timeout,
                        format!(
                            "the next rows did not arrive within the query timeout ({} s)",
                            limit.as_secs_f64()
                        ),
                    )
                    .with_query_id(&rest.query_id))
                }
            },
        };
        match received {
            Some(Ok(Message::Page(page))) => Ok(Some(page)),
            Some(Ok(Message::End)) => {
                self.rest = None;
                Ok(None)
            }
            Some(Err(e)) => {
                self.rest = None;
                Err(e)
            }
            None => match self.rest.take() {
                Some(rest) => Err(rest.stopped().await),
                None => Ok(None),
            },
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn stream<Fut>(produce: impl FnOnce(Pages) -> Fut) -> ResultStream
    where
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        ResultStream::background(Vec::new(), Some(vec![0]), "q-1", produce)
    }

    async fn read_all(mut stream: ResultStream) -> (Vec<Vec<u8>>, Result<()>) {
        let mut pages = Vec::new();
        loop {
            match stream.next_page().await {
                Ok(Some(page)) => pages.push(page),
                Ok(None) => return (pages, Ok(())),
                Err(e) => return (pages, Err(e)),
            }
        }
    }

    #[tokio::test]
    async fn rows_end_only_when_the_task_finishes() {
        let (pages, end) = read_all(stream(|pages| async move {
            pages.send(vec![1]).await;
            pages.send(vec![2]).await;
            Ok(())
        }))
        .await;
        assert_eq!(pages, vec![vec![0], vec![1], vec![2]]);
        assert!(end.is_ok());
    }

    #[tokio::test]
    async fn a_failing_task_reaches_the_reader() {
        let (pages, end) = read_all(stream(|pages| async move {
            pages.send(vec![1]).await;
            Err(Error::new(ErrorKind::Transient, "connection reset"))
        }))
        .await;
        assert_eq!(pages.len(), 2);
        assert!(end.unwrap_err().to_string().contains("connection reset"));
    }

    #[tokio::test]
    async fn a_panicking_task_is_an_error_not_the_end() {
        let (pages, end) = read_all(stream(|pages| async move {
            pages.send(vec![1]).await;
            let values: Vec<u8> = Vec::new();
            // An index out of bounds, as a bug in a fetcher would panic.
            pages
                .send(vec![values[usize::from(pages.0.is_closed())]])
                .await;
            Ok(())
        }))
        .await;
        assert_eq!(pages.len(), 2);
        let error = end.unwrap_err();
        let message = error.to_string();
        assert!(message.contains("panicked"), "{message}");
        assert!(message.contains("index out of bounds"), "{message}");
        assert_eq!(error.query_execution_id(), Some("q-1"));
    }

    #[tokio::test]
    async fn a_stopped_task_is_an_error_not_the_end() {
        let mut stream = stream(|pages| async move {
            pages.send(vec![1]).await;
            std::future::pending::<()>().await;
            Ok(())
        });
        assert_eq!(stream.next_page().await.unwrap(), Some(vec![0]));
        assert_eq!(stream.next_page().await.unwrap(), Some(vec![1]));
        if let Some(rest) = &stream.rest {
            rest.task.abort();
        }
        let message = stream.next_page().await.unwrap_err().to_string();
        assert!(message.contains("was stopped"), "{message}");
    }
}
