//! The one home of error classification: every failure the core reports has a
//! kind, and the kind decides the SQLState and the java.sql exception class the
//! JNI layer throws.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The connection string or properties are wrong.
    InvalidProperties,
    /// A property or value that names a capability this driver does not offer yet.
    NotSupported,
    /// AWS refused the credentials or the signature.
    Authentication,
    /// Athena ran the query and it failed because of the query (ErrorCategory USER).
    QueryFailedUser,
    /// Athena ran the query and it failed for another reason.
    QueryFailedSystem,
    /// The query was cancelled (by the user, or by someone else on the server).
    Cancelled,
    /// The query timeout elapsed; the query was stopped.
    Timeout,
    /// Network, DNS, TLS or throttling after retries: worth retrying later.
    Transient,
    /// AWS answered with an error that is not one of the above.
    Service,
    /// The caller used an object after closing it, or asked for something out of range.
    InvalidState,
    /// A bug in the driver (a panic or an impossible state).
    Internal,
}

impl ErrorKind {
    pub fn sql_state(self) -> &'static str {
        match self {
            ErrorKind::InvalidProperties => "08001",
            ErrorKind::NotSupported => "0A000",
            ErrorKind::Authentication => "28000",
            ErrorKind::QueryFailedUser => "42000",
            ErrorKind::QueryFailedSystem => "HY000",
            ErrorKind::Cancelled => "57014",
            ErrorKind::Timeout => "HYT00",
            ErrorKind::Transient => "08S01",
            ErrorKind::Service => "HY000",
            ErrorKind::InvalidState => "HY010",
            ErrorKind::Internal => "XX000",
        }
    }

    /// JNI class name of the java.sql exception that carries this kind.
    pub fn java_class(self) -> &'static str {
        match self {
            ErrorKind::InvalidProperties => "java/sql/SQLNonTransientConnectionException",
            ErrorKind::NotSupported => "java/sql/SQLFeatureNotSupportedException",
            ErrorKind::Authentication => "java/sql/SQLInvalidAuthorizationSpecException",
            ErrorKind::QueryFailedUser => "java/sql/SQLSyntaxErrorException",
            ErrorKind::QueryFailedSystem => "java/sql/SQLException",
            ErrorKind::Cancelled => "java/sql/SQLNonTransientException",
            ErrorKind::Timeout => "java/sql/SQLTimeoutException",
            ErrorKind::Transient => "java/sql/SQLTransientConnectionException",
            ErrorKind::Service => "java/sql/SQLException",
            ErrorKind::InvalidState => "java/sql/SQLException",
            ErrorKind::Internal => "java/sql/SQLException",
        }
    }

    pub const ALL: [ErrorKind; 11] = [
        ErrorKind::InvalidProperties,
        ErrorKind::NotSupported,
        ErrorKind::Authentication,
        ErrorKind::QueryFailedUser,
        ErrorKind::QueryFailedSystem,
        ErrorKind::Cancelled,
        ErrorKind::Timeout,
        ErrorKind::Transient,
        ErrorKind::Service,
        ErrorKind::InvalidState,
        ErrorKind::Internal,
    ];
}

/// How the driver's retry loops treat a transient error (see `retry::retrying`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Retry {
    /// Retried for the window of transient failures.
    #[default]
    Transient,
    /// Throttling (TooManyRequestsException, ThrottlingException, SlowDown,
    /// HTTP 429): retried for longer, with longer pauses, since AWS asks for
    /// exactly that under load.
    Throttled,
    /// The endpoint was never reached (connection refused, unknown host, no
    /// answer to connect): connecting fails fast on it.
    Unreached,
    /// The call's own time bound (CallTimeoutMillis) is spent: asking again
    /// would only wait as long once more.
    Final,
}

