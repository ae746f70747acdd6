//! The process-wide cache of sign-ins, and the credentials provider each
//! connection's AWS clients sign with.
//!
//! Identity Center refuses a JWT whose `jti` it has seen, and identity
//! providers ask people to sign in once, so a flow's result is shared by every
//! connection and thread of the process, keyed by a hash of every setting that
//! changes its answer (secrets enter only as their hashes), and with the file
//! cache by other processes.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use aws_credential_types::provider::{self, error::CredentialsError, ProvideCredentials};
use once_cell::sync::Lazy;

use super::flow::{FlowContext, FlowSettings, FlowState};
use super::services::Services;
use super::TemporaryCredentials;
use crate::config::{ConnectionConfig, Credentials};
use crate::error::Result;
use crate::log::Logger;
use crate::secret::sha256_hex;

struct Flow {
    /// The in-memory cache's key: `flow_key`.
    key: String,
    /// The file cache's key: `cache_key` (who signs in, not how they reach AWS).
    file_key: String,
    services: Services,
    state: tokio::sync::Mutex<Box<dyn FlowState>>,
    /// An access key AWS refused as expired, to drop at the next sign-in.
    rejected: Mutex<Option<String>>,
}

static FLOWS: Lazy<Mutex<HashMap<String, Arc<Flow>>>> = Lazy::new(Default::default);

/// Flows kept for connections yet to open; past this, flows no connection
/// holds are dropped (a pool or a BI tool opening connections with ever new
/// settings must not grow the process without end).
const MAX_FLOWS: usize = 64;

/// One connection's view of a shared flow: the credentials provider of its
/// Athena client.
#[derive(Clone)]
pub struct FederatedSignIn {
    flow: Arc<Flow>,
    logger: Logger,
}

impl fmt::Debug for FederatedSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FederatedSignIn({})", &self.flow.key[..12])
    }
}

impl FederatedSignIn {
    /// None for flows that are not federated.
    pub fn for_connection(
        config: &ConnectionConfig,
        services: Services,
        logger: Logger,
    ) -> Option<FederatedSignIn> {
        let Credentials::Federated(federated) = &config.credentials else {
            return None;
        };
        let settings = federated.0.as_ref();
        let file_key = cache_key(config, settings);
        let key = flow_key(config, settings, &file_key);
        let flow = {
            let mut flows = FLOWS.lock().unwrap_or_else(|p| p.into_inner());
            if !flows.contains_key(&key) && flows.len() >= MAX_FLOWS {
                // Only this map holds them: no connection is using them.
                flows.retain(|_, flow| Arc::strong_count(flow) > 1);
            }
            flows
                .entry(key.clone())
                .or_insert_with(|| {
                    Arc::new(Flow {
                        key,
                        file_key,
                        services,
                        state: tokio::sync::Mutex::new(settings.new_state()),
                        rejected: Mutex::new(None),
                    })
                })
                .clone()
        };
        Some(FederatedSignIn { flow, logger })
    }

    /// A sign-in that failed with nothing to keep leaves the process-wide cache,
    /// so the next connection starts afresh (after a wrong setting is fixed, or
    /// the identity provider is back).
    fn drop_if_empty(&self, state: &dyn FlowState) {
        if state.holds_anything() {
            return;
        }
        let mut flows = FLOWS.lock().unwrap_or_else(|p| p.into_inner());
        if flows
            .get(&self.flow.key)
            .is_some_and(|f| Arc::ptr_eq(f, &self.flow))
        {
            flows.remove(&self.flow.key);
            self.logger
                .debug(|| "sign-in failed: its cached flow is dropped".to_string());
        }
    }

    /// AWS refused `access_key_id` as expired: credentials holding it are
    /// not handed out again.
    pub fn reject(&self, access_key_id: &str) {
        let mut rejected = self.flow.rejected.lock().unwrap_or_else(|p| p.into_inner());
        *rejected = Some(access_key_id.to_string());
    }

    /// Valid credentials, from the cache or by running (part of) the flow.
    pub async fn credentials(&self) -> Result<TemporaryCredentials> {
        let mut state = self.flow.state.lock().await;
        let rejected = self
            .flow
            .rejected
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(key) = rejected {
            state.forget(&key, &self.logger);
        }
        let cx = FlowContext {
            services: &self.flow.services,
            logger: &self.logger,
            file_key: &self.flow.file_key,
        };
        let outcome = state.credentials(&cx).await;
        if outcome.is_err() {
            self.drop_if_empty(state.as_ref());
        }
        outcome
    }
}

impl ProvideCredentials for FederatedSignIn {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(async move {
            self.credentials()
                .await
                .map(|c| c.to_sdk())
                .map_err(CredentialsError::provider_error)
        })
    }
}

