//! The Athena operations: request JSON in, response JSON out.

use crate::config::Config;
use crate::engine::{
    classify, substitute_parameters, Classified, Engine, QueryFailure, ResultData,
};

use crate::errors::ApiError;
use crate::faults::Faults;
use crate::render;
use crate::result_files;
use crate::storage::{parse_s3_uri, Storage, StorageError};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// The metadata operations (data catalogs, databases, table metadata).
mod catalog;

const ENGINE_VERSION: &str = "Athena engine version 3";
const MAX_QUERY_RESULTS: i64 = 1000;
const MAX_METADATA_RESULTS: i64 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryState {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl QueryState {
    pub fn as_str(self) -> &'static str {
        match self {
            QueryState::Queued => "QUEUED",
            QueryState::Running => "RUNNING",
            QueryState::Succeeded => "SUCCEEDED",
            QueryState::Failed => "FAILED",
            QueryState::Cancelled => "CANCELLED",
        }
    }

    fn is_terminal(self) -> bool {
        matches!(
            self,
            QueryState::Succeeded | QueryState::Failed | QueryState::Cancelled
        )
    }
}

#[derive(Debug)]
struct Progress {
    state: QueryState,
    running_at: Option<Instant>,
    completed_at: Option<Instant>,
    completed_epoch: Option<f64>,
    failure: Option<QueryFailure>,
    results: Option<Arc<ResultData>>,
    /// A SELECT held RUNNING (query_delay) after it read its tables: the bytes
    /// it read, reported as growing evenly from RUNNING to the end of the
    /// delay, as Athena's running statistics grow.
    scanning: Option<(u64, Instant, Duration)>,
}

/// One query execution.
#[derive(Debug)]
struct Query {
    id: String,
    /// The query text as submitted (parameters not substituted).
    query: String,
    classified: Classified,
    workgroup: String,
    catalog: String,
    database: String,
    output_location: String,
    /// Results kept in Athena-managed storage: no file an S3 client can read.
    managed: bool,
    /// The effective result encryption (the workgroup's wins, as enforced).
    encryption: Option<String>,
    result_configuration: Map<String, Value>,
    execution_parameters: Option<Value>,
    result_reuse: Option<Value>,
    submitted_at: Instant,
    submitted_epoch: f64,
    progress: Mutex<Progress>,
    task: Mutex<Option<JoinHandle<()>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // State behind these locks stays valid even if a holder panicked.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub fn now_epoch() -> f64 {
    chrono::Utc::now().timestamp_millis() as f64 / 1000.0
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// EngineExecutionTimeInMillis: from RUNNING to the end (or now), 0 before it ran.
fn engine_millis(p: &Progress) -> i64 {
    match p.running_at {
        Some(running_at) => {
            let end = p.completed_at.unwrap_or_else(Instant::now);
            millis(end.saturating_duration_since(running_at))
        }
        None => 0,
    }
}

impl Query {
    fn set_running(&self) {
        let mut p = lock(&self.progress);
        if p.state == QueryState::Queued {
            p.state = QueryState::Running;
            p.running_at = Some(Instant::now());
        }
    }

    /// Records the outcome unless the query was cancelled meanwhile.
    fn finish(&self, outcome: Result<ResultData, QueryFailure>) {
        let mut p = lock(&self.progress);
        if p.state.is_terminal() {
            return;
        }
        if p.running_at.is_none() {
            p.running_at = Some(Instant::now());
        }
        p.completed_at = Some(Instant::now());
        p.completed_epoch = Some(now_epoch());
        match outcome {
            Ok(data) => {
                p.state = QueryState::Succeeded;
                p.results = Some(Arc::new(data));
            }
            Err(f) => {
                p.state = QueryState::Failed;
                p.failure = Some(f);
            }
        }
    }

    /// Moves a live query to CANCELLED; returns whether it was live.
    fn cancel(&self) -> bool {
        let mut p = lock(&self.progress);
        if p.state.is_terminal() {
            return false;
        }
        p.state = QueryState::Cancelled;
        p.completed_at = Some(Instant::now());
        p.completed_epoch = Some(now_epoch());
        true
    }

