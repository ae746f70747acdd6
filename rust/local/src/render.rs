//! Arrow values to Athena text: the shared crate, re-exported under the name the server uses.

pub use athena_arrow_text::*;
