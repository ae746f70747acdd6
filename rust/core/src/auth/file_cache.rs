//! `JwtTipFileCache=1` (`EnableTokenCaching`; ODBC `okta_cache`,
//! `browser_azure_cache`, `sso_oidc_cache`): the result of the JWT_TIP,
//! BrowserOidcTip, BrowserSSOOIDC and SAML flows kept in a file so other
//! processes (BI tools start many) reuse it instead of spending a new JWT,
//! signing in with the password again or opening the browser again.
//!
//! Format: `$HOME/.athena-native-jdbc/jwt-tip-cache/<key>.json`, folder 0700,
//! file 0600, written to a temporary file and renamed. On Windows the folder is
//! under `%USERPROFILE%` (HOME only when that is unset): Windows has no modes,
//! and the profile folder's ACL, which the cache folder and its files inherit,
//! admits only the user, SYSTEM and the Administrators, the same readers a 0600
//! file has on Unix (root). The rename replaces an older entry there too
//! (MoveFileEx); one that another process holds open without sharing delete
//! fails the write, which is logged and retried at the next sign-in.
//! `<key>` is the flow's cache key (see `cache_key`); the raw JWT is never
//! stored. BrowserOidcTip also keeps the identity provider's refresh token, so
//! another process renews without the browser; BrowserSSOOIDC keeps Identity
//! Center's refresh token, and its registered client and access token as the
//! flow's own JSON (`flow`); the SAML flows keep their role credentials
//! (BrowserAzureAD also Entra's refresh token). A file that cannot be read, or whose contents are expired, is
//! ignored and replaced after the next successful sign-in. Each write also
//! deletes the folder's entries that can no longer sign anyone in: all their
//! credentials expired and no refresh token, or untouched for `STALE_AFTER`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::auth::{epoch_seconds, IdentityContext, TemporaryCredentials};
use crate::log::Logger;
use crate::secret::Secret;

const VERSION: u32 = 1;

/// An entry not written for this long is deleted even with a refresh token:
/// identity providers' refresh tokens rarely live longer.
const STALE_AFTER: Duration = Duration::from_secs(30 * 24 * 3600);
/// A temporary file this old was left by a process that died mid-write.
const ORPHAN_AFTER: Duration = Duration::from_secs(3600);

#[derive(Default)]
pub struct Entry {
    pub access: Option<TemporaryCredentials>,
    pub context: Option<IdentityContext>,
    pub refresh_token: Option<Secret>,
    /// What else the flow keeps, in its own form (secrets included), and
    /// until when it can sign in without the refresh token.
    pub flow: Option<FlowData>,
}

/// A flow's own part of the entry.
pub struct FlowData {
    pub value: serde_json::Value,
    pub usable_until: SystemTime,
}

#[derive(Serialize, Deserialize)]
struct FileCredentials {
    access_key_id: String,
    secret_access_key: String,
    session_token: String,
    expiry: u64,
    received: u64,
}

#[derive(Serialize, Deserialize)]
struct FileContext {
    assertion: String,
    expiry: u64,
    application_arn: String,
    access_role_arn: String,
}

#[derive(Serialize, Deserialize)]
struct FileEntry {
    version: u32,
    access: Option<FileCredentials>,
    context: Option<FileContext>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    flow: Option<FileFlowData>,
}

#[derive(Serialize, Deserialize)]
struct FileFlowData {
    value: serde_json::Value,
    usable_until: u64,
}

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

pub fn folder() -> Option<PathBuf> {
    // Windows: the profile first, as a HOME there is often a shell's (Git
    // Bash, Cygwin) or a share, and is unset for a tool started from the menu.
    let names = if cfg!(windows) {
        ["USERPROFILE", "HOME"]
    } else {
        ["HOME", "USERPROFILE"]
    };
    let home = names
        .iter()
        .find_map(|name| std::env::var_os(name).filter(|h| !h.is_empty()))?;
    Some(
        PathBuf::from(home)
            .join(".athena-native-jdbc")
            .join("jwt-tip-cache"),
    )
}

pub fn read(key: &str, logger: &Logger) -> Option<Entry> {
    read_from(&folder()?, key, logger)
}

