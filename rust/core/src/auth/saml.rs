//! The SAML core every SAML flow shares: the identity provider's
//! `SAMLResponse` is read for the roles it offers and its session attributes,
//! one role is chosen, and STS `AssumeRoleWithSAML` (or Lake Formation's
//! `AssumeDecoratedRoleWithSAML`) trades the response for credentials. The
//! flows differ only in how they get a response (`SamlSource`).

use std::fmt;
use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::credentials::{drop_if_holding, epoch_seconds, fresh};
use super::flow::{BoxFuture, FlowContext, FlowState};
use super::{duration_seconds, file_cache, step_error, TemporaryCredentials};
use crate::config::Parser;
use crate::error::{Error, ErrorKind, Result};
use crate::log::Logger;
use crate::secret::Secret;

const ROLE_ATTRIBUTE: &str = "https://aws.amazon.com/SAML/Attributes/Role";
const SESSION_NAME_ATTRIBUTE: &str = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";
const SESSION_DURATION_ATTRIBUTE: &str = "https://aws.amazon.com/SAML/Attributes/SessionDuration";
const ASSERTION_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const PROTOCOL_NS: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
/// Session length when neither RoleSessionDuration nor the assertion's
/// SessionDuration attribute says otherwise (the official drivers' default).
const DEFAULT_DURATION: Duration = Duration::from_secs(3600);
/// Clock skew tolerated on the assertion's times.
const LEEWAY: Duration = Duration::from_secs(60);

/// What every SAML flow takes besides its way to the identity provider.
#[derive(Debug, Clone, PartialEq)]
pub struct SamlSettings {
    pub preferred_role: Option<String>,
    /// RoleSessionDuration when given; else the assertion's, else an hour.
    pub duration: Option<Duration>,
    pub lake_formation: bool,
    pub lake_formation_endpoint: Option<String>,
    /// `EnableTokenCaching` (ODBC `okta_cache`, `browser_azure_cache`): the
    /// credentials (and a refresh token) also kept in the 0600 file cache.
    pub file_cache: bool,
}

impl SamlSettings {
    pub(crate) fn parse(p: &mut Parser) -> SamlSettings {
        SamlSettings {
            preferred_role: p.text("PreferredRole"),
            duration: p
                .given("RoleSessionDuration")
                .then(|| Duration::from_secs(p.integer("RoleSessionDuration") as u64)),
            lake_formation: p.boolean("LakeFormationEnabled"),
            lake_formation_endpoint: p.text("LakeFormationEndpoint"),
            file_cache: p.boolean("JwtTipFileCache"),
        }
    }

    /// Part of the flows' identity fields (the file cache's key).
    pub(crate) fn fields(&self) -> Vec<String> {
        vec![
            self.preferred_role.clone().unwrap_or_default(),
            self.duration
                .map(|d| d.as_secs().to_string())
                .unwrap_or_default(),
            self.lake_formation.to_string(),
            self.lake_formation_endpoint.clone().unwrap_or_default(),
        ]
    }
}

/// One role the assertion offers, with the SAML provider that vouches for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolePair {
    pub role_arn: String,
    pub provider_arn: String,
}

/// What the driver reads from a `SAMLResponse` (the response itself stays secret).
#[derive(Debug)]
pub struct SamlResponse {
    /// Base64 of the response, as STS takes it.
    pub encoded: Secret,
    pub roles: Vec<RolePair>,
    pub session_name: Option<String>,
    pub session_duration: Option<Duration>,
    /// Where the identity provider meant the response to go.
    pub recipient: Option<String>,
    pub not_before: Option<SystemTime>,
    pub not_on_or_after: Option<SystemTime>,
}

