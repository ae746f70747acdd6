//! Native side of `NativeConnection`: open, validate, close, and metadata.

use athena_core::config::ConnectionConfig;
use athena_core::metadata;
use athena_core::results::ResultStream;
use athena_core::session::Session;
use std::time::Duration;

use athena_core::{Error, ErrorKind, Result};
use jni::objects::{JClass, JObjectArray, JString};
use jni::sys::{jboolean, jint, jlong, jobjectArray, JNI_FALSE, JNI_TRUE};
use jni::JNIEnv;

use crate::convert::{optional_string, string, string_array, to_string_array};
use crate::custom_provider;
use crate::errors::entry;
use crate::handles::HandleTable;
use crate::results::register;
use crate::runtime::block_on;

pub static SESSIONS: HandleTable<Session> = HandleTable::new("connection");

#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeConnection_open<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    url: JString<'local>,
    keys: JObjectArray<'local>,
    values: JObjectArray<'local>,
    login_timeout_seconds: jint,
) -> jlong {
    let handle = entry(&mut env, 0, |env| {
        let url = string(env, &url)?;
        let keys = string_array(env, &keys)?;
        let values = string_array(env, &values)?;
        if keys.len() != values.len() {
            return Err(Error::internal("property keys and values differ in number"));
        }
        let pairs: Vec<(String, String)> = keys.into_iter().zip(values).collect();
        let mut config = ConnectionConfig::from_url(&url, &pairs)?;
        // A credentials provider class is found and made here, on the
        // application's thread, before anything runs on the driver's threads.
        custom_provider::bind(env, &mut config)?;
        let connecting = Session::connect(config);
        // DriverManager.setLoginTimeout: 0 leaves connecting to the network timeouts.
        let session = match u64::try_from(login_timeout_seconds) {
            Ok(seconds) if seconds > 0 => block_on(async {
                tokio::time::timeout(Duration::from_secs(seconds), connecting)
                    .await
                    .map_err(|_| {
                        Error::new(
                            ErrorKind::Timeout,
                            format!(
                                "connecting took longer than the login timeout ({seconds} s, DriverManager.setLoginTimeout)"
                            ),
                        )
                    })?
            })??,
            _ => block_on(connecting)??,
        };
        Ok(SESSIONS.insert(session))
    });
    // A failed connection's provider object, if any, is let go of at once.
    custom_provider::release_pending(&mut env);
    handle
}

#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeConnection_close<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) {
    entry(&mut env, (), |env| {
        drop(SESSIONS.remove(handle));
        custom_provider::release_pending(env);
        Ok(())
    })
}

#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeConnection_isValid<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
    timeout_seconds: jint,
) -> jboolean {
    entry(&mut env, JNI_FALSE, |_| {
        let Ok(session) = SESSIONS.get(handle) else {
            return Ok(JNI_FALSE);
        };
        let check = async {
            if timeout_seconds > 0 {
                tokio::time::timeout(
                    std::time::Duration::from_secs(timeout_seconds as u64),
                    session.is_valid(),
                )
                .await
                .unwrap_or(false)
            } else {
                session.is_valid().await
            }
        };
        Ok(if block_on(check)? {
            JNI_TRUE
        } else {
            JNI_FALSE
        })
    })
}

/// catalog, database, workgroup, region, user name ("" when none): what the connection resolved.
#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeConnection_settings<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jobjectArray {
    entry(&mut env, std::ptr::null_mut(), |env| {
        let session = SESSIONS.get(handle)?;
        let config = session.config();
        let values = [
            config.catalog.clone(),
            config.database.clone(),
            config.workgroup.clone(),
            config.region.clone().unwrap_or_default(),
            config.user_name().unwrap_or_default().to_string(),
        ];
        to_string_array(env, &values)
    })
}

fn metadata_call<'local>(
    env: &mut JNIEnv<'local>,
    handle: jlong,
    call: impl FnOnce(&mut JNIEnv<'local>, &Session) -> Result<ResultStream>,
) -> jlong {
    entry(env, 0, |env| {
        let session = SESSIONS.get(handle)?;
        let stream = call(env, &session)?;
        Ok(register(stream))
    })
}

#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeConnection_catalogs<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jlong {
    metadata_call(&mut env, handle, |_, s| block_on(s.get_catalogs())?)
}

#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeConnection_schemas<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
    catalog: JString<'local>,
    schema_pattern: JString<'local>,
) -> jlong {
    metadata_call(&mut env, handle, |env, s| {
        let catalog = optional_string(env, &catalog)?;
        let pattern = optional_string(env, &schema_pattern)?;
        block_on(s.get_schemas(catalog.as_deref(), pattern.as_deref()))?
    })
}

#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeConnection_tables<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
    catalog: JString<'local>,
    schema_pattern: JString<'local>,
    table_pattern: JString<'local>,
    types: JObjectArray<'local>,
) -> jlong {
    metadata_call(&mut env, handle, |env, s| {
        let catalog = optional_string(env, &catalog)?;
        let schema = optional_string(env, &schema_pattern)?;
        let table = optional_string(env, &table_pattern)?;
        let types = if types.is_null() {
            None
        } else {
            Some(string_array(env, &types)?)
        };
        block_on(s.get_tables(
            catalog.as_deref(),
            schema.as_deref(),
            table.as_deref(),
            types.as_deref(),
        ))?
    })
}

#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeConnection_columns<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
    catalog: JString<'local>,
    schema_pattern: JString<'local>,
    table_pattern: JString<'local>,
    column_pattern: JString<'local>,
) -> jlong {
    metadata_call(&mut env, handle, |env, s| {
        let catalog = optional_string(env, &catalog)?;
        let schema = optional_string(env, &schema_pattern)?;
        let table = optional_string(env, &table_pattern)?;
        let column = optional_string(env, &column_pattern)?;
        block_on(s.get_columns(
            catalog.as_deref(),
            schema.as_deref(),
            table.as_deref(),
            column.as_deref(),
        ))?
    })
}

#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeConnection_tableTypes<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
) -> jlong {
    entry(&mut env, 0, |_| Ok(register(metadata::get_table_types()?)))
}

#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeConnection_typeInfo<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
) -> jlong {
    entry(&mut env, 0, |_| Ok(register(metadata::get_type_info()?)))
}

#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeConnection_emptyResult<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    kind: JString<'local>,
) -> jlong {
    entry(&mut env, 0, |env| {
        let kind = string(env, &kind)?;
        Ok(register(metadata::empty(&kind)?))
    })
}

/// The connection string's warnings: properties accepted that have no effect here.
#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeConnection_warnings<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jobjectArray {
    entry(&mut env, std::ptr::null_mut(), |env| {
        let session = SESSIONS.get(handle)?;
        to_string_array(env, &session.config().warnings)
    })
}

/// JDBC's setNetworkTimeout; 0 removes the bound set by the call (NetworkTimeoutMillis still applies).
#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeConnection_setNetworkTimeout<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    handle: jlong,
    millis: jint,
) {
    entry(&mut env, (), |_| {
        let session = SESSIONS.get(handle)?;
        session.set_network_timeout(
            (millis > 0).then(|| std::time::Duration::from_millis(millis as u64)),
        );
        Ok(())
    })
}