fn read_from(folder: &Path, key: &str, logger: &Logger) -> Option<Entry> {
    let path = folder.join(format!("{key}.json"));
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            logger.debug(|| format!("JWT_TIP file cache: no entry at {}", path.display()));
            return None;
        }
        Err(e) => {
            logger.warn(|| {
                format!(
                    "JWT_TIP file cache: cannot read {}: {e}; signing in instead",
                    path.display()
                )
            });
            return None;
        }
    };
    let entry = match serde_json::from_slice::<FileEntry>(&bytes) {
        Ok(entry) if entry.version == VERSION => entry,
        _ => {
            logger.warn(|| format!("JWT_TIP file cache: {} is not a cache file of this driver version; it will be replaced", path.display()));
            return None;
        }
    };
    logger.debug(|| format!("JWT_TIP file cache: read {}", path.display()));
    Some(Entry {
        access: entry.access.map(|c| TemporaryCredentials {
            access_key_id: c.access_key_id,
            secret_access_key: Secret::new(c.secret_access_key),
            session_token: Secret::new(c.session_token),
            expiry: at(c.expiry),
            received: at(c.received),
        }),
        context: entry.context.map(|c| IdentityContext {
            assertion: Secret::new(c.assertion),
            expiry: at(c.expiry),
            application_arn: c.application_arn,
            access_role_arn: c.access_role_arn,
        }),
        refresh_token: entry.refresh_token.map(Secret::new),
        flow: entry.flow.map(|f| FlowData {
            value: f.value,
            usable_until: at(f.usable_until),
        }),
    })
}

/// A failure to write is logged, never fatal: the connection has its credentials.
pub fn write(key: &str, entry: &Entry, logger: &Logger) {
    let Some(folder) = folder() else {
        logger
            .warn(|| "JWT_TIP file cache: neither HOME nor USERPROFILE is set; not cached".into());
        return;
    };
    if let Err(e) = write_file(&folder, key, entry) {
        logger.warn(|| {
            format!(
                "JWT_TIP file cache: cannot write in {}: {e}",
                folder.display()
            )
        });
    } else {
        logger.debug(|| {
            format!(
                "JWT_TIP file cache: wrote {}",
                folder.join(format!("{key}.json")).display()
            )
        });
    }
}

