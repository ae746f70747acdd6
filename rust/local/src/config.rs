//! Server configuration: TOML file plus built-in defaults.

use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// Default result bucket reported as `OutputLocation`.
pub const DEFAULT_OUTPUT_LOCATION: &str = "s3://athena-local-results/";
/// Default AWS account id of every ARN athena-local reports.
pub const DEFAULT_ACCOUNT: &str = "111122223333";
/// `trusted_issuers` entry naming the built-in test issuer.
pub const TEST_ISSUER: &str = "test";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("invalid config: {0}")]
    Invalid(String),
}

/// A key pair accepted for SigV4.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// When set, requests must carry this `X-Amz-Security-Token`.
    #[serde(default)]
    pub session_token: Option<String>,
    /// Simulates an expired session: requests get `ExpiredTokenException`.
    #[serde(default)]
    pub expired: bool,
    /// IAM principal of the key (GetCallerIdentity, AssumeRole trust);
    /// default `arn:aws:iam::ACCOUNT:user/ACCESS_KEY_ID`.
    #[serde(default)]
    pub arn: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WorkGroup {
    pub name: String,
    #[serde(default = "default_output_location")]
    pub output_location: String,
    #[serde(default)]
    pub description: String,
    /// Resource tags (Athena ListTagsForResource on the workgroup ARN).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Query calls need credentials carrying an IAM Identity Center context.
    #[serde(default)]
    pub require_identity_context: bool,
    /// Athena-managed query result storage: results are kept where no S3
    /// client can read them, and queries report no `OutputLocation`.
    #[serde(default)]
    pub managed_results: bool,
    /// Encryption the workgroup enforces on result files, e.g. `CSE_KMS`
    /// (client-side encrypted: unreadable as plain CSV).
    #[serde(default)]
    pub result_encryption: Option<String>,
    /// S3 reads of the result files are refused (AccessDenied), as a bucket
    /// policy requiring `s3:CalledVia` = Athena would.
    #[serde(default)]
    pub deny_result_reads: bool,
}

/// `[[buckets]]`: how S3 answers for one bucket. Every bucket exists; an
/// entry only changes its answers, as a bucket policy or a bucket's Region
/// changes them on AWS.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Bucket {
    pub name: String,
    /// The bucket's Region: S3 requests signed for another Region get
    /// `301 PermanentRedirect` with `x-amz-bucket-region`, as S3 answers.
    #[serde(default)]
    pub region: Option<String>,
    /// ListObjectsV2 on the bucket gets `403 AccessDenied`, as for a caller
    /// without `s3:ListBucket`; object reads and writes still work.
    #[serde(default)]
    pub deny_list: bool,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Database {
    /// The catalog holding it: `catalog` when absent, or a
    /// `[[nested_catalogs]]` name (stored as that entry spells it).
    #[serde(default)]
    pub catalog: Option<String>,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// `[[nested_catalogs]]`: a catalog federated into Glue below the account's
/// root catalog, such as S3 Tables' `s3tablescatalog/BUCKET`. Glue's
/// GetCatalogs lists it and every prefix of its path (container catalogs
/// that hold catalogs but no databases); Athena's metadata calls and
/// queries take its path as the catalog name; ListDataCatalogs does not
/// list it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NestedCatalog {
    /// Its path, segments separated by `/` (the Glue CatalogId without the
    /// account).
    pub name: String,
    /// `FederatedCatalog.ConnectionName` (default `aws:s3tables`).
    #[serde(default = "default_connection")]
    pub connection: String,
    /// If set, ListDatabases, GetDatabase, ListTableMetadata and
    /// GetTableMetadata on it fail with this text, and so do `SHOW
    /// DATABASES` and `SHOW TABLES` run in it; queries still work.
    #[serde(default)]
    pub list_error: Option<String>,
    /// The error code of `list_error` (as for `[[catalogs]]`).
    #[serde(default = "default_list_error_code")]
    pub list_error_code: String,
}

impl NestedCatalog {
    /// The path's segments, top first.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.name.split('/')
    }
}

/// `[[catalogs]]`: a data catalog besides `catalog`, such as a federated
/// (Lambda) connector. It holds no databases; ListDataCatalogs lists it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DataCatalog {
    pub name: String,
    /// ListDataCatalogs' `Type`: `LAMBDA` (default), `GLUE` or `HIVE`.
    #[serde(default = "default_catalog_type", rename = "type")]
    pub catalog_type: String,
    /// If set, ListDatabases and GetDatabase on this catalog fail with this
    /// text, as a connector whose Lambda function fails or may not be
    /// invoked, or a deleted federated source, answers.
    #[serde(default)]
    pub list_error: Option<String>,
    /// The error code of `list_error`: `MetadataException` (default),
    /// `AccessDeniedException` or `InvalidRequestException`.
    #[serde(default = "default_list_error_code")]
    pub list_error_code: String,
}

