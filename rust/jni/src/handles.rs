//! Native objects cross to Java as `long` ids into typed tables, never as raw
//! pointers: closing twice is harmless and use after close is a clear error.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use athena_core::{Error, Result};

static NEXT_ID: AtomicI64 = AtomicI64::new(1);

pub struct HandleTable<T> {
    what: &'static str,
    entries: Mutex<Option<HashMap<i64, Arc<T>>>>,
}

impl<T> HandleTable<T> {
    pub const fn new(what: &'static str) -> Self {
        HandleTable {
            what,
            entries: Mutex::new(None),
        }
    }

    pub fn insert(&self, value: T) -> i64 {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let mut guard = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        guard
            .get_or_insert_with(HashMap::new)
            .insert(id, Arc::new(value));
        id
    }

    pub fn get(&self, id: i64) -> Result<Arc<T>> {
        let guard = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        guard
            .as_ref()
            .and_then(|m| m.get(&id).cloned())
            .ok_or_else(|| Error::invalid_state(format!("the {} is closed", self.what)))
    }

    /// How many handles are open (for tests of leaks).
    pub fn count(&self) -> usize {
        let guard = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().map_or(0, HashMap::len)
    }

    pub fn remove(&self, id: i64) -> Option<Arc<T>> {
        let mut guard = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        guard.as_mut().and_then(|m| m.remove(&id))
    }
}
