//! Credentials AWS refuses as expired before the flow thought they were
//! (revoked on the server, or a clock ahead of ours) are dropped from the
//! flow's cache, and the SDK retries the call with credentials signed in
//! again: a long result outlives such a refusal instead of failing.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef, InterceptorContext,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::retries::classifiers::{ClassifyRetry, RetryAction};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

use super::FederatedSignIn;

/// Registered as both the interceptor that reports the refused key to the
/// flow and the retry classifier that asks the SDK for another attempt.
#[derive(Debug, Clone)]
pub struct RenewExpired(pub FederatedSignIn);

/// The access key the attempt was signed with.
#[derive(Debug, Clone)]
struct SignedWith(String);

impl Storable for SignedWith {
    type Storer = StoreReplace<Self>;
}

impl Intercept for RenewExpired {
    fn name(&self) -> &'static str {
        "RenewExpiredCredentials"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let key = context
            .request()
            .headers()
            .get("authorization")
            .and_then(access_key_of);
        if let Some(key) = key {
            cfg.interceptor_state()
                .store_put(SignedWith(key.to_string()));
        }
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if context.response().is_some_and(says_expired) {
            if let Some(SignedWith(key)) = cfg.load::<SignedWith>() {
                self.0.reject(key);
            }
        }
        Ok(())
    }
}

impl ClassifyRetry for RenewExpired {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        if ctx.response().is_some_and(says_expired) {
            RetryAction::transient_error()
        } else {
            RetryAction::NoActionIndicated
        }
    }

    fn name(&self) -> &'static str {
        "RenewExpiredCredentials"
    }
}

/// `ExpiredTokenException` (JSON services) or `ExpiredToken` (S3) in a 4xx answer.
fn says_expired(response: &Response) -> bool {
    response.status().is_client_error()
        && response
            .body()
            .bytes()
            .is_some_and(|b| memchr::memmem::find(b, b"ExpiredToken").is_some())
}

/// `AKID` from `AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, …`.
fn access_key_of(authorization: &str) -> Option<&str> {
    let (_, rest) = authorization.split_once("Credential=")?;
    rest.split('/').next().filter(|k| !k.is_empty())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_access_key_comes_from_the_signature() {
        let header = "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261124/us-east-1/athena/aws4_request, SignedHeaders=host, Signature=abc";
        assert_eq!(super::access_key_of(header), Some("ASIAEXAMPLE"));
        assert_eq!(super::access_key_of("Bearer x"), None);
        assert_eq!(super::access_key_of("Credential=/x"), None);
    }
}