/// `[[database_rules]]`: how the metadata API answers for one database of
/// `catalog`; queries on its tables are not affected unless said.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DatabaseRule {
    pub database: String,
    /// If set, ListTableMetadata and GetTableMetadata in this database fail
    /// with a MetadataException carrying this text, and so does `SHOW
    /// TABLES` in it (FAILED), as a broken federated source answers.
    #[serde(default)]
    pub list_error: Option<String>,
    /// ListTableMetadata and GetTableMetadata in this database answer
    /// AccessDeniedException, as for a principal whose policy does not allow
    /// them (glue:GetTable(s) / Lake Formation); queries, `DESCRIBE` and
    /// `information_schema` still answer.
    #[serde(default)]
    pub deny_table_metadata: bool,
    /// Callers `deny_table_metadata` applies to (their ARN: the user of
    /// static keys, or the assumed role's ARN or its session's); empty, it
    /// applies to every caller.
    #[serde(default)]
    pub denied_principals: Vec<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TableFormat {
    Csv,
    Parquet,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// The catalog holding it: `catalog` when absent, or a
    /// `[[nested_catalogs]]` name (stored as that entry spells it).
    #[serde(default)]
    pub catalog: Option<String>,
    #[serde(default = "default_database")]
    pub database: String,
    pub name: String,
    pub format: TableFormat,
    /// File or folder; relative paths are resolved against the config file's folder.
    pub path: PathBuf,
    /// CSV only: whether the first line holds column names (default true).
    #[serde(default = "default_true")]
    pub has_header: bool,
    /// CSV only: field delimiter (default `,`).
    #[serde(default = "default_delimiter")]
    pub delimiter: char,
    /// If set, describing this table (GetTableMetadata, and any
    /// ListTableMetadata page that holds it) fails with a MetadataException
    /// carrying this text, as a federated catalog's connector can; queries on
    /// it still work. For testing how clients survive such a table.
    #[serde(default)]
    pub describe_error: Option<String>,
}

/// The error codes a `[[catalogs]]` listing may fail with.
pub const METADATA_ERROR_CODES: [&str; 3] = [
    "MetadataException",
    "AccessDeniedException",
    "InvalidRequestException",
];

impl Config {
    /// A `[[nested_catalogs]]` entry by path (case-insensitive).
    pub fn nested_catalog(&self, name: &str) -> Option<&NestedCatalog> {
        self.nested_catalogs
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The catalog an entry's optional `catalog` names, as the engine
    /// registers it: `catalog` itself when absent.
    pub fn catalog_of<'a>(&'a self, catalog: &'a Option<String>) -> &'a str {
        catalog.as_deref().unwrap_or(&self.catalog)
    }

    /// The canonical spelling of a catalog a `[[databases]]` or `[[tables]]`
    /// entry names: `None` for `catalog`, the nested entry's own name, or
    /// the name as given when it is neither (refused by validation).
    fn canonical_catalog(&self, name: &Option<String>) -> Option<String> {
        let name = name.as_deref()?;
        if name.eq_ignore_ascii_case(&self.catalog) {
            return None;
        }
        Some(
            self.nested_catalog(name)
                .map_or_else(|| name.to_string(), |c| c.name.clone()),
        )
    }

    /// The configured rule of a database of `catalog`, if any.
    pub fn database_rule(&self, database: &str) -> Option<&DatabaseRule> {
        self.database_rules
            .iter()
            .find(|r| r.database.eq_ignore_ascii_case(database))
    }

    /// A configured `[[catalogs]]` entry by name (case-insensitive).
    pub fn extra_catalog(&self, name: &str) -> Option<&DataCatalog> {
        self.catalogs
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }
}

/// Everything the server needs; build with [`Config::default`] or [`Config::load`].
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default = "default_region")]
    pub region: String,
    #[serde(default = "default_catalog")]
    pub catalog: String,
    #[serde(default)]
    pub credentials: Vec<Credential>,
    #[serde(default)]
    pub workgroups: Vec<WorkGroup>,
    #[serde(default)]
    pub databases: Vec<Database>,
    #[serde(default)]
    pub tables: Vec<Table>,
    /// Every query stays RUNNING at least this long (for cancel/poll tests).
    #[serde(default)]
    pub query_delay_ms: u64,
    /// Allowed clock skew of `X-Amz-Date`, in seconds (AWS uses 15 minutes).
    #[serde(default = "default_skew")]
    pub max_clock_skew_secs: i64,
    /// Account id in every ARN (roles, workgroups, applications).
    #[serde(default = "default_account")]
    pub account: String,
    /// STS, IAM Identity Center and SSO Admin emulation.
    #[serde(default)]
    pub identity: IdentityConfig,
    /// Folder holding one folder per S3 bucket (result files, UNLOAD
    /// output); default: a temporary folder removed at exit.
    #[serde(default)]
    pub storage_dir: Option<PathBuf>,
    /// Every API call (Athena, S3, STS, ...) waits this long before it is
    /// served, to model the round trip to AWS.
    #[serde(default)]
    pub call_latency_ms: u64,
    /// Per-bucket S3 answers (Region, denied listing).
    #[serde(default)]
    pub buckets: Vec<Bucket>,
    /// Data catalogs besides `catalog` (federated connectors).
    #[serde(default)]
    pub catalogs: Vec<DataCatalog>,
    /// Per-database metadata answers (a failing listing, denied table metadata).
    #[serde(default)]
    pub database_rules: Vec<DatabaseRule>,
    /// Catalogs federated into Glue below the root (S3 Tables' buckets).
    #[serde(default)]
    pub nested_catalogs: Vec<NestedCatalog>,
}

