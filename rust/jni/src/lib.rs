//! JNI entry points of the Athena JDBC driver. One module per Java class that
//! declares native methods; every entry point goes through `entry`, which
//! turns errors and panics into java.sql exceptions so nothing aborts the JVM.

mod connection;
mod convert;
mod custom_provider;
mod driver;
mod errors;
mod export;
mod handles;
mod query;
mod results;
mod runtime;

use jni::sys::{jint, JNI_VERSION_1_8};
use jni::JavaVM;

/// Caches the exception classes while the loading thread's class loader is at
/// hand (DBeaver and DataGrip load drivers in isolated class loaders).
#[no_mangle]
pub extern "system" fn JNI_OnLoad(vm: JavaVM, _reserved: *mut std::ffi::c_void) -> jint {
    if let Ok(mut env) = vm.get_env() {
        errors::cache_classes(&mut env);
    }
    custom_provider::init(vm);
    JNI_VERSION_1_8
}
