//! ODBC `AuthenticationType=External Credentials`: a program of the user's
//! (`ExecutablePath` with `ArgumentList`) prints a SAML response, which the
//! SAML core trades for credentials. The program runs again whenever the
//! credentials need renewing.

use std::any::Any;
use std::time::Duration;

use crate::auth::flow::{BoxFuture, FlowContext, FlowSettings, FlowState};
use crate::auth::saml::{SamlFlow, SamlResponse, SamlSettings, SamlSource};
use crate::config::Parser;
use crate::error::{Error, Result};
use crate::secret::Secret;

#[derive(Debug, Clone, PartialEq)]
pub struct ExternalCredentialsSettings {
    pub executable: String,
    /// May carry secrets (a password for the program): never shown.
    pub arguments: Vec<Secret>,
    pub timeout: Duration,
    pub saml: SamlSettings,
}

pub(crate) fn parse(p: &mut Parser) -> Option<ExternalCredentialsSettings> {
    let executable = p.text("ExecutablePath")?;
    let arguments = match p.text("ArgumentList") {
        None => Vec::new(),
        Some(list) => match shlex::split(&list) {
            Some(words) => words.into_iter().map(Secret::new).collect(),
            None => {
                p.problem("ArgumentList has an unclosed quote (value not shown)".into());
                return None;
            }
        },
    };
    Some(ExternalCredentialsSettings {
        executable,
        arguments,
        timeout: Duration::from_secs(p.integer("IdpResponseTimeout") as u64),
        saml: SamlSettings::parse(p),
    })
}

impl FlowSettings for ExternalCredentialsSettings {
    fn name(&self) -> &'static str {
        "External Credentials"
    }

    /// The person is named by the program's answer, not by a setting.
    fn user_name(&self) -> Option<&str> {
        None
    }

    fn identity_fields(&self) -> Vec<String> {
        let mut fields = vec![self.executable.clone()];
        fields.extend(self.arguments.iter().map(Secret::hashed));
        fields.extend(self.saml.fields());
        fields
    }

    fn other_fields(&self) -> Vec<String> {
        vec![self.timeout.as_secs().to_string()]
    }

    fn file_cache(&self) -> bool {
        self.saml.file_cache
    }

    fn new_state(&self) -> Box<dyn FlowState> {
        SamlFlow::boxed(
            "External Credentials",
            self.saml.clone(),
            Program {
                settings: self.clone(),
            },
        )
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[derive(Debug)]
struct Program {
    settings: ExternalCredentialsSettings,
}

impl SamlSource for Program {
    fn response<'a>(&'a mut self, cx: &'a FlowContext<'a>) -> BoxFuture<'a, Result<SamlResponse>> {
        Box::pin(async move {
            let s = self.settings.clone();
            cx.logger.debug(|| {
                format!(
                    "External Credentials: running {} ({} arguments)",
                    s.executable,
                    s.arguments.len()
                )
            });
            let output = tokio::task::spawn_blocking(move || run(&s))
                .await
                .map_err(|e| Error::internal(format!("the program's task failed: {e}")))??;
            let text = output.trim();
            // The program may print the response's XML or its base64.
            let encoded = if text.starts_with('<') {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD.encode(text)
            } else {
                text.to_string()
            };
            SamlResponse::parse(&encoded).map_err(|e| {
                e.prefix(&format!(
                    "ExecutablePath {}: its output is not a usable SAML response: ",
                    self.settings.executable
                ))
            })
        })
    }
}

/// Runs the program to its end or the timeout; its standard output is the answer.
fn run(s: &ExternalCredentialsSettings) -> Result<String> {
    crate::auth::program::run("ExecutablePath", &s.executable, &s.arguments, s.timeout)
}

#[cfg(test)]
mod tests {
    use crate::config::{ConnectionConfig, Credentials};

    use super::*;
    use crate::error::ErrorKind;
    use std::time::Instant;

    fn settings(url: &str) -> ExternalCredentialsSettings {
        let c = ConnectionConfig::from_url(url, &[]).unwrap();
        let Credentials::Federated(f) = &c.credentials else {
            panic!("not federated: {c:?}")
        };
        f.settings::<ExternalCredentialsSettings>().unwrap().clone()
    }

    #[test]
    fn odbc_names_and_quoted_arguments() {
        let s = settings("jdbc:athena://Region=us-east-1;AuthenticationType=External Credentials;ExecutablePath=/bin/echo;ArgumentList=--user alice 'two words';PreferredRole=arn:aws:iam::1:role/r");
        let args: Vec<&str> = s.arguments.iter().map(Secret::expose).collect();
        assert_eq!(args, ["--user", "alice", "two words"]);
        assert_eq!(
            s.saml.preferred_role.as_deref(),
            Some("arn:aws:iam::1:role/r")
        );
        assert_eq!(s.timeout, Duration::from_secs(120));
        assert!(!format!("{s:?}").contains("alice"));
    }

    // Its programs are Unix shell scripts; Windows runs the same code with other programs.
    #[cfg(unix)]
    #[test]
    fn a_failing_missing_or_slow_program_is_a_clear_error() {
        let mut s = settings("jdbc:athena://Region=us-east-1;AuthenticationType=External Credentials;ExecutablePath=/bin/sh;IdpResponseTimeout=1");
        s.arguments = vec![Secret::new("-c"), Secret::new("echo denied >&2; exit 3")];
        let err = run(&s).unwrap_err().to_string();
        assert!(err.contains("/bin/sh") && err.contains("denied"), "{err}");
        s.arguments = vec![Secret::new("-c"), Secret::new("sleep 30")];
        let started = Instant::now();
        let err = run(&s).unwrap_err().to_string();
        assert!(err.contains("IdpResponseTimeout"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(10));
        s.executable = "/nonexistent/saml-helper".into();
        let err = run(&s).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidProperties);
        assert!(
            err.to_string().contains("/nonexistent/saml-helper"),
            "{err}"
        );
    }
}