impl SamlResponse {
    /// Reads a base64 `SAMLResponse` (line breaks and spaces allowed).
    pub fn parse(encoded: &str) -> Result<SamlResponse> {
        let compact: String = encoded.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = STANDARD
            .decode(compact.as_bytes())
            .map_err(|_| saml_error("the identity provider's SAMLResponse is not base64"))?;
        let xml = String::from_utf8(bytes)
            .map_err(|_| saml_error("the identity provider's SAMLResponse is not UTF-8 XML"))?;
        let doc = roxmltree::Document::parse(&xml).map_err(|e| {
            saml_error(&format!(
                "the identity provider's SAMLResponse is not XML ({e})"
            ))
        })?;
        let root = doc.root_element();
        if !is(root, PROTOCOL_NS, "Response") {
            return Err(saml_error(&format!(
                "the identity provider's answer is a {} element, not a SAML 2.0 Response",
                root.tag_name().name()
            )));
        }
        if let Some(code) = descendant(root, PROTOCOL_NS, "StatusCode")
            .and_then(|n| n.attribute("Value"))
            .filter(|v| *v != SUCCESS)
        {
            let message = descendant(root, PROTOCOL_NS, "StatusMessage")
                .and_then(|n| n.text())
                .map(|m| format!(": {}", m.trim()))
                .unwrap_or_default();
            return Err(Error::new(
                ErrorKind::Authentication,
                format!(
                    "the identity provider refused the sign-in ({}){message}",
                    code.rsplit(':').next().unwrap_or(code)
                ),
            ));
        }
        let Some(assertion) = root.children().find(|n| is(*n, ASSERTION_NS, "Assertion")) else {
            let why = if root
                .children()
                .any(|n| is(n, ASSERTION_NS, "EncryptedAssertion"))
            {
                "its assertion is encrypted, and the driver must read the Role attribute: turn off assertion encryption for the AWS application at the identity provider"
            } else {
                "it holds no assertion"
            };
            return Err(saml_error(&format!(
                "the identity provider's SAMLResponse cannot be used: {why}"
            )));
        };
        let mut roles = Vec::new();
        let mut session_name = None;
        let mut session_duration = None;
        for attribute in assertion
            .descendants()
            .filter(|n| is(*n, ASSERTION_NS, "Attribute"))
        {
            let values = attribute
                .children()
                .filter(|n| is(*n, ASSERTION_NS, "AttributeValue"))
                .filter_map(|n| n.text())
                .map(str::trim);
            match attribute.attribute("Name") {
                Some(ROLE_ATTRIBUTE) => roles.extend(values.filter_map(role_pair)),
                Some(SESSION_NAME_ATTRIBUTE) => {
                    session_name = values.into_iter().next().map(str::to_string)
                }
                Some(SESSION_DURATION_ATTRIBUTE) => {
                    session_duration = values
                        .into_iter()
                        .next()
                        .and_then(|v| v.parse::<u64>().ok())
                        .map(Duration::from_secs)
                }
                _ => {}
            }
        }
        roles.dedup();
        let confirmation = descendant(assertion, ASSERTION_NS, "SubjectConfirmationData");
        let conditions = descendant(assertion, ASSERTION_NS, "Conditions");
        let time = |node: Option<roxmltree::Node>, name: &str| {
            node.and_then(|n| n.attribute(name)).and_then(parse_time)
        };
        let not_on_or_after = [
            time(confirmation, "NotOnOrAfter"),
            time(conditions, "NotOnOrAfter"),
        ]
        .into_iter()
        .flatten()
        .min();
        Ok(SamlResponse {
            encoded: Secret::new(compact),
            roles,
            session_name,
            session_duration,
            recipient: confirmation
                .and_then(|n| n.attribute("Recipient"))
                .or_else(|| root.attribute("Destination"))
                .map(str::to_string),
            not_before: time(conditions, "NotBefore"),
            not_on_or_after,
        })
    }

