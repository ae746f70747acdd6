//! The binary: readiness line, port 0, and exit when stdin closes.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn prints_ready_line_and_exits_on_stdin_close() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_athena-local"))
        .args(["--port", "0", "--exit-on-stdin-close"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn athena-local");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("ready line");
    let url = line
        .trim_end()
        .strip_prefix("athena-local listening on http://127.0.0.1:")
        .unwrap_or_else(|| panic!("unexpected line: {line:?}"));
    let port: u16 = url.parse().expect("port");
    assert!(port > 0);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());

    drop(child.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "{status:?}");
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("server did not exit after stdin closed");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn rejects_bad_arguments() {
    let out = Command::new(env!("CARGO_BIN_EXE_athena-local"))
        .args(["--port", "x"])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(env!("CARGO_BIN_EXE_athena-local"))
        .args(["--port", "0", "--config", "/no/such/file.toml"])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
}
