//! `CredentialsProvider=com.example.MyProvider` (deprecated key
//! `AWSCredentialsProviderClass`) with `CredentialsProviderArguments`: a class
//! of the user's, an AWS SDK for Java `AwsCredentialsProvider` (v2) or
//! `AWSCredentialsProvider` (v1), hands out the credentials.
//!
//! The class lives in the JVM, so this flow only holds an opaque handle: the
//! JDBC driver's Java side constructs the object on the thread that opens the
//! connection (whose context class loader sees the application's classes) and
//! registers a `ProviderBridge` that asks it for credentials. The core stays
//! free of JNI and can be tested with cargo alone.

use std::any::Any;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use once_cell::sync::OnceCell;

use crate::auth::credentials::{drop_if_holding, epoch_seconds, fresh};
use crate::auth::flow::{BoxFuture, Federated, FlowContext, FlowSettings, FlowState};
use crate::auth::TemporaryCredentials;
use crate::config::Parser;
use crate::error::{Error, ErrorKind, Result};
use crate::log::Logger;
use crate::secret::Secret;

/// Credentials the provider gives without an expiration are treated as
/// living this long, so with the usual five-minute renewal margin the
/// provider is asked again every 15 minutes: a provider that rotates keys
/// behind a fixed answer is followed, without a call into Java per request.
pub const UNDATED_LIFETIME: Duration = Duration::from_secs(20 * 60);

/// What the provider object answered.
#[derive(Clone, PartialEq)]
pub struct ProvidedCredentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    /// For session credentials (SDK v2 `AwsSessionCredentials`, v1 `AWSSessionCredentials`).
    pub session_token: Option<Secret>,
    /// SDK v2 `expirationTime()`, when the provider gives one.
    pub expiry: Option<SystemTime>,
}

impl fmt::Debug for ProvidedCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ProvidedCredentials(session: {}, expires: {:?})",
            self.session_token.is_some(),
            self.expiry.map(epoch_seconds)
        )
    }
}

/// The JVM side of the flow, implemented and registered by the JNI crate.
pub trait ProviderBridge: Send + Sync + 'static {
    /// Asks the provider object `handle` for credentials. Called on a
    /// blocking-pool thread (the provider may block on its own I/O), never on
    /// a runtime worker. Errors name the class and carry the provider's own
    /// message, never a credential.
    fn credentials(&self, handle: u64) -> Result<ProvidedCredentials>;
    /// No flow uses the provider object `handle` any more. Called on whatever
    /// thread drops the flow: must not block or call into the JVM there.
    fn release(&self, handle: u64);
}

static BRIDGE: OnceCell<Box<dyn ProviderBridge>> = OnceCell::new();

/// Installs the JVM side; the first registration wins (the JNI library is
/// loaded once per process). False when one was already installed.
pub fn register_bridge(bridge: Box<dyn ProviderBridge>) -> bool {
    BRIDGE.set(bridge).is_ok()
}

fn bridge() -> Result<&'static dyn ProviderBridge> {
    BRIDGE.get().map(|b| b.as_ref()).ok_or_else(|| {
        Error::new(
            ErrorKind::NotSupported,
            "a credentials provider class needs the JDBC driver's Java side, which is not loaded",
        )
    })
}

/// One reference to a provider object in the Java registry; the last drop
/// releases it there.
pub struct ProviderHandle(u64);

impl ProviderHandle {
    /// Takes over one reference the Java registry handed out.
    pub fn new(handle: u64) -> ProviderHandle {
        ProviderHandle(handle)
    }

    pub fn id(&self) -> u64 {
        self.0
    }
}

impl Drop for ProviderHandle {
    fn drop(&mut self) {
        if let Some(bridge) = BRIDGE.get() {
            bridge.release(self.0);
        }
    }
}

impl fmt::Debug for ProviderHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProviderHandle({})", self.0)
    }
}

#[derive(Debug, Clone)]
pub struct CustomProviderSettings {
    /// The class name as given (Java names are case sensitive).
    pub class_name: String,
    /// `CredentialsProviderArguments`, split: may hold a password, never shown.
    pub arguments: Vec<Secret>,
    /// The object the JDBC driver constructed for this connection; None
    /// until the JNI layer binds it (`with_provider`).
    pub provider: Option<Arc<ProviderHandle>>,
}

