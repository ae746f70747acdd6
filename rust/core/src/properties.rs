//! The property registry: the single source of truth for connection property
//! names, aliases, types, defaults, descriptions and secrecy. Java's
//! `Driver.getPropertyInfo` and the README table are generated from it.

use std::collections::BTreeMap;

/// The sign-in flows of the official drivers. The ones this driver does not
/// build yet are still known, so their connection strings get a clear answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Auth {
    StaticKeys,
    DefaultChain,
    Profile,
    InstanceProfile,
    Jwt,
    JwtTip,
    BrowserOidcTip,
    AzureAd,
    BrowserAzureAd,
    Okta,
    Ping,
    Adfs,
    BrowserSaml,
    BrowserSsoOidc,
    SageMakerBrowserIdc,
    SageMakerIam,
    ExternalCredentials,
    Custom,
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
            Auth::AzureAd => "AzureAD",
            Auth::BrowserAzureAd => "BrowserAzureAD",
            Auth::Okta => "Okta",
            Auth::Ping => "Ping",
            Auth::Adfs => "ADFS",
            Auth::BrowserSaml => "BrowserSaml",
            Auth::BrowserSsoOidc => "BrowserSSOOIDC",
            Auth::SageMakerBrowserIdc => "SageMakerBrowserIdc",
            Auth::SageMakerIam => "SageMakerIam",
            Auth::ExternalCredentials => "External Credentials",
            Auth::Custom => "a custom credentials provider class",
        }
    }

    /// Whether this driver can sign in with the flow.
    pub fn is_built(self) -> bool {
        matches!(
            self,
            Auth::StaticKeys
                | Auth::DefaultChain
                | Auth::Profile
                | Auth::InstanceProfile
                | Auth::Jwt
                | Auth::JwtTip
                | Auth::BrowserOidcTip
                | Auth::ExternalCredentials
                | Auth::Custom
                | Auth::AzureAd
                | Auth::Okta
                | Auth::Adfs
                | Auth::Ping
                | Auth::BrowserSaml
                | Auth::BrowserAzureAd
                | Auth::BrowserSsoOidc
        )
    }

    /// Accepts the JDBC 3.x names (with their DataZone aliases), the ODBC 2.x
    /// `AuthenticationType` spellings and the JDBC 2.x provider class names.
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
            "azuread" => Auth::AzureAd,
            "browserazuread" => Auth::BrowserAzureAd,
            "okta" => Auth::Okta,
            "ping" => Auth::Ping,
            "adfs" => Auth::Adfs,
            "browsersaml" => Auth::BrowserSaml,
            "browserssooidc" => Auth::BrowserSsoOidc,
            "sagemakerbrowseridc" | "datazoneidc" => Auth::SageMakerBrowserIdc,
            "sagemakeriam" | "datazoneiam" => Auth::SageMakerIam,
            "external credentials" => Auth::ExternalCredentials,
            // JDBC 2.x named providers by class; the SDK's own map to our flows.
            "com.simba.athena.amazonaws.auth.defaultawscredentialsproviderchain" => {
                Auth::DefaultChain
            }
            "com.simba.athena.amazonaws.auth.profile.profilecredentialsprovider" => Auth::Profile,
            "com.simba.athena.amazonaws.auth.instanceprofilecredentialsprovider" => {
                Auth::InstanceProfile
            }
            class if class.contains('.') => Auth::Custom,
            _ => return None,
        })
    }
}