    fn to_json(&self) -> Value {
        let p = lock(&self.progress);
        let now = Instant::now();
        let running_at = p.running_at.unwrap_or(now);
        let end = p.completed_at.unwrap_or(now);
        let queue = millis(running_at.saturating_duration_since(self.submitted_at));
        let engine = engine_millis(&p);
        let total = millis(end.saturating_duration_since(self.submitted_at));
        let scanned = match (&p.results, p.scanning) {
            (Some(r), _) => r.scanned_bytes(),
            // Running, or stopped while held: the bytes reached by then.
            (None, Some((bytes, from, over))) => {
                let share = (end.saturating_duration_since(from).as_secs_f64()
                    / over.as_secs_f64().max(1e-3))
                .min(1.0);
                (bytes as f64 * share) as i64
            }
            _ => 0,
        };
        let manifest = p.results.as_ref().and_then(|r| r.manifest_location.clone());
        let mut status = json!({
            "State": p.state.as_str(),
            "SubmissionDateTime": self.submitted_epoch,
        });
        if let Some(done) = p.completed_epoch {
            status["CompletionDateTime"] = json!(done);
        }
        if p.state == QueryState::Failed {
            if let Some(f) = &p.failure {
                status["StateChangeReason"] = json!(f.message);
                status["AthenaError"] = json!({
                    "ErrorCategory": f.category,
                    "ErrorType": f.error_type,
                    "Retryable": f.category == 1,
                    "ErrorMessage": f.message,
                });
            }
        }
        if p.state == QueryState::Cancelled {
            status["StateChangeReason"] = json!("Query was cancelled by the user");
        }
        let mut result_configuration = self.result_configuration.clone();
        if !self.managed {
            result_configuration.insert("OutputLocation".into(), json!(self.output_location));
        }
        if let Some(e) = &self.encryption {
            result_configuration.insert(
                "EncryptionConfiguration".into(),
                json!({ "EncryptionOption": e }),
            );
        }
        let mut q = json!({
            "QueryExecutionId": self.id,
            "Query": self.query,
            "StatementType": self.classified.statement_type.as_str(),
            "SubstatementType": self.classified.substatement,
            "ResultConfiguration": result_configuration,
            "QueryExecutionContext": {"Catalog": self.catalog, "Database": self.database},
            "Status": status,
            "Statistics": {
                "EngineExecutionTimeInMillis": engine,
                "DataScannedInBytes": scanned,
                "TotalExecutionTimeInMillis": total,
                "QueryQueueTimeInMillis": queue,
                "ServicePreProcessingTimeInMillis": 0,
                "QueryPlanningTimeInMillis": 0,
                "ServiceProcessingTimeInMillis": 0,
                "ResultReuseInformation": {"ReusedPreviousResult": false},
            },
            "WorkGroup": self.workgroup,
            "EngineVersion": engine_version(),
        });
        if let Some(params) = &self.execution_parameters {
            q["ExecutionParameters"] = params.clone();
        }
        if let Some(reuse) = &self.result_reuse {
            q["ResultReuseConfiguration"] = reuse.clone();
        }
        if self.managed {
            q["ManagedQueryResultsConfiguration"] = json!({ "Enabled": true });
        }
        if let Some(m) = manifest {
            q["Statistics"]["DataManifestLocation"] = json!(m);
        }
        q
    }

    /// The admin listing's entry (`GET /_athena_local/queries`).
    fn admin_json(&self) -> Value {
        let p = lock(&self.progress);
        let reads = p
            .results
            .as_ref()
            .map(|r| r.tables_read.as_slice())
            .unwrap_or_default();
        json!({
            "queryExecutionId": self.id,
            "query": self.query,
            "state": p.state.as_str(),
            "dataScannedInBytes": p.results.as_ref().map_or(0, |r| r.scanned_bytes()),
            // How long athena-local's engine worked on it: what a benchmark subtracts from a read.
            "engineMillis": engine_millis(&p),
            "tablesRead": reads
                .iter()
                .map(|t| json!({"table": t.table, "bytes": t.bytes}))
                .collect::<Vec<_>>(),
        })
    }

    /// Runs the inner query of an UNLOAD and writes its Parquet files.
    async fn unload(
        &self,
        engine: &Engine,
        storage: &Arc<Storage>,
        sql: &str,
    ) -> Result<ResultData, QueryFailure> {
        let unload = crate::unload::parse(sql)?;
        let inner = classify(&unload.query);
        if inner.substatement != "SELECT" {
            return Err(QueryFailure::user(
                "SYNTAX_ERROR: UNLOAD needs a SELECT query in its parentheses",
            ));
        }
        let mut data = engine
            .execute(&unload.query, &self.catalog, &self.database, &inner)
            .await?;
        // UNLOAD is billed for what its SELECT read.
        let tables_read = std::mem::take(&mut data.tables_read);
        let manifest = format!(
            "{}-manifest.csv",
            self.output_location
                .strip_suffix(".csv")
                .unwrap_or(&self.output_location)
        );
        let storage = Arc::clone(storage);
        let id = self.id.clone();
        // UNLOAD files are encrypted as the result configuration says: under
        // CSE_KMS they are ciphertext no plain S3 reader can parse.
        let cse = self.encryption.as_deref() == Some("CSE_KMS");
        let written = tokio::task::spawn_blocking(move || {
            crate::unload::write(&storage, &unload, &id, &data, &manifest, cse)
                .map(|rows| (rows, manifest))
        })
        .await
        .unwrap_or_else(|e| Err(QueryFailure::system(format!("UNLOAD writer stopped: {e}"))))?;
        let mut result = ResultData::empty();
        result.update_count = Some(written.0);
        result.manifest_location = Some(written.1);
        result.tables_read = tables_read;
        Ok(result)
    }

