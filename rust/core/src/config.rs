//! Typed connection settings, built from the registry's raw properties with
//! every problem collected, so the user sees them all in one exception.

use std::fmt;
use std::time::Duration;

use crate::error::{Error, ErrorKind, Result};
use crate::properties::{self, Auth, RawProperties, Status, ValueType};

/// A value that must never be printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

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
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollPolicy {
    pub min: Duration,
    pub max: Duration,
    pub multiplier: f64,
}

impl PollPolicy {
    pub fn next(&self, current: Duration) -> Duration {
        current.mul_f64(self.multiplier).clamp(self.min, self.max)
    }
}

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
    pub poll: PollPolicy,
    pub athena_endpoint: Option<String>,
    pub application_name: Option<String>,
    pub num_retries: Option<u32>,
    pub network_timeout: Option<Duration>,
    pub auth: Auth,
    pub credentials: Credentials,
}

impl ConnectionConfig {
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
        }
        .build();
        match config {
            Some(config) if problems.is_empty() => Ok(config),
            _ => Err(properties_error(&problems)),
        }
    }
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

struct Parser<'a> {
    raw: &'a RawProperties,
    problems: &'a mut Vec<String>,
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
        };
        if poll.min > poll.max {
            self.problems.push("MinQueryExecutionPollingIntervalMillis must not exceed MaxQueryExecutionPollingIntervalMillis".into());
        }
        let auth = auth?;
        let credentials = self.credentials(auth);
        Some(ConnectionConfig {
            region: self.text("Region"),
            catalog: self.text("Catalog").unwrap_or_default(),
            database: self.text("Database").unwrap_or_default(),
            workgroup: self.text("WorkGroup").unwrap_or_default(),
            results,
            fetch_size: self.integer("FetchSize") as u32,
            poll,
            athena_endpoint: self.text("AthenaEndpoint"),
            application_name: self.text("ApplicationName"),
            num_retries: self
                .raw
                .get("NumRetries")
                .map(|_| self.integer("NumRetries") as u32),
            network_timeout: self
                .raw
                .get("NetworkTimeoutMillis")
                .map(|_| Duration::from_millis(self.integer("NetworkTimeoutMillis") as u64)),
            auth,
            credentials: credentials?,
        })
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
            if let Status::NotYet(why) = spec.status {
                let is_default = spec.default.is_some_and(|d| d.eq_ignore_ascii_case(value));
                if !is_default {
                    self.problems
                        .push(format!("{name} is not supported yet: {why}"));
                }
            }
        }
        if self
            .raw
            .get("ResultFetcher")
            .is_some_and(|v| v.eq_ignore_ascii_case("S3"))
        {
            self.problems.push("ResultFetcher=S3 is not supported yet: the S3 result fetcher is not built yet; use auto or GetQueryResults".into());
        }
    }

    /// None when CredentialsProvider names no known flow (check_values reported it).
    fn auth(&mut self) -> Option<Auth> {
        if let Some(value) = self.raw.get("CredentialsProvider") {
            let auth = Auth::parse(value)?;
            if matches!(auth, Auth::Jwt | Auth::JwtTip | Auth::BrowserOidcTip) {
                self.problems.push(format!("CredentialsProvider {} is not supported yet: the federated sign-in flows are not built yet", auth.name()));
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
            Auth::Jwt | Auth::JwtTip | Auth::BrowserOidcTip => return None,
        })
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.raw
            .get(name)
            .or_else(|| properties::find(name).and_then(|s| s.default))
    }

    fn text(&self, name: &str) -> Option<String> {
        self.value(name).map(str::to_string)
    }

    fn integer(&self, name: &str) -> i64 {
        self.value(name).and_then(|v| v.parse().ok()).unwrap_or(0)
    }

    fn number(&self, name: &str) -> f64 {
        self.value(name).and_then(|v| v.parse().ok()).unwrap_or(1.0)
    }

    fn boolean(&self, name: &str) -> bool {
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
        assert_eq!(c.poll.min, Duration::from_millis(100));
        assert_eq!(c.poll.max, Duration::from_millis(5000));
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
            "jdbc:athena://FetchSize=-1;Password=hunter2;ProxyHost=p;JwtRoleArn=x;LogLevel=LOUD",
        )
        .unwrap_err();
        let text = err.to_string();
        assert_eq!(err.kind(), ErrorKind::InvalidProperties);
        for needle in [
            "FetchSize",
            "LogLevel must be one of",
            "ProxyHost is not supported yet",
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
    fn federated_flows_are_rejected_as_not_supported_yet() {
        let err = parse("jdbc:athena://CredentialsProvider=JWT;JwtWebIdentityToken=t;JwtRoleArn=arn:aws:iam::1:role/r;JwtRoleSessionName=s").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotSupported);
    }

    #[test]
    fn a_property_of_another_flow_is_an_error() {
        let err =
            parse("jdbc:athena://CredentialsProvider=DefaultChain;User=AK;Password=x").unwrap_err();
        assert!(err.to_string().contains("User applies only to"), "{err}");
    }

    #[test]
    fn poll_backoff_grows_to_the_maximum() {
        let p = PollPolicy {
            min: Duration::from_millis(100),
            max: Duration::from_millis(500),
            multiplier: 2.0,
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