#[derive(Debug, Clone)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    query_execution_id: Option<String>,
    vendor_code: i32,
    retry: Retry,
    /// The AWS error code of the service's answer (e.g. `AccessDeniedException`).
    aws_code: Option<String>,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            query_execution_id: None,
            vendor_code: 0,
            retry: Retry::Transient,
            aws_code: None,
        }
    }

    /// Sets the AWS error code (from_sdk sets it from the service's answer).
    pub fn with_aws_code(mut self, code: &str) -> Self {
        self.aws_code = Some(code.to_string());
        self
    }

    /// The AWS error code the service answered, when the error is one.
    pub fn aws_code(&self) -> Option<&str> {
        self.aws_code.as_deref()
    }

    pub fn with_retry(mut self, retry: Retry) -> Self {
        self.retry = retry;
        self
    }

    /// How retry loops treat this error when its kind is Transient.
    pub fn retry(&self) -> Retry {
        self.retry
    }

    pub fn with_query_id(mut self, id: &str) -> Self {
        if self.query_execution_id.is_none() {
            self.query_execution_id = Some(id.to_string());
        }
        self
    }

    pub fn with_vendor_code(mut self, code: i32) -> Self {
        self.vendor_code = code;
        self
    }

    /// Adds context in front of the message, keeping kind and ids.
    pub fn prefix(mut self, context: &str) -> Self {
        self.message.insert_str(0, context);
        self
    }

    pub fn append(mut self, hint: &str) -> Self {
        self.message.push_str(hint);
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn query_execution_id(&self) -> Option<&str> {
        self.query_execution_id.as_deref()
    }

    pub fn vendor_code(&self) -> i32 {
        self.vendor_code
    }

    pub fn invalid_state(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidState, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Internal, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(id) = &self.query_execution_id {
            write!(f, " [QueryExecutionId: {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Classifies an AWS SDK error by its error code, so that the same mapping serves
/// every operation of every service.
pub fn from_sdk<E>(
    operation: &str,
    err: aws_sdk_athena::error::SdkError<E, aws_smithy_runtime_api::http::Response>,
) -> Error
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
{
    use aws_sdk_athena::error::SdkError;
    // A failure of the driver's own credentials provider keeps its own kind and words.
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    while let Some(cause) = source {
        if let Some(own) = cause.downcast_ref::<Error>() {
            return own.clone().prefix(&format!("{operation}: "));
        }
        source = cause.source();
    }
    // The proxy's refusal: its answer (plain HTTP), or a refused tunnel (HTTPS).
    let proxy_refused = match &err {
        SdkError::ServiceError(service) => refused_by_proxy(service.raw()),
        // Some proxies close the connection right after their answer.
        SdkError::ResponseError(response) => refused_by_proxy(response.raw()),
        SdkError::DispatchFailure(_) => {
            describe_chain(&err).contains("proxy authorization required")
        }
        _ => false,
    };
    if let SdkError::DispatchFailure(_) = &err {
        let chain = describe_chain(&err);
        if is_untrusted_certificate(&chain) {
            return Error::new(
                ErrorKind::InvalidProperties,
                format!(
                    "{operation}: the server's TLS certificate is not trusted ({chain}); {}",
                    TRUSTED_CERTS_HINT
                ),
            );
        }
    }
    if proxy_refused {
        return Error::new(
            ErrorKind::InvalidProperties,
            format!("{operation} was refused by the proxy (407 Proxy Authentication Required): check ProxyUsername and ProxyPassword"),
        );
    }
    match &err {
        SdkError::ServiceError(service)
            if service.raw().status().is_success() && service.err().code().is_none() =>
        {
            Error::new(
                ErrorKind::Transient,
                format!(
                    "{operation} received an unreadable response: HTTP {} with a body that does not parse",
                    service.raw().status().as_u16()
                ),
            )
        }
        SdkError::ServiceError(service) => {
            let inner = service.err();
            let code = inner.code().unwrap_or("UnknownError").to_string();
            let text = inner.message().unwrap_or("no message").to_string();
            let kind = classify_code(&code);
            let mut error = Error::new(kind, format!("{operation} failed: {code}: {text}"));
            error.aws_code = inner.code().map(str::to_string);
            if is_throttling(&code) || service.raw().status().as_u16() == 429 {
                error.with_retry(Retry::Throttled)
            } else {
                error
            }
        }
        // The SDK's own bounds: the whole call (every attempt) or one attempt.
        SdkError::TimeoutError(_) => {
            let chain = describe_chain(&err);
            if chain.contains("operation timeout") {
                Error::new(
                    ErrorKind::Transient,
                    format!("{operation} got no answer from AWS within the call's time bound ({chain}): the connection stalled or AWS did not answer; CallTimeoutMillis bounds each call with its retries, SocketTimeout each wait for a byte"),
                )
                .with_retry(Retry::Final)
            } else {
                Error::new(
                    ErrorKind::Transient,
                    format!("{operation} got no answer from AWS within one attempt's time bound ({chain}; NetworkTimeoutMillis)"),
                )
            }
        }
        SdkError::DispatchFailure(_) => {
            let chain = describe_chain(&err);
            if chain.contains("read timeout") {
                // The request went out; not one byte of the answer came back.
                Error::new(
                    ErrorKind::Transient,
                    format!("{operation} stalled: no byte of the answer came back ({chain}; SocketTimeout bounds each wait for a byte)"),
                )
            } else {
                let error = Error::new(
                    ErrorKind::Transient,
                    format!("{operation} could not reach the endpoint: {chain}"),
                );
                if never_reached(&err, &chain) {
                    error.with_retry(Retry::Unreached)
                } else {
                    error
                }
            }
        }
        SdkError::ResponseError(_) => Error::new(
            ErrorKind::Transient,
            format!(
                "{operation} received an unreadable response: {}",
                describe_chain(&err)
            ),
        ),
        SdkError::ConstructionFailure(_) => Error::new(
            ErrorKind::InvalidProperties,
            format!("{operation} could not be sent: {}", describe_chain(&err)),
        ),
        _ => Error::new(
            ErrorKind::Service,
            format!("{operation} failed: {}", describe_chain(&err)),
        ),
    }
}

/// 407, or the 401 with a Basic challenge that tinyproxy sends for a wrong
/// password: AWS services never ask for Basic authentication.
fn refused_by_proxy(response: &aws_smithy_runtime_api::http::Response) -> bool {
    let basic_challenge = response
        .headers()
        .get("www-authenticate")
        .is_some_and(|v| v.starts_with("Basic"));
    match response.status().as_u16() {
        407 => true,
        401 => basic_challenge,
        _ => false,
    }
}

/// Throttling answers: AWS asks the caller to slow down and try again.
fn is_throttling(code: &str) -> bool {
    matches!(
        code,
        "TooManyRequestsException"
            | "ThrottlingException"
            | "Throttling"
            | "ThrottledException"
            | "RequestThrottled"
            | "RequestThrottledException"
            | "SlowDown"
            | "RequestLimitExceeded"
    )
}

/// A connection that never opened: refused, an unknown host, or no answer
/// to connect (as opposed to one reset or cut after the request went out).
fn never_reached(err: &(dyn std::error::Error + 'static), chain: &str) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            if matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::AddrNotAvailable
            ) {
                return true;
            }
        }
        source = cause.source();
    }
    chain.contains("Connection refused")
        || chain.contains("dns error")
        || chain.contains("connect timeout")
}

fn classify_code(code: &str) -> ErrorKind {
    if is_throttling(code) {
        return ErrorKind::Transient;
    }
    match code {
        "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "SignatureDoesNotMatch"
        | "InvalidClientTokenId"
        | "ExpiredTokenException"
        | "ExpiredToken"
        | "AccessDeniedException"
        | "AccessDenied"
        | "MissingAuthenticationToken"
        | "IncompleteSignature"
        | "InvalidIdentityToken"
        | "IDPRejectedClaim"
        | "InvalidGrantException"
        | "InvalidClientException"
        | "UnauthorizedClientException" => ErrorKind::Authentication,
        // Throttling and the services' own 5xx answers: worth trying again later.
        "TooManyRequestsException"
        | "ThrottlingException"
        | "Throttling"
        | "SlowDown"
        | "RequestLimitExceeded"
        | "InternalServerException"
        | "InternalServerError"
        | "InternalError"
        | "InternalFailure"
        | "ServiceUnavailable"
        | "ServiceUnavailableException"
        | "RequestTimeout"
        | "RequestTimeoutException" => ErrorKind::Transient,
        _ => ErrorKind::Service,
    }
}

/// Display of an error and its sources. SDK errors never include credentials.
pub fn describe_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let part = cause.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = cause.source();
    }
    text
}