/// `[identity]`: federated sign-in (STS, SSO-OIDC, SSO Admin).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IdentityConfig {
    /// Upper bound of every issued credential's lifetime (none: as requested).
    #[serde(default)]
    pub credential_lifetime_seconds: Option<u64>,
    /// Lifetime of CreateTokenWithIAM id tokens and their identity context.
    #[serde(default = "default_id_token_lifetime")]
    pub id_token_lifetime_seconds: u64,
    #[serde(default)]
    pub test_issuer: TestIssuerConfig,
    #[serde(default)]
    pub issuers: Vec<IssuerConfig>,
    #[serde(default)]
    pub roles: Vec<RoleConfig>,
    #[serde(default)]
    pub applications: Vec<ApplicationConfig>,
    #[serde(default)]
    pub saml_providers: Vec<SamlProviderConfig>,
    /// People of the emulated company identity providers (Entra ID, …).
    #[serde(default)]
    pub idp_users: Vec<IdpUserConfig>,
    /// Entra ID applications (tenant, client id and secret) the token endpoint knows.
    #[serde(default)]
    pub entra_apps: Vec<EntraAppConfig>,
    /// IAM Identity Center's people (its sign-in page, SSO-OIDC and the AWS
    /// access portal) and the permission sets assigned to them.
    #[serde(default)]
    pub identity_center_users: Vec<IdentityCenterUserConfig>,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        IdentityConfig {
            credential_lifetime_seconds: None,
            id_token_lifetime_seconds: default_id_token_lifetime(),
            test_issuer: TestIssuerConfig::default(),
            issuers: Vec::new(),
            roles: Vec::new(),
            applications: Vec::new(),
            saml_providers: Vec::new(),
            idp_users: Vec::new(),
            entra_apps: Vec::new(),
            identity_center_users: Vec::new(),
        }
    }
}

/// `[identity.test_issuer]`: the built-in OIDC issuer at `/_athena_local/issuer`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TestIssuerConfig {
    #[serde(default = "default_true")]
    pub enabled: bool,
    #[serde(default = "default_test_audiences")]
    pub audiences: Vec<String>,
}

impl Default for TestIssuerConfig {
    fn default() -> Self {
        TestIssuerConfig {
            enabled: true,
            audiences: default_test_audiences(),
        }
    }
}

/// `[[identity.issuers]]`: an external OIDC issuer, trusted by URL.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IssuerConfig {
    /// The tokens' `iss`; discovery is `{url}/.well-known/openid-configuration`.
    pub url: String,
    /// Accepted `aud` values.
    pub audiences: Vec<String>,
}

/// `[[identity.saml_providers]]`: an IAM SAML provider (its metadata's
/// signing certificates and entity id).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SamlProviderConfig {
    /// `arn:aws:iam::ACCOUNT:saml-provider/NAME`.
    pub arn: String,
    /// PEM file of the certificate(s) the identity provider signs with.
    pub certificate: PathBuf,
    /// The responses' Issuer (the metadata's entityID); any when absent.
    #[serde(default)]
    pub issuer: Option<String>,
    /// PEM private key: the built-in test identity provider signs responses
    /// of this provider with it (`POST /_athena_local/saml/response`).
    #[serde(default)]
    pub signing_key: Option<PathBuf>,
}

/// `[[identity.idp_users]]`: a person at the emulated identity providers,
/// and what their SAML assertions say.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IdpUserConfig {
    /// The sign-in name (Entra ID's UPN).
    pub name: String,
    pub password: String,
    /// The `[[identity.saml_providers]]` ARN whose key signs their assertions.
    pub provider: String,
    /// Role attribute values, `role-arn,provider-arn`.
    #[serde(default)]
    pub roles: Vec<String>,
    /// RoleSessionName attribute (default: `name`).
    #[serde(default)]
    pub session_name: Option<String>,
    /// A locked account: every sign-in is refused as locked.
    #[serde(default)]
    pub locked: bool,
    /// Okta's second factor: `totp`, `push` or `sms` (none by default).
    #[serde(default)]
    pub mfa: Option<String>,
    /// The code a `totp` or `sms` factor accepts.
    #[serde(default)]
    pub mfa_code: Option<String>,
    /// How the person answers a push: `approve` (default), `reject`, `never`.
    #[serde(default)]
    pub push: Option<String>,
    /// The phone an `sms` factor names.
    #[serde(default)]
    pub phone_number: Option<String>,
}

/// `[[identity.entra_apps]]`: an Entra ID application registration.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EntraAppConfig {
    /// The tenant's id or domain, as it appears in the token endpoint's path.
    pub tenant: String,
    pub client_id: String,
    pub client_secret: String,
    /// Redirect URIs of the browser sign-in besides loopback ones
    /// (`http://localhost:PORT/...`, `http://127.0.0.1:PORT/...`), which are
    /// always allowed, as for a public client.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// How long a refresh token stays usable (Entra: 90 days).
    #[serde(default = "default_entra_refresh_seconds")]
    pub refresh_token_seconds: u64,
}

fn default_entra_refresh_seconds() -> u64 {
    90 * 24 * 3600
}

