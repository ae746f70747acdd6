//! The error policy at every entry point: a Rust error becomes the java.sql
//! exception its kind names (athena_core::error is the one home of that
//! mapping); a panic becomes an SQLException instead of aborting the JVM.

use std::panic::{catch_unwind, AssertUnwindSafe};

use athena_core::{Error, ErrorKind};
use jni::objects::{GlobalRef, JObject, JThrowable, JValue};
use jni::JNIEnv;
use once_cell::sync::OnceCell;

static CLASSES: OnceCell<Vec<(ErrorKind, GlobalRef)>> = OnceCell::new();

pub fn cache_classes(env: &mut JNIEnv) {
    let mut classes = Vec::new();
    for kind in ErrorKind::ALL {
        if let Ok(class) = env.find_class(kind.java_class()) {
            if let Ok(global) = env.new_global_ref(class) {
                classes.push((kind, global));
            }
        }
    }
    let _ = CLASSES.set(classes);
}

/// Runs an entry point's body; on error or panic throws and returns `fallback`.
pub fn entry<'local, T>(
    env: &mut JNIEnv<'local>,
    fallback: T,
    body: impl FnOnce(&mut JNIEnv<'local>) -> athena_core::Result<T>,
) -> T {
    let outcome = catch_unwind(AssertUnwindSafe(|| body(env)));
    let error = match outcome {
        Ok(Ok(value)) => return value,
        Ok(Err(error)) => error,
        Err(panic) => {
            let detail = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown cause".to_string());
            Error::internal(format!(
                "internal driver error (please report it): {detail}"
            ))
        }
    };
    throw(env, &error);
    fallback
}

fn throw(env: &mut JNIEnv, error: &Error) {
    // A Java exception raised by a JNI call inside the body is already pending and says more.
    if env.exception_check().unwrap_or(false) {
        return;
    }
    if throw_sql(env, error).is_err() {
        let _ = env.exception_clear();
        let _ = env.throw_new("java/sql/SQLException", error.to_string());
    }
}

fn throw_sql(env: &mut JNIEnv, error: &Error) -> jni::errors::Result<()> {
    let kind = error.kind();
    let message = env.new_string(error.to_string())?;
    let state = env.new_string(kind.sql_state())?;
    let args = [
        JValue::Object(&message),
        JValue::Object(&state),
        JValue::Int(error.vendor_code()),
    ];
    let signature = "(Ljava/lang/String;Ljava/lang/String;I)V";
    let cached = CLASSES
        .get()
        .and_then(|c| c.iter().find(|(k, _)| *k == kind))
        .map(|(_, g)| g);
    let object: JObject = match cached {
        Some(class) => env.new_object(class, signature, &args)?,
        None => env.new_object(kind.java_class(), signature, &args)?,
    };
    env.throw(JThrowable::from(object))
}
