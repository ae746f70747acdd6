//! Running a program of the user's that prints an answer (a SAML response,
//! an MFA code): bounded in time, its pipes drained, its arguments never shown.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;

/// How often a running program is checked for its end.
const POLL: Duration = Duration::from_millis(20);
/// Of a failed program's error output, this much goes into the message.
const STDERR_SHOWN: usize = 300;

/// Runs `executable` to its end or `timeout`; its standard output is the
/// answer. Errors name it by `setting` and never show its arguments.
pub(crate) fn run(
    setting: &str,
    executable: &str,
    arguments: &[Secret],
    timeout: Duration,
) -> Result<String> {
    let named = |why: String| {
        Error::new(
            ErrorKind::Authentication,
            format!("{setting} {executable}: {why}"),
        )
    };
    let mut child = Command::new(executable)
        .args(arguments.iter().map(Secret::expose))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            let kind = if e.kind() == std::io::ErrorKind::NotFound {
                ErrorKind::InvalidProperties
            } else {
                ErrorKind::Authentication
            };
            Error::new(
                kind,
                format!("{setting} {executable} could not be started: {e}"),
            )
        })?;
    // Pipes are drained on their own threads so a chatty program cannot block.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(named(format!(
                    "no answer within {} s (IdpResponseTimeout); the program was stopped",
                    timeout.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(POLL),
            Err(e) => return Err(named(format!("could not be waited for: {e}"))),
        }
    };
    let out = stdout.join().unwrap_or_default();
    let err = stderr.join().unwrap_or_default();
    if !status.success() {
        let err = String::from_utf8_lossy(&err);
        let shown: String = err.trim().chars().take(STDERR_SHOWN).collect();
        return Err(named(format!(
            "the program failed ({status}){}",
            if shown.is_empty() {
                String::new()
            } else {
                format!(": {shown}")
            }
        )));
    }
    String::from_utf8(out).map_err(|_| named("the program's output is not UTF-8 text".into()))
}
