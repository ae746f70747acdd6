//! The property registry: the single source of truth for connection property
//! names, aliases, types, defaults, descriptions and secrecy. Java's
//! `Driver.getPropertyInfo` and the README table are generated from it.

use std::collections::BTreeMap;

/// The sign-in flows a connection can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Auth {
    StaticKeys,
    DefaultChain,
    Profile,
    InstanceProfile,
    Jwt,
    JwtTip,
    BrowserOidcTip,
}

impl Auth {
    /// The canonical spelling (official JDBC 3.x driver) of each flow.
    pub fn name(self) -> &'static str {
        match self {
            Auth::StaticKeys => "static keys (User and Password)",
            Auth::DefaultChain => "DefaultChain",
            Auth::Profile => "ProfileCredentials",
            Auth::InstanceProfile => "InstanceProfile",
            Auth::Jwt => "JWT",
            Auth::JwtTip => "JWT_TIP",
            Auth::BrowserOidcTip => "BrowserOidcTip",
        }
    }

    /// Accepts the JDBC 3.x names and the ODBC 2.x `AuthenticationType` spellings.
    pub fn parse(value: &str) -> Option<Auth> {
        let v = value.trim().to_ascii_lowercase();
        Some(match v.as_str() {
            "defaultchain" | "default credentials" | "default" => Auth::DefaultChain,
            "profilecredentials" | "iam profile" | "profile" => Auth::Profile,
            "instanceprofile" | "instance profile" => Auth::InstanceProfile,
            "iam credentials" | "staticcredentials" => Auth::StaticKeys,
            "jwt" => Auth::Jwt,
            "jwt_tip" => Auth::JwtTip,
            "browseroidctip" => Auth::BrowserOidcTip,
            _ => return None,
        })
    }
}

const FEDERATED: &[Auth] = &[Auth::Jwt, Auth::JwtTip, Auth::BrowserOidcTip];
const TIP: &[Auth] = &[Auth::JwtTip, Auth::BrowserOidcTip];

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueType {
    Text,
    Boolean,
    Integer { min: i64, max: i64 },
    Number { min: f64 },
    Choice(&'static [&'static str]),
    S3Uri,
    Url,
    Arn,
}

