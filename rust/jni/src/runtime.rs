//! One static runtime. JDBC calls are synchronous: the calling Java thread blocks
//! on the future; background work (prefetch) runs on the runtime's workers.

use std::future::Future;

use athena_core::{Error, Result};
use once_cell::sync::Lazy;
use tokio::runtime::Runtime;

static RUNTIME: Lazy<std::result::Result<Runtime, String>> = Lazy::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("athena-jdbc")
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
});

pub fn block_on<F: Future>(future: F) -> Result<F::Output> {
    // A Java callback made while a call waits (a statement's progress
    // monitor) that calls the driver again would nest runtimes, which tokio
    // refuses with a panic: refuse it with a clear error instead.
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::invalid_state(
            "the driver cannot be called from inside its own wait (a statement's progress monitor): \
             run other statements from another thread",
        ));
    }
    match &*RUNTIME {
        Ok(runtime) => Ok(runtime.block_on(future)),
        Err(e) => Err(Error::internal(format!(
            "the driver's runtime could not start: {e}"
        ))),
    }
}
