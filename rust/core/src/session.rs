//! A signed-in connection to Athena: the SDK client built from the connection
//! settings, and the operations a JDBC connection performs.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_athena::types::{
    AclConfiguration, EncryptionConfiguration, EncryptionOption, QueryExecutionContext,
    QueryExecutionState, ResultConfiguration, ResultReuseByAgeConfiguration,
    ResultReuseConfiguration, S3AclOption,
};
use aws_sdk_athena::Client;

use crate::auth::renewal::RenewExpired;
use crate::auth::services::Services;
use crate::auth::FederatedSignIn;
use crate::config::{ConnectionConfig, Credentials};
use crate::error::{from_sdk, Error, ErrorKind, Result, Retry};
use crate::fetch::unload::export::{self, ExportPlan};
use crate::fetch::{unload_rewrite, unload_statement, Fetchers, UnloadRun};
use crate::log::Logger;
use crate::query::Query;

/// Where unqualified names resolve; JDBC lets the user change both per connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryContext {
    pub catalog: String,
    pub database: String,
}

/// Why an UNLOAD's files could not be read back.
#[derive(Debug, Clone, Copy)]
enum UnloadBlocked {
    ClientSideEncryption,
    ManagedStorage,
    NoLocation,
    NoS3,
}

impl std::fmt::Display for UnloadBlocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            UnloadBlocked::ClientSideEncryption => "the results are encrypted client-side (CSE_KMS, EncryptionOption or the workgroup's), which UNLOAD's Parquet files would be too and this driver cannot read",
            UnloadBlocked::ManagedStorage => "the workgroup keeps query results in Athena-managed storage, which has no S3 location for UNLOAD's files; use a workgroup with an S3 output location",
            UnloadBlocked::NoLocation => "neither OutputLocation nor the workgroup names an output location",
            UnloadBlocked::NoS3 => "AthenaEndpoint is not an AWS endpoint and S3Endpoint is not set",
        })
    }
}

pub struct Session {
    config: ConnectionConfig,
    client: RwLock<Client>,
    /// The workgroup's own output location, for UNLOAD mode when the
    /// connection sets none.
    workgroup_output: RwLock<Option<String>>,
    /// The workgroup's result encryption option (e.g. `CSE_KMS`), and
    /// whether it overrides the connection's, for UNLOAD mode.
    workgroup_encryption: RwLock<(Option<String>, bool)>,
    /// The workgroup keeps results in Athena-managed storage.
    workgroup_managed: RwLock<bool>,
    /// The S3 fetcher's client; None when no S3 endpoint is known.
    s3: RwLock<Option<aws_sdk_s3::Client>>,
    /// Glue's, for the nested catalogs; None when no Glue endpoint is known
    /// or GlueCatalogs is off.
    glue: RwLock<Option<aws_sdk_glue::Client>>,
    /// The clients' credentials, for when an export's presigned URLs die with them.
    credentials: Option<aws_credential_types::provider::SharedCredentialsProvider>,
    logger: Logger,
}

impl Session {
    /// Builds the client and proves the credentials and workgroup with one
    /// GetWorkGroup call, so a wrong key fails at connect time, as users of
    /// "Test connection" in DBeaver and DataGrip expect.
    pub async fn connect(config: ConnectionConfig) -> Result<Session> {
        let logger = Logger::open(&config.log)?;
        logger.debug(|| format!("connecting: {config:?}"));
        let result = async {
            let (sdk_config, sign_in) = load_sdk_config(&config, &logger).await?;
            let renewal = sign_in.map(RenewExpired);
            let client = athena_client(&config, &sdk_config, renewal.as_ref());
            let s3 = s3_client(&config, &sdk_config, renewal.as_ref());
            if s3.is_none() {
                logger.debug(|| {
                    "no S3 endpoint for a custom AthenaEndpoint: results are read with GetQueryResults unless S3Endpoint is set".to_string()
                });
            }
            let glue = glue_client(&config, &sdk_config, renewal.as_ref());
            if glue.is_none() && config.glue_catalogs {
                logger.debug(|| {
                    "no Glue endpoint for a custom AthenaEndpoint: getCatalogs lists Athena's data catalogs only unless GlueEndpoint is set".to_string()
                });
            }
            let session = Session {
                config,
                client: RwLock::new(client),
                workgroup_output: RwLock::new(None),
                workgroup_encryption: RwLock::new((None, false)),
                workgroup_managed: RwLock::new(false),
                s3: RwLock::new(s3),
                glue: RwLock::new(glue),
                credentials: sdk_config.credentials_provider(),
                logger: logger.clone(),
            };
            session.check_workgroup(true).await?;
            Ok(session)
        }
        .await;
        match &result {
            Ok(session) => {
                logger.info(|| format!("connected to workgroup {}", session.config.workgroup))
            }
            Err(e) => logger.error(|| format!("connection failed: {e}")),
        }
        result
    }

