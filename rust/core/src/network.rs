//! How the driver reaches AWS and the identity provider: through an HTTP
//! proxy (Basic authentication, exempt hosts) or directly, and which
//! certificates TLS trusts (the system's, plus a CA bundle the user names).
//! One home for both, used by the AWS SDK's HTTP client and by the identity
//! provider's client.

use std::fmt;
use std::time::Duration;

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::{tls, Connector};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

use crate::error::{describe_chain, Error, ErrorKind, Result};
use crate::secret::Secret;

/// The proxy settings of a connection.
#[derive(Clone, Default, PartialEq)]
pub struct NetworkSettings {
    pub proxy: Option<Proxy>,
    /// ProxyEnabledForIdP: the identity provider's discovery, keys and token
    /// calls go through the proxy too (AWS calls always do).
    pub proxy_for_idp: bool,
    /// TrustedCerts: a PEM file of CA certificates trusted besides the
    /// system's (a TLS-inspecting proxy's CA, a private endpoint's).
    pub trusted_certs: Option<std::path::PathBuf>,
}

#[derive(Clone, PartialEq)]
pub struct Proxy {
    pub host: String,
    pub port: u16,
    pub credentials: Option<(String, Secret)>,
    /// ProxyExemptHosts: names reached directly; `*.example.com` and
    /// `.example.com` cover the domain's hosts.
    pub exempt_hosts: Vec<String>,
}

impl fmt::Debug for NetworkSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = &self.trusted_certs {
            write!(f, "trusting {} and the system's CAs, ", path.display())?;
        }
        match &self.proxy {
            None => write!(f, "direct"),
            Some(p) => write!(
                f,
                "proxy {}:{}{}, exempt {:?}, identity provider {}",
                p.host,
                p.port,
                match &p.credentials {
                    Some((user, _)) => format!(" as {user} (password ****)"),
                    None => String::new(),
                },
                p.exempt_hosts,
                if self.proxy_for_idp {
                    "through it"
                } else {
                    "direct"
                }
            ),
        }
    }
}

impl Proxy {
    fn url(&self) -> String {
        if self.host.contains(':') && !self.host.starts_with('[') {
            format!("http://[{}]:{}", self.host, self.port)
        } else {
            format!("http://{}:{}", self.host, self.port)
        }
    }

    /// The exempt hosts in the NO_PROXY form the HTTP clients take.
    fn no_proxy(&self) -> String {
        self.exempt_hosts
            .iter()
            .map(|h| h.strip_prefix('*').unwrap_or(h))
            .collect::<Vec<_>>()
            .join(",")
    }

    fn invalid(&self, e: &(dyn std::error::Error + 'static)) -> Error {
        Error::new(
            ErrorKind::InvalidProperties,
            format!(
                "ProxyHost {} with ProxyPort {} is not a usable proxy: {}",
                self.host,
                self.port,
                describe_chain(e)
            ),
        )
    }
}

impl NetworkSettings {
    /// The TrustedCerts file's PEM, checked to hold at least one certificate.
    fn trusted_pem(&self) -> Result<Option<Vec<u8>>> {
        let Some(path) = &self.trusted_certs else {
            return Ok(None);
        };
        let unusable = |why: String| {
            Error::new(
                ErrorKind::InvalidProperties,
                format!("TrustedCerts {}: {why}", path.display()),
            )
        };
        let pem = std::fs::read(path).map_err(|e| unusable(format!("cannot be read ({e})")))?;
        let certificates = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| unusable(format!("is not a PEM certificate bundle ({e})")))?;
        if certificates.is_empty() {
            return Err(unusable("holds no PEM certificate".into()));
        }
        Ok(Some(pem))
    }
}

/// The AWS SDK's HTTP client when a proxy or extra CAs are set; None keeps
/// the SDK's own.
pub fn aws_http_client(settings: &NetworkSettings) -> Result<Option<SharedHttpClient>> {
    let trusted = settings.trusted_pem()?;
    if settings.proxy.is_none() && trusted.is_none() {
        return Ok(None);
    }
    let config = match &settings.proxy {
        None => ProxyConfig::disabled(),
        Some(proxy) => {
            let mut config = ProxyConfig::all(proxy.url()).map_err(|e| proxy.invalid(&e))?;
            if let Some((user, password)) = &proxy.credentials {
                config = config.with_basic_auth(user, password.expose());
            }
            if !proxy.exempt_hosts.is_empty() {
                config = config.no_proxy(proxy.no_proxy());
            }
            config
        }
    };
    // The system's CAs, always; the user's on top.
    let mut trust = tls::TrustStore::default();
    if let Some(pem) = trusted {
        trust = trust.with_pem_certificate(pem);
    }
    let context = tls::TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .map_err(|e| {
            Error::new(
                ErrorKind::InvalidProperties,
                format!("TrustedCerts is not usable: {}", describe_chain(&e)),
            )
        })?;
    // As the SDK's default client, with the proxy and the CAs added.
    let client = aws_smithy_http_client::Builder::new().build_with_connector_fn(
        move |settings, components| {
            let mut builder = Connector::builder().proxy_config(config.clone());
            builder.set_connector_settings(settings.cloned());
            if let Some(components) = components {
                builder.set_sleep_impl(components.sleep_impl());
            }
            builder
                .tls_provider(tls::Provider::Rustls(
                    tls::rustls_provider::CryptoMode::AwsLc,
                ))
                .tls_context(context.clone())
                .build()
        },
    );
    Ok(Some(client))
}

/// The identity provider's HTTP client: through the proxy only with
/// ProxyEnabledForIdP, as the official drivers do.
pub fn idp_http_client(settings: &NetworkSettings, timeout: Duration) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder().timeout(timeout).no_proxy();
    if let Some(pem) = settings.trusted_pem()? {
        for certificate in reqwest::Certificate::from_pem_bundle(&pem).unwrap_or_default() {
            builder = builder.add_root_certificate(certificate);
        }
    }
    if let (Some(proxy), true) = (&settings.proxy, settings.proxy_for_idp) {
        let mut through = reqwest::Proxy::all(proxy.url()).map_err(|e| proxy.invalid(&e))?;
        if let Some((user, password)) = &proxy.credentials {
            through = through.basic_auth(user, password.expose());
        }
        through = through.no_proxy(reqwest::NoProxy::from_string(&proxy.no_proxy()));
        builder = builder.proxy(through);
    }
    builder.build().map_err(|e| {
        Error::internal(format!(
            "cannot build the HTTP client: {}",
            describe_chain(&e)
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxy() -> Proxy {
        Proxy {
            host: "proxy.corp".into(),
            port: 3128,
            credentials: Some(("alice".into(), Secret::new("s3cret-pass"))),
            exempt_hosts: vec!["localhost".into(), "*.internal.corp".into()],
        }
    }

    #[test]
    fn the_password_never_shows() {
        let settings = NetworkSettings {
            proxy: Some(proxy()),
            proxy_for_idp: true,
            trusted_certs: None,
        };
        let shown = format!("{settings:?}");
        assert!(shown.contains("proxy.corp:3128 as alice"), "{shown}");
        assert!(!shown.contains("s3cret-pass"), "{shown}");
    }

    #[test]
    fn exempt_hosts_take_the_no_proxy_form() {
        assert_eq!(proxy().no_proxy(), "localhost,.internal.corp");
        let v6 = Proxy {
            host: "::1".into(),
            ..proxy()
        };
        assert_eq!(v6.url(), "http://[::1]:3128");
    }
}