    /// Writes the result files under the output location, as Athena does.
    fn write_result_files(&self, storage: &Storage, data: &ResultData) -> Result<(), String> {
        let Some((bucket, key)) = parse_s3_uri(&self.output_location) else {
            return Err(format!("invalid output location {}", self.output_location));
        };
        let cse = self.encryption.as_deref() == Some("CSE_KMS");
        let failed = |e: StorageError| format!("could not write {}: {e}", self.output_location);
        let is_csv = key.ends_with(".csv");
        storage
            .put_with(bucket, key, |w| {
                let mut scrambled;
                let w: &mut dyn std::io::Write = if cse {
                    scrambled = ClientSideEncrypted(w);
                    &mut scrambled
                } else {
                    w
                };
                if is_csv {
                    result_files::write_csv(data, w)
                } else {
                    result_files::write_txt(data, w)
                }
            })
            .map_err(failed)?;
        if is_csv {
            storage
                .put(
                    bucket,
                    &format!("{key}.metadata"),
                    &result_files::csv_metadata(&data.schema),
                )
                .map_err(failed)?;
        }
        Ok(())
    }
}

fn engine_version() -> Value {
    json!({"SelectedEngineVersion": ENGINE_VERSION, "EffectiveEngineVersion": ENGINE_VERSION})
}

/// Stands in for CSE_KMS ciphertext: the bytes are scrambled, so the file
/// exists but no plain S3 reader can parse it (as with real client-side
/// encryption without the KMS key).
struct ClientSideEncrypted<'a>(&'a mut dyn std::io::Write);

impl std::io::Write for ClientSideEncrypted<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let scrambled: Vec<u8> = buf.iter().map(|b| b ^ 0xA5).collect();
        self.0.write_all(&scrambled)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Owns a runtime for query execution so CPU-heavy queries never starve
/// the HTTP server's threads.
struct ExecRuntime(Option<tokio::runtime::Runtime>);

impl Drop for ExecRuntime {
    fn drop(&mut self) {
        // Dropping a runtime inside async code panics; this form does not wait.
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// The Athena service state.
pub struct Athena {
    config: Config,
    engine: Arc<Engine>,
    faults: Arc<Faults>,
    queries: Mutex<HashMap<String, Arc<Query>>>,
    /// Submission order, for ListQueryExecutions.
    order: Mutex<Vec<String>>,
    /// How many of `order` the admin listing skips (cleared from it).
    listing_cleared: Mutex<usize>,
    tokens: Mutex<HashMap<String, String>>,
    exec: ExecRuntime,
    created_epoch: f64,
    /// The S3 buckets result files are written to and served from.
    storage: Arc<Storage>,
}

// ---- request helpers -----------------------------------------------------

fn opt_str<'a>(body: &'a Value, field: &str) -> Result<Option<&'a str>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(ApiError::serialization(format!("{field} must be a string"))),
    }
}

fn req_str<'a>(body: &'a Value, field: &str) -> Result<&'a str, ApiError> {
    match opt_str(body, field)? {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(ApiError::missing_field(field)),
    }
}

fn opt_int(body: &Value, field: &str) -> Result<Option<i64>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| ApiError::serialization(format!("{field} must be an integer"))),
    }
}

fn max_results(body: &Value, min: i64, max: i64, default: i64) -> Result<usize, ApiError> {
    let n = opt_int(body, "MaxResults")?.unwrap_or(default);
    if n < min || n > max {
        return Err(ApiError::invalid_request_code(
            "INVALID_INPUT",
            format!(
                "1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value between {min} and {max}"
            ),
        ));
    }
    usize::try_from(n).map_err(|_| ApiError::invalid_request("MaxResults is out of range"))
}

const TOKEN_PREFIX: &str = "alt1-";

fn parse_token(body: &Value) -> Result<usize, ApiError> {
    match opt_str(body, "NextToken")? {
        None => Ok(0),
        Some(t) => t
            .strip_prefix(TOKEN_PREFIX)
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| ApiError::invalid_request_code("INVALID_INPUT", "Invalid NextToken")),
    }
}

/// One `Datum` of a GetQueryResults row: `{"VarCharValue":"…"}`, or `{}` for NULL.
fn push_datum(out: &mut Vec<u8>, index: usize, value: Option<&str>) {
    if index > 0 {
        out.push(b',');
    }
    match value {
        Some(v) => {
            out.extend_from_slice(b"{\"VarCharValue\":");
            // Writing a &str into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut *out, v);
            out.push(b'}');
        }
        None => out.extend_from_slice(b"{}"),
    }
}