/// What to tell a user whose server certificate was refused.
pub(crate) const TRUSTED_CERTS_HINT: &str =
    "if the server or a TLS-inspecting proxy uses a private CA, name its PEM file in TrustedCerts";

/// Whether an error's text says the TLS trust store refused the server's certificate.
pub(crate) fn is_untrusted_certificate(text: &str) -> bool {
    text.contains("invalid peer certificate")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_five_character_sql_state_and_a_java_sql_class() {
        for kind in ErrorKind::ALL {
            assert_eq!(kind.sql_state().len(), 5, "{kind:?}");
            assert!(kind.java_class().starts_with("java/sql/SQL"), "{kind:?}");
        }
    }

    #[test]
    fn display_names_the_query_execution_id() {
        let err = Error::new(ErrorKind::QueryFailedUser, "bad column").with_query_id("q-1");
        assert_eq!(err.to_string(), "bad column [QueryExecutionId: q-1]");
    }

    #[test]
    fn auth_codes_are_authentication_errors() {
        assert_eq!(
            classify_code("UnrecognizedClientException"),
            ErrorKind::Authentication
        );
        assert_eq!(
            classify_code("InvalidSignatureException"),
            ErrorKind::Authentication
        );
        assert_eq!(classify_code("InvalidRequestException"), ErrorKind::Service);
    }

    #[test]
    fn throttling_and_unavailable_services_are_transient() {
        for code in [
            "ServiceUnavailableException",
            "ServiceUnavailable",
            "InternalServerException",
            "TooManyRequestsException",
            "ThrottlingException",
            "SlowDown",
            "InternalError",
        ] {
            assert_eq!(classify_code(code), ErrorKind::Transient, "{code}");
            assert_eq!(classify_code(code).sql_state(), "08S01", "{code}");
        }
    }
}