/// Where a property means something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Always,
    Only(&'static [Auth]),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Supported,
    /// Parsed and validated, but the behaviour is not built yet: any value other
    /// than the default is rejected rather than ignored.
    NotYet(&'static str),
}

#[derive(Debug)]
pub struct PropertySpec {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub value_type: ValueType,
    pub default: Option<&'static str>,
    pub description: &'static str,
    pub secret: bool,
    pub scope: Scope,
    pub required_for: &'static [Auth],
    pub status: Status,
}

impl PropertySpec {
    pub fn choices(&self) -> &'static [&'static str] {
        match self.value_type {
            ValueType::Choice(values) => values,
            ValueType::Boolean => &["true", "false"],
            _ => &[],
        }
    }

    pub fn applies_to(&self, auth: Auth) -> bool {
        match self.scope {
            Scope::Always => true,
            Scope::Only(flows) => flows.contains(&auth),
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self.value_type {
            ValueType::Text => "text",
            ValueType::Boolean => "boolean",
            ValueType::Integer { .. } => "integer",
            ValueType::Number { .. } => "number",
            ValueType::Choice(_) => "choice",
            ValueType::S3Uri => "s3 uri",
            ValueType::Url => "url",
            ValueType::Arn => "arn",
        }
    }
}

const fn prop(
    name: &'static str,
    value_type: ValueType,
    description: &'static str,
) -> PropertySpec {
    PropertySpec {
        name,
        aliases: &[],
        value_type,
        default: None,
        description,
        secret: false,
        scope: Scope::Always,
        required_for: &[],
        status: Status::Supported,
    }
}

const fn int(min: i64, max: i64) -> ValueType {
    ValueType::Integer { min, max }
}

const PROXY_NOT_YET: Status = Status::NotYet("proxy support is not built yet");
const S3_NOT_YET: Status = Status::NotYet("the S3 result fetcher is not built yet");

pub static REGISTRY: &[PropertySpec] = &[
    PropertySpec { aliases: &["AwsRegion"], ..prop("Region", ValueType::Text, "AWS Region of the Athena endpoint, e.g. us-east-1. Defaults to the SDK's region chain (AWS_REGION, profile).") },
    PropertySpec { default: Some("AwsDataCatalog"), ..prop("Catalog", ValueType::Text, "Data catalog for unqualified table names.") },
    PropertySpec { aliases: &["Schema"], default: Some("default"), ..prop("Database", ValueType::Text, "Database (schema) for unqualified table names.") },
    PropertySpec { default: Some("primary"), ..prop("WorkGroup", ValueType::Text, "Athena workgroup that runs the queries.") },
    PropertySpec { aliases: &["S3OutputLocation", "s3_staging_dir"], ..prop("OutputLocation", ValueType::S3Uri, "s3:// location for query results. Defaults to the workgroup's setting.") },
    PropertySpec { aliases: &["S3OutputEncOption"], ..prop("EncryptionOption", ValueType::Choice(&["SSE_S3", "SSE_KMS", "CSE_KMS"]), "Encryption of query results.") },
    PropertySpec { aliases: &["S3OutputEncKMSKey"], ..prop("KmsKey", ValueType::Text, "KMS key ARN or id, required with SSE_KMS and CSE_KMS.") },
    prop("ExpectedBucketOwner", ValueType::Text, "AWS account id expected to own the output bucket."),
    prop("AclOption", ValueType::Choice(&["BUCKET_OWNER_FULL_CONTROL"]), "Canned ACL for result files."),
    PropertySpec { default: Some("auto"), ..prop("ResultFetcher", ValueType::Choice(&["auto", "S3", "GetQueryResults"]), "How results are read. auto uses GetQueryResults until the S3 fetcher is built.") },
    PropertySpec { aliases: &["RowsToFetchPerBlock"], default: Some("0"), ..prop("FetchSize", int(0, 1_000_000), "Rows per result page; 0 lets the fetcher decide (1000 for GetQueryResults).") },
    PropertySpec { default: Some("false"), ..prop("EnableResultReuseByAge", ValueType::Boolean, "Reuse results of an identical earlier query.") },
    PropertySpec { default: Some("60"), ..prop("MaxResultReuseAgeInMinutes", int(1, 10_080), "Maximum age of reused results, with EnableResultReuseByAge.") },
    PropertySpec { default: Some("100"), ..prop("MinQueryExecutionPollingIntervalMillis", int(1, 3_600_000), "First wait between query state polls.") },
    PropertySpec { default: Some("5000"), ..prop("MaxQueryExecutionPollingIntervalMillis", int(1, 3_600_000), "Longest wait between query state polls.") },
    PropertySpec { default: Some("2"), ..prop("QueryExecutionPollingIntervalMultiplier", ValueType::Number { min: 1.0 }, "Growth factor of the wait between polls.") },
    PropertySpec { aliases: &["EndpointOverride"], ..prop("AthenaEndpoint", ValueType::Url, "Athena endpoint URL, e.g. a VPC endpoint or athena-local.") },
    PropertySpec { scope: Scope::Only(FEDERATED), ..prop("StsEndpoint", ValueType::Url, "STS endpoint URL for the federated sign-in flows.") },
    PropertySpec { scope: Scope::Only(TIP), ..prop("SsoOidcEndpoint", ValueType::Url, "IAM Identity Center OIDC endpoint URL.") },
    PropertySpec { scope: Scope::Only(TIP), ..prop("SsoAdminEndpoint", ValueType::Url, "IAM Identity Center admin endpoint URL.") },
    PropertySpec { status: S3_NOT_YET, ..prop("S3Endpoint", ValueType::Url, "S3 endpoint URL for the S3 result fetcher.") },
    PropertySpec { status: PROXY_NOT_YET, ..prop("ProxyHost", ValueType::Text, "HTTP proxy host.") },
    PropertySpec { status: PROXY_NOT_YET, ..prop("ProxyPort", int(1, 65_535), "HTTP proxy port.") },
    PropertySpec { aliases: &["ProxyUID"], status: PROXY_NOT_YET, ..prop("ProxyUsername", ValueType::Text, "HTTP proxy user.") },
    PropertySpec { aliases: &["ProxyPWD"], secret: true, status: PROXY_NOT_YET, ..prop("ProxyPassword", ValueType::Text, "HTTP proxy password.") },
    PropertySpec { aliases: &["NonProxyHosts"], status: PROXY_NOT_YET, ..prop("ProxyExemptHosts", ValueType::Text, "Hosts reached without the proxy, separated by |.") },
    PropertySpec { default: Some("OFF"), ..prop("LogLevel", ValueType::Choice(&["OFF", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"]), "Driver log level. Secrets are never logged.") },
    prop("LogPath", ValueType::Text, "Folder of the driver log file athena-native-jdbc.log. Defaults to the system temp folder."),
    prop("ApplicationName", ValueType::Text, "Added to the user agent of every AWS call."),
    PropertySpec { aliases: &["MaxErrorRetry"], ..prop("NumRetries", int(0, 100), "Retries of a failed AWS call. Defaults to the SDK's standard retry policy.") },
    prop("NetworkTimeoutMillis", int(1, 86_400_000), "Timeout of each AWS call attempt."),
    PropertySpec {
        aliases: &["AWSCredentialsProviderClass", "AuthenticationType"],
        ..prop(
            "CredentialsProvider",
            ValueType::Choice(&["DefaultChain", "ProfileCredentials", "InstanceProfile", "JWT", "JWT_TIP", "BrowserOidcTip", "IAM Credentials", "IAM Profile", "Default Credentials", "Instance Profile"]),
            "Sign-in flow. Defaults to static keys when User is set, ProfileCredentials when only ProfileName is set, else DefaultChain.",
        )
    },
    PropertySpec { aliases: &["AccessKeyId", "UID"], scope: Scope::Only(&[Auth::StaticKeys]), required_for: &[Auth::StaticKeys], ..prop("User", ValueType::Text, "AWS access key id.") },
    PropertySpec { aliases: &["SecretAccessKey", "PWD"], secret: true, scope: Scope::Only(&[Auth::StaticKeys]), required_for: &[Auth::StaticKeys], ..prop("Password", ValueType::Text, "AWS secret access key.") },
    PropertySpec { secret: true, scope: Scope::Only(&[Auth::StaticKeys]), ..prop("SessionToken", ValueType::Text, "AWS session token of temporary keys.") },
    PropertySpec { scope: Scope::Only(&[Auth::Profile, Auth::DefaultChain]), ..prop("ProfileName", ValueType::Text, "Profile in ~/.aws/config and ~/.aws/credentials.") },
    PropertySpec { aliases: &["web_identity_token"], secret: true, scope: Scope::Only(&[Auth::Jwt, Auth::JwtTip]), required_for: &[Auth::Jwt, Auth::JwtTip], ..prop("JwtWebIdentityToken", ValueType::Text, "JWT from the identity provider.") },
    PropertySpec { aliases: &["role_arn"], scope: Scope::Only(&[Auth::Jwt]), required_for: &[Auth::Jwt], ..prop("JwtRoleArn", ValueType::Arn, "Role assumed with the JWT.") },
    PropertySpec { aliases: &["role_session_name"], scope: Scope::Only(FEDERATED), required_for: FEDERATED, ..prop("JwtRoleSessionName", ValueType::Text, "Name of the role session.") },
    PropertySpec { aliases: &["Duration"], default: Some("3600"), scope: Scope::Only(FEDERATED), ..prop("RoleSessionDuration", int(900, 43_200), "Role session length in seconds (900 by default for JWT_TIP).") },
    PropertySpec { scope: Scope::Only(TIP), required_for: TIP, ..prop("WorkGroupArn", ValueType::Arn, "Workgroup whose tags hold the trusted identity propagation settings.") },
    PropertySpec { scope: Scope::Only(TIP), required_for: TIP, ..prop("ApplicationRoleArn", ValueType::Arn, "Role assumed with the JWT for the token exchange.") },
    PropertySpec { scope: Scope::Only(TIP), ..prop("AccessRoleArn", ValueType::Arn, "Role assumed with the identity context. Defaults to the application's tag.") },
    PropertySpec { scope: Scope::Only(TIP), ..prop("CustomerIdcApplicationArn", ValueType::Arn, "IAM Identity Center application. Defaults to the workgroup's tag.") },
    PropertySpec { aliases: &["EnableTokenCaching"], default: Some("false"), scope: Scope::Only(TIP), ..prop("JwtTipFileCache", ValueType::Boolean, "Also cache credentials in a file under the home folder (~/.athena-native-jdbc/jwt-tip-cache), for other processes.") },
    PropertySpec { scope: Scope::Only(&[Auth::BrowserOidcTip]), required_for: &[Auth::BrowserOidcTip], ..prop("IdpWellKnownConfigurationUrl", ValueType::Url, "OpenID discovery document of the identity provider.") },
    PropertySpec { aliases: &["client_id"], scope: Scope::Only(&[Auth::BrowserOidcTip]), required_for: &[Auth::BrowserOidcTip], ..prop("OidcClientId", ValueType::Text, "Client id registered at the identity provider.") },
    PropertySpec { aliases: &["client_secret"], secret: true, scope: Scope::Only(&[Auth::BrowserOidcTip]), ..prop("OidcClientSecret", ValueType::Text, "Client secret, when the identity provider requires one.") },
    PropertySpec { default: Some("openid email offline_access"), scope: Scope::Only(&[Auth::BrowserOidcTip]), ..prop("Scope", ValueType::Text, "OAuth scopes requested from the identity provider.") },
    PropertySpec { aliases: &["listen_port"], default: Some("7890"), scope: Scope::Only(&[Auth::BrowserOidcTip]), ..prop("IdpPortNumber", int(1, 65_535), "Loopback port of the sign-in callback (redirect http://localhost:PORT/athena).") },
    PropertySpec { default: Some("120"), scope: Scope::Only(&[Auth::BrowserOidcTip]), ..prop("IdpResponseTimeout", int(1, 3_600), "Seconds to wait for the browser sign-in.") },
];

pub fn find(key: &str) -> Option<&'static PropertySpec> {
    let key = key.trim();
    REGISTRY.iter().find(|spec| {
        spec.name.eq_ignore_ascii_case(key)
            || spec.aliases.iter().any(|a| a.eq_ignore_ascii_case(key))
    })
}

/// The URL prefixes this driver answers to.
pub const URL_PREFIXES: [&str; 2] = ["jdbc:athena://", "jdbc:awsathena://"];

pub fn accepts_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    URL_PREFIXES.iter().any(|p| lower.starts_with(p))
}

/// Properties as the user gave them, keyed by the canonical property name.
#[derive(Clone, Default)]
pub struct RawProperties {
    values: BTreeMap<&'static str, String>,
}

impl RawProperties {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.values.keys().copied()
    }
}

impl std::fmt::Debug for RawProperties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in &self.values {
            let secret = find(name).map(|s| s.secret).unwrap_or(true);
            map.entry(name, &if secret { "****" } else { value.as_str() });
        }
        map.finish()
    }
}