fn make_token(offset: usize) -> String {
    format!("{TOKEN_PREFIX}{offset}")
}

/// One page of `items` and the token for the next one.
fn page<T: Clone>(items: &[T], start: usize, size: usize) -> (Vec<T>, Option<String>) {
    let start = start.min(items.len());
    let end = start.saturating_add(size).min(items.len());
    let next = (end < items.len()).then(|| make_token(end));
    (items[start..end].to_vec(), next)
}

/// Athena's table-name filter: `*` is a wildcard and `|` separates
/// alternatives; anything else is read as a regular expression.
fn name_filter(expression: Option<&str>) -> Result<Option<regex::Regex>, ApiError> {
    let Some(expr) = expression.filter(|e| !e.is_empty()) else {
        return Ok(None);
    };
    let mut pattern = String::new();
    let mut prev = '\0';
    for c in expr.chars() {
        // A bare `*` (not `.*`) is a glob wildcard.
        if c == '*' && prev != '.' {
            pattern.push_str(".*");
        } else {
            pattern.push(c);
        }
        prev = c;
    }
    regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .case_insensitive(true)
        .build()
        .map(Some)
        .map_err(|_| {
            ApiError::invalid_request_code("INVALID_INPUT", format!("Invalid expression: {expr}"))
        })
}

