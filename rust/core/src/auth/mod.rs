//! Federated sign-in: one file per flow in `flows/` behind the interface in
//! `flow`, and the pieces they share: the process-wide cache and the
//! credentials provider (`sign_in`), the file cache, the loopback callback
//! (`browser`), the OpenID client (`oidc`), the AWS calls (`services`), and the
//! trusted identity propagation exchange (`tip`).

pub mod arns;
pub mod browser;
pub mod credentials;
pub mod file_cache;
pub mod flow;
pub mod flows;
pub(crate) mod form_sign_in;
pub(crate) mod html_form;
pub mod oidc;
pub(crate) mod program;
pub mod renewal;
pub mod saml;
pub mod services;
pub mod sign_in;
pub mod tip;
pub mod token;

use std::time::Duration;

use crate::error::Error;

pub use credentials::{epoch_seconds, IdentityContext, TemporaryCredentials};
pub use sign_in::FederatedSignIn;

fn duration_seconds(duration: Duration) -> i32 {
    i32::try_from(duration.as_secs()).unwrap_or(i32::MAX)
}

/// Names the step and the property whose value the service refused.
/// `step` reads after "at": "step 4", "the web identity step".
fn step_error(err: Error, step: &str, property: &str, value: &str) -> Error {
    err.prefix(&format!("Sign-in failed at {step} ({property} {value}): "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_errors_name_the_step_once() {
        let e = step_error(
            Error::internal("boom"),
            "step 4",
            "CustomerIdcApplicationArn",
            "arn:x",
        );
        assert_eq!(
            e.to_string(),
            "Sign-in failed at step 4 (CustomerIdcApplicationArn arn:x): boom"
        );
        let e = step_error(
            Error::internal("boom"),
            "the web identity step",
            "RoleArn",
            "arn:r",
        );
        assert!(e
            .to_string()
            .starts_with("Sign-in failed at the web identity step (RoleArn arn:r)"));
    }
}