    /// `PreferredRole` when the assertion offers it, the only role when it
    /// offers one; otherwise an error that lists what it offers.
    pub fn choose_role(&self, preferred: Option<&str>) -> Result<&RolePair> {
        let offered = || {
            self.roles
                .iter()
                .map(|r| r.role_arn.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match (preferred, self.roles.as_slice()) {
            (_, []) => Err(Error::new(
                ErrorKind::Authentication,
                format!("the SAML assertion has no {ROLE_ATTRIBUTE} attribute naming a role and a SAML provider (arn:aws:iam::ACCOUNT:role/NAME,arn:aws:iam::ACCOUNT:saml-provider/NAME): map the user to an AWS role at the identity provider"),
            )),
            (Some(preferred), roles) => roles
                .iter()
                .find(|r| r.role_arn == preferred)
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::Authentication,
                        format!(
                            "PreferredRole {preferred} is not among the roles the SAML assertion offers: {}",
                            offered()
                        ),
                    )
                }),
            (None, [one]) => Ok(one),
            (None, _) => Err(Error::new(
                ErrorKind::InvalidProperties,
                format!(
                    "the SAML assertion offers several roles; set PreferredRole to one of: {}",
                    offered()
                ),
            )),
        }
    }

    /// A response that reached the loopback listener without a `state` to
    /// match must be for AWS and still valid.
    pub fn check_for_aws(&self, now: SystemTime) -> Result<()> {
        if let Some(recipient) = &self.recipient {
            if !is_aws_sign_in(recipient) {
                return Err(saml_error(&format!(
                    "the SAML response is addressed to {recipient}, not to AWS's sign-in (https://signin.aws.amazon.com/saml): check the AWS application's ACS URL at the identity provider"
                )));
            }
        }
        if let Some(end) = self.not_on_or_after {
            if end + LEEWAY <= now {
                return Err(Error::new(
                    ErrorKind::Authentication,
                    format!(
                        "the SAML assertion expired at {} (Unix time); sign in again",
                        epoch_seconds(end)
                    ),
                ));
            }
        }
        if let Some(start) = self.not_before {
            if start > now + LEEWAY {
                return Err(Error::new(
                    ErrorKind::Authentication,
                    format!(
                        "the SAML assertion is valid only from {} (Unix time): check this machine's clock",
                        epoch_seconds(start)
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// AWS's SAML endpoints: global, Regional and China.
fn is_aws_sign_in(url: &str) -> bool {
    url::Url::parse(url).ok().is_some_and(|u| {
        let host = u.host_str().unwrap_or_default();
        u.scheme() == "https"
            && u.path() == "/saml"
            && (host == "signin.aws.amazon.com"
                || host.ends_with(".signin.aws.amazon.com")
                || host == "signin.amazonaws.cn"
                || host.ends_with(".signin.amazonaws.cn"))
    })
}

/// `role,provider` in either order (identity providers differ).
fn role_pair(value: &str) -> Option<RolePair> {
    let (a, b) = value.split_once(',')?;
    let (a, b) = (a.trim(), b.trim());
    let is_provider = |v: &str| v.starts_with("arn:") && v.contains(":saml-provider/");
    let is_role = |v: &str| v.starts_with("arn:") && v.contains(":role/");
    let (role, provider) = if is_role(a) && is_provider(b) {
        (a, b)
    } else if is_provider(a) && is_role(b) {
        (b, a)
    } else {
        return None;
    };
    Some(RolePair {
        role_arn: role.to_string(),
        provider_arn: provider.to_string(),
    })
}

fn is(node: roxmltree::Node, ns: &str, name: &str) -> bool {
    node.is_element() && node.tag_name().name() == name && node.tag_name().namespace() == Some(ns)
}

fn descendant<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
    ns: &str,
    name: &str,
) -> Option<roxmltree::Node<'a, 'i>> {
    node.descendants().find(|n| is(*n, ns, name))
}

fn parse_time(value: &str) -> Option<SystemTime> {
    aws_smithy_types::DateTime::from_str(
        value.trim(),
        aws_smithy_types::date_time::Format::DateTime,
    )
    .ok()
    .and_then(|t| SystemTime::try_from(t).ok())
}

fn saml_error(message: &str) -> Error {
    Error::new(ErrorKind::Authentication, message.to_string())
}

/// How a flow gets a `SAMLResponse` from its identity provider.
pub(crate) trait SamlSource: Send {
    /// A fresh response: by signing in again with the stored password, in
    /// the browser, or by running a program.
    fn response<'a>(&'a mut self, cx: &'a FlowContext<'a>) -> BoxFuture<'a, Result<SamlResponse>>;

    /// How the last response's sign-in ended (its role chosen, then STS or
    /// Lake Formation): browser flows tell the person's tab.
    fn finished(&mut self, _outcome: std::result::Result<(), &Error>) {}

    /// What renews the response without the person (Entra's refresh
    /// token), for the file cache.
    fn refresh_token(&self) -> Option<Secret> {
        None
    }

    /// The refresh token another process left in the file cache.
    fn restore(&mut self, _refresh_token: Option<Secret>) {}
}

/// What a SAML flow holds between calls: its credentials.
#[derive(Debug, Default)]
pub(crate) struct SamlState {
    credentials: Option<TemporaryCredentials>,
    /// The file cache was read (once per sign-in state).
    file_read: bool,
}

impl SamlState {
    pub(crate) fn forget(&mut self, access_key_id: &str, logger: &Logger) {
        if drop_if_holding(&mut self.credentials, access_key_id) {
            logger.info(|| {
                "AWS refused the session's credentials as expired before their time; signing in again"
                    .to_string()
            });
        }
    }

    pub(crate) fn holds_anything(&self) -> bool {
        self.credentials.is_some()
    }

    /// The held credentials while fresh, else a new response for new ones.
    pub(crate) async fn credentials(
        &mut self,
        cx: &FlowContext<'_>,
        flow: &str,
        s: &SamlSettings,
        source: &mut dyn SamlSource,
    ) -> Result<TemporaryCredentials> {
        if s.file_cache && !self.file_read {
            self.file_read = true;
            if let Some(entry) = file_cache::read(cx.file_key, cx.logger) {
                self.credentials = entry.access;
                source.restore(entry.refresh_token);
            }
        }
        if let Some(c) = fresh(&self.credentials) {
            return Ok(c.clone());
        }
        let response = source.response(cx).await?;
        let signed_in = self.sign_in(cx, flow, s, &response).await;
        source.finished(signed_in.as_ref().map(|_| ()));
        if let (true, Ok(c)) = (s.file_cache, &signed_in) {
            file_cache::write(
                cx.file_key,
                &file_cache::Entry {
                    access: Some(c.clone()),
                    refresh_token: source.refresh_token(),
                    ..Default::default()
                },
                cx.logger,
            );
        }
        signed_in
    }

    /// The response's role, traded at STS (or Lake Formation) for credentials.
    async fn sign_in(
        &mut self,
        cx: &FlowContext<'_>,
        flow: &str,
        s: &SamlSettings,
        response: &SamlResponse,
    ) -> Result<TemporaryCredentials> {
        let role = response.choose_role(s.preferred_role.as_deref())?;
        let duration = s
            .duration
            .or(response.session_duration)
            .unwrap_or(DEFAULT_DURATION);
        let c = if s.lake_formation {
            cx.logger.debug(|| {
                format!(
                    "{flow}: Lake Formation AssumeDecoratedRoleWithSAML as {}",
                    role.role_arn
                )
            });
            cx.services
                .assume_decorated_role_with_saml(
                    s.lake_formation_endpoint.as_deref(),
                    &role.role_arn,
                    &role.provider_arn,
                    &response.encoded,
                    duration_seconds(duration),
                )
                .await
        } else {
            cx.logger
                .debug(|| format!("{flow}: STS AssumeRoleWithSAML as {}", role.role_arn));
            cx.services
                .assume_role_with_saml(
                    &role.role_arn,
                    &role.provider_arn,
                    &response.encoded,
                    duration_seconds(duration),
                )
                .await
        }
        .map_err(|e| step_error(e, "the SAML step", "PreferredRole", &role.role_arn))?;
        cx.logger.info(|| {
            format!(
                "{flow}: signed in as {}; credentials expire at {}",
                role.role_arn,
                epoch_seconds(c.expiry)
            )
        });
        self.credentials = Some(c.clone());
        Ok(c)
    }
}

/// Every SAML flow's state: its credentials and where its responses come
/// from (a password sign-in, a browser, a program).
#[derive(Debug)]
pub(crate) struct SamlFlow<S> {
    flow: &'static str,
    settings: SamlSettings,
    state: SamlState,
    source: S,
}

impl<S: SamlSource + fmt::Debug + 'static> SamlFlow<S> {
    pub(crate) fn boxed(
        flow: &'static str,
        settings: SamlSettings,
        source: S,
    ) -> Box<dyn FlowState> {
        Box::new(SamlFlow {
            flow,
            settings,
            state: SamlState::default(),
            source,
        })
    }
}

impl<S: SamlSource + fmt::Debug> FlowState for SamlFlow<S> {
    fn credentials<'a>(
        &'a mut self,
        cx: &'a FlowContext<'a>,
    ) -> BoxFuture<'a, Result<TemporaryCredentials>> {
        Box::pin(
            self.state
                .credentials(cx, self.flow, &self.settings, &mut self.source),
        )
    }

    fn forget(&mut self, access_key_id: &str, logger: &Logger) {
        self.state.forget(access_key_id, logger);
    }

    fn holds_anything(&self) -> bool {
        self.state.holds_anything()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(attributes: &str, extra: &str) -> String {
        let xml = format!(
            r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" Destination="https://signin.aws.amazon.com/saml">
<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
<saml:Assertion ID="a1"><saml:Subject><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
<saml:SubjectConfirmationData NotOnOrAfter="2030-01-01T00:05:00Z" Recipient="https://signin.aws.amazon.com/saml"/></saml:SubjectConfirmation></saml:Subject>
<saml:Conditions NotBefore="2030-01-01T00:00:00.000Z" NotOnOrAfter="2030-01-01T01:00:00Z"/>{extra}
<saml:AttributeStatement>{attributes}</saml:AttributeStatement></saml:Assertion></samlp:Response>"#
        );
        STANDARD.encode(xml)
    }

    fn attribute(name: &str, values: &[&str]) -> String {
        let values: String = values
            .iter()
            .map(|v| format!("<saml:AttributeValue>{v}</saml:AttributeValue>"))
            .collect();
        format!(r#"<saml:Attribute Name="{name}">{values}</saml:Attribute>"#)
    }

    const ROLE_A: &str = "arn:aws:iam::111122223333:role/Analyst";
    const ROLE_B: &str = "arn:aws:iam::111122223333:role/Admin";
    const IDP: &str = "arn:aws:iam::111122223333:saml-provider/Corp";

    #[test]
    fn roles_in_either_order_and_session_attributes() {
        let attrs = [
            attribute(
                ROLE_ATTRIBUTE,
                &[&format!("{ROLE_A},{IDP}"), &format!("{IDP}, {ROLE_B}")],
            ),
            attribute(SESSION_NAME_ATTRIBUTE, &["alice@example.com"]),
            attribute(SESSION_DURATION_ATTRIBUTE, &["1800"]),
        ]
        .concat();
        let r = SamlResponse::parse(&response(&attrs, "")).unwrap();
        assert_eq!(r.roles.len(), 2);
        assert_eq!(r.roles[1].role_arn, ROLE_B);
        assert_eq!(r.roles[1].provider_arn, IDP);
        assert_eq!(r.session_name.as_deref(), Some("alice@example.com"));
        assert_eq!(r.session_duration, Some(Duration::from_secs(1800)));
        // The earlier of the two ends.
        assert_eq!(epoch_seconds(r.not_on_or_after.unwrap()), 1_893_456_300);
        assert_eq!(r.choose_role(Some(ROLE_B)).unwrap().role_arn, ROLE_B);
        let err = r.choose_role(None).unwrap_err().to_string();
        assert!(
            err.contains("PreferredRole") && err.contains(ROLE_A),
            "{err}"
        );
        let err = r
            .choose_role(Some("arn:aws:iam::1:role/Other"))
            .unwrap_err()
            .to_string();
        assert!(err.contains(ROLE_A) && err.contains(ROLE_B), "{err}");
    }

    #[test]
    fn no_role_attribute_says_what_to_map() {
        let r = SamlResponse::parse(&response("", "")).unwrap();
        let err = r.choose_role(None).unwrap_err().to_string();
        assert!(err.contains(ROLE_ATTRIBUTE), "{err}");
    }

    #[test]
    fn refusals_and_bad_input_are_clear_and_never_echo_the_response() {
        let refused = STANDARD.encode(r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"/><samlp:StatusMessage>locked out</samlp:StatusMessage></samlp:Status></samlp:Response>"#);
        let err = SamlResponse::parse(&refused).unwrap_err().to_string();
        assert!(
            err.contains("Responder") && err.contains("locked out"),
            "{err}"
        );
        let encrypted = STANDARD.encode(r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:EncryptedAssertion/></samlp:Response>"#);
        let err = SamlResponse::parse(&encrypted).unwrap_err().to_string();
        assert!(err.contains("encrypted"), "{err}");
        for bad in [
            "not base64 at all!",
            &STANDARD.encode("<html>sign in</html>"),
        ] {
            let err = SamlResponse::parse(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Authentication);
            assert!(!err.to_string().contains("sign in</html>"), "{err}");
        }
    }

    #[test]
    fn a_response_must_be_for_aws_and_still_valid() {
        let attrs = attribute(ROLE_ATTRIBUTE, &[&format!("{ROLE_A},{IDP}")]);
        let r = SamlResponse::parse(&response(&attrs, "")).unwrap();
        let t = |s: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
        r.check_for_aws(t(1_893_456_000)).unwrap();
        let err = r.check_for_aws(t(1_893_456_400)).unwrap_err().to_string();
        assert!(err.contains("expired"), "{err}");
        let err = r.check_for_aws(t(1_893_455_000)).unwrap_err().to_string();
        assert!(err.contains("clock"), "{err}");
        let xml = String::from_utf8(STANDARD.decode(response(&attrs, "")).unwrap()).unwrap();
        let elsewhere = STANDARD.encode(xml.replace("signin.aws.amazon.com", "evil.example.com"));
        let err = SamlResponse::parse(&elsewhere)
            .unwrap()
            .check_for_aws(t(1_893_456_000))
            .unwrap_err()
            .to_string();
        assert!(err.contains("evil.example.com"), "{err}");
        assert!(is_aws_sign_in(
            "https://us-east-1.signin.aws.amazon.com/saml"
        ));
        assert!(!is_aws_sign_in(
            "https://signin.aws.amazon.com.evil.com/saml"
        ));
    }
}
