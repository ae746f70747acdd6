//! The Athena JDBC driver's core: connection properties, sign-in, query
//! lifecycle, result fetching and the page format. No JNI types here, so all of
//! it is testable with cargo alone.

pub mod auth;
pub mod config;
pub mod error;
pub mod fetch;
pub mod log;
pub mod metadata;
pub mod network;
pub mod page;
pub mod poll_budget;
pub mod properties;
pub mod query;
pub mod results;
pub mod retry;
pub mod secret;
pub mod session;
pub mod types;

pub use error::{Error, ErrorKind, Result};

/// Parsers of outside input, reachable by the fuzz targets (`rust/fuzz`)
/// and property tests; not an API.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::fetch::csv::{CsvReader, Row};
}
