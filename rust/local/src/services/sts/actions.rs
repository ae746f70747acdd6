//! The STS actions: form parameters in, the inner `<ActionResult>` XML out.

use super::el;
use crate::config::RoleConfig;
use crate::errors::ApiError;
use crate::identity::context::ContextError;
use crate::identity::jwt::TokenError;
use crate::identity::saml::SamlError;
use crate::identity::{now_ms, Caller, Identity, IssuedCredential, IDENTITY_CENTER_PROVIDER};
use std::collections::{BTreeMap, HashMap};

const MIN_DURATION: u64 = 900;
const MAX_DURATION: u64 = 43_200;
/// AWS caps sessions created with role-session credentials at one hour.
const ROLE_CHAINING_MAX: u64 = 3600;
const DEFAULT_DURATION: u64 = 3600;

fn validation(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "ValidationError", message)
}

fn access_denied(message: impl Into<String>) -> ApiError {
    ApiError::new(403, "AccessDenied", message)
}

fn invalid_parameter(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidParameterValue", message)
}

fn token_error(e: TokenError) -> ApiError {
    let message = format!("Invalid web identity token: {e}");
    match e {
        TokenError::Expired(_) => ApiError::new(400, "ExpiredTokenException", message),
        TokenError::Unreachable(_) => ApiError::new(400, "IDPCommunicationError", message),
        _ => ApiError::new(400, "InvalidIdentityToken", message),
    }
}

fn credentials_xml(c: &IssuedCredential) -> String {
    format!(
        "<Credentials>{}{}{}{}</Credentials><AssumedRoleUser>{}{}</AssumedRoleUser>",
        el("AccessKeyId", &c.access_key_id),
        el("SecretAccessKey", &c.secret_access_key),
        el("SessionToken", &c.session_token),
        el("Expiration", &c.expiration()),
        el("Arn", &c.assumed_role_arn),
        el("AssumedRoleId", &c.assumed_role_id),
    )
}

fn required<'a>(params: &'a HashMap<String, String>, name: &str) -> Result<&'a str, ApiError> {
    match params.get(name) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => {
            let mut member = name.to_string();
            if let Some(first) = member.get_mut(..1) {
                first.make_ascii_lowercase();
            }
            Err(validation(format!(
                "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
            )))
        }
    }
}

fn session_name(params: &HashMap<String, String>) -> Result<&str, ApiError> {
    let name = required(params, "RoleSessionName")?;
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
    if !(2..=64).contains(&name.len()) || !ok_chars {
        return Err(validation(format!(
            "1 validation error detected: Value '{name}' at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64 and satisfy regular expression pattern: [\\w+=,.@-]*"
        )));
    }
    Ok(name)
}

fn duration(
    params: &HashMap<String, String>,
    role: &RoleConfig,
    chained: bool,
) -> Result<u64, ApiError> {
    let Some(text) = params.get("DurationSeconds") else {
        return Ok(DEFAULT_DURATION.min(role.max_session_seconds));
    };
    let d: i64 = text
        .parse()
        .map_err(|_| validation(format!("DurationSeconds '{text}' is not an integer")))?;
    if d < MIN_DURATION as i64 {
        return Err(validation(format!(
            "1 validation error detected: Value '{d}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to {MIN_DURATION}"
        )));
    }
    let d = d as u64;
    if d > MAX_DURATION {
        return Err(validation(format!(
            "1 validation error detected: Value '{d}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to {MAX_DURATION}"
        )));
    }
    if d > role.max_session_seconds {
        return Err(validation(format!(
            "The requested DurationSeconds ({d}) exceeds the MaxSessionDuration ({}) set for role {}.",
            role.max_session_seconds, role.arn
        )));
    }
    if chained && d > ROLE_CHAINING_MAX {
        return Err(validation(format!(
            "The requested DurationSeconds ({d}) exceeds the 1 hour session limit for roles assumed by role chaining."
        )));
    }
    Ok(d)
}

/// One `ProvidedContexts` member: (ProviderArn, ContextAssertion).
type ProvidedContext = (Option<String>, Option<String>);

