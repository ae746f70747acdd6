//! `CredentialsProvider=JWT` (seed 002): STS AssumeRoleWithWebIdentity with the
//! JWT the user gives. Its step is JWT_TIP's step 1 too.

use std::any::Any;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::auth::credentials::{drop_if_holding, epoch_seconds, fresh};
use crate::auth::flow::{BoxFuture, FlowContext, FlowSettings, FlowState};
use crate::auth::{duration_seconds, step_error, token, TemporaryCredentials};
use crate::config::Parser;
use crate::error::{Error, ErrorKind, Result};
use crate::log::Logger;
use crate::properties::Auth;
use crate::secret::Secret;

#[derive(Debug, Clone, PartialEq)]
pub struct JwtSettings {
    pub token: Secret,
    pub role_arn: String,
    pub session_name: String,
    pub duration: Duration,
}

pub(crate) fn parse(p: &mut Parser) -> Option<JwtSettings> {
    Some(JwtSettings {
        token: jwt(p)?,
        role_arn: p.text("JwtRoleArn")?,
        session_name: p.text("JwtRoleSessionName")?,
        duration: p.session_duration(Auth::Jwt),
    })
}

/// `JwtWebIdentityToken` must at least look like a JWT; the service checks the rest.
pub(crate) fn jwt(p: &mut Parser) -> Option<Secret> {
    let token = p.value("JwtWebIdentityToken")?.trim().to_string();
    if let Err(why) = token::check_shape(&token) {
        p.problem(format!(
            "JwtWebIdentityToken is not a JWT (header.payload.signature): {why} (secret value not shown)"
        ));
        return None;
    }
    Some(Secret::new(token))
}

impl FlowSettings for JwtSettings {
    fn name(&self) -> &'static str {
        "JWT"
    }

    fn user_name(&self) -> Option<&str> {
        Some(&self.session_name)
    }

    fn identity_fields(&self) -> Vec<String> {
        vec![
            self.token.hashed(),
            self.role_arn.clone(),
            self.session_name.clone(),
            self.duration.as_secs().to_string(),
        ]
    }

    fn new_state(&self) -> Box<dyn FlowState> {
        Box::new(JwtState {
            settings: self.clone(),
            credentials: None,
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[derive(Debug)]
struct JwtState {
    settings: JwtSettings,
    credentials: Option<TemporaryCredentials>,
}

impl FlowState for JwtState {
    fn credentials<'a>(
        &'a mut self,
        cx: &'a FlowContext<'a>,
    ) -> BoxFuture<'a, Result<TemporaryCredentials>> {
        Box::pin(async move {
            if let Some(c) = fresh(&self.credentials) {
                cx.logger.trace(|| {
                    format!(
                        "JWT: cached credentials, expiring at {}",
                        epoch_seconds(c.expiry)
                    )
                });
                return Ok(c.clone());
            }
            let s = &self.settings;
            let c = web_identity(
                cx,
                &s.token,
                &s.role_arn,
                &s.session_name,
                s.duration,
                "JwtRoleArn",
            )
            .await?;
            self.credentials = Some(c.clone());
            Ok(c)
        })
    }

    fn forget(&mut self, access_key_id: &str, logger: &Logger) {
        if drop_if_holding(&mut self.credentials, access_key_id) {
            logger.info(|| {
                "AWS refused the session's credentials as expired before their time; signing in again"
                    .to_string()
            });
        }
    }

    fn holds_anything(&self) -> bool {
        self.credentials.is_some()
    }
}

/// STS AssumeRoleWithWebIdentity: JWT's only step and JWT_TIP's step 1.
pub(crate) async fn web_identity(
    cx: &FlowContext<'_>,
    token: &Secret,
    role_arn: &str,
    session_name: &str,
    duration: Duration,
    role_property: &str,
) -> Result<TemporaryCredentials> {
    if let Some(exp) = token::claims(token.expose()).and_then(|c| c.exp) {
        let expiry = UNIX_EPOCH + Duration::from_secs_f64(exp.max(0.0));
        if expiry <= SystemTime::now() {
            return Err(Error::new(
                ErrorKind::Authentication,
                format!(
                    "the JWT in JwtWebIdentityToken expired at {} (Unix time); get a fresh token from the identity provider and connect again",
                    epoch_seconds(expiry)
                ),
            ));
        }
    }
    cx.logger
        .debug(|| format!("STS AssumeRoleWithWebIdentity as {role_arn} (session {session_name})"));
    let c = cx
        .services
        .assume_role_with_web_identity(role_arn, session_name, token, duration_seconds(duration))
        .await
        .map_err(|e| step_error(e, "the web identity step", role_property, role_arn))?;
    cx.logger.trace(|| {
        format!(
            "STS AssumeRoleWithWebIdentity: credentials expire at {}",
            epoch_seconds(c.expiry)
        )
    });
    Ok(c)
}

#[cfg(test)]
mod tests {
    use crate::config::{ConnectionConfig, Credentials};

    use super::*;

    const TOKEN: &str = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";

    #[test]
    fn jwt_settings_with_jdbc_names_and_default_duration() {
        let c = ConnectionConfig::from_url(&format!("jdbc:athena://CredentialsProvider=JWT;JwtWebIdentityToken={TOKEN};JwtRoleArn=arn:aws:iam::1:role/r;JwtRoleSessionName=s"), &[]).unwrap();
        let Credentials::Federated(f) = &c.credentials else {
            panic!("{c:?}")
        };
        let s: &JwtSettings = f.settings().unwrap();
        assert_eq!(s.duration, Duration::from_secs(3600));
        assert_eq!(s.role_arn, "arn:aws:iam::1:role/r");
        assert_eq!(c.user_name(), Some("s"));
        assert!(!format!("{c:?}").contains(TOKEN));
    }
}