/// `[[identity.identity_center_users]]`: a person who signs in at IAM
/// Identity Center.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IdentityCenterUserConfig {
    /// The sign-in name; also the role session name of their credentials.
    pub name: String,
    pub password: String,
    #[serde(default)]
    pub assignments: Vec<PermissionSetAssignment>,
}

/// A permission set assigned in an account: GetRoleCredentials's role name,
/// and the IAM role whose credentials it hands out.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PermissionSetAssignment {
    /// Must be athena-local's `account`.
    pub account_id: String,
    /// The permission set's name, as the AWS access portal lists it.
    pub role_name: String,
    /// Default: the role Identity Center provisions,
    /// `arn:aws:iam::ACCOUNT:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_NAME_HASH`.
    #[serde(default)]
    pub role_arn: Option<String>,
    /// The permission set's session duration (Identity Center's default: one hour).
    #[serde(default = "default_permission_set_seconds")]
    pub session_seconds: u64,
}

impl PermissionSetAssignment {
    pub fn role_arn(&self) -> String {
        self.role_arn.clone().unwrap_or_else(|| {
            use sha2::{Digest, Sha256};
            let hash = hex::encode(Sha256::digest(
                format!("{}/{}", self.account_id, self.role_name).as_bytes(),
            ));
            format!(
                "arn:aws:iam::{}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_{}_{}",
                self.account_id,
                self.role_name,
                &hash[..16]
            )
        })
    }
}

fn default_permission_set_seconds() -> u64 {
    3600
}

/// `[[identity.roles]]`: an IAM role and its trust policy.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RoleConfig {
    pub arn: String,
    /// Issuers allowed to AssumeRoleWithWebIdentity: `test` or an issuer URL.
    #[serde(default)]
    pub trusted_issuers: Vec<String>,
    /// Principals allowed to AssumeRole: role or user ARNs, `arn:aws:iam::ACCOUNT:root`, or `*`.
    #[serde(default)]
    pub trusted_principals: Vec<String>,
    /// SAML providers allowed to AssumeRoleWithSAML (`Principal.Federated`).
    #[serde(default)]
    pub trusted_saml_providers: Vec<String>,
    #[serde(default = "default_max_session")]
    pub max_session_seconds: u64,
}

/// `[[identity.applications]]`: an IAM Identity Center application.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ApplicationConfig {
    /// `arn:aws:sso::ACCOUNT:application/ssoins-.../apl-...`; the OIDC client id.
    pub arn: String,
    /// Trusted token issuers for the jwt-bearer grant: `test` or an issuer URL.
    #[serde(default)]
    pub trusted_issuers: Vec<String>,
    /// Accepted assertion audiences; default: the issuer's own audiences.
    #[serde(default)]
    pub audiences: Option<Vec<String>>,
    /// Assertion claim naming the user: `sub` (default) or `email`.
    #[serde(default = "default_user_claim")]
    pub user_claim: String,
    /// Principals allowed to call CreateTokenWithIAM (default `*`, any).
    #[serde(default = "default_any")]
    pub trusted_principals: Vec<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

