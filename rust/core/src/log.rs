//! The driver log (`LogLevel`, `LogPath`): one file per folder, shared by every
//! connection of the process that names the same folder: `athena-native-jdbc.log`
//! in `LogPath`, else `athena-native-jdbc-<uid>.log` in the system temp folder
//! (per user, as that folder is shared). On Unix (Linux, macOS) the file is
//! private (0600), and one that is a symbolic link, not a regular file, not the
//! user's own or hard-linked elsewhere is refused rather than written through.
//! On Windows the temp folder (`%TEMP%`, in the user's profile) is the user's
//! own, so the default file is `athena-native-jdbc.log` there and inherits the
//! profile's owner-only ACL; a symbolic link or anything but a regular file is
//! refused there too. Lines end in `\n` on every platform (Notepad, since
//! Windows 10 1809, and every editor read them). Messages are built only when
//! their level is on, and never from secrets: callers log names, ARNs and
//! times, and `Secret` prints as `****`.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use once_cell::sync::Lazy;

use crate::config::{LogLevel, LogSettings};
use crate::error::{Error, ErrorKind, Result};

/// The log file's name in `LogPath`.
pub const FILE_NAME: &str = "athena-native-jdbc.log";

static FILES: Lazy<Mutex<HashMap<PathBuf, Arc<Mutex<File>>>>> = Lazy::new(Default::default);
static CONNECTIONS: AtomicU64 = AtomicU64::new(1);

#[derive(Clone, Debug)]
pub struct Logger {
    level: LogLevel,
    file: Option<Arc<Mutex<File>>>,
    connection: u64,
}

impl Logger {
    pub fn off() -> Logger {
        Logger {
            level: LogLevel::Off,
            file: None,
            connection: 0,
        }
    }

    /// Opens (or shares) the log file of a new connection.
    pub fn open(settings: &LogSettings) -> Result<Logger> {
        if settings.level == LogLevel::Off {
            return Ok(Logger::off());
        }
        let path = log_file_path(settings);
        let file = {
            let mut files = FILES.lock().unwrap_or_else(|p| p.into_inner());
            match files.get(&path) {
                Some(file) => file.clone(),
                None => {
                    let file = Arc::new(Mutex::new(open_private(&path)?));
                    files.insert(path, file.clone());
                    file
                }
            }
        };
        Ok(Logger {
            level: settings.level,
            file: Some(file),
            connection: CONNECTIONS.fetch_add(1, Ordering::Relaxed),
        })
    }

    pub fn enabled(&self, level: LogLevel) -> bool {
        level != LogLevel::Off && level <= self.level
    }

    pub fn log(&self, level: LogLevel, message: impl FnOnce() -> String) {
        if !self.enabled(level) {
            return;
        }
        let Some(file) = &self.file else { return };
        let line = format!(
            "{} {:<5} [connection {}] {}\n",
            timestamp(),
            level.name(),
            self.connection,
            message()
        );
        let mut file = file.lock().unwrap_or_else(|p| p.into_inner());
        // A log that cannot be written must not fail the JDBC call.
        let _ = file.write_all(line.as_bytes());
    }

    pub fn error(&self, message: impl FnOnce() -> String) {
        self.log(LogLevel::Error, message)
    }
    pub fn warn(&self, message: impl FnOnce() -> String) {
        self.log(LogLevel::Warn, message)
    }
    pub fn info(&self, message: impl FnOnce() -> String) {
        self.log(LogLevel::Info, message)
    }
    pub fn debug(&self, message: impl FnOnce() -> String) {
        self.log(LogLevel::Debug, message)
    }
    pub fn trace(&self, message: impl FnOnce() -> String) {
        self.log(LogLevel::Trace, message)
    }
}

/// The file a connection logs to: `FILE_NAME` in `LogPath`; without one, a
/// per-user name in the shared temp folder, so that users do not share one
/// file (another user's file there is refused, see `check_opened`).
pub fn log_file_path(settings: &LogSettings) -> PathBuf {
    match &settings.path {
        Some(folder) => folder.join(FILE_NAME),
        None => std::env::temp_dir().join(default_file_name()),
    }
}

#[cfg(unix)]
fn default_file_name() -> String {
    format!("athena-native-jdbc-{}.log", current_uid())
}

/// Elsewhere (Windows) the temp folder is the user's own already.
#[cfg(not(unix))]
fn default_file_name() -> String {
    FILE_NAME.to_string()
}