    pub fn logger(&self) -> &Logger {
        &self.logger
    }

    pub fn config(&self) -> &ConnectionConfig {
        &self.config
    }

    /// The current client; cheap to clone. Queries keep the client they started with.
    pub fn client(&self) -> Client {
        self.client
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn s3(&self) -> Option<aws_sdk_s3::Client> {
        self.s3.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Glue's client, for the nested catalogs; None when there is none to ask.
    pub fn glue(&self) -> Option<aws_sdk_glue::Client> {
        self.glue.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// JDBC's `setNetworkTimeout`: bounds each later AWS call attempt; None
    /// goes back to the connection's own bound (NetworkTimeoutMillis, or the
    /// defaults), never to no bound at all.
    pub fn set_network_timeout(&self, timeout: Option<Duration>) {
        let timeouts = timeouts(&self.config, timeout.or(self.config.network_timeout));
        let mut guard = self.client.write().unwrap_or_else(|p| p.into_inner());
        let config = guard
            .config()
            .to_builder()
            .timeout_config(timeouts.clone())
            .build();
        *guard = Client::from_conf(config);
        let mut s3 = self.s3.write().unwrap_or_else(|p| p.into_inner());
        if let Some(client) = s3.as_mut() {
            let config = client
                .config()
                .to_builder()
                .timeout_config(timeouts.clone())
                .build();
            *client = aws_sdk_s3::Client::from_conf(config);
        }
        let mut glue = self.glue.write().unwrap_or_else(|p| p.into_inner());
        if let Some(client) = glue.as_mut() {
            let config = client
                .config()
                .to_builder()
                .timeout_config(timeouts)
                .build();
            *client = aws_sdk_glue::Client::from_conf(config);
        }
    }

    /// GetWorkGroup. At connect (`ride_out`), a reset, an answer cut short,
    /// throttling or 5xx is retried for a few seconds, as result reads are
    /// (a pool opening connections at start-up meets exactly such a blip); an
    /// endpoint that cannot be reached at all still fails at once.
    async fn check_workgroup(&self, ride_out: bool) -> Result<()> {
        let client = self.client();
        let call = || async {
            client
                .get_work_group()
                .work_group(&self.config.workgroup)
                .send()
                .await
                .map_err(|e| match from_sdk("GetWorkGroup", e) {
                    e if e.retry() == Retry::Unreached => e.with_retry(Retry::Final),
                    e => e,
                })
        };
        let window = if ride_out {
            self.config.fetch.retry_window
        } else {
            Duration::ZERO
        };
        let output = crate::retry::retrying(window, call).await?;
        let location = output
            .work_group()
            .and_then(|w| w.configuration())
            .and_then(|c| c.result_configuration())
            .and_then(|r| r.output_location())
            .map(str::to_string);
        *self
            .workgroup_output
            .write()
            .unwrap_or_else(|p| p.into_inner()) = location;
        let configuration = output.work_group().and_then(|w| w.configuration());
        let encryption = configuration
            .and_then(|c| c.result_configuration())
            .and_then(|r| r.encryption_configuration())
            .map(|e| e.encryption_option().as_str().to_string());
        let enforced = configuration
            .and_then(|c| c.enforce_work_group_configuration())
            .unwrap_or(false);
        *self
            .workgroup_managed
            .write()
            .unwrap_or_else(|p| p.into_inner()) = configuration
            .and_then(|c| c.managed_query_results_configuration())
            .is_some_and(|m| m.enabled());
        *self
            .workgroup_encryption
            .write()
            .unwrap_or_else(|p| p.into_inner()) = (encryption, enforced);
        Ok(())
    }

    /// What UNLOAD mode does with a user's statement: the UNLOAD to run and
    /// its prefix, or Err to run the statement as written (reason logged),
    /// with a warning for the rows when Unload=true could not be honoured
    /// for a query it applies to.
    fn unload_plan(&self, sql: &str) -> std::result::Result<(String, String), Option<String>> {
        if !self.config.fetch.unload {
            return Err(None);
        }
        let decision = match self.unload_location() {
            // Known before running: running the UNLOAD would only pay for
            // files nobody can read.
            Err(UnloadBlocked::ClientSideEncryption) if unload_rewrite(sql, "s3://b/").is_ok() => {
                let why = "Unload=true: the results are encrypted client-side (CSE_KMS), which UNLOAD's Parquet files would be too and this driver cannot read; the statement ran as written".to_string();
                self.logger.debug(|| why.clone());
                return Err(Some(why));
            }
            Err(blocked) => Err(blocked.to_string()),
            Ok(location) => unload_rewrite(sql, &location),
        };
        match decision {
            Ok(plan) => {
                self.logger
                    .debug(|| format!("Unload=true: running the query as UNLOAD to {}", plan.1));
                Ok(plan)
            }
            Err(why) => {
                self.logger
                    .debug(|| format!("Unload=true: running the statement as written: {why}"));
                Err(None)
            }
        }
    }

    /// The output location an UNLOAD writes under, or why this driver could
    /// not read its files back.
    fn unload_location(&self) -> std::result::Result<String, UnloadBlocked> {
        // UNLOAD's files are encrypted as the results are, and client-side
        // (CSE_KMS) ciphertext is for a KMS client to read, not this reader.
        let (workgroup_encryption, enforced) = self
            .workgroup_encryption
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let encryption = match (&self.config.results.encryption_option, enforced) {
            (Some(own), false) => Some(own.clone()),
            _ => workgroup_encryption,
        };
        if encryption.as_deref() == Some("CSE_KMS") {
            return Err(UnloadBlocked::ClientSideEncryption);
        }
        if *self
            .workgroup_managed
            .read()
            .unwrap_or_else(|p| p.into_inner())
        {
            return Err(UnloadBlocked::ManagedStorage);
        }
        let location = self.config.results.output_location.clone().or_else(|| {
            self.workgroup_output
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .clone()
        });
        match (location, self.s3()) {
            (None, _) => Err(UnloadBlocked::NoLocation),
            (_, None) => Err(UnloadBlocked::NoS3),
            (Some(location), Some(_)) => Ok(location),
        }
    }

    /// An export (see `fetch::unload::export`): `select` unloaded once for
    /// readers in other processes, its files presigned for `url_lifetime`.
    pub async fn export(
        &self,
        select: &str,
        context: &QueryContext,
        url_lifetime: Duration,
    ) -> Result<ExportPlan> {
        let location = self.unload_location().map_err(|blocked| {
            Error::new(
                ErrorKind::NotSupported,
                format!("cannot export through UNLOAD: {blocked}"),
            )
        })?;
        let s3 = self
            .s3()
            .ok_or_else(|| Error::internal("an export without an S3 client"))?;
        let (statement, prefix) = unload_statement(select, &location);
        let query = self.start(&statement, context, &[], None, None).await?;
        let completion = match query.wait(None).await {
            Ok(completion) => completion,
            Err(e) => {
                // A failed UNLOAD may have written files before it failed.
                export::delete(&s3, &prefix, &self.logger)
                    .await
                    .unwrap_or_else(|cleanup| {
                        self.logger.warn(|| {
                            format!("could not delete the failed UNLOAD's files under {prefix}: {cleanup}")
                        })
                    });
                return Err(e);
            }
        };
        let credentials_expiry = match &self.credentials {
            Some(provider) => {
                use aws_credential_types::provider::ProvideCredentials;
                provider
                    .provide_credentials()
                    .await
                    .ok()
                    .and_then(|c| c.expiry())
            }
            None => None,
        };
        export::plan(
            &s3,
            &self.config.fetch,
            &self.logger,
            export::Unloaded {
                id: query.id(),
                scanned: query.data_scanned_bytes(),
                prefix: &prefix,
                completion: &completion,
            },
            (url_lifetime, credentials_expiry),
        )
        .await
    }

    /// Deletes an export's files (everything under its prefix).
    pub async fn delete_export(&self, prefix: &str) -> Result<()> {
        let s3 = self.s3().ok_or_else(|| {
            Error::new(
                ErrorKind::NotSupported,
                format!("cannot delete {prefix}: {}", UnloadBlocked::NoS3),
            )
        })?;
        export::delete(&s3, prefix, &self.logger).await
    }

    pub async fn is_valid(&self) -> bool {
        self.check_workgroup(false).await.is_ok()
    }

    /// Starts a user's statement (as an UNLOAD in UNLOAD mode); the returned
    /// handle polls, cancels and reads it.
    pub async fn start_query(
        &self,
        sql: &str,
        context: &QueryContext,
        parameters: &[String],
    ) -> Result<Arc<Query>> {
        match self.unload_plan(sql) {
            Ok((statement, prefix)) => {
                self.start(&statement, context, parameters, Some((prefix, sql)), None)
                    .await
            }
            Err(warning) => self.start(sql, context, parameters, None, warning).await,
        }
    }

    /// Starts the driver's own query (metadata), always as written.
    pub async fn start_internal_query(
        &self,
        sql: &str,
        context: &QueryContext,
    ) -> Result<Arc<Query>> {
        self.start(sql, context, &[], None, None).await
    }

    async fn start(
        &self,
        sql: &str,
        context: &QueryContext,
        parameters: &[String],
        // UNLOAD mode: the prefix unloaded to, and the statement as written.
        unload: Option<(String, &str)>,
        // For the rows (an SQLWarning), e.g. why Unload=true was not used.
        warning: Option<String>,
    ) -> Result<Arc<Query>> {
        if sql.trim().is_empty() {
            return Err(Error::new(
                ErrorKind::QueryFailedUser,
                "the SQL text is empty",
            ));
        }
        let results = &self.config.results;
        let mut result_configuration = ResultConfiguration::builder();
        if let Some(location) = &results.output_location {
            result_configuration = result_configuration.output_location(location);
        }
        if let Some(option) = &results.encryption_option {
            let mut encryption = EncryptionConfiguration::builder()
                .encryption_option(EncryptionOption::from(option.as_str()));
            if let Some(key) = &results.kms_key {
                encryption = encryption.kms_key(key);
            }
            let encryption = encryption
                .build()
                .map_err(|e| Error::internal(format!("encryption configuration: {e}")))?;
            result_configuration = result_configuration.encryption_configuration(encryption);
        }
        if let Some(owner) = &results.expected_bucket_owner {
            result_configuration = result_configuration.expected_bucket_owner(owner);
        }
        if let Some(acl) = &results.acl_option {
            let acl = AclConfiguration::builder()
                .s3_acl_option(S3AclOption::from(acl.as_str()))
                .build()
                .map_err(|e| Error::internal(format!("ACL configuration: {e}")))?;
            result_configuration = result_configuration.acl_configuration(acl);
        }
        let client = self.client();
        let mut request = client
            .start_query_execution()
            .query_string(sql)
            .client_request_token(uuid::Uuid::new_v4().to_string())
            .work_group(&self.config.workgroup)
            .query_execution_context(
                QueryExecutionContext::builder()
                    .catalog(&context.catalog)
                    .database(&context.database)
                    .build(),
            )
            .result_configuration(result_configuration.build());
        if let Some(minutes) = results.reuse_max_age_minutes {
            let by_age = ResultReuseByAgeConfiguration::builder()
                .enabled(true)
                .max_age_in_minutes(minutes)
                .build();
            request = request.result_reuse_configuration(
                ResultReuseConfiguration::builder()
                    .result_reuse_by_age_configuration(by_age)
                    .build(),
            );
        }
        for parameter in parameters {
            request = request.execution_parameters(parameter);
        }
        // An UNLOAD that wrote no files leaves its columns unknown; the
        // statement as written, ready to run, gives them (see fetch/unload.rs).
        let unload = unload.map(|(prefix, as_written)| UnloadRun {
            prefix,
            as_written: request
                .clone()
                .query_string(as_written)
                .client_request_token(uuid::Uuid::new_v4().to_string()),
            poll: self.config.poll,
        });
        // The ClientRequestToken makes a repeat return the same query, so
        // throttling (which Athena answers to this call under load) and other
        // transient failures are retried as result reads are.
        let id = crate::retry::retrying(self.config.fetch.retry_window, || {
            crate::query::send_start(request.clone())
        })
        .await?;
        self.logger.debug(|| format!("started query {id}"));
        self.logger.trace(|| format!("query {id}: {sql}"));
        Ok(Arc::new(
            self.query(id, unload)
                .with_guard(self.config.scan_guard)
                .with_warning(warning),
        ))
    }

    /// The handle of query `id` of this connection's account, polled and read as ours.
    fn query(&self, id: String, unload: Option<UnloadRun>) -> Query {
        let fetchers = Fetchers {
            athena: self.client(),
            s3: self.s3(),
            settings: self.config.fetch.clone(),
            logger: self.logger.clone(),
        };
        Query::new(
            fetchers,
            id,
            self.config.poll,
            self.config.fetch_size,
            unload,
        )
    }

    /// A query that ran before (from any client), to read its results again
    /// without running it: refused while it is still queued or running, or
    /// when it was cancelled; a failed one gives its failure when waited for.
    pub async fn existing_query(&self, id: &str) -> Result<Arc<Query>> {
        let id = id.trim();
        if id.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidState,
                "a QueryExecutionId is needed to read a query's results",
            ));
        }
        let output = crate::retry::retrying(self.config.fetch.retry_window, || async {
            self.client()
                .get_query_execution()
                .query_execution_id(id)
                .send()
                .await
                .map_err(|e| from_sdk("GetQueryExecution", e))
        })
        .await
        .map_err(|e| e.with_query_id(id))?;
        let state = output
            .query_execution()
            .and_then(|q| q.status())
            .and_then(|s| s.state())
            .cloned();
        match state {
            Some(QueryExecutionState::Queued | QueryExecutionState::Running) => Err(Error::new(
                ErrorKind::InvalidState,
                format!(
                    "query {id} is still {}: its results can be read once it has finished",
                    state.as_ref().map_or("running", |s| s.as_str())
                ),
            )
            .with_query_id(id)),
            Some(QueryExecutionState::Cancelled) => Err(Error::new(
                ErrorKind::InvalidState,
                format!("query {id} was cancelled: it has no results to read"),
            )
            .with_query_id(id)),
            _ => {
                self.logger
                    .debug(|| format!("reading the results of earlier query {id}"));
                Ok(Arc::new(self.query(id.to_string(), None)))
            }
        }
    }
}