/// Hex SHA-256 over the flow's inputs; secrets enter only as their hashes.
/// Also the file cache's file name, so its derivation is part of the file
/// cache's documented format: SHA-256 of the `|`-joined fields: `v1`, the
/// flow's name, its identity fields, then Region and endpoints.
fn cache_key(config: &ConnectionConfig, settings: &dyn FlowSettings) -> String {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut all = vec!["v1".to_string(), settings.name().to_string()];
    all.extend(settings.identity_fields());
    all.extend([
        opt(&config.region),
        opt(&config.endpoints.sts),
        opt(&config.endpoints.sso_oidc),
        opt(&config.endpoints.sso_admin),
        opt(&config.athena_endpoint),
    ]);
    sha256_hex(all.join("|").as_bytes())
}

/// The in-memory cache's key: the file cache's key and every other setting
/// that changes how the flow reaches its services or what it answers (a
/// corrected proxy password, another client secret, CA bundle or timeout is
/// another flow). Secrets enter as their SHA-256 only.
fn flow_key(config: &ConnectionConfig, settings: &dyn FlowSettings, file_key: &str) -> String {
    let network = &config.network;
    let mut fields = vec![
        "flow-v1".to_string(),
        file_key.to_string(),
        format!("{:?}", config.network_timeout),
        format!("{:?}", config.num_retries),
        config.application_name.clone().unwrap_or_default(),
        network.proxy_for_idp.to_string(),
        network
            .trusted_certs
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
    ];
    match &network.proxy {
        None => fields.push("direct".into()),
        Some(p) => {
            fields.push(format!("{}:{}", p.host, p.port));
            fields.push(p.exempt_hosts.join(","));
            if let Some((user, password)) = &p.credentials {
                fields.push(user.clone());
                fields.push(password.hashed());
            }
        }
    }
    fields.push(settings.file_cache().to_string());
    fields.extend(settings.other_fields());
    sha256_hex(fields.join("|").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_of(url: &str) -> (String, String) {
        let config = ConnectionConfig::from_url(url, &[]).unwrap();
        let Credentials::Federated(f) = &config.credentials else {
            panic!("not federated: {url}")
        };
        let file_key = cache_key(&config, f.0.as_ref());
        (flow_key(&config, f.0.as_ref(), &file_key), file_key)
    }

    #[test]
    fn the_flow_key_changes_with_every_setting_that_changes_the_answer() {
        let base = "jdbc:athena://Region=us-east-1;CredentialsProvider=BrowserOidcTip;IdpWellKnownConfigurationUrl=https://idp.example.com/.well-known/openid-configuration;OidcClientId=c;WorkGroupArn=arn:aws:athena:us-east-1:1:workgroup/w;ApplicationRoleArn=arn:aws:iam::1:role/a;JwtRoleSessionName=s";
        let (key, file_key) = keys_of(base);
        assert_eq!(key, keys_of(base).0, "the same settings share one flow");
        let variants = [
            "OidcClientSecret=s3cret-one",
            "ProxyHost=proxy.example.com;ProxyPort=3128",
            "ProxyHost=proxy.example.com;ProxyPort=3129",
            "ProxyHost=proxy.example.com;ProxyPort=3128;ProxyUsername=u;ProxyPassword=wrong-pass",
            "ProxyHost=proxy.example.com;ProxyPort=3128;ProxyUsername=u;ProxyPassword=right-pass",
            "ProxyHost=proxy.example.com;ProxyPort=3128;ProxyEnabledForIdP=true",
            "TrustedCerts=/etc/ssl/one.pem",
            "NetworkTimeoutMillis=5000",
            "IdpResponseTimeout=30",
            "JwtTipFileCache=1",
        ];
        let mut keys = vec![key];
        for extra in variants {
            let (k, _) = keys_of(&format!("{base};{extra}"));
            assert!(!keys.contains(&k), "{extra} must be a flow of its own");
            assert!(!k.contains("s3cret") && !k.contains("pass"));
            keys.push(k);
        }
        // The file cache's name stays who signs in, not how AWS is reached.
        assert_eq!(
            file_key,
            keys_of(&format!("{base};ProxyHost=p;ProxyPort=1")).1
        );
    }

    #[test]
    fn the_cache_key_hides_the_token_and_keeps_its_documented_form() {
        let url = "jdbc:athena://CredentialsProvider=JWT;JwtWebIdentityToken=eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln;JwtRoleArn=arn:aws:iam::1:role/r;JwtRoleSessionName=s;Region=us-east-1";
        let (_, key) = keys_of(url);
        assert_eq!(key.len(), 64);
        assert!(!key.contains("eyJ"));
        // Files written by earlier versions keep their names.
        let token_hash = sha256_hex(b"eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln");
        let documented = format!("v1|JWT|{token_hash}|arn:aws:iam::1:role/r|s|3600|us-east-1||||");
        assert_eq!(key, sha256_hex(documented.as_bytes()));
    }
}
