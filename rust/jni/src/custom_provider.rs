//! The JVM side of `CredentialsProvider=<class>`: the core's `ProviderBridge`
//! over the Java registry `io.athenanative.jdbc.credentials.CustomProviders`.
//!
//! The object is made on the Java thread that opens the connection (`bind`),
//! whose context class loader sees the application's classes; the core then
//! asks it for credentials from a blocking-pool thread, attached to the JVM
//! here as a daemon. Only the registry class, cached at load with the
//! driver's own loader, is called from there: no `FindClass` on a native
//! thread, and the registry runs the provider under the loader it was made
//! with.

use std::sync::Mutex;
use std::time::{Duration, UNIX_EPOCH};

use athena_core::auth::flows::custom_provider::{
    register_bridge, CustomProviderSettings, ProvidedCredentials, ProviderBridge, ProviderHandle,
};
use athena_core::config::{ConnectionConfig, Credentials};
use athena_core::secret::Secret;
use athena_core::{Error, ErrorKind, Result};
use jni::objects::{GlobalRef, JObject, JObjectArray, JString, JThrowable, JValue};
use jni::{JNIEnv, JavaVM};
use once_cell::sync::OnceCell;

const REGISTRY: &str = "io/athenanative/jdbc/credentials/CustomProviders";

static VM: OnceCell<JavaVM> = OnceCell::new();
static CLASS: OnceCell<GlobalRef> = OnceCell::new();
/// Cached too: `FindClass` on a native thread sees only the system loader.
static SQL_EXCEPTION: OnceCell<GlobalRef> = OnceCell::new();
/// Handles the core dropped, released at the next entry on a Java thread:
/// the core may drop a flow on a runtime worker, which must not call Java.
static RELEASED: Mutex<Vec<u64>> = Mutex::new(Vec::new());

/// From `JNI_OnLoad`: caches the registry class with the driver's loader and
/// installs the bridge.
pub fn init(vm: JavaVM) {
    if let Ok(mut env) = vm.get_env() {
        match env.find_class(REGISTRY) {
            Ok(class) => {
                if let Ok(global) = env.new_global_ref(class) {
                    let _ = CLASS.set(global);
                }
            }
            // An older jar without the class: the flow reports it when used.
            Err(_) => {
                let _ = env.exception_clear();
            }
        }
        if let Ok(class) = env.find_class("java/sql/SQLException") {
            if let Ok(global) = env.new_global_ref(class) {
                let _ = SQL_EXCEPTION.set(global);
            }
        }
        let _ = env.exception_clear();
    }
    let _ = VM.set(vm);
    register_bridge(Box::new(JvmBridge));
}

fn jni_error(e: jni::errors::Error) -> Error {
    Error::internal(format!("JNI: {e}"))
}

fn registry() -> Result<&'static GlobalRef> {
    CLASS.get().ok_or_else(|| {
        Error::internal(format!(
            "the driver's class {REGISTRY} was not found when the native library loaded"
        ))
    })
}

/// On the connecting Java thread: constructs (or shares) the provider object
/// the connection's settings name, and binds the settings to it.
pub fn bind(env: &mut JNIEnv, config: &mut ConnectionConfig) -> Result<()> {
    release_pending(env);
    let Credentials::Federated(federated) = &config.credentials else {
        return Ok(());
    };
    let Some(settings) = federated.settings::<CustomProviderSettings>() else {
        return Ok(());
    };
    let class = registry()?;
    let handle = env
        .with_local_frame(8, |env| -> jni::errors::Result<i64> {
            let name = env.new_string(&settings.class_name)?;
            let arguments = env.new_object_array(
                settings.arguments.len() as i32,
                "java/lang/String",
                JObject::null(),
            )?;
            for (i, argument) in settings.arguments.iter().enumerate() {
                let s = env.new_string(argument.expose())?;
                env.set_object_array_element(&arguments, i as i32, s)?;
            }
            env.call_static_method(
                class,
                "obtain",
                "(Ljava/lang/String;[Ljava/lang/String;)J",
                &[JValue::Object(&name), JValue::Object(&arguments)],
            )?
            .j()
        })
        // The registry's SQLException (naming the class) is pending and is what the caller gets.
        .map_err(|e| {
            Error::new(
                ErrorKind::InvalidProperties,
                format!("CredentialsProvider {}: {e}", settings.class_name),
            )
        })?;
    let handle = u64::try_from(handle)
        .map_err(|_| Error::internal("the provider registry returned a negative handle"))?;
    let bound = settings.with_provider(ProviderHandle::new(handle));
    config.credentials = Credentials::Federated(bound);
    Ok(())
}