/// Region, user agent, retries and timeouts: what every AWS client of a connection shares.
fn common_loader(config: &ConnectionConfig) -> Result<aws_config::ConfigLoader> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(region) = &config.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(name) = &config.application_name {
        let app = aws_types::app_name::AppName::new(sanitize_app_name(name)).map_err(|e| {
            Error::new(
                ErrorKind::InvalidProperties,
                format!("ApplicationName '{name}' is not usable: {e}"),
            )
        })?;
        loader = loader.app_name(app);
    }
    if let Some(retries) = config.num_retries {
        loader = loader.retry_config(
            aws_config::retry::RetryConfig::standard().with_max_attempts(retries + 1),
        );
    }
    if let Some(client) = crate::network::aws_http_client(&config.network)? {
        loader = loader.http_client(client);
    }
    // A body that stops arriving is a stall after SocketTimeout, as an answer
    // that does not begin is (the read timeout below).
    loader = loader.stalled_stream_protection(
        aws_config::stalled_stream_protection::StalledStreamProtectionConfig::enabled()
            .grace_period(config.socket_timeout)
            .build(),
    );
    Ok(loader.timeout_config(timeouts(config, config.network_timeout)))
}

/// Connecting to an endpoint that does not answer gives up after this long
/// unless NetworkTimeoutMillis says otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// One attempt of one AWS call (a page, a poll, a ranged GET) gives up after
/// this long unless NetworkTimeoutMillis says otherwise.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);
/// SocketTimeout's default: an attempt with no byte from the server for this
/// long is stalled, and retried. Short enough that the SDK's attempts fit in
/// CallTimeoutMillis's default (60 s), long enough for Athena's slowest
/// ordinary answers to begin.
pub const DEFAULT_SOCKET_TIMEOUT: Duration = Duration::from_secs(20);

