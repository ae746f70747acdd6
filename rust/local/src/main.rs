//! `athena-local --port N [--host 127.0.0.1] [--config FILE] [--storage-dir DIR] [--latency-ms N] [--tls [--tls-ca-out FILE] | --tls-cert FILE --tls-key FILE] [--exit-on-stdin-close]`

use athena_local::tls::TlsSource;
use athena_local::{Config, Error};
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

const USAGE: &str =
    "usage: athena-local --port N [--host 127.0.0.1] [--config FILE] [--storage-dir DIR] [--latency-ms N] [--tls [--tls-ca-out FILE] | --tls-cert FILE --tls-key FILE] [--exit-on-stdin-close]";

struct Args {
    port: u16,
    host: IpAddr,
    config: Option<PathBuf>,
    storage_dir: Option<PathBuf>,
    latency_ms: Option<u64>,
    tls: Option<TlsSource>,
    exit_on_stdin_close: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, Error> {
    let mut port = None;
    let mut host = IpAddr::from([127, 0, 0, 1]);
    let mut config = None;
    let mut storage_dir = None;
    let mut latency_ms = None;
    let mut exit_on_stdin_close = false;
    let mut tls = false;
    let mut tls_ca_out = None;
    let mut tls_cert = None;
    let mut tls_key = None;
    let usage = |msg: &str| Error::Usage(format!("{msg}\n{USAGE}"));
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| usage(&format!("{name} needs a value")))
        };
        match arg.as_str() {
            "--port" => {
                let v = value("--port")?;
                port = Some(
                    v.parse::<u16>()
                        .map_err(|_| usage(&format!("invalid port: {v}")))?,
                );
            }
            "--host" => {
                let v = value("--host")?;
                host = v
                    .parse()
                    .map_err(|_| usage(&format!("invalid host address: {v}")))?;
            }
            "--config" => config = Some(PathBuf::from(value("--config")?)),
            "--storage-dir" => storage_dir = Some(PathBuf::from(value("--storage-dir")?)),
            "--latency-ms" => {
                let v = value("--latency-ms")?;
                latency_ms = Some(
                    v.parse::<u64>()
                        .map_err(|_| usage(&format!("invalid latency in milliseconds: {v}")))?,
                );
            }
            "--exit-on-stdin-close" => exit_on_stdin_close = true,
            "--tls" => tls = true,
            "--tls-ca-out" => tls_ca_out = Some(PathBuf::from(value("--tls-ca-out")?)),
            "--tls-cert" => tls_cert = Some(PathBuf::from(value("--tls-cert")?)),
            "--tls-key" => tls_key = Some(PathBuf::from(value("--tls-key")?)),
            "-h" | "--help" => return Err(Error::Usage(USAGE.to_string())),
            other => return Err(usage(&format!("unknown argument: {other}"))),
        }
    }
    let tls = match (tls, tls_ca_out, tls_cert, tls_key) {
        (false, None, None, None) => None,
        (_, ca_out, None, None) => Some(TlsSource::Generated { ca_out }),
        (_, None, Some(cert), Some(key)) => Some(TlsSource::Files { cert, key }),
        (_, Some(_), Some(_), _) => {
            return Err(usage(
                "--tls-ca-out is for a generated certificate, not --tls-cert",
            ))
        }
        _ => return Err(usage("--tls-cert and --tls-key go together")),
    };
    Ok(Args {
        tls,
        port: port.ok_or_else(|| usage("--port is required"))?,
        host,
        config,
        storage_dir,
        latency_ms,
        exit_on_stdin_close,
    })
}

/// Resolves when the process should stop: SIGINT, SIGTERM or (optionally) stdin EOF.
async fn stop_signal(exit_on_stdin_close: bool) {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<()>(4);
    if exit_on_stdin_close {
        let tx = tx.clone();
        // Blocking read on a plain thread: tokio's stdin also uses a thread.
        std::thread::spawn(move || {
            let mut buf = [0u8; 1024];
            let mut stdin = std::io::stdin();
            while let Ok(n) = stdin.read(&mut buf) {
                if n == 0 {
                    break;
                }
            }
            let _ = tx.blocking_send(());
        });
    }
    #[cfg(unix)]
    {
        let tx = tx.clone();
        tokio::spawn(async move {
            use tokio::signal::unix::{signal, SignalKind};
            if let Ok(mut term) = signal(SignalKind::terminate()) {
                term.recv().await;
                let _ = tx.send(()).await;
            }
        });
    }
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = tx.send(()).await;
        }
    });
    rx.recv().await;
}

async fn run(args: Args) -> Result<(), Error> {
    let mut config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    // Flags win over the file.
    if let Some(dir) = args.storage_dir {
        config.storage_dir = Some(dir);
    }
    if let Some(ms) = args.latency_ms {
        config.call_latency_ms = ms;
    }
    let tls = args
        .tls
        .as_ref()
        .map(athena_local::tls::acceptor)
        .transpose()?;
    let server =
        athena_local::start_with_tls(config, SocketAddr::new(args.host, args.port), tls).await?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "athena-local listening on {}", server.endpoint_url()).map_err(Error::Io)?;
        out.flush().map_err(Error::Io)?;
    }
    stop_signal(args.exit_on_stdin_close).await;
    server.shutdown().await;
    Ok(())
}

fn main() {
    let result = parse_args(std::env::args().skip(1)).and_then(|args| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(Error::Io)?;
        rt.block_on(run(args))
    });
    match result {
        Ok(()) => {}
        Err(Error::Usage(msg)) => {
            eprintln!("{msg}");
            std::process::exit(2);
        }
        Err(e) => {
            eprintln!("athena-local: {e}");
            std::process::exit(1);
        }
    }
}