pub(crate) fn parse(p: &mut Parser) -> Option<CustomProviderSettings> {
    let class_name = p.text("CredentialsProvider")?.trim().to_string();
    if !is_class_name(&class_name) {
        p.problem(format!(
            "CredentialsProvider '{class_name}' is neither a sign-in flow nor a Java class name (package.ClassName)"
        ));
        return None;
    }
    let arguments = match p.value("CredentialsProviderArguments") {
        None => Vec::new(),
        Some(text) => match split_arguments(text) {
            Ok(words) => words.into_iter().map(Secret::new).collect(),
            Err(why) => {
                p.problem(format!(
                    "CredentialsProviderArguments: {why} (secret value not shown)"
                ));
                return None;
            }
        },
    };
    Some(CustomProviderSettings {
        class_name,
        arguments,
        provider: None,
    })
}

/// Dotted Java identifiers (`$` for nested classes), at least a package and a class.
fn is_class_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 2
        && parts.iter().all(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
                && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
        })
}

/// The official drivers' rules for the constructor's String arguments:
/// separated by commas; spaces around an argument dropped; `\` takes the next
/// character as it is; `"..."` keeps commas and spaces (`\"` inside).
pub fn split_arguments(text: &str) -> std::result::Result<Vec<String>, &'static str> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let mut arguments = Vec::new();
    // Characters of the current argument, each with whether it was quoted or
    // escaped (such spaces stay when the argument is trimmed).
    let mut current: Vec<(char, bool)> = Vec::new();
    let mut quoted = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next) => current.push((next, true)),
                None => return Err("it ends in a lone backslash"),
            },
            '"' => quoted = !quoted,
            ',' if !quoted => arguments.push(trimmed(std::mem::take(&mut current))),
            c => current.push((c, quoted)),
        }
    }
    if quoted {
        return Err("it has an unclosed quote");
    }
    arguments.push(trimmed(current));
    Ok(arguments)
}

fn trimmed(chars: Vec<(char, bool)>) -> String {
    let loose = |&(c, kept): &(char, bool)| c.is_whitespace() && !kept;
    let start = chars.iter().position(|c| !loose(c)).unwrap_or(chars.len());
    let end = chars
        .iter()
        .rposition(|c| !loose(c))
        .map_or(start, |i| i + 1);
    chars[start..end].iter().map(|&(c, _)| c).collect()
}

impl CustomProviderSettings {
    /// These settings bound to the provider object the JDBC driver made for
    /// them: connections bound to the same object share one sign-in.
    pub fn with_provider(&self, provider: ProviderHandle) -> Federated {
        Federated::new(CustomProviderSettings {
            provider: Some(Arc::new(provider)),
            ..self.clone()
        })
    }
}