const FEDERATED: &[Auth] = &[Auth::Jwt, Auth::JwtTip, Auth::BrowserOidcTip];
const TIP: &[Auth] = &[Auth::JwtTip, Auth::BrowserOidcTip];
/// Flows that call IAM Identity Center's OIDC service.
const SSO_OIDC: &[Auth] = &[Auth::JwtTip, Auth::BrowserOidcTip, Auth::BrowserSsoOidc];
/// Flows whose result the file cache may keep (EnableTokenCaching).
const FILE_CACHE: &[Auth] = &[
    Auth::JwtTip,
    Auth::BrowserOidcTip,
    Auth::BrowserSsoOidc,
    Auth::SageMakerBrowserIdc,
    Auth::AzureAd,
    Auth::BrowserAzureAd,
    Auth::Okta,
    Auth::Ping,
    Auth::Adfs,
    Auth::BrowserSaml,
    Auth::ExternalCredentials,
];
const AZURE: &[Auth] = &[Auth::AzureAd, Auth::BrowserAzureAd];
const SAML: &[Auth] = &[
    Auth::AzureAd,
    Auth::BrowserAzureAd,
    Auth::Okta,
    Auth::Ping,
    Auth::Adfs,
    Auth::BrowserSaml,
];
/// Flows whose SAML response goes through the SAML core.
const SAML_CORE: &[Auth] = &[
    Auth::AzureAd,
    Auth::BrowserAzureAd,
    Auth::Okta,
    Auth::Ping,
    Auth::Adfs,
    Auth::BrowserSaml,
    Auth::ExternalCredentials,
];
/// Flows that call STS themselves.
const STS_FLOWS: &[Auth] = &[
    Auth::Jwt,
    Auth::JwtTip,
    Auth::BrowserOidcTip,
    Auth::AzureAd,
    Auth::BrowserAzureAd,
    Auth::Okta,
    Auth::Ping,
    Auth::Adfs,
    Auth::BrowserSaml,
    Auth::ExternalCredentials,
];
/// Flows that wait for a person or a program: IdpResponseTimeout bounds the wait.
const BROWSER_OR_PROGRAM: &[Auth] = &[
    Auth::BrowserOidcTip,
    Auth::BrowserAzureAd,
    Auth::BrowserSaml,
    Auth::BrowserSsoOidc,
    Auth::SageMakerBrowserIdc,
    Auth::ExternalCredentials,
];
/// Flows where User and Password are the identity provider's user and password.
const USER_PASSWORD: &[Auth] = &[
    Auth::StaticKeys,
    Auth::AzureAd,
    Auth::Okta,
    Auth::Ping,
    Auth::Adfs,
];
const SAGEMAKER: &[Auth] = &[Auth::SageMakerBrowserIdc, Auth::SageMakerIam];

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
    /// A setting of the official drivers that means nothing here: accepted, and
    /// reported as a warning on the connection (never silently).
    NoEffect(&'static str),
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
    PropertySpec { default: Some("auto"), ..prop("ResultFetcher", ValueType::Choice(&["auto", "S3", "GetQueryResults", "GetQueryResultsStream"]), "How results are read: S3 reads the CSV result file with parallel ranged GETs; GetQueryResults uses the API (1000 rows a call); auto reads S3 when the file is readable and falls back to GetQueryResults otherwise.") },
    PropertySpec { aliases: &["RowsToFetchPerBlock"], default: Some("0"), ..prop("FetchSize", int(0, 1_000_000), "Rows per result page; 0 lets the fetcher decide (1000 for GetQueryResults).") },
    PropertySpec { default: Some("4194304"), ..prop("PageByteBudget", int(65_536, 1_073_741_824), "Bytes of values per result page (default 4 MiB): a page ends at FetchSize rows or at this many bytes, whichever comes first, so native memory stays within about 6 pages a result set however wide the rows; a row larger than the budget travels alone.") },
    PropertySpec { default: Some("false"), ..prop("TimestampWithTimeZoneAsTimestamp", ValueType::Boolean, "JDBC type reported for timestamp with time zone columns: false gives TIMESTAMP_WITH_TIMEZONE (2014); true gives TIMESTAMP (93), for clients that do not know 2014, such as Spark's JDBC source. Values are the instant either way.") },
    PropertySpec { aliases: &["EnableResultReuse"], default: Some("false"), ..prop("EnableResultReuseByAge", ValueType::Boolean, "Reuse results of an identical earlier query.") },
    PropertySpec { aliases: &["ReusedResultMaxAgeInMinutes"], default: Some("60"), ..prop("MaxResultReuseAgeInMinutes", int(1, 10_080), "Maximum age of reused results, with EnableResultReuseByAge.") },
    PropertySpec { aliases: &["MinQueryExecutionPollingInterval"], default: Some("50"), ..prop("MinQueryExecutionPollingIntervalMillis", int(1, 3_600_000), "First wait between query state polls.") },
    PropertySpec { aliases: &["MaxQueryExecutionPollingInterval"], default: Some("1000"), ..prop("MaxQueryExecutionPollingIntervalMillis", int(1, 3_600_000), "Longest wait between query state polls.") },
    PropertySpec { default: Some("1.25"), ..prop("QueryExecutionPollingIntervalMultiplier", ValueType::Number { min: 1.0 }, "Growth factor of the wait between polls: with 1.25 a query's end is noticed within about a fifth of its running time.") },
    PropertySpec { default: Some("50"), ..prop("MaxQueryExecutionPollsPerSecond", int(1, 10_000), "GetQueryExecution calls per second that this JVM's queries may make together (connections with the same value share one budget); polls wait for it, so many concurrent queries stay within Athena's GetQueryExecution quota (100 per second per account).") },
    prop("MaxBytesScannedPerQuery", int(1, i64::MAX), "Cost cap: a query whose DataScannedInBytes passes this many bytes while it runs is stopped on Athena and the statement fails with 57014; one that finished above it between two polls returns its rows with an SQLWarning."),
    PropertySpec { default: Some("false"), ..prop("ScanCostWarning", ValueType::Boolean, "Each result set carries an SQLWarning with the bytes its query scanned, what Athena bills for them and the cost at PricePerTerabyteScanned.") },
    PropertySpec { default: Some("5"), ..prop("PricePerTerabyteScanned", ValueType::Number { min: 0.0 }, "Price of a TB (2^40 bytes) scanned, for ScanCostWarning (5 is the USD price in most Regions).") },
    PropertySpec { aliases: &["EndpointOverride"], ..prop("AthenaEndpoint", ValueType::Url, "Athena endpoint URL, e.g. a VPC endpoint or athena-local.") },
    PropertySpec { aliases: &["StsEndpointOverride"], scope: Scope::Only(STS_FLOWS), ..prop("StsEndpoint", ValueType::Url, "STS endpoint URL for the federated sign-in flows.") },
    PropertySpec { aliases: &["SSOOIDCEndpointOverride"], scope: Scope::Only(SSO_OIDC), ..prop("SsoOidcEndpoint", ValueType::Url, "IAM Identity Center OIDC endpoint URL (for BrowserSSOOIDC in SsoOidcRegion; its sign-in page is ENDPOINT/authorize).") },
    PropertySpec { aliases: &["SSOAdminEndpointOverride"], scope: Scope::Only(TIP), ..prop("SsoAdminEndpoint", ValueType::Url, "IAM Identity Center admin endpoint URL.") },
    PropertySpec { default: Some("false"), ..prop("Unload", ValueType::Boolean, "Run each SELECT as UNLOAD to Parquet under the output location and read the files in parallel (PyAthena's unload=True); the files are deleted once read. Queries with a top-level ORDER BY, and statements other than SELECT, run as written.") },
    PropertySpec { aliases: &["S3EndpointOverride"], ..prop("S3Endpoint", ValueType::Url, "S3 endpoint URL for the S3 result fetcher, addressed path-style. Needed for S3 reads when AthenaEndpoint is not an AWS endpoint.") },
    PropertySpec { aliases: &["GlueEndpointOverride"], ..prop("GlueEndpoint", ValueType::Url, "AWS Glue endpoint URL, for the nested catalogs getCatalogs lists (Glue's GetCatalogs). Needed for them when AthenaEndpoint is not an AWS endpoint.") },
    PropertySpec { default: Some("true"), ..prop("GlueCatalogs", ValueType::Boolean, "getCatalogs, and getSchemas, getTables and getColumns over every catalog, also list Glue's nested catalogs (S3 Tables' s3tablescatalog/BUCKET, catalogs federated into Glue), found with Glue's GetCatalogs; false lists Athena's data catalogs (ListDataCatalogs) only.") },
    prop("ProxyHost", ValueType::Text, "HTTP proxy host for every AWS call (Athena, STS, SSO, S3); needs ProxyPort."),
    prop("ProxyPort", int(1, 65_535), "HTTP proxy port."),
    PropertySpec { aliases: &["ProxyUID"], ..prop("ProxyUsername", ValueType::Text, "Proxy user (Basic authentication); needs ProxyPassword.") },
    PropertySpec { aliases: &["ProxyPWD"], secret: true, ..prop("ProxyPassword", ValueType::Text, "Proxy password (Basic authentication).") },
    PropertySpec { aliases: &["NonProxyHosts", "NonProxyHost"], ..prop("ProxyExemptHosts", ValueType::Text, "Hosts reached without the proxy, separated by vertical bars or commas; *.example.com covers a domain.") },
    PropertySpec { default: Some("OFF"), ..prop("LogLevel", ValueType::Choice(&["OFF", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"]), "Driver log level. Secrets are never logged.") },
    prop("LogPath", ValueType::Text, "Folder of the driver log file athena-native-jdbc.log. Without it, the log is athena-native-jdbc-UID.log (UID: the numeric user id; athena-native-jdbc.log on Windows) in the system temp folder. On Unix the file is private (0600), and a symbolic link, a file of another user or anything but a regular file in its place is refused."),
    prop("ApplicationName", ValueType::Text, "Added to the user agent of every AWS call."),
    PropertySpec { aliases: &["MaxErrorRetry"], ..prop("NumRetries", int(0, 100), "Retries of a failed AWS call. Defaults to the SDK's standard retry policy; 0 also turns off the retries of result reads.") },
    prop("NetworkTimeoutMillis", int(1, 86_400_000), "Timeout of connecting and of each AWS call attempt (default: 10 s to connect, 60 s an attempt)."),
    PropertySpec { aliases: &["RequestTimeout"], default: Some("20000"), ..prop("SocketTimeout", int(0, 86_400_000), "Milliseconds an AWS call attempt may go without a byte from the server (waiting for the answer to begin, or in the middle of it) before it is given up as stalled and retried; 0 takes the default. The official JDBC 2.x driver's name (ODBC: RequestTimeout).") },
    PropertySpec { default: Some("60000"), ..prop("CallTimeoutMillis", int(1, 86_400_000), "Milliseconds one AWS call may take, its retries included (a result page, a ranged GET of the result file, a poll, GetWorkGroup at connect): an endless stall is an error after this long.") },
    PropertySpec {
        aliases: &["AWSCredentialsProviderClass", "AuthenticationType"],
        ..prop(
            "CredentialsProvider",
            ValueType::Choice(&["DefaultChain", "ProfileCredentials", "InstanceProfile", "JWT", "JWT_TIP", "BrowserOidcTip", "IAM Credentials", "IAM Profile", "Default Credentials", "Instance Profile", "External Credentials"]),
            "Sign-in flow, or the fully qualified name of a class on the application's class path implementing the AWS SDK for Java's AwsCredentialsProvider (v2) or AWSCredentialsProvider (v1). Defaults to static keys when User is set, ProfileCredentials when only ProfileName is set, else DefaultChain.",
        )
    },
    PropertySpec { aliases: &["AccessKeyId", "UID"], scope: Scope::Only(USER_PASSWORD), required_for: USER_PASSWORD, ..prop("User", ValueType::Text, "AWS access key id; for AzureAD, Okta, Ping and ADFS, the user name at the identity provider.") },
    PropertySpec { aliases: &["SecretAccessKey", "PWD"], secret: true, scope: Scope::Only(USER_PASSWORD), required_for: USER_PASSWORD, ..prop("Password", ValueType::Text, "AWS secret access key; for AzureAD, Okta, Ping and ADFS, the password at the identity provider.") },
    PropertySpec { secret: true, scope: Scope::Only(&[Auth::StaticKeys]), ..prop("SessionToken", ValueType::Text, "AWS session token of temporary keys.") },
    PropertySpec { aliases: &["AWSProfile"], scope: Scope::Only(&[Auth::Profile, Auth::DefaultChain]), ..prop("ProfileName", ValueType::Text, "Profile in ~/.aws/config and ~/.aws/credentials.") },
    PropertySpec { aliases: &["web_identity_token"], secret: true, scope: Scope::Only(&[Auth::Jwt, Auth::JwtTip]), required_for: &[Auth::Jwt, Auth::JwtTip], ..prop("JwtWebIdentityToken", ValueType::Text, "JWT from the identity provider.") },
    PropertySpec { aliases: &["role_arn"], scope: Scope::Only(&[Auth::Jwt]), required_for: &[Auth::Jwt], ..prop("JwtRoleArn", ValueType::Arn, "Role assumed with the JWT.") },
    PropertySpec { aliases: &["role_session_name"], scope: Scope::Only(FEDERATED), required_for: FEDERATED, ..prop("JwtRoleSessionName", ValueType::Text, "Name of the role session.") },
    PropertySpec { aliases: &["Duration"], default: Some("3600"), scope: Scope::Only(STS_FLOWS), ..prop("RoleSessionDuration", int(900, 43_200), "Role session length in seconds (900 by default for JWT_TIP; for the SAML flows, when not given, the assertion's SessionDuration attribute, else 3600).") },
    PropertySpec { scope: Scope::Only(TIP), required_for: TIP, ..prop("WorkGroupArn", ValueType::Arn, "Workgroup whose tags hold the trusted identity propagation settings.") },
    PropertySpec { scope: Scope::Only(TIP), required_for: TIP, ..prop("ApplicationRoleArn", ValueType::Arn, "Role assumed with the JWT for the token exchange.") },
    PropertySpec { scope: Scope::Only(TIP), ..prop("AccessRoleArn", ValueType::Arn, "Role assumed with the identity context. Defaults to the application's tag.") },
    PropertySpec { scope: Scope::Only(TIP), ..prop("CustomerIdcApplicationArn", ValueType::Arn, "IAM Identity Center application. Defaults to the workgroup's tag.") },
    PropertySpec { aliases: &["EnableTokenCaching", "sso_oidc_cache"], default: Some("false"), scope: Scope::Only(FILE_CACHE), ..prop("JwtTipFileCache", ValueType::Boolean, "Also cache credentials in a file under the home folder (~/.athena-native-jdbc/jwt-tip-cache, 0600), for other processes: for the SAML flows their role credentials (BrowserAzureAD also Entra's refresh token), for BrowserSSOOIDC also Identity Center's tokens and the registered client, so they skip the browser or the password sign-in. Off by default as in JDBC 3.x (ODBC's sso_oidc_cache, okta_cache and browser_azure_cache default to 1)") },
    PropertySpec { scope: Scope::Only(&[Auth::BrowserOidcTip]), required_for: &[Auth::BrowserOidcTip], ..prop("IdpWellKnownConfigurationUrl", ValueType::Url, "OpenID discovery document of the identity provider.") },
    PropertySpec { scope: Scope::Only(&[Auth::BrowserOidcTip]), required_for: &[Auth::BrowserOidcTip], ..prop("OidcClientId", ValueType::Text, "Client id registered at the identity provider.") },
    PropertySpec { secret: true, scope: Scope::Only(&[Auth::BrowserOidcTip]), ..prop("OidcClientSecret", ValueType::Text, "Client secret, when the identity provider requires one.") },
    PropertySpec { default: Some("openid email offline_access"), scope: Scope::Only(&[Auth::BrowserOidcTip]), ..prop("Scope", ValueType::Text, "OAuth scopes requested from the identity provider.") },
    PropertySpec { default: Some("7890"), scope: Scope::Only(&[Auth::BrowserOidcTip]), ..prop("IdpPortNumber", int(1, 65_535), "Loopback port of the sign-in callback (redirect http://localhost:PORT/athena).") },
    PropertySpec { aliases: &["idp_response_timeout", "timeout", "sso_oidc_timeout"], default: Some("120"), scope: Scope::Only(BROWSER_OR_PROGRAM), ..prop("IdpResponseTimeout", int(1, 3_600), "Seconds to wait for the browser sign-in, or for the External Credentials program.") },
    // ---- Names of the official drivers (AWS's JDBC 3.x and ODBC 2.x parameter pages) ----
    // Accepted without effect, and reported as a warning on the connection.
    PropertySpec { status: Status::NoEffect("the connection is always checked with one GetWorkGroup call when it opens"), ..prop("ConnectionTest", ValueType::Boolean, "Official driver: run a test query on connect.") },
    PropertySpec { status: Status::NoEffect("AWS calls are logged by the driver's own log (LogLevel, LogPath)"), ..prop("UseAwsLogger", ValueType::Boolean, "ODBC: AWS SDK logging.") },
    PropertySpec { status: Status::NoEffect("metadata always comes from Athena's metadata API (ListTableMetadata, GetTableMetadata)"), ..prop("MetadataRetrievalMethod", ValueType::Text, "ODBC 1.x: where metadata comes from.") },
    PropertySpec { status: Status::NoEffect("catalogs are listed as Athena lists them"), ..prop("QueryExternalCatalogs", ValueType::Boolean, "ODBC: list external catalogs.") },
    PropertySpec { status: Status::NoEffect("catalogs and schemas are listed as Athena lists them"), ..prop("UseSingleCatalogAndSchema", ValueType::Boolean, "ODBC: report only the connection's catalog and schema.") },
    PropertySpec { status: Status::NoEffect("tables are listed with ListTableMetadata"), ..prop("UseQueryToListTables", ValueType::Boolean, "ODBC: list tables with SHOW TABLES.") },
    PropertySpec { default: Some("255"), ..prop("StringColumnLength", int(1, i32::MAX as i64), "Precision and display size reported for varchar columns without a length (ResultSetMetaData); varchar(n) keeps n. As the ODBC and Simba-based JDBC drivers.") },
    PropertySpec { status: Status::NoEffect("column sizes come from the types Athena reports"), ..prop("ComplexTypeColumnLength", int(1, i32::MAX as i64), "ODBC: reported length of array, map and struct columns.") },
    PropertySpec { status: Status::NoEffect("JDBC strings are Java strings"), ..prop("UseWCharForStringTypes", ValueType::Boolean, "ODBC: report strings as wide characters.") },
    PropertySpec { status: Status::NoEffect("an ODBC data source setting"), ..prop("DSN", ValueType::Text, "ODBC: data source name.") },
    PropertySpec { status: Status::NoEffect("an ODBC data source setting"), ..prop("Description", ValueType::Text, "ODBC: data source description.") },
    PropertySpec { status: Status::NoEffect("an ODBC driver manager setting"), ..prop("Driver", ValueType::Text, "ODBC: driver name.") },
    PropertySpec { aliases: &["StreamingEndpointOverride"], status: Status::NoEffect("results are never read through the streaming API"), ..prop("AthenaStreamingEndpoint", ValueType::Text, "Official driver: endpoint of the GetQueryResultsStream API.") },
    PropertySpec { status: Status::NoEffect("use Statement.setQueryTimeout to bound a query"), ..prop("MaxPollDuration", int(0, i32::MAX as i64), "ODBC: longest wait for a query, in milliseconds.") },
    PropertySpec { status: Status::NoEffect("use NetworkTimeoutMillis"), ..prop("ConnectionTimeout", int(0, i32::MAX as i64), "ODBC: HTTP connect timeout in milliseconds.") },
    PropertySpec { status: Status::NoEffect("it applies to the identity provider requests of the SAML sign-in flows"), ..prop("UserAgentPrivacyMode", ValueType::Boolean, "ODBC: leave runtime details out of the user agent sent to identity providers.") },
    // Recognised, but what they turn on is not built yet: a value other than the default is refused.
    PropertySpec { ..prop("EnableS3Fetcher", ValueType::Boolean, "ODBC: 1 reads results from S3 when readable (ResultFetcher=auto), 0 uses GetQueryResults.") },
    PropertySpec { default: Some("0"), status: Status::NotYet("results are not read through the GetQueryResultsStream API"), ..prop("UseResultsetStreaming", ValueType::Boolean, "ODBC (legacy): read results through the streaming API; now ResultFetcher=GetQueryResultsStream.") },
    PropertySpec { default: Some("1"), ..prop("UseMultipleS3Threads", ValueType::Boolean, "ODBC: 1 keeps 4 ranged GETs of the result file in flight, 0 one at a time.") },
    PropertySpec { default: Some("16777216"), ..prop("S3ResultBlockSize", int(10_485_760, 2_146_435_072), "ODBC: bytes per ranged GET of the result file (default 16 MiB).") },
    prop("UseProxy", ValueType::Boolean, "ODBC: 1 to use the proxy ProxyHost names (ProxyHost alone also turns it on)."),
    PropertySpec { aliases: &["UseProxyForIdP"], default: Some("false"), ..prop("ProxyEnabledForIdP", ValueType::Boolean, "Send the identity provider's discovery, key and token requests through the proxy too.") },
    PropertySpec { default: Some("1"), status: Status::NotYet("certificate checks cannot be turned off; name the CA in TrustedCerts instead"), ..prop("VerifySSL", ValueType::Boolean, "ODBC: verify TLS certificates (always on here).") },
    prop("TrustedCerts", ValueType::Text, "PEM file of CA certificates TLS trusts besides the system's (a TLS-inspecting proxy's CA, a private endpoint's); ODBC's name. The official JDBC driver reads the JVM's trust store instead."),
    PropertySpec { scope: Scope::Only(&[Auth::Profile]), status: Status::NotYet("profiles that name a sign-in plugin are not built yet"), ..prop("plugin_name", ValueType::Text, "ODBC: sign-in plugin of an IAM profile.") },
    // Settings of sign-in flows this driver does not build yet (the flow itself is refused with 0A000).
    PropertySpec { aliases: &["AwsCredentialsProviderArguments"], secret: true, scope: Scope::Only(&[Auth::Custom]), ..prop("CredentialsProviderArguments", ValueType::Text, "String arguments of the CredentialsProvider class's constructor, separated by commas (spaces around each dropped; \\ escapes a character; \"...\" keeps commas).") },
    PropertySpec { aliases: &["tenant_id", "idp_tenant"], scope: Scope::Only(AZURE), required_for: AZURE, ..prop("AzureAdTenantId", ValueType::Text, "Microsoft Entra ID (Azure AD) tenant: its id or domain.") },
    PropertySpec { scope: Scope::Only(AZURE), required_for: AZURE, ..prop("AzureAdClientId", ValueType::Text, "Application (client) id of the AWS SAML application in Entra ID.") },
    PropertySpec { secret: true, scope: Scope::Only(AZURE), required_for: &[Auth::AzureAd], ..prop("AzureAdClientSecret", ValueType::Text, "Client secret of that application; for BrowserAzureAD only when its redirect URI is registered for the Web platform rather than as a public client (Mobile and desktop applications).") },
    PropertySpec { scope: Scope::Only(AZURE), ..prop("AzureAdEndpoint", ValueType::Url, "Entra ID sign-in endpoint (default https://login.microsoftonline.com; https://login.microsoftonline.us or https://login.chinacloudapi.cn for the national clouds, or a test server); the token endpoint is ENDPOINT/TENANT/oauth2/token, BrowserAzureAD's sign-in page ENDPOINT/TENANT/oauth2/authorize.") },
    PropertySpec { scope: Scope::Only(SAML_CORE), ..prop("PreferredRole", ValueType::Arn, "Role chosen from the SAML assertion.") },
    PropertySpec { scope: Scope::Only(SAML_CORE), ..prop("LakeFormationEnabled", ValueType::Boolean, "Sign in through Lake Formation's AssumeDecoratedRoleWithSAML.") },
    PropertySpec { aliases: &["LfEndpointOverride", "LakeFormationEndpointOverride"], scope: Scope::Only(SAML_CORE), ..prop("LakeFormationEndpoint", ValueType::Text, "Lake Formation endpoint.") },
    PropertySpec { scope: Scope::Only(SAML), ..prop("SSL_Insecure", ValueType::Boolean, "ODBC: skip TLS checks of the identity provider.") },
    PropertySpec { default: Some("false"), scope: Scope::Only(&[Auth::BrowserAzureAd]), ..prop("browser_azure_cache", ValueType::Boolean, "ODBC: also keep BrowserAzureAD's credentials and Entra's refresh token in the file cache (~/.athena-native-jdbc/jwt-tip-cache), so other processes skip the browser. Off by default, as in the JDBC 3.x driver (the ODBC driver's default is 1).") },
    PropertySpec { scope: Scope::Only(&[Auth::Okta]), required_for: &[Auth::Okta], ..prop("OktaHostName", ValueType::Text, "Okta organisation host, e.g. corp.okta.com (https; an http:// URL only for a loopback test server).") },
    PropertySpec { aliases: &["App_ID"], scope: Scope::Only(&[Auth::Okta]), required_for: &[Auth::Okta], ..prop("OktaAppId", ValueType::Text, "Id of the AWS app in Okta (from its embed link).") },
    PropertySpec { aliases: &["App_Name"], scope: Scope::Only(&[Auth::Okta]), ..prop("OktaAppName", ValueType::Text, "Name of the AWS app in Okta's embed link (default amazon_aws).") },
    PropertySpec { aliases: &["okta_mfa_type"], scope: Scope::Only(&[Auth::Okta]), ..prop("OktaMfaType", ValueType::Text, "Second factor when Okta asks for one: Google Authenticator, Okta Verify with TOTP, Okta Verify with Push, or SMS Authentication.") },
    PropertySpec { aliases: &["okta_phone_number", "okta_mfa_phone_number"], scope: Scope::Only(&[Auth::Okta]), ..prop("OktaPhoneNumber", ValueType::Text, "Phone number (its last digits) of the Okta SMS factor to use.") },
    PropertySpec { aliases: &["okta_mfa_wait_time"], scope: Scope::Only(&[Auth::Okta]), ..prop("OktaMfaWaitTime", int(1, 3_600), "Seconds to wait for an Okta Verify push to be answered (default 60).") },
    PropertySpec { secret: true, scope: Scope::Only(&[Auth::Okta]), ..prop("MfaCodeCommand", ValueType::Text, "Program (with its arguments, split as a shell would) that prints an MFA code when Okta asks for one: a dialog such as zenity --entry on a desktop, or oathtool --totp -b SEED headless.") },
    PropertySpec { default: Some("false"), scope: Scope::Only(&[Auth::Okta]), ..prop("okta_cache", ValueType::Boolean, "ODBC: as EnableTokenCaching, for Okta. Off by default as in JDBC 3.x (the ODBC driver's default is 1).") },
    PropertySpec { scope: Scope::Only(&[Auth::Ping]), required_for: &[Auth::Ping], ..prop("PingHostName", ValueType::Text, "PingFederate host (https; an http:// URL only for a loopback test server).") },
    PropertySpec { scope: Scope::Only(&[Auth::Ping]), ..prop("PingPortNumber", int(1, 65_535), "PingFederate port.") },
    PropertySpec { aliases: &["Partner_SPID"], scope: Scope::Only(&[Auth::Ping]), ..prop("PingPartnerSpId", ValueType::Text, "PingFederate's id of the AWS service provider (default urn:amazon:webservices).") },
    PropertySpec { scope: Scope::Only(&[Auth::Ping]), ..prop("ping_uri_param", ValueType::Text, "ODBC: extra URI argument for Ping.") },
    PropertySpec { scope: Scope::Only(&[Auth::Adfs]), required_for: &[Auth::Adfs], ..prop("AdfsHostName", ValueType::Text, "AD FS host (https; an http:// URL only for a loopback test server).") },
    PropertySpec { scope: Scope::Only(&[Auth::Adfs]), ..prop("AdfsPortNumber", int(1, 65_535), "AD FS port.") },
    PropertySpec { aliases: &["LoginToRP"], scope: Scope::Only(&[Auth::Adfs]), ..prop("AdfsRelyingParty", ValueType::Text, "AD FS relying party of AWS (default urn:amazon:webservices).") },
    PropertySpec { scope: Scope::Only(&[Auth::Adfs]), ..prop("AdfsWiaEnabled", ValueType::Boolean, "AD FS Windows Integrated Authentication: not supported (it needs a Windows session's Kerberos ticket); use User and Password.") },
    PropertySpec { scope: Scope::Only(&[Auth::Okta]), ..prop("IdpPort", int(1, 65_535), "ODBC (idp_port): port of the Okta identity provider.") },
    PropertySpec { aliases: &["login_url"], scope: Scope::Only(&[Auth::BrowserSaml]), required_for: &[Auth::BrowserSaml], ..prop("SsoLoginUrl", ValueType::Url, "Single sign-on URL of the AWS application at the SAML identity provider, opened in the browser (for BrowserSaml, its IdP-initiated sign-in URL).") },
    PropertySpec { default: Some("7890"), scope: Scope::Only(&[Auth::BrowserAzureAd, Auth::BrowserSaml, Auth::BrowserSsoOidc, Auth::SageMakerBrowserIdc]), ..prop("ListenPort", int(1, 65_535), "Loopback port of the browser flows other than BrowserOidcTip.") },
    PropertySpec { aliases: &["SSOEndpointOverride"], scope: Scope::Only(&[Auth::BrowserSsoOidc]), ..prop("SsoEndpoint", ValueType::Url, "AWS access portal (IAM Identity Center's SSO service) endpoint URL, for GetRoleCredentials (default https://portal.sso.REGION.amazonaws.com in SsoOidcRegion).") },
    PropertySpec { scope: Scope::Only(&[Auth::BrowserSsoOidc]), required_for: &[Auth::BrowserSsoOidc], ..prop("SsoStartUrl", ValueType::Url, "AWS access portal URL of IAM Identity Center (e.g. https://d-1234567890.awsapps.com/start): RegisterClient's issuerUrl.") },
    PropertySpec { aliases: &["sso_oidc_region"], scope: Scope::Only(&[Auth::BrowserSsoOidc, Auth::SageMakerBrowserIdc]), required_for: &[Auth::BrowserSsoOidc], ..prop("SsoOidcRegion", ValueType::Text, "Region of IAM Identity Center, for its OIDC service and access portal (may differ from Region).") },
    PropertySpec { aliases: &["sso_oidc_account_id"], scope: Scope::Only(&[Auth::BrowserSsoOidc]), required_for: &[Auth::BrowserSsoOidc], ..prop("SsoOidcAccountId", ValueType::Text, "AWS account (12 digits) of the permission set assigned to the user: GetRoleCredentials's accountId.") },
    PropertySpec { aliases: &["sso_oidc_role_name"], scope: Scope::Only(&[Auth::BrowserSsoOidc]), required_for: &[Auth::BrowserSsoOidc], ..prop("SsoOidcRoleName", ValueType::Text, "Name of the permission set (the role the AWS access portal lists): GetRoleCredentials's roleName.") },
    PropertySpec { default: Some("sso:account:access"), scope: Scope::Only(&[Auth::BrowserSsoOidc]), ..prop("sso_oidc_scopes", ValueType::Text, "ODBC: scopes the driver registers with and asks for, separated by commas or spaces; sso:account:access lets the token fetch role credentials.") },
    PropertySpec { aliases: &["SageMakerDomainId"], scope: Scope::Only(SAGEMAKER), ..prop("DataZoneDomainId", ValueType::Text, "SageMaker Unified Studio (DataZone) domain.") },
    PropertySpec { aliases: &["SageMakerProjectId"], scope: Scope::Only(SAGEMAKER), ..prop("DataZoneProjectId", ValueType::Text, "SageMaker Unified Studio (DataZone) project.") },
    PropertySpec { scope: Scope::Only(SAGEMAKER), ..prop("DataZoneEnvironmentId", ValueType::Text, "DataZone environment.") },
    PropertySpec { aliases: &["SageMakerDomainRegion"], scope: Scope::Only(SAGEMAKER), ..prop("DataZoneDomainRegion", ValueType::Text, "Region of the SageMaker Unified Studio domain.") },
    PropertySpec { scope: Scope::Only(&[Auth::SageMakerBrowserIdc]), ..prop("IdentityCenterIssuerUrl", ValueType::Text, "Issuer URL of the IAM Identity Center instance.") },
    PropertySpec { aliases: &["SageMakerEndpointOverride"], scope: Scope::Only(SAGEMAKER), ..prop("DataZoneEndpointOverride", ValueType::Text, "DataZone endpoint.") },
    PropertySpec { scope: Scope::Only(&[Auth::ExternalCredentials]), required_for: &[Auth::ExternalCredentials], ..prop("ExecutablePath", ValueType::Text, "ODBC: program that prints a SAML response (its base64 or its XML) on standard output; run again whenever the credentials need renewing.") },
    PropertySpec { secret: true, scope: Scope::Only(&[Auth::ExternalCredentials]), ..prop("ArgumentList", ValueType::Text, "ODBC: arguments of ExecutablePath, separated by spaces; quotes keep words together as in a shell.") },
];

/// The flows in which a flow-dependent alias names a registry property.
pub type FlowMeaning = (&'static [Auth], &'static str);

/// Official names whose meaning depends on the sign-in flow: for each, the
/// property it stands for in each flow; the first entry applies when the flow
/// names none of them.
pub static FLOW_ALIASES: &[(&str, &[FlowMeaning])] = &[
    (
        "client_id",
        &[
            (&[Auth::BrowserOidcTip], "OidcClientId"),
            (AZURE, "AzureAdClientId"),
        ],
    ),
    (
        "client_secret",
        &[
            (&[Auth::BrowserOidcTip], "OidcClientSecret"),
            (AZURE, "AzureAdClientSecret"),
        ],
    ),
    (
        "listen_port",
        &[
            (&[Auth::BrowserOidcTip], "IdpPortNumber"),
            (
                &[
                    Auth::BrowserSaml,
                    Auth::BrowserSsoOidc,
                    Auth::BrowserAzureAd,
                ],
                "ListenPort",
            ),
        ],
    ),
    (
        "IdP_Host",
        &[
            (&[Auth::Okta], "OktaHostName"),
            (&[Auth::Ping], "PingHostName"),
            (&[Auth::Adfs], "AdfsHostName"),
        ],
    ),
    (
        "IdP_Port",
        &[
            (&[Auth::Okta], "IdpPort"),
            (&[Auth::Ping], "PingPortNumber"),
            (&[Auth::Adfs], "AdfsPortNumber"),
        ],
    ),
    (
        "preferred_role",
        &[(SAML_CORE, "PreferredRole"), (&[Auth::Jwt], "JwtRoleArn")],
    ),
    (
        "sso_oidc_start_url",
        &[
            (&[Auth::BrowserSsoOidc], "SsoStartUrl"),
            (&[Auth::SageMakerBrowserIdc], "IdentityCenterIssuerUrl"),
        ],
    ),
];

/// The registry entry a key names in the given flow (a flow-dependent alias
/// resolves by the flow).
pub fn resolve(key: &str, auth: Option<Auth>) -> Option<&'static PropertySpec> {
    let key = key.trim();
    if let Some((_, meanings)) = FLOW_ALIASES
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(key))
    {
        let name = meanings
            .iter()
            .find(|(flows, _)| auth.is_some_and(|a| flows.contains(&a)))
            .or(meanings.first())
            .map(|(_, name)| *name)?;
        return find(name);
    }
    find(key)
}

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
    // The key of the latest pair, while its value is a secret, and whether a
    // problem was reported after it: a segment after it that does not parse
    // (no `=`, or an unknown key) may be the rest of that value, cut at an
    // unbraced `;`, so it is reported, once, without quoting.
    let mut after_secret: Option<(String, bool)> = None;
    fn fragment(after_secret: &mut Option<(String, bool)>, problems: &mut Vec<String>) {
        if let Some((key, reported)) = after_secret {
            if !*reported {
                problems.push(secret_fragment_message(key, None));
                *reported = true;
            }
        }
    }
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
                } else if after_secret.is_some() {
                    fragment(&mut after_secret, problems);
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
        let unknown_after_secret = after_secret.is_some() && resolve(&key, None).is_none();
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
                if unknown_after_secret {
                    fragment(&mut after_secret, problems);
                } else {
                    problems.push(format!(
                        "the value of {} opens with {{ but never closes",
                        key.trim()
                    ));
                }
                // The rest of the URL is not this key's value: never check or quote it.
                return pairs;
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
        let (key, value) = (key.trim().to_string(), value.trim().to_string());
        if !unknown_after_secret {
            after_secret = is_secret_key(&key).then(|| (key.clone(), false));
        } else if !value.is_empty() {
            match (&after_secret, close_misspelling(&key)) {
                // Likelier a misspelled key than part of the secret: worth a
                // hint, still without quoting it.
                (Some((secret_key, _)), Some(name)) => {
                    problems.push(secret_fragment_message(secret_key, Some(name)))
                }
                _ => fragment(&mut after_secret, problems),
            }
            continue;
        }
        // An unknown key with an empty value stays a pair, as `collect` ignores
        // empty values whatever the key: reporting it here would newly refuse
        // URLs accepted so far. It does not end what follows a secret.
        pairs.push((key, value));
    }
    pairs
}

