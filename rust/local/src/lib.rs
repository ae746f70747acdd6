//! `athena-local`: an Amazon Athena-compatible endpoint backed by DataFusion,
//! for tests and demos of Athena clients.
//!
//! ```no_run
//! # async fn demo() -> Result<(), athena_local::Error> {
//! let server = athena_local::server::start(
//!     athena_local::config::Config::default(),
//!     "127.0.0.1:0".parse().map_err(|_| athena_local::Error::Usage("addr".into()))?,
//! ).await?;
//! println!("{}", server.endpoint_url());
//! server.shutdown().await;
//! # Ok(()) }
//! ```

pub mod config;
pub mod engine;
pub mod errors;
pub mod faults;
pub mod hive_parquet;
pub mod identity;
pub mod recorder;
pub mod render;
pub mod result_files;
pub mod scanned;
pub mod server;
pub mod services;
pub mod sigv4;
pub mod storage;
pub mod time;
pub mod tls;
pub mod unload;

pub use config::Config;
pub use server::{start, start_with_tls, ServerHandle};

/// Errors that stop the server from starting.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Engine(#[from] engine::EngineError),
    #[error(transparent)]
    Keys(#[from] identity::keys::KeyError),
    #[error("I/O error: {0}")]
    Io(std::io::Error),
    #[error("{0}")]
    Usage(String),
}