/// Splits `jdbc:athena://Key=Value;Key={value;with;semicolons};...` into pairs.
/// A first segment without `=` is a host[:port], as in the legacy 2.x URL form.
pub fn split_url(url: &str, problems: &mut Vec<String>) -> Vec<(String, String)> {
    let trimmed = url.trim();
    let lower = trimmed.to_ascii_lowercase();
    let Some(prefix) = URL_PREFIXES.iter().find(|p| lower.starts_with(*p)) else {
        problems.push(format!(
            "the URL must start with {} (or the legacy {})",
            URL_PREFIXES[0], URL_PREFIXES[1]
        ));
        return Vec::new();
    };
    let body = &trimmed[prefix.len()..];
    let mut pairs = Vec::new();
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    let mut first = true;
    while i < chars.len() {
        let start = i;
        while i < chars.len() && chars[i] != '=' && chars[i] != ';' {
            i += 1;
        }
        let key: String = chars[start..i].iter().collect();
        if i >= chars.len() || chars[i] == ';' {
            let segment = key.trim();
            if !segment.is_empty() {
                if first && !segment.contains('=') {
                    let host = segment.trim_end_matches('/');
                    pairs.push(("AthenaEndpoint".to_string(), format!("https://{host}")));
                } else {
                    problems.push(format!(
                        "URL segment '{segment}' is not of the form Key=Value"
                    ));
                }
            }
            i += 1;
            first = false;
            continue;
        }
        i += 1; // '='
        let mut value = String::new();
        if i < chars.len() && chars[i] == '{' {
            i += 1;
            let mut closed = false;
            while i < chars.len() {
                if chars[i] == '}' {
                    if i + 1 < chars.len() && chars[i + 1] == '}' {
                        value.push('}');
                        i += 2;
                        continue;
                    }
                    closed = true;
                    i += 1;
                    break;
                }
                value.push(chars[i]);
                i += 1;
            }
            if !closed {
                problems.push(format!(
                    "the value of {} opens with {{ but never closes",
                    key.trim()
                ));
            }
            while i < chars.len() && chars[i] != ';' {
                i += 1;
            }
        } else {
            while i < chars.len() && chars[i] != ';' {
                value.push(chars[i]);
                i += 1;
            }
        }
        i += 1; // ';'
        first = false;
        pairs.push((key.trim().to_string(), value.trim().to_string()));
    }
    pairs
}

