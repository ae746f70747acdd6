//! The trusted identity propagation exchange shared by `JWT_TIP` (seed 000),
//! which is given its JWT, and `BrowserOidcTip` (seed 004), which signs in at
//! the identity provider for one: step 1 assumes the application role with the
//! JWT, steps 2 and 3 find the Identity Center application and access role from
//! tags, step 4 trades the JWT for an identity context, step 5 assumes the
//! access role with it.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::credentials::{epoch_seconds, fresh};
use super::flow::{BoxFuture, FlowContext, FlowState};
use super::flows::jwt::web_identity;
use super::{arns, duration_seconds, file_cache, step_error, token};
use super::{IdentityContext, TemporaryCredentials};
use crate::config::Parser;
use crate::error::{Error, ErrorKind, Result};
use crate::log::Logger;
use crate::properties::Auth;
use crate::secret::Secret;

/// The workgroup and application tag that name the next ARN of the flow.
pub const TAG_KEY: &str = "AthenaDriverOidcAppArn";

#[derive(Debug, Clone, PartialEq)]
pub struct TipSettings {
    pub workgroup_arn: String,
    pub application_role_arn: String,
    pub access_role_arn: Option<String>,
    pub idc_application_arn: Option<String>,
    pub session_name: String,
    pub duration: Duration,
    pub file_cache: bool,
}

impl TipSettings {
    pub(crate) fn parse(p: &mut Parser, auth: Auth) -> Option<TipSettings> {
        Some(TipSettings {
            workgroup_arn: p.text("WorkGroupArn")?,
            application_role_arn: p.text("ApplicationRoleArn")?,
            access_role_arn: p.text("AccessRoleArn"),
            idc_application_arn: idc_application_arn(p),
            session_name: p.text("JwtRoleSessionName")?,
            duration: p.session_duration(auth),
            file_cache: p.boolean("JwtTipFileCache"),
        })
    }

    /// Part of the flows' identity fields (the file cache's key).
    pub(crate) fn fields(&self) -> Vec<String> {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            self.workgroup_arn.clone(),
            self.application_role_arn.clone(),
            opt(&self.access_role_arn),
            opt(&self.idc_application_arn),
            self.session_name.clone(),
            self.duration.as_secs().to_string(),
        ]
    }
}

fn idc_application_arn(p: &mut Parser) -> Option<String> {
    let arn = p.text("CustomerIdcApplicationArn")?;
    if arns::sso_instance_arn(&arn).is_none() {
        p.problem(format!("CustomerIdcApplicationArn must look like arn:aws:sso::ACCOUNT:application/ssoins-INSTANCE/apl-APPLICATION, not '{arn}'"));
    }
    Some(arn)
}

/// Where steps 1 and 4 get their JWT.
pub(crate) trait JwtSource: Send {
    /// The JWT, and whether it is a new one (the application role's session
    /// of the previous one is then dropped). `unspent` asks for one Identity
    /// Center has not seen yet.
    fn jwt<'a>(
        &'a mut self,
        cx: &'a FlowContext<'a>,
        unspent: bool,
    ) -> BoxFuture<'a, Result<(Secret, bool)>>;
    /// Step 4 exchanged the current JWT.
    fn spent(&mut self);
    /// What a failed step 4 adds to its message.
    fn exchange_hint(&self) -> Option<&'static str>;
    /// The refresh token the file cache keeps, if the source has one.
    fn refresh_token(&self) -> Option<Secret> {
        None
    }
    /// The refresh token another process kept in the file cache.
    fn restore(&mut self, _refresh_token: Option<Secret>) {}
}

/// What the exchange holds between calls.
#[derive(Debug, Default)]
pub(crate) struct TipState {
    /// The application role's credentials (step 1).
    application: Option<TemporaryCredentials>,
    context: Option<IdentityContext>,
    /// The identity-enhanced credentials (step 5).
    access: Option<TemporaryCredentials>,
    file_read: bool,
}

/// Every trusted-identity-propagation flow's state: its steps' results and
/// where its JWTs come from (given, or from the browser).
#[derive(Debug)]
pub(crate) struct TipFlow<S> {
    settings: TipSettings,
    state: TipState,
    source: S,
}

impl<S: JwtSource + fmt::Debug + 'static> TipFlow<S> {
    pub(crate) fn boxed(settings: TipSettings, source: S) -> Box<dyn FlowState> {
        Box::new(TipFlow {
            settings,
            state: TipState::default(),
            source,
        })
    }
}

impl<S: JwtSource + fmt::Debug> FlowState for TipFlow<S> {
    fn credentials<'a>(
        &'a mut self,
        cx: &'a FlowContext<'a>,
    ) -> BoxFuture<'a, Result<TemporaryCredentials>> {
        Box::pin(self.state.credentials(cx, &self.settings, &mut self.source))
    }

    fn forget(&mut self, access_key_id: &str, logger: &Logger) {
        self.state.forget(access_key_id, logger);
    }

    fn holds_anything(&self) -> bool {
        self.state.holds_anything()
    }
}

