//! The interface every federated sign-in flow implements: its settings (parsed
//! from the connection's properties, naming who signs in) and its state (what
//! it holds between calls, and how it renews). The shared pieces (the
//! process-wide cache in `sign_in`, the file cache, the loopback callback, the
//! AWS services) are beside it; a new flow is one file in `flows/`.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::services::Services;
use super::TemporaryCredentials;
use crate::error::Result;
use crate::log::Logger;

/// A flow's step, boxed so flows are chosen at run time.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A flow's settings, as the connection's properties give them.
pub trait FlowSettings: fmt::Debug + Send + Sync + 'static {
    /// The flow's name in logs and keys (the `CredentialsProvider` value).
    fn name(&self) -> &'static str;
    /// Who signs in, for `DatabaseMetaData.getUserName` (never a secret).
    fn user_name(&self) -> Option<&str>;
    /// The settings that name who signs in and what they get, secrets as
    /// their hashes (`Secret::hashed`): the file cache's key.
    fn identity_fields(&self) -> Vec<String>;
    /// The flow's other settings that change its answer (a client secret, a
    /// timeout): part of the in-memory key only.
    fn other_fields(&self) -> Vec<String> {
        Vec::new()
    }
    /// Whether the flow keeps its result in the file cache.
    fn file_cache(&self) -> bool {
        false
    }
    /// A fresh state for a sign-in with these settings.
    fn new_state(&self) -> Box<dyn FlowState>;
    /// For tests and callers that need the concrete settings.
    fn as_any(&self) -> &dyn Any;
}

/// What one sign-in holds (credentials, tokens) and how it gets and renews them.
pub trait FlowState: fmt::Debug + Send {
    /// Valid credentials: those held while fresh, else renewed (silently
    /// where the identity provider allows), else a new sign-in.
    fn credentials<'a>(
        &'a mut self,
        cx: &'a FlowContext<'a>,
    ) -> BoxFuture<'a, Result<TemporaryCredentials>>;
    /// AWS refused `access_key_id` as expired before its time: drop the
    /// credentials holding it (and those they were signed in with).
    fn forget(&mut self, access_key_id: &str, logger: &Logger);
    /// Whether a failed sign-in still holds something worth keeping (a spent
    /// JWT's identity context); if not, its cache entry is dropped.
    fn holds_anything(&self) -> bool;
}

/// What a flow's steps use from the shared cache entry.
pub struct FlowContext<'a> {
    pub services: &'a Services,
    pub logger: &'a Logger,
    /// The file cache's key for this flow's settings.
    pub file_key: &'a str,
}

/// A federated flow's settings inside `ConnectionConfig`.
#[derive(Clone)]
pub struct Federated(pub Arc<dyn FlowSettings>);

impl Federated {
    pub fn new(settings: impl FlowSettings) -> Federated {
        Federated(Arc::new(settings))
    }

    /// The concrete settings, when they are of flow `T`.
    pub fn settings<T: 'static>(&self) -> Option<&T> {
        self.0.as_any().downcast_ref()
    }
}

impl fmt::Debug for Federated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl PartialEq for Federated {
    fn eq(&self, other: &Self) -> bool {
        self.0.name() == other.0.name()
            && self.0.identity_fields() == other.0.identity_fields()
            && self.0.other_fields() == other.0.other_fields()
    }
}
