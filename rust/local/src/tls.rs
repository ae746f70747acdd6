//! HTTPS for athena-local (`--tls`): the certificate and key given by path,
//! or a certificate for `localhost` and `127.0.0.1` signed by a test CA made
//! at start, whose PEM is written where `--tls-ca-out` says so that clients
//! can be told to trust it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

use crate::Error;

/// Where the server's certificate comes from.
#[derive(Debug, Clone)]
pub enum TlsSource {
    /// Made at start; the CA's PEM goes to `ca_out` when given.
    Generated { ca_out: Option<PathBuf> },
    /// PEM files: the certificate chain and its private key.
    Files { cert: PathBuf, key: PathBuf },
}

fn failed(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Usage(format!("TLS: {what}: {e}"))
}

/// The acceptor that wraps each accepted connection.
pub fn acceptor(source: &TlsSource) -> Result<TlsAcceptor, Error> {
    let (chain, key) = match source {
        TlsSource::Generated { ca_out } => generate(ca_out.as_deref())?,
        TlsSource::Files { cert, key } => read(cert, key)?,
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| failed("protocol versions", e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| failed("certificate and key", e))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

type Identity = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

fn generate(ca_out: Option<&Path>) -> Result<Identity, Error> {
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(|e| failed("CA", e))?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "athena-local test CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().map_err(|e| failed("CA key", e))?;
    let ca_cert = ca.self_signed(&ca_key).map_err(|e| failed("CA", e))?;
    let mut leaf = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .map_err(|e| failed("certificate", e))?;
    leaf.distinguished_name
        .push(DnType::CommonName, "athena-local");
    let leaf_key = KeyPair::generate().map_err(|e| failed("key", e))?;
    let leaf_cert = leaf
        .signed_by(&leaf_key, &ca_cert, &ca_key)
        .map_err(|e| failed("certificate", e))?;
    if let Some(path) = ca_out {
        std::fs::write(path, ca_cert.pem())
            .map_err(|e| failed(&format!("writing {}", path.display()), e))?;
    }
    let key = PrivateKeyDer::try_from(leaf_key.serialize_der()).map_err(|e| failed("key", e))?;
    Ok((vec![leaf_cert.der().clone(), ca_cert.der().clone()], key))
}

fn read(cert: &Path, key: &Path) -> Result<Identity, Error> {
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|e| failed(&cert.display().to_string(), e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| failed(&cert.display().to_string(), e))?;
    if chain.is_empty() {
        return Err(failed(
            &cert.display().to_string(),
            "no certificate in the file",
        ));
    }
    let key =
        PrivateKeyDer::from_pem_file(key).map_err(|e| failed(&key.display().to_string(), e))?;
    Ok((chain, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_identity_writes_its_ca_and_serves() {
        let dir = std::env::temp_dir().join(format!("athena-local-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let ca = dir.join("ca.pem");
        assert!(acceptor(&TlsSource::Generated {
            ca_out: Some(ca.clone())
        })
        .is_ok());
        let pem = std::fs::read_to_string(&ca).expect("CA written");
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
        let missing = acceptor(&TlsSource::Files {
            cert: dir.join("none.pem"),
            key: dir.join("none.key"),
        });
        assert!(missing.is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_certificate_and_key_given_by_path_serve() {
        let dir =
            std::env::temp_dir().join(format!("athena-local-tls-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let key = KeyPair::generate().expect("key");
        let cert = CertificateParams::new(vec!["localhost".to_string()])
            .expect("params")
            .self_signed(&key)
            .expect("certificate");
        std::fs::write(dir.join("cert.pem"), cert.pem()).expect("cert file");
        std::fs::write(dir.join("key.pem"), key.serialize_pem()).expect("key file");
        let files = TlsSource::Files {
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        };
        assert!(acceptor(&files).is_ok());
        std::fs::write(dir.join("cert.pem"), "not a certificate").expect("cert file");
        match acceptor(&files) {
            Err(Error::Usage(m)) => assert!(m.contains("cert.pem"), "{m}"),
            other => panic!(
                "expected an error naming the file, got {:?}",
                other.map(|_| ())
            ),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