/// `ProvidedContexts.member.N.{ProviderArn,ContextAssertion}` in N order.
fn provided_contexts(params: &HashMap<String, String>) -> Result<Vec<ProvidedContext>, ApiError> {
    let mut by_index: BTreeMap<u32, ProvidedContext> = BTreeMap::new();
    for (k, v) in params {
        let Some(rest) = k.strip_prefix("ProvidedContexts.member.") else {
            continue;
        };
        let (n, field) = rest
            .split_once('.')
            .ok_or_else(|| invalid_parameter(format!("Unexpected parameter {k}")))?;
        let n: u32 = n
            .parse()
            .map_err(|_| invalid_parameter(format!("Unexpected parameter {k}")))?;
        let entry = by_index.entry(n).or_default();
        match field {
            "ProviderArn" => entry.0 = Some(v.clone()),
            "ContextAssertion" => entry.1 = Some(v.clone()),
            _ => return Err(invalid_parameter(format!("Unexpected parameter {k}"))),
        }
    }
    Ok(by_index.into_values().collect())
}

/// Runs one STS action; returns the inner `<ActionResult>` XML.
pub async fn run(
    identity: &Identity,
    action: &str,
    params: &HashMap<String, String>,
    caller: Option<&Caller>,
) -> Result<String, ApiError> {
    match (action, caller) {
        ("AssumeRoleWithWebIdentity", _) => assume_role_with_web_identity(identity, params).await,
        ("AssumeRoleWithSAML", _) => assume_role_with_saml(identity, params),
        ("AssumeRole", Some(c)) => assume_role(identity, params, c),
        ("GetCallerIdentity", Some(c)) => Ok(format!(
            "{}{}{}",
            el("Arn", &c.arn),
            el("UserId", &c.user_id),
            el("Account", identity.account())
        )),
        ("", _) => Err(ApiError::new(400, "MissingAction", "Missing Action")),
        (other, _) => Err(ApiError::new(
            400,
            "InvalidAction",
            format!("Could not find operation {other} for version 2011-06-15 (athena-local implements AssumeRoleWithWebIdentity, AssumeRoleWithSAML, AssumeRole, GetCallerIdentity)"),
        )),
    }
}

async fn assume_role_with_web_identity(
    identity: &Identity,
    params: &HashMap<String, String>,
) -> Result<String, ApiError> {
    let role_arn = required(params, "RoleArn")?;
    let session = session_name(params)?;
    let token = required(params, "WebIdentityToken")?;
    let now = chrono::Utc::now();
    let verified = identity
        .verify_token(
            token,
            &identity.all_issuers(),
            "this account (configure it in [[identity.issuers]] or use the test issuer)",
            now.timestamp(),
        )
        .await
        .map_err(token_error)?;
    let denied = |why: String| {
        access_denied(format!(
            "Not authorized to perform sts:AssumeRoleWithWebIdentity: {why}"
        ))
    };
    let role = identity.role(role_arn).ok_or_else(|| {
        denied(format!(
            "role {role_arn} does not exist ([[identity.roles]])"
        ))
    })?;
    let trusted = role
        .trusted_issuers
        .iter()
        .any(|i| i.trim_end_matches('/') == verified.issuer.name);
    if !trusted {
        return Err(denied(format!(
            "role {role_arn} does not trust issuer '{}'",
            verified.issuer.url
        )));
    }
    let secs = duration(params, role, false)?;
    let cred = identity.issue(role_arn, session, secs, None, now.timestamp_millis())?;
    Ok(format!(
        "{}{}{}{}",
        el("SubjectFromWebIdentityToken", &verified.subject),
        el("Audience", &verified.audience),
        credentials_xml(&cred),
        el("Provider", &verified.issuer.url),
    ))
}

fn assume_role_with_saml(
    identity: &Identity,
    params: &HashMap<String, String>,
) -> Result<String, ApiError> {
    let role_arn = required(params, "RoleArn")?;
    let principal_arn = required(params, "PrincipalArn")?;
    let assertion = required(params, "SAMLAssertion")?;
    let requested = params
        .get("DurationSeconds")
        .map(|d| {
            d.parse::<i64>()
                .map_err(|_| validation(format!("DurationSeconds '{d}' is not an integer")))
        })
        .transpose()?;
    let (cred, verified) = identity
        .saml_session(role_arn, principal_arn, assertion, requested, now_ms())
        .map_err(|e| match e {
            SamlError::Invalid(m) => ApiError::new(400, "InvalidIdentityToken", m),
            SamlError::Expired(m) => ApiError::new(400, "ExpiredTokenException", m),
            SamlError::Denied(m) => access_denied(m),
            SamlError::Validation(m) => validation(m),
        })?;
    Ok(format!(
        "{}{}{}{}{}",
        credentials_xml(&cred),
        el("Subject", &verified.subject),
        el("SubjectType", &verified.subject_type),
        el("Issuer", &verified.issuer),
        el("Audience", &verified.recipient),
    ))
}