/// Whether a key's value is a secret; an unknown key counts when it is a near
/// miss of a secret one (`Pasword`), as its value is then most likely one too.
fn is_secret_key(key: &str) -> bool {
    match resolve(key, None) {
        Some(spec) => spec.secret,
        None => suggestion(key)
            .and_then(|name| resolve(name, None))
            .is_some_and(|spec| spec.secret),
    }
}

/// Says what is wrong after a secret-valued key without a word of the text,
/// which may be part of the secret.
fn secret_fragment_message(key: &str, did_you_mean: Option<&str>) -> String {
    let not_quoted = format!("not quoted: it may be part of the secret value of {key}");
    let why = match did_you_mean {
        Some(name) => format!("did you mean {name}? It is {not_quoted}"),
        None => not_quoted,
    };
    format!(
        "URL text after {key} is not a Key=Value pair of a known property ({why}); if the value of {key} contains ';', wrap it in braces: {key}={{...}}, with any '}}' in it doubled"
    )
}

/// The URL as `DatabaseMetaData.getURL` shows it: every secret value (and the
/// value of any key not known to be harmless) replaced by `****`.
pub fn masked_url(url: &str) -> String {
    let mut ignored = Vec::new();
    let pairs = split_url(url, &mut ignored);
    let lower = url.trim_start().to_ascii_lowercase();
    let prefix = URL_PREFIXES
        .iter()
        .find(|p| lower.starts_with(*p))
        .copied()
        .unwrap_or(URL_PREFIXES[0]);
    let parts: Vec<String> = pairs
        .iter()
        .map(|(key, value)| {
            let secret = resolve(key, None).map(|spec| spec.secret).unwrap_or(true);
            let shown = if secret {
                "****".to_string()
            } else if value.contains(';') || value.contains('}') || value.starts_with('{') {
                format!("{{{}}}", value.replace('}', "}}"))
            } else {
                value.clone()
            };
            format!("{key}={shown}")
        })
        .collect();
    format!("{prefix}{}", parts.join(";"))
}

