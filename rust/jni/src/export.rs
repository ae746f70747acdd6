//! Native side of `AthenaExport`: an UNLOAD for readers elsewhere
//! (`NativeConnection.exportUnload`, `deleteExport`), and a reader's rows
//! (`NativeResults.readExport`), which needs no connection.

use std::time::Duration;

use athena_core::config::default_fetch_settings;
use athena_core::fetch::unload::export;
use athena_core::session::QueryContext;
use jni::objects::{JClass, JString};
use jni::sys::{jint, jlong, jstring};
use jni::JNIEnv;

use crate::connection::SESSIONS;
use crate::convert::{string, to_jstring};
use crate::errors::entry;
use crate::results::register;
use crate::runtime::block_on;

#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeConnection_exportUnload<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
    select: JString<'local>,
    catalog: JString<'local>,
    database: JString<'local>,
    url_seconds: jint,
) -> jstring {
    entry(&mut env, std::ptr::null_mut(), |env| {
        let session = SESSIONS.get(handle)?;
        let select = string(env, &select)?;
        let context = QueryContext {
            catalog: string(env, &catalog)?,
            database: string(env, &database)?,
        };
        // Java checked the range; a negative value cannot reach here as more than 0.
        let lifetime = Duration::from_secs(u64::try_from(url_seconds).unwrap_or(0).max(1));
        let plan = block_on(session.export(&select, &context, lifetime))??;
        to_jstring(env, &plan.to_json()?)
    })
}

#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeConnection_deleteExport<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
    prefix: JString<'local>,
) {
    entry(&mut env, (), |env| {
        let session = SESSIONS.get(handle)?;
        let prefix = string(env, &prefix)?;
        block_on(session.delete_export(&prefix))?
    })
}

#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeResults_readExport<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    slices: JString<'local>,
    fetch_size: jint,
) -> jlong {
    entry(&mut env, 0, |env| {
        let slices = export::slices_from_json(&string(env, &slices)?)?;
        let settings = default_fetch_settings();
        let fetch_size = u32::try_from(fetch_size).unwrap_or(0);
        let stream = block_on(export::read(slices, fetch_size, &settings))??;
        Ok(register(stream))
    })
}