fn assume_role(
    identity: &Identity,
    params: &HashMap<String, String>,
    caller: &Caller,
) -> Result<String, ApiError> {
    let role_arn = required(params, "RoleArn")?;
    let session = session_name(params)?;
    let denied = |why: String| {
        access_denied(format!(
            "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn} ({why})",
            caller.arn
        ))
    };
    let role = identity
        .role(role_arn)
        .ok_or_else(|| denied("the role does not exist in [[identity.roles]]".into()))?;
    let root = format!("arn:aws:iam::{}:root", identity.account());
    let trusted = role.trusted_principals.iter().any(|p| {
        p == "*" || *p == root || *p == caller.arn || caller.role_arn.as_deref() == Some(p)
    });
    if !trusted {
        return Err(denied(format!(
            "the role's trusted_principals do not include {}",
            caller.role_arn.as_deref().unwrap_or(&caller.arn)
        )));
    }
    let secs = duration(params, role, !caller.is_static)?;
    let contexts = provided_contexts(params)?;
    if contexts.len() > 1 {
        return Err(invalid_parameter(
            "ProvidedContexts may hold one IdentityCenter context",
        ));
    }
    let now = now_ms();
    let mut identity_context = None;
    if let Some((provider, assertion)) = contexts.into_iter().next() {
        let provider = provider.ok_or_else(|| {
            invalid_parameter("ProvidedContexts.member.1.ProviderArn is required")
        })?;
        if provider != IDENTITY_CENTER_PROVIDER {
            return Err(invalid_parameter(format!(
                "ProvidedContexts ProviderArn '{provider}' is not supported; the provider must be {IDENTITY_CENTER_PROVIDER}"
            )));
        }
        let assertion = assertion.filter(|a| !a.is_empty()).ok_or_else(|| {
            invalid_parameter("ProvidedContexts.member.1.ContextAssertion is required")
        })?;
        let ctx = identity
            .open_context(&assertion, now.div_euclid(1000))
            .map_err(|e| match e {
                ContextError::Malformed => invalid_parameter(format!(
                    "Invalid ProvidedContexts ContextAssertion: {e} (it must be the sts:identity_context of a CreateTokenWithIAM id token)"
                )),
                ContextError::Forged => access_denied(format!("Invalid ProvidedContexts ContextAssertion: {e}")),
                ContextError::Expired(_) => ApiError::new(
                    400,
                    "ExpiredTokenException",
                    format!("Invalid ProvidedContexts ContextAssertion: {e}"),
                ),
            })?;
        identity_context = Some(ctx);
    }
    let cred = identity.issue(role_arn, session, secs, identity_context, now)?;
    Ok(credentials_xml(&cred))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_names() {
        let role = RoleConfig {
            arn: "arn:aws:iam::111122223333:role/r".into(),
            trusted_issuers: vec![],
            trusted_principals: vec![],
            trusted_saml_providers: vec![],
            max_session_seconds: 7200,
        };
        let p = |d: &str| HashMap::from([("DurationSeconds".to_string(), d.to_string())]);
        assert_eq!(duration(&HashMap::new(), &role, false).unwrap(), 3600);
        assert_eq!(duration(&p("7200"), &role, false).unwrap(), 7200);
        assert!(duration(&p("7201"), &role, false).is_err());
        assert!(duration(&p("899"), &role, false).is_err());
        assert!(duration(&p("x"), &role, false).is_err());
        assert!(duration(&p("3601"), &role, true).is_err());
        let n = |s: &str| HashMap::from([("RoleSessionName".to_string(), s.to_string())]);
        assert!(session_name(&n("ok-name@x.y")).is_ok());
        assert!(session_name(&n("a")).is_err());
        assert!(session_name(&n("sp ace")).is_err());
        let ctx = HashMap::from([
            (
                "ProvidedContexts.member.1.ProviderArn".to_string(),
                "p".to_string(),
            ),
            (
                "ProvidedContexts.member.1.ContextAssertion".to_string(),
                "c".to_string(),
            ),
        ]);
        assert_eq!(
            provided_contexts(&ctx).unwrap(),
            vec![(Some("p".to_string()), Some("c".to_string()))]
        );
    }
}