/// Per attempt: connecting and the attempt's total (NetworkTimeoutMillis, or
/// the defaults above), the wait for the answer's first byte (SocketTimeout;
/// stalls inside the body are the stalled stream protection's, with the same
/// bound). Per call, retries included: CallTimeoutMillis, so that an endless
/// stall is an error rather than attempts × the attempt bound.
fn timeouts(
    config: &ConnectionConfig,
    network_timeout: Option<Duration>,
) -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(network_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
        .read_timeout(config.socket_timeout)
        .operation_attempt_timeout(network_timeout.unwrap_or(DEFAULT_ATTEMPT_TIMEOUT))
        .operation_timeout(config.call_timeout)
        .build()
}

/// The Athena client; AthenaEndpoint applies to it alone.
fn athena_client(
    config: &ConnectionConfig,
    sdk_config: &aws_types::SdkConfig,
    renewal: Option<&RenewExpired>,
) -> Client {
    let mut builder = aws_sdk_athena::config::Builder::from(sdk_config)
        .retry_classifier(crate::error::UnreadableAnswerIsTransient);
    if let Some(renewal) = renewal {
        builder = builder
            .interceptor(renewal.clone())
            .retry_classifier(renewal.clone());
    }
    if let Some(endpoint) = &config.athena_endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    Client::from_conf(builder.build())
}