fn default_output_location() -> String {
    DEFAULT_OUTPUT_LOCATION.to_string()
}
fn default_database() -> String {
    "default".to_string()
}
fn default_region() -> String {
    "us-east-1".to_string()
}
fn default_catalog() -> String {
    "AwsDataCatalog".to_string()
}
fn default_catalog_type() -> String {
    "LAMBDA".to_string()
}
fn default_list_error_code() -> String {
    "MetadataException".to_string()
}
fn default_connection() -> String {
    "aws:s3tables".to_string()
}
fn default_true() -> bool {
    true
}
fn default_delimiter() -> char {
    ','
}
fn default_skew() -> i64 {
    15 * 60
}
fn default_account() -> String {
    DEFAULT_ACCOUNT.to_string()
}
fn default_id_token_lifetime() -> u64 {
    3600
}
fn default_test_audiences() -> Vec<String> {
    vec!["athena-local".to_string()]
}
fn default_max_session() -> u64 {
    43_200
}
fn default_user_claim() -> String {
    "sub".to_string()
}
fn default_any() -> Vec<String> {
    vec!["*".to_string()]
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `arn:aws:iam::ACCOUNT:role/[PATH/]NAME` → (account, name).
pub fn parse_role_arn(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let path = resource.strip_prefix("role/")?;
    let name = path.rsplit('/').next()?;
    (is_account(account) && !name.is_empty()).then_some((account, name))
}

/// `arn:aws:sso::ACCOUNT:application/ssoins-X/apl-Y` → the instance id `ssoins-X`.
pub fn application_instance(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("arn:aws:sso::")?;
    let (account, resource) = rest.split_once(':')?;
    let (instance, app) = resource.strip_prefix("application/")?.split_once('/')?;
    (is_account(account)
        && instance.len() > "ssoins-".len()
        && instance.starts_with("ssoins-")
        && app.len() > "apl-".len()
        && app.starts_with("apl-")
        && !app.contains('/'))
    .then_some(instance)
}

impl Default for Config {
    fn default() -> Self {
        let mut c = Config {
            region: default_region(),
            catalog: default_catalog(),
            credentials: Vec::new(),
            workgroups: Vec::new(),
            databases: Vec::new(),
            tables: Vec::new(),
            query_delay_ms: 0,
            max_clock_skew_secs: default_skew(),
            account: default_account(),
            identity: IdentityConfig::default(),
            storage_dir: None,
            call_latency_ms: 0,
            buckets: Vec::new(),
            catalogs: Vec::new(),
            database_rules: Vec::new(),
            nested_catalogs: Vec::new(),
        };
        c.apply_defaults();
        c
    }
}

impl Config {
    /// Reads a TOML file; relative table paths become relative to its folder.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let base = path.parent().unwrap_or_else(|| Path::new("."));
        Self::from_toml_str(&text, base).map_err(|e| match e {
            ConfigError::Parse { source, .. } => ConfigError::Parse {
                path: path.to_path_buf(),
                source,
            },
            other => other,
        })
    }

    /// Parses TOML text; `base` resolves relative table paths.
    pub fn from_toml_str(text: &str, base: &Path) -> Result<Config, ConfigError> {
        let mut c: Config = toml::from_str(text).map_err(|source| ConfigError::Parse {
            path: PathBuf::new(),
            source,
        })?;
        for t in &mut c.tables {
            if t.path.is_relative() {
                t.path = base.join(&t.path);
            }
        }
        for p in &mut c.identity.saml_providers {
            for path in std::iter::once(&mut p.certificate).chain(p.signing_key.as_mut()) {
                if path.is_relative() {
                    *path = base.join(&*path);
                }
            }
        }
        if let Some(dir) = c.storage_dir.as_mut().filter(|d| d.is_relative()) {
            *dir = base.join(&*dir);
        }
        c.apply_defaults();
        c.validate()?;
        Ok(c)
    }

    /// Fills in the LocalStack-style defaults for anything left empty.
    fn apply_defaults(&mut self) {
        if self.credentials.is_empty() {
            self.credentials.push(Credential {
                access_key_id: "test".into(),
                secret_access_key: "test".into(),
                session_token: None,
                expired: false,
                arn: None,
            });
        }
        if self.workgroups.is_empty() {
            self.workgroups.push(WorkGroup {
                name: "primary".into(),
                output_location: default_output_location(),
                description: String::new(),
                tags: BTreeMap::new(),
                require_identity_context: false,
                managed_results: false,
                result_encryption: None,
                deny_result_reads: false,
            });
        }
        if !self
            .databases
            .iter()
            .any(|d| d.name == "default" && self.canonical_catalog(&d.catalog).is_none())
        {
            self.databases.insert(
                0,
                Database {
                    catalog: None,
                    name: "default".into(),
                    description: "Default Hive database".into(),
                },
            );
        }
        // Athena database and table names are lower case; catalogs are
        // spelled as configured (the main one as `catalog`: None).
        let databases: Vec<Option<String>> = self
            .databases
            .iter()
            .map(|d| self.canonical_catalog(&d.catalog))
            .collect();
        for (d, catalog) in self.databases.iter_mut().zip(databases) {
            d.name = d.name.to_lowercase();
            d.catalog = catalog;
        }
        for r in &mut self.database_rules {
            r.database = r.database.to_lowercase();
        }
        let tables: Vec<Option<String>> = self
            .tables
            .iter()
            .map(|t| self.canonical_catalog(&t.catalog))
            .collect();
        for (t, catalog) in self.tables.iter_mut().zip(tables) {
            t.database = t.database.to_lowercase();
            t.name = t.name.to_lowercase();
            t.catalog = catalog;
        }
        // Tables may name a database that was not declared: declare it.
        for i in 0..self.tables.len() {
            let (catalog, name) = (&self.tables[i].catalog, &self.tables[i].database);
            if !self
                .databases
                .iter()
                .any(|d| &d.catalog == catalog && &d.name == name)
            {
                let database = Database {
                    catalog: catalog.clone(),
                    name: name.clone(),
                    description: String::new(),
                };
                self.databases.push(database);
            }
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.validate_nested_catalogs()?;
        let known = |catalog: &Option<String>| {
            catalog
                .as_deref()
                .is_none_or(|c| self.nested_catalog(c).is_some())
        };
        for d in &self.databases {
            if !known(&d.catalog) {
                return Err(ConfigError::Invalid(format!(
                    "database {}: catalog '{}' is neither catalog '{}' nor a [[nested_catalogs]] name",
                    d.name,
                    self.catalog_of(&d.catalog),
                    self.catalog
                )));
            }
        }
        for t in &self.tables {
            if !known(&t.catalog) {
                return Err(ConfigError::Invalid(format!(
                    "table {}.{}: catalog '{}' is neither catalog '{}' nor a [[nested_catalogs]] name",
                    t.database,
                    t.name,
                    self.catalog_of(&t.catalog),
                    self.catalog
                )));
            }
            if t.name.is_empty() {
                return Err(ConfigError::Invalid("table with an empty name".into()));
            }
            if !t.path.exists() {
                return Err(ConfigError::Invalid(format!(
                    "table {}.{}: path {} does not exist",
                    t.database,
                    t.name,
                    t.path.display()
                )));
            }
        }
        for w in &self.workgroups {
            if crate::storage::parse_s3_uri(&w.output_location).is_none() {
                return Err(ConfigError::Invalid(format!(
                    "workgroup {}: output_location '{}' must be s3://BUCKET/PREFIX",
                    w.name, w.output_location
                )));
            }
            if let Some(e) = &w.result_encryption {
                if !["SSE_S3", "SSE_KMS", "CSE_KMS"].contains(&e.as_str()) {
                    return Err(ConfigError::Invalid(format!(
                        "workgroup {}: result_encryption '{e}' must be SSE_S3, SSE_KMS or CSE_KMS",
                        w.name
                    )));
                }
            }
        }
        for c in &self.catalogs {
            if c.name.is_empty() || c.name.eq_ignore_ascii_case(&self.catalog) {
                return Err(ConfigError::Invalid(format!(
                    "catalogs: '{}' must be a non-empty name other than catalog '{}'",
                    c.name, self.catalog
                )));
            }
            if !["LAMBDA", "GLUE", "HIVE"].contains(&c.catalog_type.as_str()) {
                return Err(ConfigError::Invalid(format!(
                    "catalog {}: type '{}' must be LAMBDA, GLUE or HIVE",
                    c.name, c.catalog_type
                )));
            }
            if !METADATA_ERROR_CODES.contains(&c.list_error_code.as_str()) {
                return Err(ConfigError::Invalid(format!(
                    "catalog {}: list_error_code '{}' must be one of {}",
                    c.name,
                    c.list_error_code,
                    METADATA_ERROR_CODES.join(", ")
                )));
            }
        }
        for r in &self.database_rules {
            if !self
                .databases
                .iter()
                .any(|d| d.catalog.is_none() && d.name == r.database)
            {
                return Err(ConfigError::Invalid(format!(
                    "database_rules: database '{}' of catalog '{}' is not declared in [[databases]] or [[tables]]",
                    r.database, self.catalog
                )));
            }
        }
        if !is_account(&self.account) {
            return Err(ConfigError::Invalid(format!(
                "account '{}' must be 12 digits",
                self.account
            )));
        }
        self.validate_identity()
    }

    /// `[[nested_catalogs]]`: Glue catalog names for every segment, no name
    /// twice, none clashing with `catalog` or `[[catalogs]]`, and none the
    /// parent of another (parents are container catalogs, implied).
    fn validate_nested_catalogs(&self) -> Result<(), ConfigError> {
        let invalid = |m: String| Err(ConfigError::Invalid(m));
        let mut seen = HashSet::new();
        for c in &self.nested_catalogs {
            let owner = format!("nested_catalogs '{}'", c.name);
            // Glue's catalog Name: 1 to 64 characters, no `.`, `/` or `\`,
            // not starting `aws:`; `"` would end the quoted SQL name.
            let segment_ok = |s: &str| {
                !s.is_empty()
                    && s.chars().count() <= 64
                    && !s.starts_with("aws:")
                    && !s.chars().any(|ch| {
                        ch == '.'
                            || ch == '\\'
                            || ch == '"'
                            || ch.is_whitespace()
                            || ch.is_control()
                    })
            };
            if !c.segments().all(segment_ok) {
                return invalid(format!(
                    "{owner}: each /-separated segment must be 1 to 64 characters without '.', '\\', '\"' or spaces, not starting with 'aws:'"
                ));
            }
            if !seen.insert(c.name.to_lowercase()) {
                return invalid(format!("{owner} is listed twice"));
            }
            if !METADATA_ERROR_CODES.contains(&c.list_error_code.as_str()) {
                return invalid(format!(
                    "{owner}: list_error_code '{}' must be one of {}",
                    c.list_error_code,
                    METADATA_ERROR_CODES.join(", ")
                ));
            }
            if c.connection.is_empty() {
                return invalid(format!("{owner}: connection must not be empty"));
            }
            // Every path of the hierarchy: the catalog and its containers.
            let segments: Vec<&str> = c.segments().collect();
            for depth in 1..=segments.len() {
                let path = segments[..depth].join("/");
                if path.eq_ignore_ascii_case(&self.catalog) || self.extra_catalog(&path).is_some() {
                    return invalid(format!(
                        "{owner}: '{path}' is already the name of catalog '{}' or of a [[catalogs]] entry",
                        self.catalog
                    ));
                }
                if depth < segments.len() && self.nested_catalog(&path).is_some() {
                    return invalid(format!(
                        "{owner}: '{path}' is its parent, a container catalog, and cannot hold databases itself"
                    ));
                }
            }
        }
        Ok(())
    }

    fn validate_identity(&self) -> Result<(), ConfigError> {
        let invalid = |m: String| Err(ConfigError::Invalid(m));
        let id = &self.identity;
        if id.id_token_lifetime_seconds == 0 {
            return invalid("identity.id_token_lifetime_seconds must be at least 1".into());
        }
        if id.credential_lifetime_seconds == Some(0) {
            return invalid("identity.credential_lifetime_seconds must be at least 1".into());
        }
        if id.test_issuer.enabled && id.test_issuer.audiences.is_empty() {
            return invalid("identity.test_issuer.audiences must not be empty".into());
        }
        let mut urls = HashSet::new();
        for i in &id.issuers {
            if !i.url.starts_with("http://") {
                return invalid(format!(
                    "identity.issuers url '{}': only http:// issuers are supported (discovery is fetched over plain HTTP)",
                    i.url
                ));
            }
            if i.audiences.is_empty() {
                return invalid(format!(
                    "identity.issuers url '{}': audiences must not be empty",
                    i.url
                ));
            }
            if !urls.insert(i.url.trim_end_matches('/')) {
                return invalid(format!("identity.issuers url '{}' is listed twice", i.url));
            }
        }
        // Trust lists may only name issuers that are configured, so typos fail at load.
        let check_issuers = |owner: &str, list: &[String]| -> Result<(), ConfigError> {
            for name in list {
                let known = if name == TEST_ISSUER {
                    id.test_issuer.enabled
                } else {
                    urls.contains(name.trim_end_matches('/'))
                };
                if !known {
                    return Err(ConfigError::Invalid(format!(
                        "{owner}: trusted issuer '{name}' is neither `test` (with the test issuer enabled) nor the url of an [[identity.issuers]] entry"
                    )));
                }
            }
            Ok(())
        };
        let mut arns = HashSet::new();
        for r in &id.roles {
            if parse_role_arn(&r.arn).is_none() {
                return invalid(format!(
                    "identity.roles arn '{}' is not arn:aws:iam::ACCOUNT:role/NAME",
                    r.arn
                ));
            }
            if !arns.insert(r.arn.as_str()) {
                return invalid(format!("identity.roles arn '{}' is listed twice", r.arn));
            }
            if !(900..=43_200).contains(&r.max_session_seconds) {
                return invalid(format!(
                    "identity.roles arn '{}': max_session_seconds must be 900..=43200",
                    r.arn
                ));
            }
            check_issuers(&format!("role {}", r.arn), &r.trusted_issuers)?;
        }
        for a in &id.applications {
            if application_instance(&a.arn).is_none() {
                return invalid(format!(
                    "identity.applications arn '{}' is not arn:aws:sso::ACCOUNT:application/ssoins-ID/apl-ID",
                    a.arn
                ));
            }
            if !arns.insert(a.arn.as_str()) {
                return invalid(format!(
                    "identity.applications arn '{}' is listed twice",
                    a.arn
                ));
            }
            if a.user_claim != "sub" && a.user_claim != "email" {
                return invalid(format!(
                    "identity.applications arn '{}': user_claim must be `sub` or `email`",
                    a.arn
                ));
            }
            if a.audiences.as_ref().is_some_and(Vec::is_empty) {
                return invalid(format!(
                    "identity.applications arn '{}': audiences must not be empty when set",
                    a.arn
                ));
            }
            check_issuers(&format!("application {}", a.arn), &a.trusted_issuers)?;
        }
        let mut names = HashSet::new();
        for w in &self.workgroups {
            if !names.insert(w.name.as_str()) {
                return invalid(format!("workgroup '{}' is listed twice", w.name));
            }
        }
        for u in &id.idp_users {
            if u.mfa
                .as_deref()
                .is_some_and(|m| !["totp", "push", "sms"].contains(&m))
                || u.push
                    .as_deref()
                    .is_some_and(|p| !["approve", "reject", "never"].contains(&p))
            {
                return invalid(format!(
                    "identity.idp_users '{}': mfa must be totp, push or sms, and push approve, reject or never",
                    u.name
                ));
            }
            let signer = id.saml_providers.iter().find(|p| p.arn == u.provider);
            if signer.is_none_or(|p| p.signing_key.is_none()) {
                return invalid(format!(
                    "identity.idp_users '{}': provider '{}' must be an [[identity.saml_providers]] arn with a signing_key",
                    u.name, u.provider
                ));
            }
        }
        let mut people = HashSet::new();
        for u in &id.identity_center_users {
            if u.name.is_empty() || !people.insert(u.name.to_ascii_lowercase()) {
                return invalid(format!(
                    "identity.identity_center_users: name '{}' is empty or listed twice",
                    u.name
                ));
            }
            for a in &u.assignments {
                let owner = format!(
                    "identity.identity_center_users '{}': assignment {}/{}",
                    u.name, a.account_id, a.role_name
                );
                if a.account_id != self.account {
                    return invalid(format!(
                        "{owner}: account_id must be athena-local's account {}",
                        self.account
                    ));
                }
                // Identity Center's permission set names.
                let name_ok = !a.role_name.is_empty()
                    && a.role_name.len() <= 32
                    && a.role_name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+=,.@-_".contains(c));
                if !name_ok {
                    return invalid(format!(
                        "{owner}: role_name must be 1 to 32 of A-Z a-z 0-9 +=,.@-_"
                    ));
                }
                if parse_role_arn(&a.role_arn()).is_none_or(|(account, _)| account != self.account)
                {
                    return invalid(format!(
                        "{owner}: role_arn must be arn:aws:iam::{}:role/NAME",
                        self.account
                    ));
                }
                if !(900..=43_200).contains(&a.session_seconds) {
                    return invalid(format!("{owner}: session_seconds must be 900..=43200"));
                }
            }
        }
        let mut apps = HashSet::new();
        for a in &id.entra_apps {
            if !apps.insert((a.tenant.as_str(), a.client_id.as_str())) {
                return invalid(format!(
                    "identity.entra_apps: client_id '{}' is listed twice in tenant '{}'",
                    a.client_id, a.tenant
                ));
            }
        }
        Ok(())
    }

    /// The ARN reported for a workgroup.
    pub fn workgroup_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:athena:{}:{}:workgroup/{name}",
            self.region, self.account
        )
    }

    pub fn credential(&self, access_key_id: &str) -> Option<&Credential> {
        self.credentials
            .iter()
            .find(|c| c.access_key_id == access_key_id)
    }

    pub fn workgroup(&self, name: &str) -> Option<&WorkGroup> {
        self.workgroups.iter().find(|w| w.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let c = Config::default();
        assert_eq!(c.region, "us-east-1");
        assert_eq!(c.catalog, "AwsDataCatalog");
        assert_eq!(c.credentials[0].access_key_id, "test");
        assert_eq!(c.credentials[0].secret_access_key, "test");
        assert_eq!(c.workgroups[0].name, "primary");
        assert_eq!(c.databases[0].name, "default");
    }

    #[test]
    fn parses_and_resolves_paths() {
        let dir = std::env::temp_dir().join(format!("athena-local-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok();
        std::fs::write(dir.join("t.csv"), "a\n1\n").ok();
        let text = r#"
            region = "eu-west-1"
            query_delay_ms = 5
            [[credentials]]
            access_key_id = "AK"
            secret_access_key = "SK"
            [[workgroups]]
            name = "wg"
            [[tables]]
            database = "Sales"
            name = "T"
            format = "csv"
            path = "t.csv"
        "#;
        let c = Config::from_toml_str(text, &dir).unwrap();
        assert_eq!(c.region, "eu-west-1");
        assert_eq!(c.tables[0].path, dir.join("t.csv"));
        assert_eq!(c.tables[0].name, "t");
        assert!(c.databases.iter().any(|d| d.name == "sales"));
        assert!(c.databases.iter().any(|d| d.name == "default"));
        assert_eq!(c.workgroups[0].output_location, DEFAULT_OUTPUT_LOCATION);
        assert_eq!(c.query_delay_ms, 5);
    }

    #[test]
    fn rejects_unknown_keys_and_missing_files() {
        assert!(Config::from_toml_str("nope = 1", Path::new(".")).is_err());
        let t = "[[tables]]\nname='x'\nformat='csv'\npath='/no/such/file.csv'";
        assert!(matches!(
            Config::from_toml_str(t, Path::new(".")),
            Err(ConfigError::Invalid(_))
        ));
    }

    #[test]
    fn identity_defaults_and_validation() {
        let c = Config::default();
        assert_eq!(c.account, DEFAULT_ACCOUNT);
        assert!(c.identity.test_issuer.enabled);
        assert_eq!(c.identity.test_issuer.audiences, ["athena-local"]);
        assert_eq!(c.identity.id_token_lifetime_seconds, 3600);
        assert_eq!(c.identity.credential_lifetime_seconds, None);

        let ok = r#"
            [[identity.issuers]]
            url = "http://127.0.0.1:3000/"
            audiences = ["a"]
            [[identity.roles]]
            arn = "arn:aws:iam::111122223333:role/path/r"
            trusted_issuers = ["test", "http://127.0.0.1:3000"]
            [[identity.applications]]
            arn = "arn:aws:sso::111122223333:application/ssoins-1/apl-2"
            tags = { k = "v" }
            [[workgroups]]
            name = "w"
            tags = { a = "b" }
            require_identity_context = true
        "#;
        let c = Config::from_toml_str(ok, Path::new(".")).unwrap();
        assert_eq!(c.identity.roles[0].max_session_seconds, 43_200);
        assert_eq!(c.identity.applications[0].trusted_principals, ["*"]);
        assert!(c.workgroups[0].require_identity_context);
        assert_eq!(
            c.workgroup_arn("w"),
            "arn:aws:athena:us-east-1:111122223333:workgroup/w"
        );

        for bad in [
            "account = \"12\"",
            "[[identity.roles]]\narn = \"arn:aws:iam::1:role/x\"",
            "[[identity.roles]]\narn = \"arn:aws:iam::111122223333:role/x\"\ntrusted_issuers = [\"http://nope\"]",
            "[[identity.issuers]]\nurl = \"https://x\"\naudiences = [\"a\"]",
            "[[identity.applications]]\narn = \"arn:aws:sso::111122223333:application/x\"",
            "[identity.test_issuer]\nenabled = false\n[[identity.roles]]\narn = \"arn:aws:iam::111122223333:role/x\"\ntrusted_issuers = [\"test\"]",
        ] {
            assert!(
                matches!(
                    Config::from_toml_str(bad, Path::new(".")),
                    Err(ConfigError::Invalid(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn arn_parsing() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::111122223333:role/a/b"),
            Some(("111122223333", "b"))
        );
        assert_eq!(parse_role_arn("arn:aws:iam::111122223333:user/a"), None);
        assert_eq!(
            application_instance("arn:aws:sso::111122223333:application/ssoins-1/apl-2"),
            Some("ssoins-1")
        );
        assert_eq!(
            application_instance("arn:aws:sso::111122223333:application/ssoins-1"),
            None
        );
    }
}
