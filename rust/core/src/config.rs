//! Typed connection settings, built from the registry's raw properties with
//! every problem collected, so the user sees them all in one exception.

use std::time::Duration;

use crate::auth::flow::Federated;
use crate::error::{Error, ErrorKind, Result};
use crate::fetch::{FetchSettings, FetcherChoice};
use crate::network::{NetworkSettings, Proxy};
use crate::properties::{self, Auth, RawProperties, Status, ValueType};
use crate::secret::Secret;

#[derive(Debug, Clone, PartialEq)]
pub enum Credentials {
    Static {
        access_key_id: String,
        secret_access_key: Secret,
        session_token: Option<Secret>,
    },
    DefaultChain {
        profile: Option<String>,
    },
    Profile {
        profile: Option<String>,
    },
    InstanceProfile,
    /// A federated sign-in flow (`auth::flows`).
    Federated(Federated),
}

/// Endpoint overrides of the services the federated flows call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceEndpoints {
    pub sts: Option<String>,
    pub sso_oidc: Option<String>,
    pub sso_admin: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Off,
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    fn parse(value: &str) -> LogLevel {
        match value.to_ascii_uppercase().as_str() {
            "ERROR" => LogLevel::Error,
            "WARN" => LogLevel::Warn,
            "INFO" => LogLevel::Info,
            "DEBUG" => LogLevel::Debug,
            "TRACE" => LogLevel::Trace,
            _ => LogLevel::Off,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            LogLevel::Off => "OFF",
            LogLevel::Error => "ERROR",
            LogLevel::Warn => "WARN",
            LogLevel::Info => "INFO",
            LogLevel::Debug => "DEBUG",
            LogLevel::Trace => "TRACE",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogSettings {
    pub level: LogLevel,
    /// Folder of the log file; the system temp folder when not given.
    pub path: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollPolicy {
    pub min: Duration,
    pub max: Duration,
    pub multiplier: f64,
    /// GetQueryExecution calls per second shared by the process's queries.
    pub per_second: u32,
}

impl PollPolicy {
    pub fn next(&self, current: Duration) -> Duration {
        current.mul_f64(self.multiplier).clamp(self.min, self.max)
    }
}

/// Ranged GETs in flight per result with UseMultipleS3Threads (the default).
pub const DEFAULT_S3_THREADS: usize = 4;
/// Bytes per ranged GET unless S3ResultBlockSize says otherwise.
pub const DEFAULT_S3_BLOCK_SIZE: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct ResultSettings {
    pub output_location: Option<String>,
    pub encryption_option: Option<String>,
    pub kms_key: Option<String>,
    pub expected_bucket_owner: Option<String>,
    pub acl_option: Option<String>,
    pub reuse_max_age_minutes: Option<i32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionConfig {
    pub region: Option<String>,
    pub catalog: String,
    pub database: String,
    pub workgroup: String,
    pub results: ResultSettings,
    pub fetch_size: u32,
    /// StringColumnLength: the precision reported for an unbounded varchar.
    pub string_column_length: i32,
    /// TimestampWithTimeZoneAsTimestamp: report those columns as JDBC TIMESTAMP.
    pub zoned_timestamps_as_timestamp: bool,
    pub poll: PollPolicy,
    /// MaxBytesScannedPerQuery and ScanCostWarning.
    pub scan_guard: crate::query::ScanGuard,
    pub athena_endpoint: Option<String>,
    /// S3 endpoint of the S3 fetcher (path-style addressing when set).
    pub s3_endpoint: Option<String>,
    /// Glue endpoint of the nested catalogs' listing (GetCatalogs).
    pub glue_endpoint: Option<String>,
    /// GlueCatalogs: getCatalogs lists Glue's nested catalogs too.
    pub glue_catalogs: bool,
    pub fetch: FetchSettings,
    pub application_name: Option<String>,
    pub num_retries: Option<u32>,
    pub network_timeout: Option<Duration>,
    /// SocketTimeout: how long an attempt may go without a byte from AWS
    /// (waiting for the answer to begin, or in the middle of it).
    pub socket_timeout: Duration,
    /// CallTimeoutMillis: how long one AWS call may take, retries included.
    pub call_timeout: Duration,
    pub endpoints: ServiceEndpoints,
    pub network: NetworkSettings,
    pub log: LogSettings,
    pub auth: Auth,
    pub credentials: Credentials,
    /// Properties accepted without effect, reported as SQLWarnings on the connection.
    pub warnings: Vec<String>,
}

impl ConnectionConfig {
    /// Who the connection signs in as, for `DatabaseMetaData.getUserName`: the
    /// access key id or the role session name (never a secret).
    pub fn user_name(&self) -> Option<&str> {
        match &self.credentials {
            Credentials::Static { access_key_id, .. } => Some(access_key_id),
            Credentials::Federated(flow) => flow.0.user_name(),
            Credentials::DefaultChain { profile } | Credentials::Profile { profile } => {
                profile.as_deref()
            }
            Credentials::InstanceProfile => None,
        }
    }

    /// Parses a JDBC URL plus `Properties` pairs (which must agree with the URL
    /// where both name a property).
    pub fn from_url(url: &str, extra: &[(String, String)]) -> Result<ConnectionConfig> {
        let mut problems = Vec::new();
        let mut pairs = properties::split_url(url, &mut problems);
        pairs.extend(extra.iter().cloned());
        let raw = properties::collect(&pairs, &mut problems);
        let config = Parser {
            raw: &raw,
            problems: &mut problems,
            warnings: Vec::new(),
        }
        .build();
        match config {
            Some(config) if problems.is_empty() => Ok(config),
            _ => Err(properties_error(&problems)),
        }
    }
}

/// The fetch settings of a connection that sets none, for readers without a
/// connection (an export's, on another machine).
pub fn default_fetch_settings() -> FetchSettings {
    let mut problems = Vec::new();
    let raw = properties::collect(&[], &mut problems);
    Parser {
        raw: &raw,
        problems: &mut problems,
        warnings: Vec::new(),
    }
    .fetch_settings()
}

fn properties_error(problems: &[String]) -> Error {
    let only_not_supported = problems.iter().all(|p| p.contains("not supported yet"));
    let kind = if only_not_supported {
        ErrorKind::NotSupported
    } else {
        ErrorKind::InvalidProperties
    };
    let noun = if problems.len() == 1 {
        "problem"
    } else {
        "problems"
    };
    let mut message = format!("Invalid connection properties ({} {noun}):", problems.len());
    for problem in problems {
        message.push_str("\n  - ");
        message.push_str(problem);
    }
    Error::new(kind, message)
}

/// Reads typed values from the raw properties, collecting every problem;
/// the sign-in flows read their own settings through it.
pub(crate) struct Parser<'a> {
    raw: &'a RawProperties,
    problems: &'a mut Vec<String>,
    warnings: Vec<String>,
}

impl Parser<'_> {
    fn build(mut self) -> Option<ConnectionConfig> {
        self.check_values();
        // With an unknown flow, scope and required checks would only add noise.
        let auth = self.auth();
        if let Some(auth) = auth {
            self.check_scope(auth);
        }
        let results = ResultSettings {
            output_location: self.text("OutputLocation"),
            encryption_option: self
                .text("EncryptionOption")
                .map(|v| v.to_ascii_uppercase()),
            kms_key: self.text("KmsKey"),
            expected_bucket_owner: self.text("ExpectedBucketOwner"),
            acl_option: self.text("AclOption").map(|v| v.to_ascii_uppercase()),
            reuse_max_age_minutes: if self.boolean("EnableResultReuseByAge") {
                Some(self.integer("MaxResultReuseAgeInMinutes") as i32)
            } else {
                if self.raw.get("MaxResultReuseAgeInMinutes").is_some() {
                    self.problems.push(
                        "MaxResultReuseAgeInMinutes applies only with EnableResultReuseByAge=true"
                            .into(),
                    );
                }
                None
            },
        };
        match (results.encryption_option.as_deref(), &results.kms_key) {
            (Some("SSE_KMS") | Some("CSE_KMS"), None) => self
                .problems
                .push("KmsKey is required with EncryptionOption SSE_KMS or CSE_KMS".into()),
            (Some("SSE_S3") | None, Some(_)) => self
                .problems
                .push("KmsKey applies only with EncryptionOption SSE_KMS or CSE_KMS".into()),
            _ => {}
        }
        let poll = PollPolicy {
            min: Duration::from_millis(
                self.integer("MinQueryExecutionPollingIntervalMillis") as u64
            ),
            max: Duration::from_millis(
                self.integer("MaxQueryExecutionPollingIntervalMillis") as u64
            ),
            multiplier: self.number("QueryExecutionPollingIntervalMultiplier"),
            per_second: self.integer("MaxQueryExecutionPollsPerSecond") as u32,
        };
        if self.given("PricePerTerabyteScanned") && !self.boolean("ScanCostWarning") {
            self.problems
                .push("PricePerTerabyteScanned applies only with ScanCostWarning=true".into());
        }
        if poll.min > poll.max {
            self.problems.push("MinQueryExecutionPollingIntervalMillis must not exceed MaxQueryExecutionPollingIntervalMillis".into());
        }
        let auth = auth?;
        let credentials = self.credentials(auth);
        let (region, workgroup) = self.region_and_workgroup();
        if let Some(level) = self.raw.get("LogLevel") {
            if LogLevel::parse(level) == LogLevel::Off && self.raw.get("LogPath").is_some() {
                self.problems
                    .push("LogPath applies only with a LogLevel other than OFF".into());
            }
        } else if self.raw.get("LogPath").is_some() {
            self.problems
                .push("LogPath applies only with a LogLevel other than OFF".into());
        }
        Some(ConnectionConfig {
            region,
            catalog: self.text("Catalog").unwrap_or_default(),
            database: self.text("Database").unwrap_or_default(),
            workgroup,
            results,
            fetch_size: self.integer("FetchSize") as u32,
            string_column_length: i32::try_from(self.integer("StringColumnLength"))
                .unwrap_or(crate::types::DEFAULT_STRING_COLUMN_LENGTH),
            zoned_timestamps_as_timestamp: self.boolean("TimestampWithTimeZoneAsTimestamp"),
            poll,
            scan_guard: crate::query::ScanGuard {
                max_bytes: self
                    .raw
                    .get("MaxBytesScannedPerQuery")
                    .map(|_| self.integer("MaxBytesScannedPerQuery") as u64),
                price_per_tb: self
                    .boolean("ScanCostWarning")
                    .then(|| self.number("PricePerTerabyteScanned")),
            },
            athena_endpoint: self.text("AthenaEndpoint"),
            s3_endpoint: self.text("S3Endpoint"),
            glue_endpoint: self.text("GlueEndpoint"),
            glue_catalogs: self.boolean("GlueCatalogs"),
            fetch: self.fetch_settings(),
            application_name: self.text("ApplicationName"),
            num_retries: self
                .raw
                .get("NumRetries")
                .map(|_| self.integer("NumRetries") as u32),
            network_timeout: self
                .raw
                .get("NetworkTimeoutMillis")
                .map(|_| Duration::from_millis(self.integer("NetworkTimeoutMillis") as u64)),
            socket_timeout: Duration::from_millis(match self.integer("SocketTimeout") {
                // ODBC's RequestTimeout=0 means the default.
                0 => crate::session::DEFAULT_SOCKET_TIMEOUT.as_millis() as u64,
                ms => ms as u64,
            }),
            call_timeout: Duration::from_millis(self.integer("CallTimeoutMillis").max(1) as u64),
            endpoints: ServiceEndpoints {
                sts: self.text("StsEndpoint"),
                sso_oidc: self.text("SsoOidcEndpoint"),
                sso_admin: self.text("SsoAdminEndpoint"),
            },
            network: self.network(),
            log: LogSettings {
                level: LogLevel::parse(self.value("LogLevel").unwrap_or("OFF")),
                path: self.text("LogPath").map(std::path::PathBuf::from),
            },
            auth,
            credentials: credentials?,
            warnings: std::mem::take(&mut self.warnings),
        })
    }

    /// The proxy and the CAs TLS trusts.
    fn network(&mut self) -> NetworkSettings {
        let trusted_certs = self.text("TrustedCerts").map(std::path::PathBuf::from);
        NetworkSettings {
            trusted_certs,
            ..self.proxy()
        }
    }

    /// The proxy: on with ProxyHost (or UseProxy=1, which then needs it).
    fn proxy(&mut self) -> NetworkSettings {
        let given = |name: &str| self.raw.get(name).is_some();
        let use_proxy = self.raw.get("UseProxy").and_then(parse_bool);
        let proxy_for_idp = self.boolean("ProxyEnabledForIdP");
        let Some(host) = self.text("ProxyHost").filter(|h| !h.trim().is_empty()) else {
            let dependent = [
                "ProxyPort",
                "ProxyUsername",
                "ProxyPassword",
                "ProxyExemptHosts",
                "ProxyEnabledForIdP",
            ];
            for name in dependent.into_iter().filter(|n| given(n)) {
                self.problems
                    .push(format!("{name} applies only with ProxyHost"));
            }
            if use_proxy == Some(true) {
                self.problems
                    .push("UseProxy=1 needs ProxyHost and ProxyPort".into());
            }
            return NetworkSettings::default();
        };
        if use_proxy == Some(false) {
            self.problems.push(format!(
                "ProxyHost {host} is set but UseProxy=0 turns the proxy off; remove one of them"
            ));
            return NetworkSettings::default();
        }
        if !given("ProxyPort") {
            self.problems
                .push(format!("ProxyPort is required with ProxyHost {host}"));
        }
        let credentials = match (self.text("ProxyUsername"), self.raw.get("ProxyPassword")) {
            (Some(user), Some(password)) => Some((user, Secret::new(password))),
            (None, None) => None,
            (Some(_), None) => {
                self.problems
                    .push("ProxyUsername needs ProxyPassword".into());
                None
            }
            (None, Some(_)) => {
                self.problems
                    .push("ProxyPassword needs ProxyUsername".into());
                None
            }
        };
        let exempt_hosts = self
            .text("ProxyExemptHosts")
            .unwrap_or_default()
            .split(['|', ','])
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(str::to_string)
            .collect();
        NetworkSettings {
            proxy: Some(Proxy {
                host: host.trim().to_string(),
                port: u16::try_from(self.integer("ProxyPort")).unwrap_or(0),
                credentials,
                exempt_hosts,
            }),
            proxy_for_idp,
            trusted_certs: None,
        }
    }

    /// Type checks every given value and rejects what is not built yet.
    fn check_values(&mut self) {
        let names: Vec<&'static str> = self.raw.names().collect();
        for name in names {
            let Some(spec) = properties::find(name) else {
                continue;
            };
            let Some(value) = self.raw.get(name) else {
                continue;
            };
            let shown = if spec.secret {
                "(secret value not shown)".to_string()
            } else {
                format!("'{value}'")
            };
            // The sign-in flow's value is checked where the flow is chosen.
            if spec.name == "CredentialsProvider" {
                continue;
            }
            let problem = match spec.value_type {
                ValueType::Text => None,
                ValueType::Boolean => parse_bool(value).is_none().then(|| format!("{name} must be true or false (or 1 or 0), not {shown}")),
                ValueType::Integer { min, max } => match value.parse::<i64>() {
                    Ok(v) if v >= min && v <= max => None,
                    _ => Some(format!("{name} must be a whole number from {min} to {max}, not {shown}")),
                },
                ValueType::Number { min } => match value.parse::<f64>() {
                    Ok(v) if v.is_finite() && v >= min => None,
                    _ => Some(format!("{name} must be a number of at least {min}, not {shown}")),
                },
                ValueType::Choice(choices) => (!choices.iter().any(|c| c.eq_ignore_ascii_case(value)))
                    .then(|| format!("{name} must be one of {}, not {shown}", choices.join(", "))),
                ValueType::S3Uri => (!value.starts_with("s3://") || value.len() <= 5)
                    .then(|| format!("{name} must be an s3:// location, not {shown}")),
                ValueType::Url => (!(value.starts_with("http://") || value.starts_with("https://")) || value.contains(' '))
                    .then(|| format!("{name} must be an http:// or https:// URL, not {shown}")),
                ValueType::Arn => (!value.starts_with("arn:") || value.split(':').count() < 6)
                    .then(|| format!("{name} must be an ARN (arn:partition:service:region:account:resource), not {shown}")),
            };
            if let Some(problem) = problem {
                self.problems.push(problem);
                continue;
            }
            match spec.status {
                Status::NotYet(why) => {
                    let is_default = spec.default.is_some_and(|d| {
                        d.eq_ignore_ascii_case(value)
                            || (spec.value_type == ValueType::Boolean
                                && parse_bool(d) == parse_bool(value))
                    });
                    if !is_default {
                        self.problems
                            .push(format!("{name} is not supported yet: {why}"));
                    }
                }
                Status::NoEffect(why) => self.warnings.push(format!(
                    "{name} is accepted but has no effect with this driver: {why}"
                )),
                Status::Supported => {}
            }
        }
        if self
            .raw
            .get("ResultFetcher")
            .is_some_and(|v| v.eq_ignore_ascii_case("GetQueryResultsStream"))
        {
            self.problems.push("ResultFetcher=GetQueryResultsStream is not supported yet: results are not read through the streaming API; use auto, S3 or GetQueryResults".into());
        }
    }

    /// None when CredentialsProvider names no known flow (check_values reported it).
    fn auth(&mut self) -> Option<Auth> {
        if let Some(value) = self.raw.get("CredentialsProvider") {
            let Some(auth) = Auth::parse(value) else {
                let spec = properties::find("CredentialsProvider")?;
                self.problems.push(format!(
                    "CredentialsProvider must be one of {}, not '{value}'",
                    spec.choices().join(", ")
                ));
                return None;
            };
            if !auth.is_built() {
                self.problems.push(format!(
                    "CredentialsProvider={value}: sign-in with {} is not supported yet; use one of DefaultChain, ProfileCredentials, InstanceProfile, JWT, JWT_TIP, BrowserOidcTip, BrowserSSOOIDC, AzureAD, BrowserAzureAD, Okta, Ping, ADFS, BrowserSaml, External Credentials, a credentials provider class, or User and Password",
                    auth.name()
                ));
                return None;
            }
            return Some(auth);
        }
        Some(
            if self.raw.get("User").is_some() || self.raw.get("Password").is_some() {
                Auth::StaticKeys
            } else if self.raw.get("ProfileName").is_some() {
                Auth::Profile
            } else {
                Auth::DefaultChain
            },
        )
    }

    /// Nothing the user gave is ignored: a property of another flow is an error.
    fn check_scope(&mut self, auth: Auth) {
        let names: Vec<&'static str> = self.raw.names().collect();
        for name in names {
            let Some(spec) = properties::find(name) else {
                continue;
            };
            if !spec.applies_to(auth) {
                let properties::Scope::Only(flows) = spec.scope else {
                    continue;
                };
                let list: Vec<&str> = flows.iter().map(|a| a.name()).collect();
                self.problems.push(format!(
                    "{name} applies only to {}, but the sign-in flow is {}",
                    list.join(", "),
                    auth.name()
                ));
            }
        }
        for spec in properties::REGISTRY {
            if spec.required_for.contains(&auth) && self.raw.get(spec.name).is_none() {
                self.problems
                    .push(format!("{} is required for {}", spec.name, auth.name()));
            }
        }
    }

    fn credentials(&mut self, auth: Auth) -> Option<Credentials> {
        Some(match auth {
            Auth::StaticKeys => Credentials::Static {
                access_key_id: self.text("User").unwrap_or_default(),
                secret_access_key: Secret::new(self.text("Password").unwrap_or_default()),
                session_token: self.text("SessionToken").map(Secret::new),
            },
            Auth::DefaultChain => Credentials::DefaultChain {
                profile: self.text("ProfileName"),
            },
            Auth::Profile => Credentials::Profile {
                profile: self.text("ProfileName"),
            },
            Auth::InstanceProfile => Credentials::InstanceProfile,
            // auth() refuses the flows that are not built.
            federated => Credentials::Federated(crate::auth::flows::parse(federated, self)??),
        })
    }

    /// Seed 000 gives JWT_TIP a default of 900 seconds; the other flows 3600.
    pub(crate) fn session_duration(&self, auth: Auth) -> Duration {
        let seconds = match self.raw.get("RoleSessionDuration") {
            Some(_) => self.integer("RoleSessionDuration"),
            None if auth == Auth::JwtTip => 900,
            None => self.integer("RoleSessionDuration"),
        };
        Duration::from_secs(seconds as u64)
    }

    /// With trusted identity propagation the workgroup ARN names a workgroup and
    /// its Region, so WorkGroup and Region follow it unless given.
    fn region_and_workgroup(&mut self) -> (Option<String>, String) {
        let region = self.raw.get("Region").map(str::to_string);
        let workgroup = self.raw.get("WorkGroup").map(str::to_string);
        let Some(arn) = self.raw.get("WorkGroupArn").map(str::to_string) else {
            return (
                region,
                workgroup
                    .or_else(|| self.text("WorkGroup"))
                    .unwrap_or_default(),
            );
        };
        let Some(parsed) = crate::auth::arns::WorkGroupArn::parse(&arn) else {
            self.problems.push(format!(
                "WorkGroupArn must look like arn:aws:athena:REGION:ACCOUNT:workgroup/NAME, not '{arn}'"
            ));
            return (region, workgroup.unwrap_or_default());
        };
        if let Some(given) = &region {
            if given != &parsed.region {
                self.problems.push(format!(
                    "Region '{given}' differs from the Region '{}' in WorkGroupArn",
                    parsed.region
                ));
            }
        }
        // Seed 004: WorkGroupArn holds the tags, WorkGroup is where queries run;
        // usually the same workgroup, so the ARN's is the default.
        (
            Some(region.unwrap_or(parsed.region)),
            workgroup.unwrap_or(parsed.name),
        )
    }

    /// ResultFetcher, with the ODBC driver's EnableS3Fetcher and S3 download settings.
    fn fetch_settings(&mut self) -> FetchSettings {
        let named = self.raw.get("ResultFetcher").map(|v| {
            if v.eq_ignore_ascii_case("S3") {
                FetcherChoice::S3
            } else if v.eq_ignore_ascii_case("GetQueryResults")
                || v.eq_ignore_ascii_case("GetQueryResultsStream")
            {
                FetcherChoice::GetQueryResults
            } else {
                FetcherChoice::Auto
            }
        });
        let odbc = self.raw.get("EnableS3Fetcher").and_then(parse_bool);
        let choice = match (named, odbc) {
            (Some(FetcherChoice::S3), Some(false))
            | (Some(FetcherChoice::GetQueryResults), Some(true)) => {
                self.problems.push(
                    "EnableS3Fetcher contradicts ResultFetcher; give only ResultFetcher".into(),
                );
                FetcherChoice::Auto
            }
            (Some(choice), _) => choice,
            (None, Some(true)) => FetcherChoice::Auto,
            (None, Some(false)) => FetcherChoice::GetQueryResults,
            (None, None) => FetcherChoice::Auto,
        };
        let threads = match self.raw.get("UseMultipleS3Threads").and_then(parse_bool) {
            Some(false) => 1,
            _ => DEFAULT_S3_THREADS,
        };
        let block_size = match self.raw.get("S3ResultBlockSize") {
            Some(_) => self.integer("S3ResultBlockSize") as u64,
            None => DEFAULT_S3_BLOCK_SIZE,
        };
        // NumRetries=0 asks for no retries: result reads fail at the first error too.
        let retries_off = self.raw.get("NumRetries").is_some() && self.integer("NumRetries") == 0;
        FetchSettings {
            choice,
            s3_threads: threads,
            s3_block_size: block_size,
            unload: self.boolean("Unload"),
            page_bytes: self.integer("PageByteBudget") as usize,
            // A third of CallTimeoutMillis (20 s by default): retries stop
            // three windows after a call began, so a call ends within it.
            retry_window: if retries_off {
                std::time::Duration::ZERO
            } else {
                Duration::from_millis(self.integer("CallTimeoutMillis").max(3) as u64) / 3
            },
        }
    }

    pub(crate) fn value(&self, name: &str) -> Option<&str> {
        self.raw
            .get(name)
            .or_else(|| properties::find(name).and_then(|s| s.default))
    }

    pub(crate) fn text(&self, name: &str) -> Option<String> {
        self.value(name).map(str::to_string)
    }

    pub(crate) fn integer(&self, name: &str) -> i64 {
        self.value(name).and_then(|v| v.parse().ok()).unwrap_or(0)
    }

    /// Whether the user gave the property (rather than its default applying).
    pub(crate) fn given(&self, name: &str) -> bool {
        self.raw.get(name).is_some()
    }

    /// A problem with the given properties, shown with the others.
    pub(crate) fn problem(&mut self, problem: String) {
        self.problems.push(problem);
    }

    fn number(&self, name: &str) -> f64 {
        self.value(name).and_then(|v| v.parse().ok()).unwrap_or(1.0)
    }

    pub(crate) fn boolean(&self, name: &str) -> bool {
        self.value(name).and_then(parse_bool).unwrap_or(false)
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<ConnectionConfig> {
        ConnectionConfig::from_url(url, &[])
    }

    #[test]
    fn defaults_apply() {
        let c = parse("jdbc:athena://Region=us-east-1").unwrap();
        assert_eq!(c.catalog, "AwsDataCatalog");
        assert_eq!(c.database, "default");
        assert_eq!(c.workgroup, "primary");
        assert_eq!(c.auth, Auth::DefaultChain);
        assert_eq!(c.poll.min, Duration::from_millis(50));
        assert_eq!(c.poll.max, Duration::from_millis(1000));
        assert_eq!(c.poll.multiplier, 1.25);
        assert_eq!(c.poll.per_second, 50);
    }

    #[test]
    fn static_keys_from_user_and_password_with_odbc_names() {
        let c = parse("jdbc:athena://UID=AKID;PWD=s3cr3t-value;AwsRegion=eu-west-1;Schema=sales")
            .unwrap();
        assert_eq!(c.auth, Auth::StaticKeys);
        assert_eq!(c.database, "sales");
        assert_eq!(c.region.as_deref(), Some("eu-west-1"));
        assert!(!format!("{c:?}").contains("s3cr3t-value"));
    }

    #[test]
    fn all_problems_at_once_without_secrets() {
        let err = parse(
            "jdbc:athena://FetchSize=-1;Password=hunter2;UseResultsetStreaming=1;JwtRoleArn=x;LogLevel=LOUD",
        )
        .unwrap_err();
        let text = err.to_string();
        assert_eq!(err.kind(), ErrorKind::InvalidProperties);
        for needle in [
            "FetchSize",
            "LogLevel must be one of",
            "UseResultsetStreaming is not supported yet",
            "JwtRoleArn must be an ARN",
            "User is required",
        ] {
            assert!(text.contains(needle), "missing {needle} in {text}");
        }
        assert!(!text.contains("hunter2"));
    }

    #[test]
    fn an_unknown_flow_is_one_problem_not_many() {
        let err = parse("jdbc:athena://CredentialsProvider=Magic;Password=x").unwrap_err();
        assert!(err.to_string().contains("(1 problem)"), "{err}");
    }

    #[test]
    fn a_property_of_another_flow_is_an_error() {
        let err =
            parse("jdbc:athena://CredentialsProvider=DefaultChain;User=AK;Password=x").unwrap_err();
        assert!(err.to_string().contains("User applies only to"), "{err}");
    }

    #[test]
    fn string_column_length_defaults_to_255_and_has_effect() {
        let default = parse("jdbc:athena://User=AK;Password=x").unwrap();
        assert_eq!(default.string_column_length, 255);
        let c = parse("jdbc:athena://User=AK;Password=x;StringColumnLength=4000").unwrap();
        assert_eq!(c.string_column_length, 4000);
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        assert!(parse("jdbc:athena://User=AK;Password=x;StringColumnLength=0").is_err());
    }

    #[test]
    fn official_settings_without_effect_become_warnings() {
        let c = parse("jdbc:athena://User=AK;Password=x;MetadataRetrievalMethod=ProxyAPI;ConnectionTest=false;UseAwsLogger=1;ComplexTypeColumnLength=255")
            .unwrap();
        assert_eq!(c.warnings.len(), 4, "{:?}", c.warnings);
        assert!(c
            .warnings
            .iter()
            .any(|w| w.starts_with("MetadataRetrievalMethod")));
        let quiet = parse("jdbc:athena://User=AK;Password=x").unwrap();
        assert!(quiet.warnings.is_empty());
    }

    #[test]
    fn flows_not_built_are_named_and_not_supported() {
        let err = parse("jdbc:athena://CredentialsProvider=SageMakerIam").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotSupported, "{err}");
        assert!(err.to_string().contains("SageMakerIam"), "{err}");
        for flow in ["SageMakerBrowserIdc", "DataZoneIdc", "SageMakerIam"] {
            let err = parse(&format!("jdbc:athena://CredentialsProvider={flow}")).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotSupported, "{flow}: {err}");
        }
    }

    #[test]
    fn unknown_keys_stay_errors() {
        let err = parse("jdbc:athena://User=AK;Password=x;ConectionTest=1").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidProperties);
        assert!(
            err.to_string().contains("did you mean ConnectionTest"),
            "{err}"
        );
        let err = parse("jdbc:athena://User=AK;Password=x;client_id=abc").unwrap_err();
        assert!(
            err.to_string().contains("OidcClientId applies only to"),
            "{err}"
        );
    }

    #[test]
    fn poll_backoff_grows_to_the_maximum() {
        let p = PollPolicy {
            min: Duration::from_millis(100),
            max: Duration::from_millis(500),
            multiplier: 2.0,
            per_second: 50,
        };
        assert_eq!(
            p.next(Duration::from_millis(100)),
            Duration::from_millis(200)
        );
        assert_eq!(
            p.next(Duration::from_millis(400)),
            Duration::from_millis(500)
        );
    }
}
