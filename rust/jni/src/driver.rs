//! Native side of `NativeDriver`: the property registry for getPropertyInfo.

use athena_core::properties::{masked_url, Status, REGISTRY, URL_PREFIXES};
use jni::objects::{JClass, JString};
use jni::sys::{jlongArray, jobjectArray, jstring};
use jni::JNIEnv;

use crate::convert::{string, to_jstring, to_string_array};
use crate::errors::entry;

/// Fields per property in `propertyInfo`'s flat array.
pub const PROPERTY_FIELDS: usize = 5;

/// name, default, description, choices ('|'-separated), secret ("true"/"false").
#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeDriver_propertyInfo<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
) -> jobjectArray {
    entry(&mut env, std::ptr::null_mut(), |env| {
        let mut flat = Vec::with_capacity(REGISTRY.len() * PROPERTY_FIELDS);
        for spec in REGISTRY {
            let mut description = spec.description.to_string();
            if !spec.aliases.is_empty() {
                description.push_str(&format!(" Aliases: {}.", spec.aliases.join(", ")));
            }
            match spec.status {
                Status::NotYet(why) => description.push_str(&format!(" Not supported yet: {why}.")),
                Status::NoEffect(why) => {
                    description.push_str(&format!(" Accepted without effect: {why}."))
                }
                Status::Supported => {}
            }
            flat.push(spec.name.to_string());
            flat.push(spec.default.unwrap_or("").to_string());
            flat.push(description);
            flat.push(spec.choices().join("|"));
            flat.push(spec.secret.to_string());
        }
        to_string_array(env, &flat)
    })
}

#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeDriver_urlPrefixes<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
) -> jobjectArray {
    entry(&mut env, std::ptr::null_mut(), |env| {
        let prefixes: Vec<String> = URL_PREFIXES.iter().map(|p| p.to_string()).collect();
        to_string_array(env, &prefixes)
    })
}

#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeDriver_maskedUrl<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
    url: JString<'local>,
) -> jstring {
    entry(&mut env, std::ptr::null_mut(), |env| {
        let url = string(env, &url)?;
        to_jstring(env, &masked_url(&url))
    })
}

/// Open native handles: connections, queries, result sets (for tests of leaks).
#[no_mangle]
pub extern "system" fn Java_io_athenanative_jdbc_jni_NativeDriver_openHandles<'local>(
    mut env: JNIEnv<'local>,
    _class: JClass<'local>,
) -> jlongArray {
    entry(&mut env, std::ptr::null_mut(), |env| {
        let counts = [
            crate::connection::SESSIONS.count(),
            crate::query::QUERIES.count(),
            crate::results::RESULTS.count(),
        ]
        .map(|n| i64::try_from(n).unwrap_or(i64::MAX));
        let array = env
            .new_long_array(counts.len() as i32)
            .map_err(|e| athena_core::Error::internal(format!("openHandles: {e}")))?;
        env.set_long_array_region(&array, 0, &counts)
            .map_err(|e| athena_core::Error::internal(format!("openHandles: {e}")))?;
        Ok(array.into_raw())
    })
}