impl Athena {
    pub async fn new(config: Config, faults: Arc<Faults>) -> Result<Athena, crate::Error> {
        let engine = Engine::new(&config).await?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("athena-local-query")
            .enable_all()
            .build()
            .map_err(crate::Error::Io)?;
        let storage = Storage::new(config.storage_dir.as_deref()).map_err(crate::Error::Io)?;
        Ok(Athena {
            storage: Arc::new(storage),
            config,
            engine: Arc::new(engine),
            faults,
            queries: Mutex::new(HashMap::new()),
            order: Mutex::new(Vec::new()),
            listing_cleared: Mutex::new(0),
            tokens: Mutex::new(HashMap::new()),
            exec: ExecRuntime(Some(rt)),
            created_epoch: now_epoch(),
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// When the service started (epoch seconds): the creation time of
    /// everything configured.
    pub fn created_epoch(&self) -> f64 {
        self.created_epoch
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// Every query execution since the listing was last cleared, oldest
    /// first, with its bytes scanned (admin endpoint `/_athena_local/queries`).
    pub fn queries_json(&self) -> Value {
        let skip = *lock(&self.listing_cleared);
        let ids: Vec<String> = lock(&self.order).iter().skip(skip).cloned().collect();
        let queries = lock(&self.queries);
        Value::Array(
            ids.iter()
                .filter_map(|id| queries.get(id))
                .map(|q| q.admin_json())
                .collect(),
        )
    }

    /// Empties the admin listing; the queries themselves stay (Athena keeps
    /// them for GetQueryExecution). Returns how many were dropped from it.
    pub fn clear_queries_listing(&self) -> usize {
        let order = lock(&self.order);
        let mut skip = lock(&self.listing_cleared);
        let dropped = order.len().saturating_sub(*skip);
        *skip = order.len();
        dropped
    }

    /// Whether a workgroup's bucket policy refuses plain S3 reads of this
    /// object (or listing under this prefix).
    pub fn result_reads_denied(&self, bucket: &str, key: &str) -> bool {
        self.config.workgroups.iter().any(|w| {
            w.deny_result_reads
                && parse_s3_uri(&w.output_location)
                    .is_some_and(|(b, prefix)| b == bucket && key.starts_with(prefix))
        })
    }

    /// Runs one operation; the response body as bytes. GetQueryResults is
    /// written straight to bytes, every other answer serialized from JSON.
    pub async fn dispatch_bytes(&self, operation: &str, body: &Value) -> Result<Vec<u8>, ApiError> {
        if operation == "GetQueryResults" {
            return self.get_query_results_json(body);
        }
        self.dispatch(operation, body)
            .await
            .map(|v| v.to_string().into_bytes())
    }

    /// Runs one operation.
    pub async fn dispatch(&self, operation: &str, body: &Value) -> Result<Value, ApiError> {
        match operation {
            "StartQueryExecution" => self.start_query_execution(body),
            "GetQueryExecution" => self.get_query_execution(body),
            "BatchGetQueryExecution" => self.batch_get_query_execution(body),
            "ListQueryExecutions" => self.list_query_executions(body),
            "GetQueryResults" => {
                let bytes = self.get_query_results_json(body)?;
                serde_json::from_slice(&bytes).map_err(|e| ApiError::internal(e.to_string()))
            }
            "StopQueryExecution" => self.stop_query_execution(body),
            "GetWorkGroup" => self.get_work_group(body),
            "ListWorkGroups" => self.list_work_groups(body),
            "ListDataCatalogs" => self.list_data_catalogs(body),
            "GetDataCatalog" => self.get_data_catalog(body),
            "ListDatabases" => self.list_databases(body),
            "GetDatabase" => self.get_database(body),
            "ListTableMetadata" => self.list_table_metadata(body).await,
            "GetTableMetadata" => self.get_table_metadata(body).await,
            "ListTagsForResource" => self.list_tags_for_resource(body),
            other => Err(ApiError::unknown_operation(other)),
        }
    }

    /// The workgroup a query call touches, if that workgroup requires
    /// credentials with an Identity Center context.
    pub fn identity_context_workgroup(&self, operation: &str, body: &Value) -> Option<String> {
        let requires = |name: &str| {
            self.config
                .workgroup(name)
                .is_some_and(|w| w.require_identity_context)
        };
        let of_query = |id: &str| lock(&self.queries).get(id).map(|q| q.workgroup.clone());
        let named: Vec<String> = match operation {
            "StartQueryExecution" | "ListQueryExecutions" => {
                let wg = body
                    .get("WorkGroup")
                    .and_then(Value::as_str)
                    .unwrap_or("primary");
                vec![wg.to_string()]
            }
            "GetQueryExecution" | "GetQueryResults" | "StopQueryExecution" => body
                .get("QueryExecutionId")
                .and_then(Value::as_str)
                .and_then(of_query)
                .into_iter()
                .collect(),
            "BatchGetQueryExecution" => body
                .get("QueryExecutionIds")
                .and_then(Value::as_array)
                .map(|ids| {
                    ids.iter()
                        .filter_map(Value::as_str)
                        .filter_map(of_query)
                        .collect()
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        named.into_iter().find(|wg| requires(wg))
    }

    fn list_tags_for_resource(&self, body: &Value) -> Result<Value, ApiError> {
        let arn = req_str(body, "ResourceARN")?;
        let wg = self
            .config
            .workgroups
            .iter()
            .find(|w| self.config.workgroup_arn(&w.name) == arn)
            .ok_or_else(|| {
                ApiError::resource_not_found(
                    format!(
                        "Resource {arn} was not found (workgroup ARNs here look like {})",
                        self.config.workgroup_arn("NAME")
                    ),
                    arn,
                )
            })?;
        let start = parse_token(body)?;
        let size = opt_int(body, "MaxResults")?
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| *n > 0)
            .unwrap_or(usize::MAX);
        let all: Vec<Value> = wg
            .tags
            .iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect();
        let (items, next) = page(&all, start, size);
        let mut out = json!({ "Tags": items });
        if let Some(n) = next {
            out["NextToken"] = json!(n);
        }
        Ok(out)
    }

    fn query(&self, id: &str) -> Result<Arc<Query>, ApiError> {
        lock(&self.queries).get(id).cloned().ok_or_else(|| {
            ApiError::invalid_request_code(
                "INVALID_INPUT",
                format!("QueryExecution {id} was not found"),
            )
        })
    }

    fn workgroup(&self, name: &str) -> Result<&crate::config::WorkGroup, ApiError> {
        self.config.workgroup(name).ok_or_else(|| {
            ApiError::invalid_request_code(
                "INVALID_INPUT",
                format!("WorkGroup {name} is not found."),
            )
        })
    }

    fn start_query_execution(&self, body: &Value) -> Result<Value, ApiError> {
        let sql = req_str(body, "QueryString")?;
        if sql.len() > 262_144 {
            return Err(ApiError::invalid_request_code(
                "INVALID_INPUT",
                "QueryString exceeds the maximum length of 262144",
            ));
        }
        let token = opt_str(body, "ClientRequestToken")?;
        if let Some(t) = token {
            if let Some(id) = lock(&self.tokens).get(t) {
                return Ok(json!({"QueryExecutionId": id}));
            }
        }
        let wg_name = opt_str(body, "WorkGroup")?.unwrap_or("primary");
        let wg = self.workgroup(wg_name)?;
        let context = body
            .get("QueryExecutionContext")
            .cloned()
            .unwrap_or(json!({}));
        let catalog = opt_str(&context, "Catalog")?
            .unwrap_or(&self.config.catalog)
            .to_string();
        let database = opt_str(&context, "Database")?
            .unwrap_or("default")
            .to_string();
        let mut result_configuration = match body.get("ResultConfiguration") {
            Some(Value::Object(m)) => m.clone(),
            None | Some(Value::Null) => Map::new(),
            Some(_) => {
                return Err(ApiError::serialization(
                    "ResultConfiguration must be an object",
                ))
            }
        };
        let base = match result_configuration.get("OutputLocation") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => wg.output_location.clone(),
        };
        result_configuration.remove("OutputLocation");
        let params: Vec<String> = match body.get("ExecutionParameters") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| {
                    v.as_str().map(str::to_string).ok_or_else(|| {
                        ApiError::serialization("ExecutionParameters must be strings")
                    })
                })
                .collect::<Result<_, _>>()?,
            Some(_) => {
                return Err(ApiError::serialization(
                    "ExecutionParameters must be a list",
                ))
            }
        };
        let classified = classify(sql);
        let id = uuid::Uuid::new_v4().to_string();
        let ext = if classified.statement_type == crate::engine::StatementType::Dml {
            "csv"
        } else {
            "txt"
        };
        let output_location = format!("{}/{id}.{ext}", base.trim_end_matches('/'));
        if parse_s3_uri(&output_location).is_none() {
            return Err(ApiError::invalid_request_code(
                "INVALID_INPUT",
                format!("OutputLocation must be an s3://BUCKET/PREFIX location: {base}"),
            ));
        }
        let requested_encryption = result_configuration
            .get("EncryptionConfiguration")
            .and_then(|e| e.get("EncryptionOption"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let encryption = wg.result_encryption.clone().or(requested_encryption);
        let query = Arc::new(Query {
            id: id.clone(),
            query: sql.to_string(),
            classified: classified.clone(),
            workgroup: wg.name.clone(),
            catalog: catalog.clone(),
            database: database.clone(),
            output_location,
            managed: wg.managed_results,
            encryption,
            result_configuration,
            execution_parameters: body.get("ExecutionParameters").cloned(),
            result_reuse: body.get("ResultReuseConfiguration").cloned(),
            submitted_at: Instant::now(),
            submitted_epoch: now_epoch(),
            progress: Mutex::new(Progress {
                state: QueryState::Queued,
                running_at: None,
                completed_at: None,
                completed_epoch: None,
                failure: None,
                results: None,
                scanning: None,
            }),
            task: Mutex::new(None),
        });
        lock(&self.queries).insert(id.clone(), Arc::clone(&query));
        lock(&self.order).push(id.clone());
        if let Some(t) = token {
            lock(&self.tokens).insert(t.to_string(), id.clone());
        }

        let delay = Duration::from_millis(self.config.query_delay_ms)
            .max(self.faults.take_query_delay().unwrap_or_default());
        let substituted = substitute_parameters(sql, &params);
        let unknown_catalog = !self.engine.is_catalog(&catalog);
        let engine = Arc::clone(&self.engine);
        let storage = Arc::clone(&self.storage);
        let q = Arc::clone(&query);
        let runtime = self
            .exec
            .0
            .as_ref()
            .ok_or_else(|| ApiError::internal("engine stopped"))?;
        let handle = runtime.spawn(async move {
            q.set_running();
            // A SELECT has no effects: it reads first, then stays RUNNING for
            // the delay with its bytes scanned growing (what a cost cap
            // watches). Other statements wait first, so their effects come late.
            let select = q.classified.substatement == "SELECT";
            if !delay.is_zero() && !select {
                tokio::time::sleep(delay).await;
            }
            let outcome = match substituted {
                Err(msg) => Err(QueryFailure::user(format!(
                    "INVALID_PARAMETER_USAGE: {msg}"
                ))),
                Ok(_) if unknown_catalog => Err(crate::engine::catalog_not_found(&q.catalog)),
                Ok(sql) if q.classified.substatement == "UNLOAD" => {
                    q.unload(&engine, &storage, &sql).await
                }
                Ok(sql) => {
                    engine
                        .execute(&sql, &q.catalog, &q.database, &q.classified)
                        .await
                }
            };
            if !delay.is_zero() && select {
                let now = Instant::now();
                let running_at = lock(&q.progress).running_at.unwrap_or(now);
                if let Ok(data) = &outcome {
                    let bytes = u64::try_from(data.scanned_bytes()).unwrap_or(0);
                    lock(&q.progress).scanning = Some((bytes, running_at, delay));
                }
                let ran = now.saturating_duration_since(running_at);
                tokio::time::sleep(delay.saturating_sub(ran)).await;
            }
            let outcome = match outcome {
                Ok(data) if !q.managed => {
                    // Athena's query succeeds once its result file is written.
                    let writer = Arc::clone(&q);
                    tokio::task::spawn_blocking(move || {
                        writer.write_result_files(&storage, &data).map(|()| data)
                    })
                    .await
                    .unwrap_or_else(|e| Err(format!("result writer stopped: {e}")))
                    .map_err(QueryFailure::system)
                }
                other => other,
            };
            q.finish(outcome);
        });
        *lock(&query.task) = Some(handle);
        Ok(json!({"QueryExecutionId": id}))
    }

    fn get_query_execution(&self, body: &Value) -> Result<Value, ApiError> {
        let id = req_str(body, "QueryExecutionId")?;
        Ok(json!({"QueryExecution": self.query(id)?.to_json()}))
    }

    fn batch_get_query_execution(&self, body: &Value) -> Result<Value, ApiError> {
        let ids = match body.get("QueryExecutionIds") {
            Some(Value::Array(a)) if !a.is_empty() => a,
            _ => return Err(ApiError::missing_field("QueryExecutionIds")),
        };
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for id in ids.iter().filter_map(Value::as_str) {
            match self.query(id) {
                Ok(q) => found.push(q.to_json()),
                Err(e) => missing.push(json!({
                    "QueryExecutionId": id,
                    "ErrorCode": "INVALID_INPUT",
                    "ErrorMessage": e.message,
                })),
            }
        }
        Ok(json!({"QueryExecutions": found, "UnprocessedQueryExecutionIds": missing}))
    }

    fn list_query_executions(&self, body: &Value) -> Result<Value, ApiError> {
        let wg = opt_str(body, "WorkGroup")?.unwrap_or("primary");
        self.workgroup(wg)?;
        let size = max_results(body, 0, 50, 50)?;
        let start = parse_token(body)?;
        let queries = lock(&self.queries);
        // Newest first, as Athena lists them.
        let ids: Vec<String> = lock(&self.order)
            .iter()
            .rev()
            .filter(|id| queries.get(*id).is_some_and(|q| q.workgroup == wg))
            .cloned()
            .collect();
        let (ids, next) = page(&ids, start, if size == 0 { 50 } else { size });
        let mut out = json!({"QueryExecutionIds": ids});
        if let Some(n) = next {
            out["NextToken"] = json!(n);
        }
        Ok(out)
    }

    /// GetQueryResults, serialized as it is built: the page is written
    /// straight into the response bytes, one reused buffer per value.
    pub fn get_query_results_json(&self, body: &Value) -> Result<Vec<u8>, ApiError> {
        let id = req_str(body, "QueryExecutionId")?;
        let size = max_results(body, 1, MAX_QUERY_RESULTS, MAX_QUERY_RESULTS)?;
        let start = parse_token(body)?;
        let query = self.query(id)?;
        let (state, failure, results) = {
            let p = lock(&query.progress);
            (p.state, p.failure.clone(), p.results.clone())
        };
        let data = match (state, results) {
            (QueryState::Succeeded, Some(d)) => d,
            (QueryState::Failed, _) => {
                let msg = failure
                    .map(|f| f.message)
                    .unwrap_or_else(|| "Query failed".to_string());
                return Err(ApiError::invalid_request_code("INVALID_INPUT", msg));
            }
            (QueryState::Cancelled, _) => {
                return Err(ApiError::invalid_request_code(
                    "INVALID_INPUT",
                    "Query did not finish successfully. Final query state: CANCELLED",
                ))
            }
            (s, _) => {
                return Err(ApiError::invalid_request_code(
                    "INVALID_INPUT",
                    format!("Query has not yet finished. Current state: {}", s.as_str()),
                ))
            }
        };
        // Athena reads the page from the result file: once that is gone (a
        // lifecycle rule expired it), so are the results.
        if !query.managed {
            if let Some((bucket, key)) = parse_s3_uri(&query.output_location) {
                if self.storage.head(bucket, key).is_err() {
                    return Err(ApiError::invalid_request_code(
                        "INVALID_INPUT",
                        format!(
                            "Unable to read the query's results: {} does not exist (NoSuchKey)",
                            query.output_location
                        ),
                    ));
                }
            }
        }
        let header = query.classified.has_header_row && !data.schema.fields().is_empty();
        let virtual_total = data.total_rows + usize::from(header);
        let end = start.saturating_add(size).min(virtual_total);
        let mut out = Vec::with_capacity(
            256 + (end.saturating_sub(start)) * 40 * data.schema.fields().len().max(1),
        );
        out.extend_from_slice(b"{\"UpdateCount\":");
        out.extend_from_slice(data.update_count.unwrap_or(0).to_string().as_bytes());
        out.extend_from_slice(b",\"ResultSet\":{\"Rows\":[");
        let mut first_row = true;
        let mut begin_row = |out: &mut Vec<u8>| {
            if !first_row {
                out.push(b',');
            }
            first_row = false;
            out.extend_from_slice(b"{\"Data\":[");
        };
        if header && start == 0 && end > 0 {
            begin_row(&mut out);
            for (i, f) in data.schema.fields().iter().enumerate() {
                push_datum(&mut out, i, Some(f.name()));
            }
            out.extend_from_slice(b"]}");
        }
        let data_start = start.saturating_sub(usize::from(header));
        let data_end = end.saturating_sub(usize::from(header));
        let mut value = String::new();
        data.for_each_row(
            data_start,
            data_end.saturating_sub(data_start),
            |batch, r| {
                begin_row(&mut out);
                for (i, c) in batch.columns().iter().enumerate() {
                    value.clear();
                    let present = render::write_text(c.as_ref(), r, &mut value);
                    push_datum(&mut out, i, present.then_some(value.as_str()));
                }
                out.extend_from_slice(b"]}");
            },
        );
        let columns: Vec<Value> = data
            .schema
            .fields()
            .iter()
            .map(|f| {
                let t = render::athena_type(f);
                json!({
                    "CatalogName": "hive",
                    "SchemaName": "",
                    "TableName": "",
                    "Name": f.name(),
                    "Label": f.name(),
                    "Type": t.name,
                    "Precision": t.precision,
                    "Scale": t.scale,
                    "Nullable": "UNKNOWN",
                    "CaseSensitive": t.name == "varchar" || t.name == "char",
                })
            })
            .collect();
        out.extend_from_slice(b"],\"ResultSetMetadata\":");
        out.extend_from_slice(json!({ "ColumnInfo": columns }).to_string().as_bytes());
        out.push(b'}');
        if end < virtual_total {
            out.extend_from_slice(b",\"NextToken\":");
            out.extend_from_slice(json!(make_token(end)).to_string().as_bytes());
        }
        out.push(b'}');
        Ok(out)
    }

    fn stop_query_execution(&self, body: &Value) -> Result<Value, ApiError> {
        let id = req_str(body, "QueryExecutionId")?;
        let query = self.query(id)?;
        if query.cancel() {
            if let Some(task) = lock(&query.task).take() {
                // Dropping the DataFusion streams at the next await point stops the work.
                task.abort();
            }
        }
        Ok(json!({}))
    }

    fn workgroup_json(&self, wg: &crate::config::WorkGroup) -> Value {
        let mut result_configuration = json!({"OutputLocation": wg.output_location});
        if let Some(e) = &wg.result_encryption {
            result_configuration["EncryptionConfiguration"] = json!({ "EncryptionOption": e });
        }
        json!({
            "Name": wg.name,
            "State": "ENABLED",
            "Configuration": {
                "ResultConfiguration": result_configuration,
                "ManagedQueryResultsConfiguration": {"Enabled": wg.managed_results},
                "EnforceWorkGroupConfiguration": false,
                "PublishCloudWatchMetricsEnabled": false,
                "RequesterPaysEnabled": false,
                "EngineVersion": engine_version(),
            },
            "Description": wg.description,
            "CreationTime": self.created_epoch,
        })
    }

    fn get_work_group(&self, body: &Value) -> Result<Value, ApiError> {
        let name = req_str(body, "WorkGroup")?;
        let wg = self.workgroup(name)?;
        Ok(json!({"WorkGroup": self.workgroup_json(wg)}))
    }

    fn list_work_groups(&self, body: &Value) -> Result<Value, ApiError> {
        let size = max_results(body, 1, 50, 50)?;
        let start = parse_token(body)?;
        let all: Vec<Value> = self
            .config
            .workgroups
            .iter()
            .map(|wg| {
                json!({
                    "Name": wg.name,
                    "State": "ENABLED",
                    "Description": wg.description,
                    "CreationTime": self.created_epoch,
                    "EngineVersion": engine_version(),
                })
            })
            .collect();
        let (items, next) = page(&all, start, size);
        let mut out = json!({"WorkGroups": items});
        if let Some(n) = next {
            out["NextToken"] = json!(n);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters() {
        let f = name_filter(Some("ci*")).unwrap().unwrap();
        assert!(f.is_match("cities") && !f.is_match("towns"));
        let f = name_filter(Some("cities|towns")).unwrap().unwrap();
        assert!(f.is_match("towns") && !f.is_match("x"));
        let f = name_filter(Some("c.*s")).unwrap().unwrap();
        assert!(f.is_match("cities"));
        assert!(name_filter(Some("")).unwrap().is_none());
        assert!(name_filter(Some("(")).is_err());
    }

    #[test]
    fn tokens_and_pages() {
        assert_eq!(parse_token(&json!({})).unwrap(), 0);
        assert_eq!(
            parse_token(&json!({"NextToken": make_token(7)})).unwrap(),
            7
        );
        assert!(parse_token(&json!({"NextToken": "junk"})).is_err());
        let (items, next) = page(&[1, 2, 3], 0, 2);
        assert_eq!((items, next.clone()), (vec![1, 2], Some(make_token(2))));
        let (items, next) = page(&[1, 2, 3], 2, 2);
        assert_eq!((items, next), (vec![3], None));
    }

    #[test]
    fn max_results_range() {
        assert_eq!(max_results(&json!({}), 1, 1000, 1000).unwrap(), 1000);
        assert!(max_results(&json!({"MaxResults": 0}), 1, 1000, 1000).is_err());
        assert!(max_results(&json!({"MaxResults": 1001}), 1, 1000, 1000).is_err());
        assert!(max_results(&json!({"MaxResults": "x"}), 1, 1000, 1000).is_err());
    }
}