impl TipState {
    pub(crate) fn forget(&mut self, access_key_id: &str, logger: &Logger) {
        let held = |c: &Option<TemporaryCredentials>| {
            c.as_ref().is_some_and(|c| c.access_key_id == access_key_id)
        };
        if held(&self.application) || held(&self.access) {
            logger.info(|| {
                "AWS refused the session's credentials as expired before their time; signing in again"
                    .to_string()
            });
            self.application = None;
            self.access = None;
        }
    }

    /// A spent JWT's identity context is worth keeping after a failure.
    pub(crate) fn holds_anything(&self) -> bool {
        self.application.is_some() || self.context.is_some() || self.access.is_some()
    }

    pub(crate) async fn credentials(
        &mut self,
        cx: &FlowContext<'_>,
        s: &TipSettings,
        source: &mut dyn JwtSource,
    ) -> Result<TemporaryCredentials> {
        let now = SystemTime::now();
        if s.file_cache && !self.file_read {
            self.file_read = true;
            if let Some(entry) = file_cache::read(cx.file_key, cx.logger) {
                self.access = entry.access;
                self.context = entry.context;
                source.restore(entry.refresh_token);
            }
        }
        if let Some(c) = fresh(&self.access) {
            cx.logger.trace(|| {
                format!(
                    "JWT_TIP: cached identity-enhanced credentials, expiring at {}",
                    epoch_seconds(c.expiry)
                )
            });
            return Ok(c.clone());
        }
        let context = match self.context.clone().filter(|c| c.expiry > now) {
            Some(context) => {
                cx.logger.debug(|| {
                    "JWT_TIP: reusing the cached identity context; steps 2 to 4 skipped".into()
                });
                context
            }
            None => {
                let context = self.exchange(cx, s, source).await?;
                self.context = Some(context.clone());
                context
            }
        };
        let application = self.application_credentials(cx, s, source).await?;
        cx.logger.debug(|| {
            format!(
                "JWT_TIP step 5: STS AssumeRole as {} with the Identity Center context",
                context.access_role_arn
            )
        });
        let access = cx
            .services
            .assume_role_with_identity_context(
                &application,
                &context.access_role_arn,
                &s.session_name,
                duration_seconds(s.duration),
                &context.assertion,
            )
            .await
            .map_err(|e| step_error(e, "step 5", "AccessRoleArn", &context.access_role_arn))?;
        self.access = Some(access.clone());
        if s.file_cache {
            file_cache::write(
                cx.file_key,
                &file_cache::Entry {
                    access: Some(access.clone()),
                    context: Some(context),
                    refresh_token: source.refresh_token(),
                    flow: None,
                },
                cx.logger,
            );
        }
        cx.logger.info(|| {
            format!(
                "JWT_TIP: signed in; credentials expire at {}",
                epoch_seconds(access.expiry)
            )
        });
        Ok(access)
    }

