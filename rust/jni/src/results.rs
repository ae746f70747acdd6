//! Native side of `NativeResults`: column metadata and one call per page. Pages
//! are copied into a direct ByteBuffer that Java allocated, so the JVM's GC owns
//! the memory Java reads and no native pointer outlives a close.
//!
//! Each entry point's fallback (what it returns after raising an exception,
//! and all Java gets should raising fail) is a value no success returns:
//! null, [`FILL_PAGE_FAILED`], [`UPDATE_COUNT_FAILED`]. Never 0 rows or -1
//! ("rows"), which Java would take for an answer.

use athena_core::results::ResultStream;
use athena_core::types::{jdbc, DEFAULT_STRING_COLUMN_LENGTH};
use athena_core::{Error, ErrorKind};
use jni::objects::{JByteBuffer, JClass};
use jni::sys::{jint, jlong, jobjectArray};
use jni::JNIEnv;
use tokio::sync::{watch, Mutex};

use crate::connection::SESSIONS;
use crate::convert::to_string_array;
use crate::errors::entry;
use crate::handles::HandleTable;
use crate::runtime::block_on;

pub struct OpenResults {
    stream: ResultStream,
    /// A page that did not fit the caller's buffer, kept for the next call.
    pending: Option<Vec<u8>>,
}

pub struct Results {
    open: Mutex<OpenResults>,
    /// Set by `Statement.cancel()` from another thread: outside the lock a
    /// reader waiting for a page holds, and wakes that reader.
    cancelled: watch::Sender<bool>,
}

pub static RESULTS: HandleTable<Results> = HandleTable::new("result set");

pub fn register(stream: ResultStream) -> jlong {
    RESULTS.insert(Results {
        open: Mutex::new(OpenResults {
            stream,
            pending: None,
        }),
        cancelled: watch::channel(false).0,
    })
}

/// Fields per column in `columns`' flat array.
pub const COLUMN_FIELDS: usize = 7;

/// `fillPage`'s fallback: no page length (> 0), end (0) or size needed (< 0
/// but above `i32::MIN`, since a page is at most `i32::MAX` bytes).
pub const FILL_PAGE_FAILED: jint = i32::MIN;

/// `updateCount`'s fallback: neither a count (>= 0) nor "rows" (-1).
pub const UPDATE_COUNT_FAILED: jlong = i64::MIN;

// The fallbacks are no answer, checked as the crate compiles.
const _: () = assert!(FILL_PAGE_FAILED < -i32::MAX && UPDATE_COUNT_FAILED < -1);

/// name, label, Athena type, JDBC type, precision, scale, nullable; per
/// column. `connection` (0 for none) is the connection whose settings shape
/// the metadata: StringColumnLength for unbounded varchar columns.
#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeResults_columns<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
    connection: jlong,
) -> jobjectArray {
    entry(&mut env, std::ptr::null_mut(), |env| {
        let results = RESULTS.get(handle)?;
        let (string_length, zoned_as_timestamp) = if connection == 0 {
            (DEFAULT_STRING_COLUMN_LENGTH, false)
        } else {
            let session = SESSIONS.get(connection)?;
            let config = session.config();
            (
                config.string_column_length,
                config.zoned_timestamps_as_timestamp,
            )
        };
        let flat = block_on(async {
            let open = results.open.lock().await;
            let mut flat = Vec::with_capacity(open.stream.columns().len() * COLUMN_FIELDS);
            for column in open.stream.columns() {
                let mut c = column.clone();
                c.apply_string_column_length(string_length);
                flat.extend([
                    c.name.clone(),
                    c.label.clone(),
                    c.athena_type.clone(),
                    match c.jdbc_type() {
                        // TimestampWithTimeZoneAsTimestamp, for clients without 2014 (Spark).
                        jdbc::TIMESTAMP_WITH_TIMEZONE if zoned_as_timestamp => jdbc::TIMESTAMP,
                        other => other,
                    }
                    .to_string(),
                    c.precision.to_string(),
                    c.scale.to_string(),
                    c.nullable.to_string(),
                ]);
            }
            flat
        })?;
        to_string_array(env, &flat)
    })
}

/// The warnings of these rows, in order.
#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeResults_warnings<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jobjectArray {
    entry(&mut env, std::ptr::null_mut(), |env| {
        let results = RESULTS.get(handle)?;
        let warnings = block_on(async { results.open.lock().await.stream.warnings().to_vec() })?;
        to_string_array(env, &warnings)
    })
}

/// The update count, or -1 when the statement produced rows
/// (`NativeResults.updateCount` checks for [`UPDATE_COUNT_FAILED`]).
#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeResults_updateCount0<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jlong {
    entry(&mut env, UPDATE_COUNT_FAILED, |_| {
        let results = RESULTS.get(handle)?;
        block_on(async {
            results
                .open
                .lock()
                .await
                .stream
                .update_count()
                .unwrap_or(-1)
        })
    })
}

/// Writes the next page into `buffer`: its length, 0 at the end, or minus the
/// capacity needed when the buffer is too small (the page waits for a retry).
/// On failure [`FILL_PAGE_FAILED`], never 0: a failure that could not raise
/// its exception must not look like the end of the rows.
#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeResults_fillPage<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
    buffer: JByteBuffer<'local>,
) -> jint {
    entry(&mut env, FILL_PAGE_FAILED, |env| {
        let results = RESULTS.get(handle)?;
        let address = env
            .get_direct_buffer_address(&buffer)
            .map_err(|e| Error::internal(format!("page buffer: {e}")))?;
        let capacity = env
            .get_direct_buffer_capacity(&buffer)
            .map_err(|e| Error::internal(format!("page buffer: {e}")))?;
        let mut cancelled = results.cancelled.subscribe();
        block_on(async {
            let mut open = results.open.lock().await;
            if open.pending.is_none() {
                open.pending = tokio::select! {
                    page = open.stream.next_page() => page?,
                    _ = cancelled.wait_for(|c| *c) => {
                        let why = "reading the results was cancelled";
                        return Err(Error::new(ErrorKind::Cancelled, why));
                    }
                };
            }
            let Some(page) = open.pending.take() else {
                return Ok(0);
            };
            // Pages are cut within PageByteBudget and checked against the
            // format's limit as they are encoded; this guards the cast.
            let length = i32::try_from(page.len()).map_err(|_| athena_core::page::too_large())?;
            if page.len() > capacity {
                open.pending = Some(page);
                return Ok(-length);
            }
            // SAFETY: `address` points to a live direct buffer of `capacity` bytes that
            // Java keeps reachable for the duration of this call; page.len() <= capacity.
            unsafe { std::ptr::copy_nonoverlapping(page.as_ptr(), address, page.len()) };
            Ok::<jint, Error>(length)
        })?
    })
}

/// Makes the reader's next or current wait for a page fail as cancelled. A
/// result set already released is not an error: the cancel came late.
#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeResults_cancel<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) {
    entry(&mut env, (), |_| {
        if let Ok(results) = RESULTS.get(handle) {
            results.cancelled.send_replace(true);
        }
        Ok(())
    })
}

#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeResults_close<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) {
    entry(&mut env, (), |_| {
        RESULTS.remove(handle);
        Ok(())
    })
}