impl FlowSettings for CustomProviderSettings {
    fn name(&self) -> &'static str {
        "custom credentials provider"
    }

    /// The provider's answer names no one the driver can show.
    fn user_name(&self) -> Option<&str> {
        None
    }

    fn identity_fields(&self) -> Vec<String> {
        let joined: Vec<&str> = self.arguments.iter().map(Secret::expose).collect();
        vec![
            self.class_name.clone(),
            self.arguments.len().to_string(),
            // Joined with a character no argument can hold unescaped (`,`
            // splits), hashed: the key never holds a password.
            Secret::new(joined.join("\u{0}")).hashed(),
        ]
    }

    /// The object: the same class name from another class loader is another
    /// object, and another sign-in.
    fn other_fields(&self) -> Vec<String> {
        vec![self
            .provider
            .as_ref()
            .map(|p| p.id().to_string())
            .unwrap_or_default()]
    }

    fn new_state(&self) -> Box<dyn FlowState> {
        Box::new(CustomState {
            class_name: self.class_name.clone(),
            provider: self.provider.clone(),
            credentials: None,
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[derive(Debug)]
struct CustomState {
    class_name: String,
    provider: Option<Arc<ProviderHandle>>,
    credentials: Option<TemporaryCredentials>,
}

impl FlowState for CustomState {
    /// Runs under the sign-in's own entry lock (`sign_in::Flow::state`), not
    /// the process-wide map's: that lock is async, so connections waiting for
    /// it park without holding a thread, and it makes concurrent connections
    /// ask the provider once instead of each. The Java call itself runs on a
    /// blocking-pool thread.
    fn credentials<'a>(
        &'a mut self,
        cx: &'a FlowContext<'a>,
    ) -> BoxFuture<'a, Result<TemporaryCredentials>> {
        Box::pin(async move {
            if let Some(c) = fresh(&self.credentials) {
                cx.logger.trace(|| {
                    format!(
                        "{}: cached credentials, renewed before {}",
                        self.class_name,
                        epoch_seconds(c.expiry)
                    )
                });
                return Ok(c.clone());
            }
            let handle =
                self.provider.as_ref().map(|p| p.id()).ok_or_else(|| {
                    Error::internal("the credentials provider object was not bound")
                })?;
            let bridge = bridge()?;
            cx.logger.debug(|| {
                format!(
                    "CredentialsProvider {}: asking for credentials",
                    self.class_name
                )
            });
            let provided = tokio::task::spawn_blocking(move || bridge.credentials(handle))
                .await
                .map_err(|e| {
                    Error::internal(format!("the credentials provider's task failed: {e}"))
                })??;
            let c = temporary(&self.class_name, provided, SystemTime::now())?;
            cx.logger.trace(|| {
                format!(
                    "CredentialsProvider {}: credentials renewed before {}",
                    self.class_name,
                    epoch_seconds(c.expiry)
                )
            });
            self.credentials = Some(c.clone());
            Ok(c)
        })
    }

    fn forget(&mut self, access_key_id: &str, logger: &Logger) {
        if drop_if_holding(&mut self.credentials, access_key_id) {
            logger.info(|| {
                format!(
                    "AWS refused the credentials of {} as expired; asking the provider again",
                    self.class_name
                )
            });
        }
    }

    fn holds_anything(&self) -> bool {
        self.credentials.is_some()
    }
}

/// The provider's answer as the flows hold credentials; undated ones get
/// `UNDATED_LIFETIME`.
fn temporary(
    class_name: &str,
    provided: ProvidedCredentials,
    now: SystemTime,
) -> Result<TemporaryCredentials> {
    if provided.access_key_id.trim().is_empty() || provided.secret_access_key.expose().is_empty() {
        return Err(Error::new(
            ErrorKind::Authentication,
            format!("CredentialsProvider {class_name} returned credentials with an empty access key id or secret access key"),
        ));
    }
    Ok(TemporaryCredentials {
        access_key_id: provided.access_key_id,
        secret_access_key: provided.secret_access_key,
        session_token: provided.session_token.unwrap_or_else(|| Secret::new("")),
        expiry: provided.expiry.unwrap_or(now + UNDATED_LIFETIME),
        received: now,
    })
}

#[cfg(test)]
mod tests {
    use crate::config::{ConnectionConfig, Credentials};

    use super::*;

    fn settings(url: &str) -> CustomProviderSettings {
        let c = ConnectionConfig::from_url(url, &[]).unwrap();
        let Credentials::Federated(f) = &c.credentials else {
            panic!("not federated: {c:?}")
        };
        f.settings::<CustomProviderSettings>().unwrap().clone()
    }

    fn exposed(s: &CustomProviderSettings) -> Vec<&str> {
        s.arguments.iter().map(Secret::expose).collect()
    }

    #[test]
    fn the_class_and_its_arguments_with_both_names() {
        let s = settings("jdbc:athena://Region=us-east-1;CredentialsProvider=com.example.MyProvider;CredentialsProviderArguments={AKID, pass-word-1}");
        assert_eq!(s.class_name, "com.example.MyProvider");
        assert_eq!(exposed(&s), ["AKID", "pass-word-1"]);
        assert!(s.provider.is_none());
        let old = settings("jdbc:athena://Region=us-east-1;AWSCredentialsProviderClass=com.example.Outer$Inner;AwsCredentialsProviderArguments=one");
        assert_eq!(old.class_name, "com.example.Outer$Inner");
        assert_eq!(exposed(&old), ["one"]);
        let none =
            settings("jdbc:athena://Region=us-east-1;CredentialsProvider=com.example.MyProvider");
        assert!(none.arguments.is_empty());
        assert!(!format!("{s:?}").contains("pass-word-1"));
        for field in s.identity_fields() {
            assert!(!field.contains("pass-word-1"));
        }
    }

    #[test]
    fn arguments_follow_the_official_escaping_rules() {
        let split = |t: &str| split_arguments(t).unwrap();
        assert_eq!(split(" a , b ,c"), ["a", "b", "c"]);
        assert_eq!(split("a,,b"), ["a", "", "b"]);
        assert_eq!(split(r#""x, y" , z"#), ["x, y", "z"]);
        assert_eq!(split(r#""say \"hi\"""#), [r#"say "hi""#]);
        assert_eq!(split(r"a\,b,c\\d"), ["a,b", r"c\d"]);
        assert_eq!(split(r#"" padded ""#), [" padded "]);
        assert_eq!(split(r"\ x"), [" x"]);
        assert!(split("   ").is_empty());
        assert!(split_arguments(r#""open"#).is_err());
        assert!(split_arguments(r"end\").is_err());
    }

    #[test]
    fn bad_values_are_problems_without_the_secret() {
        let err = ConnectionConfig::from_url(
            r#"jdbc:athena://Region=us-east-1;CredentialsProvider=com.example.P;CredentialsProviderArguments="hunter2-secret"#,
            &[],
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidProperties, "{err}");
        assert!(err.to_string().contains("unclosed quote"), "{err}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
        let err = ConnectionConfig::from_url(
            "jdbc:athena://Region=us-east-1;CredentialsProvider=com.example.;",
            &[],
        )
        .unwrap_err();
        assert!(err.to_string().contains("Java class name"), "{err}");
        assert!(is_class_name("a.B") && !is_class_name("a..B") && !is_class_name("a.1B"));
    }

    #[test]
    fn one_sign_in_per_class_arguments_and_object() {
        let base = "jdbc:athena://Region=us-east-1;CredentialsProvider=com.example.P";
        let key = |url: &str| {
            let s = settings(url);
            (s.identity_fields(), s.other_fields())
        };
        assert_eq!(key(base), key(base));
        assert_ne!(
            key(base),
            key(&format!("{base};CredentialsProviderArguments=a"))
        );
        assert_ne!(
            key(&format!("{base};CredentialsProviderArguments={{a,b}}")),
            key(&format!("{base};CredentialsProviderArguments=ab"))
        );
        assert_ne!(
            key(base),
            key("jdbc:athena://Region=us-east-1;CredentialsProvider=com.example.Q")
        );
        // Another object (another class loader) is another sign-in; no
        // bridge is registered in these tests, so dropping it is harmless.
        let s = settings(base);
        let one = s.with_provider(ProviderHandle::new(7));
        let two = s.with_provider(ProviderHandle::new(8));
        assert_ne!(one.0.other_fields(), two.0.other_fields());
        assert_eq!(one.0.identity_fields(), two.0.identity_fields());
    }

    #[test]
    fn undated_credentials_are_asked_for_again_after_fifteen_minutes() {
        let now = SystemTime::now();
        let provided = ProvidedCredentials {
            access_key_id: "AKID".into(),
            secret_access_key: Secret::new("secret-value"),
            session_token: None,
            expiry: None,
        };
        let c = temporary("com.example.P", provided.clone(), now).unwrap();
        assert!(c.is_fresh(now + Duration::from_secs(14 * 60)));
        assert!(!c.is_fresh(now + Duration::from_secs(15 * 60 + 1)));
        assert_eq!(c.session_token.expose(), "");
        let empty = ProvidedCredentials {
            secret_access_key: Secret::new(""),
            ..provided
        };
        let err = temporary("com.example.P", empty, now).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Authentication);
        assert!(err.to_string().contains("com.example.P"), "{err}");
    }
}
