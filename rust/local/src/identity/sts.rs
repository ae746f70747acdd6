//! AWS STS (awsQuery protocol): form-encoded requests, XML responses.

use super::context::ContextError;
use super::jwt::TokenError;
use super::{now_ms, Caller, Identity, IssuedCredential, IDENTITY_CENTER_PROVIDER};
use crate::config::RoleConfig;
use crate::errors::ApiError;
use std::collections::{BTreeMap, HashMap};

const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
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

/// STS names for the SigV4 failures (`InvalidClientTokenId`, ...).
pub fn auth_error(e: ApiError) -> ApiError {
    let code = match e.error_type {
        "UnrecognizedClientException" => "InvalidClientTokenId",
        "InvalidSignatureException" => "SignatureDoesNotMatch",
        "MissingAuthenticationTokenException" => "MissingAuthenticationToken",
        "IncompleteSignatureException" => "IncompleteSignature",
        other => other,
    };
    ApiError {
        error_type: code,
        ..e
    }
}

fn token_error(e: TokenError) -> ApiError {
    let message = format!("Invalid web identity token: {e}");
    match e {
        TokenError::Expired(_) => ApiError::new(400, "ExpiredTokenException", message),
        TokenError::Unreachable(_) => ApiError::new(400, "IDPCommunicationError", message),
        _ => ApiError::new(400, "InvalidIdentityToken", message),
    }
}

fn percent_decode_form(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// `application/x-www-form-urlencoded` body to a map (last value wins).
pub fn parse_form(body: &[u8]) -> Result<HashMap<String, String>, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::new(400, "MalformedQueryString", "The request body is not UTF-8"))?;
    let mut out = HashMap::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (Some(k), Some(v)) = (percent_decode_form(k), percent_decode_form(v)) else {
            return Err(ApiError::new(
                400,
                "MalformedQueryString",
                "The request body is not valid form encoding",
            ));
        };
        out.insert(k, v);
    }
    Ok(out)
}

pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn el(name: &str, value: &str) -> String {
    format!("<{name}>{}</{name}>", xml_escape(value))
}

pub fn success_xml(action: &str, result: &str, request_id: &str) -> String {
    format!(
        "<{action}Response xmlns=\"{NAMESPACE}\"><{action}Result>{result}</{action}Result><ResponseMetadata>{}</ResponseMetadata></{action}Response>",
        el("RequestId", request_id)
    )
}

pub fn error_xml(e: &ApiError, request_id: &str) -> String {
    let kind = if e.status >= 500 {
        "Receiver"
    } else {
        "Sender"
    };
    format!(
        "<ErrorResponse xmlns=\"{NAMESPACE}\"><Error>{}{}{}</Error>{}</ErrorResponse>",
        el("Type", kind),
        el("Code", e.error_type),
        el("Message", &e.message),
        el("RequestId", request_id)
    )
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

impl Identity {
    /// Runs one STS action; returns the inner `<ActionResult>` XML.
    pub async fn sts(
        &self,
        action: &str,
        params: &HashMap<String, String>,
        caller: Option<&Caller>,
    ) -> Result<String, ApiError> {
        match (action, caller) {
            ("AssumeRoleWithWebIdentity", _) => self.assume_role_with_web_identity(params).await,
            ("AssumeRole", Some(c)) => self.assume_role(params, c),
            ("GetCallerIdentity", Some(c)) => Ok(format!(
                "{}{}{}",
                el("Arn", &c.arn),
                el("UserId", &c.user_id),
                el("Account", &self.account)
            )),
            ("", _) => Err(ApiError::new(400, "MissingAction", "Missing Action")),
            (other, _) => Err(ApiError::new(
                400,
                "InvalidAction",
                format!("Could not find operation {other} for version 2011-06-15 (athena-local implements AssumeRoleWithWebIdentity, AssumeRole, GetCallerIdentity)"),
            )),
        }
    }

    async fn assume_role_with_web_identity(
        &self,
        params: &HashMap<String, String>,
    ) -> Result<String, ApiError> {
        let role_arn = required(params, "RoleArn")?;
        let session = session_name(params)?;
        let token = required(params, "WebIdentityToken")?;
        let now = chrono::Utc::now();
        let verified = self
            .verifier
            .verify(
                token,
                &self.all_issuers(),
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
        let role = self.role(role_arn).ok_or_else(|| {
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
        let cred = self.issue(role_arn, session, secs, None, now.timestamp_millis())?;
        Ok(format!(
            "{}{}{}{}",
            el("SubjectFromWebIdentityToken", &verified.subject),
            el("Audience", &verified.audience),
            credentials_xml(&cred),
            el("Provider", &verified.issuer.url),
        ))
    }

    fn assume_role(
        &self,
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
        let role = self
            .role(role_arn)
            .ok_or_else(|| denied("the role does not exist in [[identity.roles]]".into()))?;
        let root = format!("arn:aws:iam::{}:root", self.account);
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
            let ctx = self
                .sealer
                .open(&assertion, now.div_euclid(1000))
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
        let cred = self.issue(role_arn, session, secs, identity_context, now)?;
        Ok(credentials_xml(&cred))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_and_xml() {
        let f = parse_form(b"Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fx&A=b+c&E=")
            .unwrap();
        assert_eq!(f["RoleArn"], "arn:aws:iam::1:role/x");
        assert_eq!(f["A"], "b c");
        assert_eq!(f["E"], "");
        assert!(parse_form(b"a=%zz").is_err());
        assert!(parse_form(b"a=%4").is_err());
        assert_eq!(xml_escape("<a&'\">"), "&lt;a&amp;&apos;&quot;&gt;");
        let e = ApiError::new(403, "AccessDenied", "no <way>");
        let x = error_xml(&e, "rid");
        assert!(x.contains("<Code>AccessDenied</Code><Message>no &lt;way&gt;</Message>"));
        assert!(x.contains("<Type>Sender</Type>"));
        assert_eq!(
            auth_error(ApiError::unrecognized_client()).error_type,
            "InvalidClientTokenId"
        );
    }

    #[test]
    fn durations_and_names() {
        let role = RoleConfig {
            arn: "arn:aws:iam::111122223333:role/r".into(),
            trusted_issuers: vec![],
            trusted_principals: vec![],
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
