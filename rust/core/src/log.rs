//! The driver log (`LogLevel`, `LogPath`): one file, `athena-native-jdbc.log`,
//! shared by every connection that names the same folder. Messages are built
//! only when their level is on, and never from secrets: callers log names,
//! ARNs and times, and `Secret` prints as `****`.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use once_cell::sync::Lazy;

use crate::config::{LogLevel, LogSettings};
use crate::error::{Error, ErrorKind, Result};

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
        let folder = settings.path.clone().unwrap_or_else(std::env::temp_dir);
        let path = folder.join(FILE_NAME);
        let file = {
            let mut files = FILES.lock().unwrap_or_else(|p| p.into_inner());
            match files.get(&path) {
                Some(file) => file.clone(),
                None => {
                    let file = std::fs::create_dir_all(&folder)
                        .and_then(|_| OpenOptions::new().create(true).append(true).open(&path))
                        .map_err(|e| {
                            Error::new(
                                ErrorKind::InvalidProperties,
                                format!(
                                    "LogPath '{}': cannot open {FILE_NAME} there: {e}",
                                    folder.display()
                                ),
                            )
                        })?;
                    let file = Arc::new(Mutex::new(file));
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
}