/// The S3 fetcher's client: S3Endpoint path-style when given, else the
/// region's S3 when Athena is AWS itself. A custom AthenaEndpoint (a local
/// or test endpoint) without S3Endpoint has no S3 to read from.
fn s3_client(
    config: &ConnectionConfig,
    sdk_config: &aws_types::SdkConfig,
    renewal: Option<&RenewExpired>,
) -> Option<aws_sdk_s3::Client> {
    let mut builder = aws_sdk_s3::config::Builder::from(sdk_config)
        .retry_classifier(crate::error::UnreadableAnswerIsTransient);
    if let Some(renewal) = renewal {
        builder = builder
            .interceptor(renewal.clone())
            .retry_classifier(renewal.clone());
    }
    match (&config.s3_endpoint, &config.athena_endpoint) {
        (Some(endpoint), _) => {
            builder = builder.endpoint_url(endpoint).force_path_style(true);
        }
        (None, Some(athena)) if !is_aws_endpoint(athena) => return None,
        (None, _) => {}
    }
    Some(aws_sdk_s3::Client::from_conf(builder.build()))
}

/// Glue's client for the nested catalogs: GlueEndpoint when given, else the
/// region's Glue when Athena is AWS itself; none when GlueCatalogs is off or
/// a custom AthenaEndpoint (a local or test endpoint) comes without GlueEndpoint.
fn glue_client(
    config: &ConnectionConfig,
    sdk_config: &aws_types::SdkConfig,
    renewal: Option<&RenewExpired>,
) -> Option<aws_sdk_glue::Client> {
    if !config.glue_catalogs {
        return None;
    }
    let mut builder = aws_sdk_glue::config::Builder::from(sdk_config)
        .retry_classifier(crate::error::UnreadableAnswerIsTransient);
    if let Some(renewal) = renewal {
        builder = builder
            .interceptor(renewal.clone())
            .retry_classifier(renewal.clone());
    }
    match (&config.glue_endpoint, &config.athena_endpoint) {
        (Some(endpoint), _) => builder = builder.endpoint_url(endpoint),
        (None, Some(athena)) if !is_aws_endpoint(athena) => return None,
        (None, _) => {}
    }
    Some(aws_sdk_glue::Client::from_conf(builder.build()))
}