    /// Steps 2 to 4: find the application and access role, and trade the JWT
    /// for Identity Center's identity context.
    async fn exchange(
        &mut self,
        cx: &FlowContext<'_>,
        s: &TipSettings,
        source: &mut dyn JwtSource,
    ) -> Result<IdentityContext> {
        let token = self.jwt(cx, source, true).await?;
        let application = self.application_credentials(cx, s, source).await?;
        let services = cx.services;
        let application_arn = match &s.idc_application_arn {
            Some(arn) => arn.clone(),
            None => {
                cx.logger.debug(|| {
                    format!(
                        "JWT_TIP step 2: Athena ListTagsForResource on {}",
                        s.workgroup_arn
                    )
                });
                let tags = services
                    .workgroup_tags(&application, &s.workgroup_arn)
                    .await
                    .map_err(|e| step_error(e, "step 2", "WorkGroupArn", &s.workgroup_arn))?;
                tagged_application(&tags, &s.workgroup_arn)?
            }
        };
        let access_role_arn = match &s.access_role_arn {
            Some(arn) => arn.clone(),
            None => {
                let instance = arns::sso_instance_arn(&application_arn).ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidProperties,
                        format!("the workgroup tag {TAG_KEY} holds '{application_arn}', which is not an Identity Center application ARN (arn:aws:sso::ACCOUNT:application/ssoins-…/apl-…); set CustomerIdcApplicationArn"),
                    )
                })?;
                cx.logger.debug(|| {
                    format!("JWT_TIP step 3: SSO Admin ListTagsForResource on {application_arn}")
                });
                let tags = services
                    .application_tags(&application, &instance, &application_arn)
                    .await
                    .map_err(|e| {
                        step_error(e, "step 3", "CustomerIdcApplicationArn", &application_arn)
                    })?;
                tagged_role(&tags, &application_arn)?
            }
        };
        cx.logger
            .debug(|| format!("JWT_TIP step 4: SSO-OIDC CreateTokenWithIAM for {application_arn}"));
        let id_token = services
            .create_token_with_iam(&application, &application_arn, &token)
            .await
            .map_err(|e| {
                let e = step_error(e, "step 4", "CustomerIdcApplicationArn", &application_arn);
                match source.exchange_hint() {
                    Some(hint) => e.append(hint),
                    None => e,
                }
            })?;
        source.spent();
        let claims = token::claims(id_token.expose()).unwrap_or_default();
        let assertion = claims.identity_context.ok_or_else(|| {
            Error::new(
                ErrorKind::Authentication,
                "Identity Center's id token carries no sts:identity_context claim; check that the application allows the sts:identity_context scope",
            )
        })?;
        let expiry = claims
            .exp
            .map(|exp| UNIX_EPOCH + Duration::from_secs_f64(exp.max(0.0)))
            .unwrap_or_else(|| SystemTime::now() + s.duration);
        Ok(IdentityContext {
            assertion: Secret::new(assertion),
            expiry,
            application_arn,
            access_role_arn,
        })
    }

    /// Step 1, while its credentials are fresh only once.
    async fn application_credentials(
        &mut self,
        cx: &FlowContext<'_>,
        s: &TipSettings,
        source: &mut dyn JwtSource,
    ) -> Result<TemporaryCredentials> {
        if let Some(c) = fresh(&self.application) {
            return Ok(c.clone());
        }
        let token = self.jwt(cx, source, false).await?;
        let c = web_identity(
            cx,
            &token,
            &s.application_role_arn,
            &s.session_name,
            s.duration,
            "ApplicationRoleArn",
        )
        .await?;
        self.application = Some(c.clone());
        Ok(c)
    }

    async fn jwt(
        &mut self,
        cx: &FlowContext<'_>,
        source: &mut dyn JwtSource,
        unspent: bool,
    ) -> Result<Secret> {
        let (token, new) = source.jwt(cx, unspent).await?;
        if new {
            // New JWT, new session with the application role.
            self.application = None;
        }
        Ok(token)
    }
}

fn tagged_application(tags: &[(String, String)], workgroup_arn: &str) -> Result<String> {
    tags.iter()
        .find(|(k, _)| k == TAG_KEY)
        .map(|(_, v)| v.clone())
        .ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidProperties,
                format!("the workgroup {workgroup_arn} has no tag {TAG_KEY} naming the Identity Center application; tag the workgroup or set CustomerIdcApplicationArn"),
            )
        })
}

/// AWS's setup names the application's tag key `AthenaDriverOidcAppArn` too, but
/// that is unconfirmed, so the one tag whose value is a role ARN wins.
fn tagged_role(tags: &[(String, String)], application_arn: &str) -> Result<String> {
    if let Some((_, v)) = tags
        .iter()
        .find(|(k, v)| k == TAG_KEY && arns::is_role_arn(v))
    {
        return Ok(v.clone());
    }
    let mut roles: Vec<&String> = tags
        .iter()
        .filter(|(_, v)| arns::is_role_arn(v))
        .map(|(_, v)| v)
        .collect();
    roles.dedup();
    match roles.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(Error::new(
            ErrorKind::InvalidProperties,
            format!("the Identity Center application {application_arn} has no tag whose value is an IAM role ARN; tag it ({TAG_KEY}=arn:aws:iam::ACCOUNT:role/NAME) or set AccessRoleArn"),
        )),
        _ => Err(Error::new(
            ErrorKind::InvalidProperties,
            format!("the Identity Center application {application_arn} has several tags naming IAM roles; set AccessRoleArn to choose one"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_role_comes_from_the_tag_holding_a_role() {
        let tags = vec![
            ("team".to_string(), "data".to_string()),
            (
                TAG_KEY.to_string(),
                "arn:aws:iam::1:role/access".to_string(),
            ),
        ];
        assert_eq!(
            tagged_role(&tags, "app").unwrap(),
            "arn:aws:iam::1:role/access"
        );
        let other_key = vec![("Role".to_string(), "arn:aws:iam::1:role/r".to_string())];
        assert_eq!(
            tagged_role(&other_key, "app").unwrap(),
            "arn:aws:iam::1:role/r"
        );
        let err = tagged_role(&[], "app").unwrap_err();
        assert!(err.to_string().contains("AccessRoleArn"), "{err}");
    }

    #[test]
    fn missing_workgroup_tag_names_the_property_to_set() {
        let err = tagged_application(&[], "arn:aws:athena:r:1:workgroup/w").unwrap_err();
        assert!(
            err.to_string().contains("CustomerIdcApplicationArn"),
            "{err}"
        );
    }
}
