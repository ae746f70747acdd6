//! Native side of `NativeQuery`: start, wait (with timeout), cancel, results.

use std::sync::Arc;
use std::time::Duration;

use athena_core::query::{Query, Statistics};
use athena_core::session::QueryContext;
use athena_core::{Error, ErrorKind};
use jni::objects::{JClass, JObject, JObjectArray, JString, JValue};
use jni::sys::{jint, jlong, jlongArray, jstring};
use jni::JNIEnv;

use crate::connection::SESSIONS;
use crate::convert::{jni_error, string, string_array, to_jstring, to_long_array};
use crate::errors::entry;
use crate::handles::HandleTable;
use crate::results::register;
use crate::runtime::block_on;

pub static QUERIES: HandleTable<Arc<Query>> = HandleTable::new("query");

#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeQuery_start<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    connection: jlong,
    sql: JString<'local>,
    catalog: JString<'local>,
    database: JString<'local>,
    parameters: JObjectArray<'local>,
) -> jlong {
    entry(&mut env, 0, |env| {
        let session = SESSIONS.get(connection)?;
        let sql = string(env, &sql)?;
        let context = QueryContext {
            catalog: string(env, &catalog)?,
            database: string(env, &database)?,
        };
        let parameters = string_array(env, &parameters)?;
        let query = block_on(session.start_query(&sql, &context, &parameters))??;
        Ok(QUERIES.insert(query))
    })
}

/// A handle to an earlier query, to read its results without running it.
#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeQuery_existing<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    connection: jlong,
    query_execution_id: JString<'local>,
) -> jlong {
    entry(&mut env, 0, |env| {
        let session = SESSIONS.get(connection)?;
        let id = string(env, &query_execution_id)?;
        let query = block_on(session.existing_query(&id))??;
        Ok(QUERIES.insert(query))
    })
}

#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeQuery_id<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jstring {
    entry(&mut env, std::ptr::null_mut(), |env| {
        let query = QUERIES.get(handle)?;
        to_jstring(env, query.id())
    })
}

/// The statistics as `NativeQuery.statistics` hands them over (its order).
fn statistics_values(s: &Statistics) -> [i64; 8] {
    [
        s.data_scanned_bytes,
        s.engine_execution_millis,
        s.queue_millis,
        s.planning_millis,
        s.service_pre_processing_millis,
        s.service_processing_millis,
        s.total_execution_millis,
        i64::from(s.result_reused),
    ]
}

/// Tells the Java monitor (`boolean report(String state, long[] statistics)`)
/// what a poll said; its `false` (the user's callback threw) stops the query.
fn report(env: &mut JNIEnv, monitor: &JObject, statistics: &Statistics) -> athena_core::Result<()> {
    let state = env.new_string(&statistics.state).map_err(jni_error)?;
    let values = to_long_array(env, &statistics_values(statistics))?;
    // SAFETY: to_long_array returned a fresh local reference to a long[].
    let values = unsafe { JObject::from_raw(values) };
    let keep_going = env
        .call_method(
            monitor,
            "report",
            "(Ljava/lang/String;[J)Z",
            &[JValue::Object(&state), JValue::Object(&values)],
        )
        .and_then(|v| v.z())
        .map_err(jni_error)?;
    let _ = env.delete_local_ref(state);
    let _ = env.delete_local_ref(values);
    if keep_going {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Cancelled,
            "Query was stopped: the statement's progress monitor threw",
        ))
    }
}

/// Waits for the query to end and opens its results; 0 timeout waits forever.
/// A non-null `monitor` hears of each poll on this thread.
#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeQuery_awaitResults<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
    timeout_millis: jlong,
    max_rows: jlong,
    fetch_size: jint,
    monitor: JObject<'local>,
) -> jlong {
    entry(&mut env, 0, |env| {
        let query = QUERIES.get(handle)?;
        let timeout = (timeout_millis > 0).then(|| Duration::from_millis(timeout_millis as u64));
        let mut progress = |statistics: &Statistics| {
            if monitor.is_null() {
                Ok(())
            } else {
                report(env, &monitor, statistics)
            }
        };
        let stream = block_on(async {
            // block_on polls this future on the calling Java thread, so the
            // monitor is called back on the thread that may use `env`.
            let completion = query.wait_with(timeout, &mut progress).await?;
            let results = query.results(
                &completion,
                max_rows.max(0) as u64,
                fetch_size.max(0) as u32,
            );
            // A cancel while the results open (an UNLOAD's manifest, its re-run
            // as written) ends the wait at once.
            let opening = async {
                tokio::select! {
                    stream = results => stream,
                    _ = query.cancelled() => Err(query.cancelled_error()),
                }
            };
            // The query timeout bounds the first page's fetch and each later wait for a page.
            match timeout {
                None => opening.await,
                Some(limit) => tokio::time::timeout(limit, opening).await.map_err(|_| {
                    Error::new(
                        ErrorKind::Timeout,
                        format!(
                            "the first rows did not arrive within the query timeout ({} s)",
                            limit.as_secs_f64()
                        ),
                    )
                    .with_query_id(query.id())
                })?,
            }
            .map(|stream| stream.with_page_timeout(timeout))
        })??;
        Ok(register(stream))
    })
}

/// The last poll's statistics, in `statistics_values` order.
#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeQuery_statistics<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jlongArray {
    entry(&mut env, std::ptr::null_mut(), |env| {
        let statistics = QUERIES.get(handle)?.statistics();
        to_long_array(env, &statistics_values(&statistics))
    })
}

/// The last poll's state: QUEUED, RUNNING, SUCCEEDED, FAILED or CANCELLED.
#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeQuery_state<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jstring {
    entry(&mut env, std::ptr::null_mut(), |env| {
        let statistics = QUERIES.get(handle)?.statistics();
        to_jstring(env, &statistics.state)
    })
}

#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeQuery_dataScannedInBytes<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jlong {
    entry(&mut env, -1, |_| {
        Ok(QUERIES.get(handle)?.data_scanned_bytes())
    })
}

/// Marks the query cancelled and wakes its waiter, without a network call
/// (Java holds the statement's lock); returns a handle of its own to the
/// query for `stop`, valid after the statement closes its handle.
#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeQuery_cancel<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jlong {
    entry(&mut env, 0, |_| {
        let query = QUERIES.get(handle)?;
        query.request_cancel();
        Ok(QUERIES.insert(Arc::clone(&query)))
    })
}

/// StopQueryExecution for a handle `cancel` returned, which it then closes.
#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeQuery_stop<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) {
    entry(&mut env, (), |_| {
        let query = QUERIES.get(handle)?;
        QUERIES.remove(handle);
        block_on(query.stop_on_server())?
    })
}

#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeQuery_close<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) {
    entry(&mut env, (), |_| {
        QUERIES.remove(handle);
        Ok(())
    })
}