/// Releases, on a Java thread, the provider objects the core let go of.
pub fn release_pending(env: &mut JNIEnv) {
    // No Java call may run while an exception is on its way to the caller;
    // the next entry releases them.
    if env.exception_check().unwrap_or(true) {
        return;
    }
    let handles = std::mem::take(&mut *RELEASED.lock().unwrap_or_else(|p| p.into_inner()));
    let Ok(class) = registry() else {
        return;
    };
    for handle in handles {
        let released =
            env.call_static_method(class, "release", "(J)V", &[JValue::Long(handle as i64)]);
        if released.is_err() {
            // Nothing the caller could act on; the object stays until exit.
            let _ = env.exception_clear();
        }
    }
}

struct JvmBridge;

impl ProviderBridge for JvmBridge {
    fn credentials(&self, handle: u64) -> Result<ProvidedCredentials> {
        let vm = VM
            .get()
            .ok_or_else(|| Error::internal("the JVM is not known to the native library"))?;
        let class = registry()?;
        // A daemon, so a pool thread parked here never holds up the JVM's exit;
        // it detaches when the thread ends.
        let mut env = vm.attach_current_thread_as_daemon().map_err(jni_error)?;
        // The thread never returns to Java: without a frame its local
        // references would never be freed.
        env.with_local_frame(
            16,
            |env| -> jni::errors::Result<Result<ProvidedCredentials>> {
                let answer = env.call_static_method(
                    class,
                    "credentials",
                    "(J)[Ljava/lang/String;",
                    &[JValue::Long(handle as i64)],
                );
                Ok(match answer {
                    Ok(value) => read(env, JObjectArray::from(value.l()?)),
                    Err(_) => Err(thrown(env)),
                })
            },
        )
        .map_err(jni_error)?
    }

    fn release(&self, handle: u64) {
        RELEASED
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(handle);
    }
}

/// The registry's answer: key, secret, token or null, expiry millis or null.
fn read(env: &mut JNIEnv, values: JObjectArray) -> Result<ProvidedCredentials> {
    let mut field = |i: i32| -> Result<Option<String>> {
        let item = env
            .get_object_array_element(&values, i)
            .map_err(jni_error)?;
        if item.is_null() {
            return Ok(None);
        }
        let text: String = env
            .get_string(&JString::from(item))
            .map_err(jni_error)?
            .into();
        Ok(Some(text))
    };
    let access_key_id = field(0)?.unwrap_or_default();
    let secret_access_key = Secret::new(field(1)?.unwrap_or_default());
    let session_token = field(2)?.filter(|t| !t.is_empty()).map(Secret::new);
    let expiry = match field(3)? {
        None => None,
        Some(millis) => Some(
            millis
                .parse::<u64>()
                .map(|m| UNIX_EPOCH + Duration::from_millis(m))
                .map_err(|_| Error::internal("the provider registry gave an unreadable expiry"))?,
        ),
    };
    Ok(ProvidedCredentials {
        access_key_id,
        secret_access_key,
        session_token,
        expiry,
    })
}

/// The pending Java exception as the core's error: the registry's
/// SQLException keeps its SQLState (08001 or 28000) and message.
fn thrown(env: &mut JNIEnv) -> Error {
    if !env.exception_check().unwrap_or(false) {
        return Error::internal("the credentials provider call failed without an exception");
    }
    let throwable: JThrowable = match env.exception_occurred() {
        Ok(t) => t,
        Err(e) => return jni_error(e),
    };
    let _ = env.exception_clear();
    let text = |env: &mut JNIEnv, method: &str| -> Option<String> {
        let value = env
            .call_method(&throwable, method, "()Ljava/lang/String;", &[])
            .and_then(|v| v.l())
            .ok()?;
        if value.is_null() {
            return None;
        }
        env.get_string(&JString::from(value)).ok().map(Into::into)
    };
    let is_sql = SQL_EXCEPTION
        .get()
        .is_some_and(|class| env.is_instance_of(&throwable, class).unwrap_or(false));
    let state = if is_sql {
        text(env, "getSQLState")
    } else {
        None
    };
    let message = text(env, if is_sql { "getMessage" } else { "toString" })
        .unwrap_or_else(|| "the credentials provider failed".to_string());
    let _ = env.exception_clear();
    let kind = match state.as_deref() {
        Some("08001") => ErrorKind::InvalidProperties,
        Some("HY010") => ErrorKind::InvalidState,
        _ => ErrorKind::Authentication,
    };
    Error::new(kind, message)
}
