//! `CredentialsProvider=JWT_TIP` (seed 000): trusted identity propagation with
//! the JWT the user gives (see `tip`).

use std::any::Any;

use crate::auth::flow::{BoxFuture, FlowContext, FlowSettings, FlowState};
use crate::auth::tip::{JwtSource, TipFlow, TipSettings};
use crate::config::Parser;
use crate::error::Result;
use crate::properties::Auth;
use crate::secret::Secret;

#[derive(Debug, Clone, PartialEq)]
pub struct JwtTipSettings {
    pub token: Secret,
    pub tip: TipSettings,
}

pub(crate) fn parse(p: &mut Parser) -> Option<JwtTipSettings> {
    Some(JwtTipSettings {
        token: super::jwt::jwt(p)?,
        tip: TipSettings::parse(p, Auth::JwtTip)?,
    })
}

impl FlowSettings for JwtTipSettings {
    fn name(&self) -> &'static str {
        "JWT_TIP"
    }

    fn user_name(&self) -> Option<&str> {
        Some(&self.tip.session_name)
    }

    fn identity_fields(&self) -> Vec<String> {
        let mut fields = vec![self.token.hashed()];
        fields.extend(self.tip.fields());
        fields
    }

    fn file_cache(&self) -> bool {
        self.tip.file_cache
    }

    fn new_state(&self) -> Box<dyn FlowState> {
        TipFlow::boxed(
            self.tip.clone(),
            Given {
                token: self.token.clone(),
            },
        )
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The user's JWT: the same one for every step.
#[derive(Debug)]
struct Given {
    token: Secret,
}

impl JwtSource for Given {
    fn jwt<'a>(
        &'a mut self,
        _: &'a FlowContext<'a>,
        _: bool,
    ) -> BoxFuture<'a, Result<(Secret, bool)>> {
        Box::pin(async move { Ok((self.token.clone(), false)) })
    }

    fn spent(&mut self) {}

    fn exchange_hint(&self) -> Option<&'static str> {
        Some(" Identity Center accepts each JWT once; if this token was exchanged before, supply a fresh JwtWebIdentityToken.")
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::config::{ConnectionConfig, Credentials};
    use crate::error::ErrorKind;

    use super::*;

    const TOKEN: &str = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";

    fn parse(url: &str) -> crate::error::Result<ConnectionConfig> {
        ConnectionConfig::from_url(url, &[])
    }

    #[test]
    fn jwt_tip_with_odbc_names_follows_the_workgroup_arn() {
        let c = parse(&format!("jdbc:athena://AuthenticationType=JWT_TIP;web_identity_token={TOKEN};WorkgroupArn=arn:aws:athena:us-west-2:111122223333:workgroup/tip;ApplicationRoleArn=arn:aws:iam::1:role/a;role_session_name=s;EnableTokenCaching=1")).unwrap();
        let Credentials::Federated(f) = &c.credentials else {
            panic!("{c:?}")
        };
        let s = &f.settings::<JwtTipSettings>().unwrap().tip;
        assert_eq!(s.duration, Duration::from_secs(900));
        assert!(s.file_cache);
        assert_eq!(c.workgroup, "tip");
        assert_eq!(c.region.as_deref(), Some("us-west-2"));
        // Seed 004: the tagged workgroup and the one queries run in may differ.
        let other = parse(&format!("jdbc:athena://AuthenticationType=JWT_TIP;web_identity_token={TOKEN};WorkgroupArn=arn:aws:athena:us-west-2:111122223333:workgroup/tip;Workgroup=reports;ApplicationRoleArn=arn:aws:iam::1:role/a;role_session_name=s")).unwrap();
        assert_eq!(other.workgroup, "reports");
    }

    #[test]
    fn jwt_tip_problems_name_the_property() {
        let err = parse("jdbc:athena://AuthenticationType=JWT_TIP;web_identity_token=not-a-jwt;Region=eu-west-1;WorkGroupArn=arn:aws:athena:us-west-2:1:workgroup/tip").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidProperties);
        let text = err.to_string();
        for needle in [
            "JwtWebIdentityToken is not a JWT",
            "ApplicationRoleArn is required for JWT_TIP",
            "JwtRoleSessionName is required",
            "Region 'eu-west-1' differs",
        ] {
            assert!(text.contains(needle), "missing {needle} in {text}");
        }
        assert!(!text.contains("not-a-jwt"), "{text}");
    }
}