/// The effective user: the one that owns the files this process creates.
#[cfg(unix)]
fn current_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Opens the log for appending, creating it private, and refuses a file that
/// someone else could have put in its place.
fn open_private(path: &Path) -> Result<File> {
    if let Some(folder) = path.parent() {
        create_folder(folder).map_err(|e| cannot_open(path, &e))?;
    }
    // Looked at before opening so that a FIFO or a device is never opened at
    // all; the checks on the opened file below are the ones that hold, as the
    // name can change in between.
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => return Err(refused(path, "is a symbolic link")),
        Ok(m) if !m.is_file() => return Err(refused(path, "is not a regular file")),
        _ => {}
    }
    let file = open_options().open(path).map_err(|e| match refusal(&e) {
        Some(what) => refused(path, what),
        None => cannot_open(path, &e),
    })?;
    check_opened(&file, path)?;
    Ok(file)
}

#[cfg(unix)]
fn create_folder(folder: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    // Only folders created here get 0700; an existing one is left as it is.
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(folder)
}

#[cfg(not(unix))]
fn create_folder(folder: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(folder)
}

#[cfg(unix)]
fn open_options() -> OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = OpenOptions::new();
    // O_NOFOLLOW: never write through a symbolic link put in the file's place.
    // O_NONBLOCK: a FIFO put there fails to open (ENXIO) instead of blocking
    // until a reader comes; it changes nothing for a regular file.
    options
        .create(true)
        .append(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    options
}

#[cfg(not(unix))]
fn open_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    options
}

/// What an error opening the file says about what is in its place.
#[cfg(unix)]
fn refusal(e: &std::io::Error) -> Option<&'static str> {
    match e.raw_os_error() {
        Some(libc::ELOOP) => Some("is a symbolic link"),
        Some(libc::ENXIO) => Some("is not a regular file"),
        _ => None,
    }
}

#[cfg(not(unix))]
fn refusal(_: &std::io::Error) -> Option<&'static str> {
    None
}

#[cfg(unix)]
fn check_opened(file: &File, path: &Path) -> Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let m = file.metadata().map_err(|e| cannot_open(path, &e))?;
    if !m.is_file() {
        return Err(refused(path, "is not a regular file"));
    }
    if m.uid() != current_uid() {
        return Err(refused(
            path,
            &format!("is owned by another user (uid {})", m.uid()),
        ));
    }
    // Another name for the same file could be anywhere, e.g. a file of the
    // user's that someone linked here to have the log appended to it.
    if m.nlink() > 1 {
        return Err(refused(path, "has another name (a hard link)"));
    }
    // A file of an earlier version of the driver, or made by hand, may be
    // readable by others: it is the user's, so make it private rather than fail.
    if m.mode() & 0o077 != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| cannot_open(path, &e))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_opened(file: &File, path: &Path) -> Result<()> {
    let m = file.metadata().map_err(|e| cannot_open(path, &e))?;
    if !m.is_file() {
        return Err(refused(path, "is not a regular file"));
    }
    Ok(())
}

fn refused(path: &Path, what: &str) -> Error {
    Error::new(
        ErrorKind::InvalidProperties,
        format!(
            "the driver log {} {what}, and the driver writes its log only to a regular file of your own. Remove it (or have it removed), or set LogPath to a folder of your own",
            path.display()
        ),
    )
}

fn cannot_open(path: &Path, e: &std::io::Error) -> Error {
    Error::new(
        ErrorKind::InvalidProperties,
        format!(
            "cannot open the driver log {}: {e}; set LogPath to a folder you can write to",
            path.display()
        ),
    )
}