/// Maps user keys to registry entries. Empty values count as absent (tools such
/// as DBeaver send empty user and password fields). Unknown keys and conflicting
/// values are problems; secrets are never quoted.
pub fn collect(pairs: &[(String, String)], problems: &mut Vec<String>) -> RawProperties {
    let mut raw = RawProperties::default();
    let mut given_as: BTreeMap<&'static str, String> = BTreeMap::new();
    // Flow-dependent aliases need the flow first.
    let auth = pairs
        .iter()
        .filter(|(key, value)| {
            !value.is_empty() && find(key).is_some_and(|s| s.name == "CredentialsProvider")
        })
        .find_map(|(_, value)| Auth::parse(value));
    for (key, value) in pairs {
        if value.is_empty() {
            continue;
        }
        let Some(spec) = resolve(key, auth) else {
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
    match suggestion(key) {
        Some(name) => format!("unknown property '{key}' (did you mean {name}?)"),
        None => format!("unknown property '{key}'"),
    }
}

/// The registry name (or flow-dependent alias) an unknown key is a near miss of.
fn suggestion(key: &str) -> Option<&'static str> {
    nearest_name(key)
        .filter(|(d, _)| *d <= 3)
        .map(|(_, name)| name)
}

/// A near miss so close (an edit per four characters at most) that the key is
/// much likelier a misspelled name than random text: `ConectionTest`, not `def`.
fn close_misspelling(key: &str) -> Option<&'static str> {
    let length = key.trim().chars().count();
    nearest_name(key)
        .filter(|(d, _)| *d * 4 <= length)
        .map(|(_, name)| name)
}