/// Maps user keys to registry entries. Empty values count as absent (tools such
/// as DBeaver send empty user and password fields). Unknown keys and conflicting
/// values are problems; secrets are never quoted.
pub fn collect(pairs: &[(String, String)], problems: &mut Vec<String>) -> RawProperties {
    let mut raw = RawProperties::default();
    let mut given_as: BTreeMap<&'static str, String> = BTreeMap::new();
    for (key, value) in pairs {
        if value.is_empty() {
            continue;
        }
        let Some(spec) = find(key) else {
            problems.push(unknown_key_message(key));
            continue;
        };
        match raw.values.get(spec.name) {
            Some(existing) if existing != value => {
                let first = given_as.get(spec.name).cloned().unwrap_or_default();
                problems.push(format!(
                    "{} is given twice with different values (as {} and as {})",
                    spec.name, first, key
                ));
            }
            Some(_) => {}
            None => {
                raw.values.insert(spec.name, value.clone());
                given_as.insert(spec.name, key.clone());
            }
        }
    }
    raw
}

fn unknown_key_message(key: &str) -> String {
    let lower = key.to_ascii_lowercase();
    let suggestion = REGISTRY
        .iter()
        .flat_map(|s| {
            std::iter::once(s.name)
                .chain(s.aliases.iter().copied())
                .map(move |n| (n, s.name))
        })
        .map(|(n, canonical)| (edit_distance(&lower, &n.to_ascii_lowercase()), canonical))
        .min_by_key(|(d, _)| *d)
        .filter(|(d, _)| *d <= 3);
    match suggestion {
        Some((_, name)) => format!("unknown property '{key}' (did you mean {name}?)"),
        None => format!("unknown property '{key}'"),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The README's property table, generated so a test can keep the README honest.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| Property | Aliases | Default | Values | Description |\n|---|---|---|---|---|\n",
    );
    for spec in REGISTRY {
        let aliases = spec.aliases.join(", ");
        let default = spec.default.unwrap_or("");
        let values = match spec.value_type {
            ValueType::Choice(c) => c.join(", "),
            ValueType::Integer { min, max } => format!("{min}..{max}"),
            ValueType::Number { min } => format!(">= {min}"),
            _ => spec.type_name().to_string(),
        };
        let mut description = spec.description.to_string();
        if spec.secret {
            description.push_str(" Secret: never logged or shown.");
        }
        if let Status::NotYet(why) = spec.status {
            description.push_str(&format!(" Not supported yet: {why}."));
        }
        if let Scope::Only(flows) = spec.scope {
            let names: Vec<&str> = flows.iter().map(|a| a.name()).collect();
            description.push_str(&format!(" Used by: {}.", names.join(", ")));
        }
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            spec.name, aliases, default, values, description
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases_are_unique_without_regard_to_case() {
        let mut seen = std::collections::HashSet::new();
        for spec in REGISTRY {
            for name in std::iter::once(spec.name).chain(spec.aliases.iter().copied()) {
                assert!(
                    seen.insert(name.to_ascii_lowercase()),
                    "{name} appears twice"
                );
            }
        }
    }

    #[test]
    fn keys_match_without_regard_to_case_and_by_alias() {
        assert_eq!(find("workgroup").map(|s| s.name), Some("WorkGroup"));
        assert_eq!(
            find("s3_staging_dir").map(|s| s.name),
            Some("OutputLocation")
        );
        assert_eq!(find("UID").map(|s| s.name), Some("User"));
        assert_eq!(
            find("duration").map(|s| s.name),
            Some("RoleSessionDuration")
        );
        assert!(find("Nope").is_none());
    }

    #[test]
    fn url_splits_into_pairs_with_braced_values() {
        let mut problems = Vec::new();
        let pairs = split_url(
            "jdbc:athena://Region=us-east-1;client_secret={a;b}}c};WorkGroup=wg",
            &mut problems,
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            pairs,
            vec![
                ("Region".to_string(), "us-east-1".to_string()),
                ("client_secret".to_string(), "a;b}c".to_string()),
                ("WorkGroup".to_string(), "wg".to_string()),
            ]
        );
    }

    #[test]
    fn legacy_url_with_host_becomes_an_endpoint() {
        let mut problems = Vec::new();
        let pairs = split_url(
            "jdbc:awsathena://athena.eu-west-1.amazonaws.com:443;User=AK",
            &mut problems,
        );
        assert!(problems.is_empty());
        assert_eq!(
            pairs[0],
            (
                "AthenaEndpoint".into(),
                "https://athena.eu-west-1.amazonaws.com:443".into()
            )
        );
    }

    #[test]
    fn every_problem_is_reported() {
        let mut problems = Vec::new();
        let pairs = split_url("jdbc:athena://Regoin=x;broken;User=a;UID=b", &mut problems);
        let _ = collect(&pairs, &mut problems);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("broken"));
        assert!(problems[1].contains("did you mean Region"));
        assert!(problems[2].contains("given twice"));
    }

    #[test]
    fn conflicting_secrets_are_not_quoted() {
        let mut problems = Vec::new();
        let pairs = vec![
            ("Password".to_string(), "s3cr3t-one".to_string()),
            ("PWD".to_string(), "s3cr3t-two".to_string()),
        ];
        let _ = collect(&pairs, &mut problems);
        assert_eq!(problems.len(), 1);
        assert!(!problems[0].contains("s3cr3t"));
    }
}