/// UTC `YYYY-MM-DDTHH:MM:SS.mmmZ` without a date crate.
fn timestamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60,
        now.subsec_millis()
    )
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_414), (2025, 11, 22));
    }

    #[test]
    fn lines_reach_the_file_at_and_above_the_level() {
        let dir = std::env::temp_dir().join(format!("athena-log-test-{}", uuid::Uuid::new_v4()));
        let logger = Logger::open(&LogSettings {
            level: LogLevel::Info,
            path: Some(dir.clone()),
        })
        .unwrap();
        logger.info(|| "shown".into());
        logger.debug(|| "hidden".into());
        let text = std::fs::read_to_string(dir.join(FILE_NAME)).unwrap();
        assert!(text.contains("INFO  [connection"), "{text}");
        assert!(text.contains("shown") && !text.contains("hidden"), "{text}");
        let _ = std::fs::remove_dir_all(dir);
    }

    /// Windows' temp folder is the user's own: the plain name, no uid.
    #[cfg(windows)]
    #[test]
    fn the_default_file_is_in_the_users_temp_folder() {
        let path = log_file_path(&LogSettings {
            level: LogLevel::Info,
            path: None,
        });
        assert_eq!(path, std::env::temp_dir().join(FILE_NAME));
    }

    #[cfg(unix)]
    mod unix {
        use super::super::*;
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        use std::path::Path;

        fn fresh_dir() -> PathBuf {
            let dir =
                std::env::temp_dir().join(format!("athena-log-test-{}", uuid::Uuid::new_v4()));
            std::fs::create_dir_all(&dir).unwrap();
            dir
        }

        fn settings(dir: &Path) -> LogSettings {
            LogSettings {
                level: LogLevel::Info,
                path: Some(dir.to_path_buf()),
            }
        }

        fn mode(path: &Path) -> u32 {
            std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
        }

        /// Opens on another thread so a FIFO that blocks the open fails the test
        /// instead of hanging it.
        fn open_within_seconds(dir: &Path) -> Result<Logger> {
            let settings = settings(dir);
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let _ = tx.send(Logger::open(&settings));
            });
            rx.recv_timeout(std::time::Duration::from_secs(20))
                .expect("opening the log hung")
        }

        fn refused(dir: &Path, what: &str) -> String {
            let e = open_within_seconds(dir).expect_err("the log was opened");
            assert_eq!(e.kind(), ErrorKind::InvalidProperties);
            let message = e.to_string();
            assert!(
                message.contains(&dir.join(FILE_NAME).display().to_string()),
                "{message}"
            );
            assert!(message.contains(what), "{message}");
            assert!(message.contains("LogPath"), "{message}");
            message
        }

        #[test]
        fn the_default_file_is_per_user() {
            let path = log_file_path(&LogSettings {
                level: LogLevel::Info,
                path: None,
            });
            // SAFETY: geteuid has no preconditions and cannot fail.
            let uid = unsafe { libc::geteuid() };
            assert_eq!(
                path,
                std::env::temp_dir().join(format!("athena-native-jdbc-{uid}.log"))
            );
        }

        #[test]
        fn the_file_is_created_private() {
            let dir = fresh_dir();
            let logger = open_within_seconds(&dir).unwrap();
            logger.info(|| "private".into());
            assert_eq!(mode(&dir.join(FILE_NAME)), 0o600);
            let _ = std::fs::remove_dir_all(dir);
        }

        #[test]
        fn wider_permissions_of_an_own_file_are_tightened() {
            let dir = fresh_dir();
            let path = dir.join(FILE_NAME);
            std::fs::write(&path, "earlier\n").unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let logger = open_within_seconds(&dir).unwrap();
            logger.info(|| "later".into());
            assert_eq!(mode(&path), 0o600);
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                text.starts_with("earlier\n") && text.contains("later"),
                "{text}"
            );
            let _ = std::fs::remove_dir_all(dir);
        }

        #[test]
        fn a_symlink_is_refused_and_its_target_untouched() {
            let dir = fresh_dir();
            let target = dir.join("target");
            std::fs::write(&target, "precious\n").unwrap();
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
            std::os::unix::fs::symlink(&target, dir.join(FILE_NAME)).unwrap();
            refused(&dir, "symbolic link");
            assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious\n");
            assert_eq!(mode(&target), 0o644);
            let _ = std::fs::remove_dir_all(dir);
        }

        #[test]
        fn a_dangling_symlink_is_refused_and_nothing_is_created() {
            let dir = fresh_dir();
            let target = dir.join("absent");
            std::os::unix::fs::symlink(&target, dir.join(FILE_NAME)).unwrap();
            refused(&dir, "symbolic link");
            assert!(std::fs::symlink_metadata(&target).is_err());
            let _ = std::fs::remove_dir_all(dir);
        }

        #[test]
        fn a_fifo_is_refused_without_hanging() {
            let dir = fresh_dir();
            let made = std::process::Command::new("mkfifo")
                .arg(dir.join(FILE_NAME))
                .status();
            if !made.is_ok_and(|status| status.success()) {
                println!("note: mkfifo is not available; the FIFO case was not tested");
                return;
            }
            refused(&dir, "not a regular file");
            let _ = std::fs::remove_dir_all(dir);
        }

        #[test]
        fn a_hard_link_is_refused() {
            let dir = fresh_dir();
            let other = dir.join("other");
            std::fs::write(&other, "precious\n").unwrap();
            std::fs::hard_link(&other, dir.join(FILE_NAME)).unwrap();
            refused(&dir, "hard link");
            assert_eq!(std::fs::read_to_string(&other).unwrap(), "precious\n");
            let _ = std::fs::remove_dir_all(dir);
        }

        #[test]
        fn a_file_of_another_user_is_refused() {
            // SAFETY: geteuid has no preconditions and cannot fail.
            if unsafe { libc::geteuid() } != 0 {
                println!("note: not root, so no file of another user can be made; not tested");
                return;
            }
            let dir = fresh_dir();
            let path = dir.join(FILE_NAME);
            std::fs::write(&path, "theirs\n").unwrap();
            std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
            refused(&dir, "owned by");
            assert_eq!(std::fs::read_to_string(&path).unwrap(), "theirs\n");
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