/// Whether a URL's host is AWS's own (including VPC endpoints).
fn is_aws_endpoint(url: &str) -> bool {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .is_some_and(|h| h.ends_with(".amazonaws.com") || h.ends_with(".amazonaws.com.cn"))
}

/// The connection's shared AWS settings, and its federated sign-in if it has one.
async fn load_sdk_config(
    config: &ConnectionConfig,
    logger: &Logger,
) -> Result<(aws_types::SdkConfig, Option<FederatedSignIn>)> {
    let mut loader = common_loader(config)?;
    let mut federated = None;
    match &config.credentials {
        Credentials::Static {
            access_key_id,
            secret_access_key,
            session_token,
        } => {
            let credentials = aws_credential_types::Credentials::new(
                access_key_id,
                secret_access_key.expose(),
                session_token.as_ref().map(|t| t.expose().to_string()),
                None,
                "athena-jdbc-static",
            );
            loader = loader.credentials_provider(credentials);
        }
        Credentials::DefaultChain { profile } => {
            if let Some(profile) = profile {
                loader = loader.profile_name(profile);
            }
        }
        Credentials::Profile { profile } => {
            let mut provider = aws_config::profile::ProfileFileCredentialsProvider::builder();
            if let Some(profile) = profile {
                provider = provider.profile_name(profile);
                loader = loader.profile_name(profile);
            }
            loader = loader.credentials_provider(provider.build());
        }
        Credentials::InstanceProfile => {
            loader = loader.credentials_provider(
                aws_config::imds::credentials::ImdsCredentialsProvider::builder().build(),
            );
        }
        Credentials::Federated(_) => {
            let base = common_loader(config)?.no_credentials().load().await;
            require_region(&base)?;
            let services = Services::new(
                base,
                config.endpoints.clone(),
                config.athena_endpoint.clone(),
                config.network.clone(),
            );
            let sign_in = FederatedSignIn::for_connection(config, services, logger.clone())
                .ok_or_else(|| Error::internal("federated settings without a federated flow"))?;
            // Signing in now gives errors that name the step, not the first Athena call.
            sign_in.credentials().await?;
            federated = Some(sign_in.clone());
            // The flow keeps its own cache (shared across connections); the
            // SDK's would hide an early refresh.
            loader = loader
                .credentials_provider(sign_in)
                .identity_cache(aws_config::identity::IdentityCache::no_cache());
        }
    }
    let sdk_config = loader.load().await;
    require_region(&sdk_config)?;
    Ok((sdk_config, federated))
}

fn require_region(sdk_config: &aws_types::SdkConfig) -> Result<()> {
    if sdk_config.region().is_none() {
        return Err(Error::new(
            ErrorKind::InvalidProperties,
            "Region is not set and none was found in AWS_REGION or the AWS profile; add Region=<region> to the connection",
        ));
    }
    Ok(())
}

/// The user agent allows a restricted alphabet; other characters become '_'.
fn sanitize_app_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}