fn nearest_name(key: &str) -> Option<(usize, &'static str)> {
    let lower = key.trim().to_ascii_lowercase();
    REGISTRY
        .iter()
        .flat_map(|s| {
            std::iter::once(s.name)
                .chain(s.aliases.iter().copied())
                .map(move |n| (n, s.name))
        })
        .chain(FLOW_ALIASES.iter().map(|(alias, _)| (*alias, *alias)))
        .map(|(n, canonical)| (edit_distance(&lower, &n.to_ascii_lowercase()), canonical))
        .min_by_key(|(d, _)| *d)
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
        match spec.status {
            Status::NotYet(why) => description.push_str(&format!(" Not supported yet: {why}.")),
            Status::NoEffect(why) => {
                description.push_str(&format!(" Accepted without effect: {why}."))
            }
            Status::Supported => {}
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

    /// Every parameter name and alias on AWS's JDBC 3.x and ODBC 2.x pages.
    const OFFICIAL_NAMES: &[&str] = &[
        "AccessKeyId",
        "AccessRoleArn",
        "AclOption",
        "AdfsHostName",
        "AdfsPortNumber",
        "AdfsRelyingParty",
        "AdfsWiaEnabled",
        "app_id",
        "App_ID",
        "app_name",
        "App_Name",
        "ApplicationName",
        "ApplicationRoleArn",
        "ArgumentList",
        "AthenaEndpoint",
        "AthenaStreamingEndpoint",
        "AuthenticationType",
        "AwsCredentialsProviderArguments",
        "AWSCredentialsProviderClass",
        "AWSProfile",
        "AwsRegion",
        "AzureAdClientId",
        "AzureAdClientSecret",
        "AzureAdTenantId",
        "browser_azure_cache",
        "Catalog",
        "client_id",
        "client_secret",
        "ComplexTypeColumnLength",
        "ConnectionTest",
        "ConnectionTimeout",
        "CredentialsProvider",
        "CredentialsProviderArguments",
        "CustomerIdcApplicationArn",
        "Database",
        "DataZoneDomainId",
        "DataZoneDomainRegion",
        "DataZoneEndpointOverride",
        "DataZoneEnvironmentId",
        "DataZoneProjectId",
        "Description",
        "DSN",
        "duration",
        "Duration",
        "EnableResultReuse",
        "EnableResultReuseByAge",
        "EnableS3Fetcher",
        "EnableTokenCaching",
        "EncryptionOption",
        "EndpointOverride",
        "ExecutablePath",
        "ExpectedBucketOwner",
        "FetchSize",
        "IdentityCenterIssuerUrl",
        "idp_host",
        "IdP_Host",
        "IdP_Port",
        "idp_port",
        "idp_response_timeout",
        "idp_tenant",
        "IdpPortNumber",
        "IdpResponseTimeout",
        "IdpWellKnownConfigurationUrl",
        "JwtRoleArn",
        "JwtRoleSessionName",
        "JwtTipFileCache",
        "JwtWebIdentityToken",
        "KmsKey",
        "LakeformationEnabled",
        "LakeFormationEnabled",
        "LakeFormationEndpoint",
        "LakeFormationEndpointOverride",
        "LfEndpointOverride",
        "listen_port",
        "ListenPort",
        "login_url",
        "LoginToRP",
        "LogLevel",
        "LogPath",
        "MaxErrorRetry",
        "MaxPollDuration",
        "MaxQueryExecutionPollingInterval",
        "MaxQueryExecutionPollingIntervalMillis",
        "MaxResultReuseAgeInMinutes",
        "MinQueryExecutionPollingInterval",
        "MinQueryExecutionPollingIntervalMillis",
        "NetworkTimeoutMillis",
        "NonProxyHost",
        "NonProxyHosts",
        "NumRetries",
        "OidcClientId",
        "OidcClientSecret",
        "okta_cache",
        "okta_mfa_phone_number",
        "okta_mfa_type",
        "okta_mfa_wait_time",
        "okta_phone_number",
        "OktaAppId",
        "OktaAppName",
        "OktaHostName",
        "OktaMfaType",
        "OktaMfaWaitTime",
        "OktaPhoneNumber",
        "OutputLocation",
        "partner_spid",
        "Partner_SPID",
        "Password",
        "ping_uri_param",
        "PingHostName",
        "PingPartnerSpId",
        "PingPortNumber",
        "plugin_name",
        "preferred_role",
        "PreferredRole",
        "ProfileName",
        "ProxyEnabledForIdP",
        "ProxyExemptHosts",
        "ProxyHost",
        "ProxyPassword",
        "ProxyPort",
        "ProxyPWD",
        "ProxyUID",
        "ProxyUsername",
        "PWD",
        "QueryExecutionPollingIntervalMultiplier",
        "QueryExternalCatalogs",
        "Region",
        "RequestTimeout",
        "ResultFetcher",
        "ReusedResultMaxAgeInMinutes",
        "role_arn",
        "role_session_name",
        "RoleSessionDuration",
        "RowsToFetchPerBlock",
        "s3_staging_dir",
        "S3Endpoint",
        "S3EndpointOverride",
        "S3OutputEncKMSKey",
        "S3OutputEncOption",
        "S3OutputLocation",
        "S3ResultBlockSize",
        "SageMakerDomainId",
        "SageMakerDomainRegion",
        "SageMakerEndpointOverride",
        "SageMakerProjectId",
        "Schema",
        "Scope",
        "SecretAccessKey",
        "SessionToken",
        "SSL_Insecure",
        "sso_oidc_account_id",
        "sso_oidc_cache",
        "sso_oidc_region",
        "sso_oidc_role_name",
        "sso_oidc_scopes",
        "sso_oidc_start_url",
        "sso_oidc_timeout",
        "SsoAdminEndpoint",
        "SSOAdminEndpointOverride",
        "SsoEndpoint",
        "SSOEndpointOverride",
        "SsoLoginUrl",
        "SsoOidcAccountId",
        "SsoOidcEndpoint",
        "SSOOIDCEndpointOverride",
        "SsoOidcRegion",
        "SsoOidcRoleName",
        "SsoStartUrl",
        "StreamingEndpointOverride",
        "StringColumnLength",
        "StsEndpoint",
        "StsEndpointOverride",
        "tenant_id",
        "timeout",
        "TrustedCerts",
        "UID",
        "UseAwsLogger",
        "UseMultipleS3Threads",
        "UseProxy",
        "UseProxyForIdP",
        "UseQueryToListTables",
        "User",
        "UserAgentPrivacyMode",
        "UseResultsetStreaming",
        "UseSingleCatalogAndSchema",
        "UseWCharForStringTypes",
        "VerifySSL",
        "web_identity_token",
        "Workgroup",
        "WorkGroup",
        "WorkGroupArn",
    ];

    #[test]
    fn every_official_name_is_recognised() {
        let unknown: Vec<&str> = OFFICIAL_NAMES
            .iter()
            .copied()
            .filter(|n| resolve(n, None).is_none())
            .collect();
        assert!(unknown.is_empty(), "not recognised: {unknown:?}");
    }

    #[test]
    fn flow_dependent_aliases_resolve_by_flow() {
        let name = |key, auth| resolve(key, auth).map(|s| s.name);
        assert_eq!(
            name("client_id", Some(Auth::BrowserOidcTip)),
            Some("OidcClientId")
        );
        assert_eq!(
            name("CLIENT_ID", Some(Auth::AzureAd)),
            Some("AzureAdClientId")
        );
        assert_eq!(
            name("listen_port", Some(Auth::BrowserSaml)),
            Some("ListenPort")
        );
        assert_eq!(name("idp_host", Some(Auth::Ping)), Some("PingHostName"));
        assert_eq!(name("preferred_role", Some(Auth::Jwt)), Some("JwtRoleArn"));
        assert_eq!(name("client_id", None), Some("OidcClientId"));
        for (alias, meanings) in FLOW_ALIASES {
            assert!(find(alias).is_none(), "{alias} is also a registry name");
            for (_, target) in meanings.iter() {
                assert!(find(target).is_some(), "{alias} points to unknown {target}");
            }
        }
    }

    #[test]
    fn an_unclosed_brace_never_quotes_what_follows() {
        let mut problems = Vec::new();
        let pairs = split_url(
            "jdbc:athena://Region=us-east-1;FetchSize={10;Password=hunter2",
            &mut problems,
        );
        assert_eq!(pairs.len(), 1);
        assert_eq!(problems.len(), 1);
        assert!(!problems[0].contains("hunter2"));
    }

    #[test]
    fn masked_url_hides_every_secret() {
        let masked = masked_url("jdbc:awsathena://Region=us-east-1;User=AKIA1;Password=s3cr3t;client_secret={a;b};WorkGroup=wg");
        assert_eq!(
            masked,
            "jdbc:awsathena://Region=us-east-1;User=AKIA1;Password=****;client_secret=****;WorkGroup=wg"
        );
    }

    fn problems_of(url: &str) -> Vec<String> {
        let mut problems = Vec::new();
        let pairs = split_url(url, &mut problems);
        let _ = collect(&pairs, &mut problems);
        problems
    }

    #[test]
    fn a_segment_after_a_secret_is_not_quoted() {
        let problems =
            problems_of("jdbc:athena://Region=us-east-1;ProxyPassword=p@ss;word1;ProxyHost=h");
        assert_eq!(problems.len(), 1, "{problems:?}");
        let problem = &problems[0];
        assert!(
            !problem.contains("word1") && !problem.contains("p@ss"),
            "{problem}"
        );
        assert!(problem.contains("ProxyPassword"), "{problem}");
        assert!(problem.contains("ProxyPassword={...}"), "{problem}");
    }

    #[test]
    fn an_unknown_key_after_a_secret_is_not_quoted() {
        let problems = problems_of("jdbc:athena://Region=us-east-1;Password=abc;def=ghi;User=AK");
        assert_eq!(problems.len(), 1, "{problems:?}");
        let problem = &problems[0];
        for part in ["abc", "def", "ghi"] {
            assert!(!problem.contains(part), "{problem}");
        }
        assert!(problem.contains("Password"), "{problem}");
    }

    #[test]
    fn every_fragment_after_a_secret_is_one_unquoted_problem() {
        // The user's spelling of the key is named, as that is what the URL shows.
        let problems =
            problems_of("jdbc:athena://PWD=a;b1;c2=d3;e4;Region=us-east-1;x5;client_secret=s;y6");
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(
            problems[0].contains("PWD") && !problems[0].contains("b1"),
            "{problems:?}"
        );
        for part in ["c2", "d3", "e4"] {
            assert!(!problems.iter().any(|p| p.contains(part)), "{problems:?}");
        }
        // After a known non-secret pair, segments are quoted again.
        assert!(problems[1].contains("URL segment 'x5'"), "{problems:?}");
        assert!(
            problems[2].contains("client_secret") && !problems[2].contains("y6"),
            "{problems:?}"
        );
        // An unknown key with an empty value (ignored) does not end the run.
        let problems = problems_of("jdbc:athena://Password=a;b=;c9");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(!problems[0].contains("c9"), "{problems:?}");
    }

    #[test]
    fn a_misspelled_secret_key_is_treated_as_a_secret() {
        let problems = problems_of("jdbc:athena://Region=us-east-1;Pasword=abc;def;Regoin=x");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("after Pasword"), "{problems:?}");
        assert!(
            !problems
                .iter()
                .any(|p| p.contains("def") || p.contains("abc") || p.contains("Regoin")),
            "{problems:?}"
        );
        assert!(
            problems[1].contains("unknown property 'Pasword' (did you mean Password?)"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_misspelled_key_after_a_secret_gets_a_hint_without_quoting() {
        let problems = problems_of("jdbc:athena://User=AK;Password=x;ConectionTest=1;Regin=y");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].contains("did you mean ConnectionTest"),
            "{problems:?}"
        );
        assert!(problems[1].contains("did you mean Region"), "{problems:?}");
        assert!(
            !problems
                .iter()
                .any(|p| p.contains("Conection") || p.contains("Regin")),
            "{problems:?}"
        );
        assert!(
            problems.iter().all(|p| p.contains("after Password")),
            "{problems:?}"
        );
    }

    #[test]
    fn segments_after_other_keys_are_still_quoted() {
        let problems = problems_of("jdbc:athena://Region=us-east-1;broken;WorkGroup=wg;Regoin=x");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(
            problems[0],
            "URL segment 'broken' is not of the form Key=Value"
        );
        assert_eq!(
            problems[1],
            "unknown property 'Regoin' (did you mean Region?)"
        );
    }

    #[test]
    fn a_connection_error_after_a_secret_names_the_key_only() {
        for url in [
            "jdbc:athena://Region=us-east-1;User=AK;ProxyHost=h;ProxyPort=8080;ProxyPassword=p@ss;word1;Password=x",
            "jdbc:athena://Region=us-east-1;User=AK;Password=abc;def=ghi",
        ] {
            let e = match crate::config::ConnectionConfig::from_url(url, &[]) {
                Ok(_) => panic!("{url} was accepted"),
                Err(e) => e,
            };
            let message = e.to_string();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidProperties);
            for part in ["word1", "p@ss", "def=", "'def'", "ghi", "abc"] {
                assert!(!message.contains(part), "{message}");
            }
            assert!(message.contains("ProxyPassword") || message.contains("Password"), "{message}");
        }
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