/// Lets the SDK retry an answer that arrived but did not parse (cut short or
/// garbled on the way), as it retries a dropped connection. Only for
/// clients whose calls are safe to repeat: reads, and StartQueryExecution,
/// whose ClientRequestToken makes a repeat return the same query.
#[derive(Debug, Default)]
pub struct UnreadableAnswerIsTransient;

impl aws_smithy_runtime_api::client::retries::classifiers::ClassifyRetry
    for UnreadableAnswerIsTransient
{
    fn classify_retry(
        &self,
        ctx: &aws_smithy_runtime_api::client::interceptors::context::InterceptorContext,
    ) -> aws_smithy_runtime_api::client::retries::classifiers::RetryAction {
        use aws_smithy_runtime_api::client::retries::classifiers::RetryAction;
        // Under a 2xx status, an error that is not the connection's, a
        // timeout or an interceptor's is a body that did not parse (as an
        // unmodeled service error in REST protocols, "other" in JSON ones).
        let success = ctx.response().is_some_and(|r| r.status().is_success());
        match ctx.output_or_error() {
            Some(Err(e))
                if e.is_response_error()
                    || (success
                        && !e.is_connector_error()
                        && !e.is_timeout_error()
                        && !e.is_interceptor_error()) =>
            {
                RetryAction::transient_error()
            }
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "UnreadableAnswerIsTransient"
    }

    fn priority(
        &self,
    ) -> aws_smithy_runtime_api::client::retries::classifiers::RetryClassifierPriority {
        use aws_smithy_runtime_api::client::retries::classifiers::RetryClassifierPriority;
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}