fn write_file(folder: &Path, key: &str, entry: &Entry) -> std::io::Result<()> {
    create_private_folder(folder)?;
    let file = FileEntry {
        version: VERSION,
        access: entry.access.as_ref().map(|c| FileCredentials {
            access_key_id: c.access_key_id.clone(),
            secret_access_key: c.secret_access_key.expose().to_string(),
            session_token: c.session_token.expose().to_string(),
            expiry: epoch_seconds(c.expiry),
            received: epoch_seconds(c.received),
        }),
        context: entry.context.as_ref().map(|c| FileContext {
            assertion: c.assertion.expose().to_string(),
            expiry: epoch_seconds(c.expiry),
            application_arn: c.application_arn.clone(),
            access_role_arn: c.access_role_arn.clone(),
        }),
        refresh_token: entry.refresh_token.as_ref().map(|t| t.expose().to_string()),
        flow: entry.flow.as_ref().map(|f| FileFlowData {
            value: f.value.clone(),
            usable_until: epoch_seconds(f.usable_until),
        }),
    };
    let json = serde_json::to_vec(&file).map_err(std::io::Error::other)?;
    let temporary = folder.join(format!(
        ".{key}.{}.{}.tmp",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    let result = (|| {
        let mut out = private_file(&temporary)?;
        out.write_all(&json)?;
        out.sync_all()?;
        fs::rename(&temporary, folder.join(format!("{key}.json")))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    } else {
        prune(folder, SystemTime::now());
    }
    result
}

/// Deletes the entries of other sign-ins that can no longer serve one (see
/// the module's comment); files it does not recognise are left alone.
fn prune(folder: &Path, now: SystemTime) {
    let Ok(listing) = fs::read_dir(folder) else {
        return;
    };
    for file in listing.flatten() {
        let path = file.path();
        let name = file.file_name().to_string_lossy().into_owned();
        let age = file
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| now.duration_since(modified).ok())
            .unwrap_or_default();
        let dead = if name.starts_with('.') && name.ends_with(".tmp") {
            age > ORPHAN_AFTER
        } else if name.ends_with(".json") {
            age > STALE_AFTER
                || fs::read(&path)
                    .ok()
                    .and_then(|b| serde_json::from_slice::<FileEntry>(&b).ok())
                    .is_some_and(|e| expired(&e, now))
        } else {
            false
        };
        if dead {
            let _ = fs::remove_file(&path);
        }
    }
}

/// Nothing in the entry signs in any more.
fn expired(entry: &FileEntry, now: SystemTime) -> bool {
    let now = epoch_seconds(now);
    entry.version == VERSION
        && entry.refresh_token.is_none()
        && entry.access.as_ref().is_none_or(|c| c.expiry <= now)
        && entry.context.as_ref().is_none_or(|c| c.expiry <= now)
        && entry.flow.as_ref().is_none_or(|f| f.usable_until <= now)
}

#[cfg(unix)]
fn create_private_folder(folder: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(folder)?;
    // An existing folder may have been made by hand with looser rights.
    fs::set_permissions(folder, fs::Permissions::from_mode(0o700))
}

/// Windows: no modes; the folder inherits the profile folder's owner-only ACL
/// (see the module's comment).
#[cfg(not(unix))]
fn create_private_folder(folder: &Path) -> std::io::Result<()> {
    fs::create_dir_all(folder)
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        let now = SystemTime::now();
        Entry {
            access: Some(TemporaryCredentials {
                access_key_id: "ASIAEXAMPLE".into(),
                secret_access_key: Secret::new("secret-key"),
                session_token: Secret::new("session-token"),
                expiry: now + Duration::from_secs(900),
                received: now,
            }),
            context: Some(IdentityContext {
                assertion: Secret::new("assertion"),
                expiry: now + Duration::from_secs(3600),
                application_arn: "arn:aws:sso::1:application/ssoins-1/apl-1".into(),
                access_role_arn: "arn:aws:iam::1:role/access".into(),
            }),
            refresh_token: Some(Secret::new("refresh-token")),
            flow: None,
        }
    }

    fn temp_folder() -> PathBuf {
        std::env::temp_dir()
            .join(format!("athena-cache-test-{}", uuid::Uuid::new_v4()))
            .join("cache")
    }

    #[test]
    fn round_trip_in_private_files() {
        let folder = temp_folder();
        write_file(&folder, "k", &entry()).unwrap();
        let read = read_from(&folder, "k", &Logger::off()).unwrap();
        let access = read.access.unwrap();
        assert_eq!(access.session_token.expose(), "session-token");
        assert_eq!(
            epoch_seconds(access.expiry),
            epoch_seconds(entry().access.unwrap().expiry)
        );
        assert_eq!(read.refresh_token.unwrap().expose(), "refresh-token");
        assert_eq!(
            read.context.unwrap().access_role_arn,
            "arn:aws:iam::1:role/access"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&folder), 0o700);
            assert_eq!(mode(&folder.join("k.json")), 0o600);
        }
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(&folder).unwrap().count(), 1);
        let _ = fs::remove_dir_all(folder.parent().unwrap());
    }

    #[test]
    fn writing_deletes_entries_that_can_no_longer_sign_in() {
        let folder = temp_folder();
        let past = SystemTime::now() - Duration::from_secs(60);
        let mut expired = entry();
        expired.refresh_token = None;
        expired.access.as_mut().unwrap().expiry = past;
        expired.context.as_mut().unwrap().expiry = past;
        write_file(&folder, "expired", &expired).unwrap();
        // Expired credentials, but a refresh token still signs in without the browser.
        let mut renewable = entry();
        renewable.access.as_mut().unwrap().expiry = past;
        renewable.context.as_mut().unwrap().expiry = past;
        write_file(&folder, "renewable", &renewable).unwrap();
        fs::write(folder.join("notes.txt"), b"not ours").unwrap();
        write_file(&folder, "fresh", &entry()).unwrap();
        let mut names: Vec<String> = fs::read_dir(&folder)
            .unwrap()
            .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["fresh.json", "notes.txt", "renewable.json"]);
        let _ = fs::remove_dir_all(folder.parent().unwrap());
    }

    #[test]
    fn a_flows_own_data_round_trips_and_keeps_its_entry_while_usable() {
        let folder = temp_folder();
        let past = SystemTime::now() - Duration::from_secs(60);
        let mut kept = entry();
        kept.refresh_token = None;
        kept.access.as_mut().unwrap().expiry = past;
        kept.context = None;
        kept.flow = Some(FlowData {
            value: serde_json::json!({"access_token": "sso-access-token"}),
            usable_until: SystemTime::now() + Duration::from_secs(600),
        });
        write_file(&folder, "kept", &kept).unwrap();
        let mut spent = entry();
        spent.refresh_token = None;
        spent.access.as_mut().unwrap().expiry = past;
        spent.context = None;
        spent.flow = Some(FlowData {
            value: serde_json::json!({}),
            usable_until: past,
        });
        write_file(&folder, "spent", &spent).unwrap();
        write_file(&folder, "fresh", &entry()).unwrap();
        let read = read_from(&folder, "kept", &Logger::off()).unwrap();
        let flow = read.flow.unwrap();
        assert_eq!(flow.value["access_token"], "sso-access-token");
        assert!(flow.usable_until > SystemTime::now());
        assert!(!folder.join("spent.json").exists());
        let _ = fs::remove_dir_all(folder.parent().unwrap());
    }

    #[test]
    fn a_corrupt_file_reads_as_absent_and_is_replaced() {
        let folder = temp_folder();
        fs::create_dir_all(&folder).unwrap();
        fs::write(folder.join("k.json"), b"{\"version\":1,\"acc").unwrap();
        assert!(read_from(&folder, "k", &Logger::off()).is_none());
        write_file(&folder, "k", &entry()).unwrap();
        assert!(read_from(&folder, "k", &Logger::off()).is_some());
        let _ = fs::remove_dir_all(folder.parent().unwrap());
    }
}
