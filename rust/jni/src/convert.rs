//! Conversions between Java values and Rust values at the JNI boundary.

use athena_core::{Error, Result};
use jni::objects::{JObject, JObjectArray, JString};
use jni::sys::jobjectArray;
use jni::JNIEnv;

pub fn jni_error(e: jni::errors::Error) -> Error {
    Error::internal(format!("JNI: {e}"))
}

pub fn string(env: &mut JNIEnv, value: &JString) -> Result<String> {
    if value.is_null() {
        return Err(Error::internal("a required string argument was null"));
    }
    Ok(env.get_string(value).map_err(jni_error)?.into())
}

pub fn optional_string(env: &mut JNIEnv, value: &JString) -> Result<Option<String>> {
    if value.is_null() {
        return Ok(None);
    }
    string(env, value).map(Some)
}

pub fn string_array(env: &mut JNIEnv, array: &JObjectArray) -> Result<Vec<String>> {
    if array.is_null() {
        return Ok(Vec::new());
    }
    let len = env.get_array_length(array).map_err(jni_error)?;
    let mut out = Vec::with_capacity(len as usize);
    for i in 0..len {
        let item = env.get_object_array_element(array, i).map_err(jni_error)?;
        let item = JString::from(item);
        out.push(if item.is_null() {
            String::new()
        } else {
            string(env, &item)?
        });
    }
    Ok(out)
}

pub fn to_string_array(env: &mut JNIEnv, values: &[String]) -> Result<jobjectArray> {
    let array = env
        .new_object_array(values.len() as i32, "java/lang/String", JObject::null())
        .map_err(jni_error)?;
    for (i, value) in values.iter().enumerate() {
        let s = env.new_string(value).map_err(jni_error)?;
        env.set_object_array_element(&array, i as i32, &s)
            .map_err(jni_error)?;
        env.delete_local_ref(s).map_err(jni_error)?;
    }
    Ok(array.into_raw())
}

pub fn to_jstring(env: &mut JNIEnv, value: &str) -> Result<jni::sys::jstring> {
    Ok(env.new_string(value).map_err(jni_error)?.into_raw())
}

pub fn to_long_array(env: &mut JNIEnv, values: &[i64]) -> Result<jni::sys::jlongArray> {
    let array = env.new_long_array(values.len() as i32).map_err(jni_error)?;
    env.set_long_array_region(&array, 0, values)
        .map_err(jni_error)?;
    Ok(array.into_raw())
}
