//! `CredentialsProvider=BrowserSaml` (ODBC `AuthenticationType=BrowserSAML`):
//! the driver opens the AWS application's sign-in URL at the company's SAML
//! identity provider (`SsoLoginUrl`) in the browser, and the provider POSTs
//! its `SAMLResponse` (HTTP-POST binding) to the ACS URL registered for the
//! application: the loopback listener, `http://localhost:ListenPort/athena`.
//! An IdP-initiated sign-in has no state to match, so the listener takes a
//! response only when it is addressed to it (or to AWS's sign-in) and still
//! valid. SAML has no refresh: credentials near expiry open the browser again.
//! The tab that posted the response says whether STS then accepted it.

use std::any::Any;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::auth::browser::{self, Answer, Callback, Finish, Verdict};
use crate::auth::flow::{BoxFuture, FlowContext, FlowSettings, FlowState};
use crate::auth::saml::{SamlFlow, SamlResponse, SamlSettings, SamlSource};
use crate::config::Parser;
use crate::error::{Error, ErrorKind, Result};

/// Of a recipient that is not ours, this much is shown.
const RECIPIENT_SHOWN: usize = 200;

#[derive(Debug, Clone, PartialEq)]
pub struct BrowserSamlSettings {
    pub login_url: String,
    pub port: u16,
    pub response_timeout: Duration,
    pub saml: SamlSettings,
}

pub(crate) fn parse(p: &mut Parser) -> Option<BrowserSamlSettings> {
    Some(BrowserSamlSettings {
        login_url: p.text("SsoLoginUrl")?,
        port: u16::try_from(p.integer("ListenPort")).ok()?,
        response_timeout: Duration::from_secs(p.integer("IdpResponseTimeout") as u64),
        saml: SamlSettings::parse(p),
    })
}

impl FlowSettings for BrowserSamlSettings {
    fn name(&self) -> &'static str {
        "BrowserSaml"
    }

    /// The person is named by the identity provider, not by a setting.
    fn user_name(&self) -> Option<&str> {
        None
    }

    /// Whoever signs in at this URL, answering on this port.
    fn identity_fields(&self) -> Vec<String> {
        let mut fields = vec![self.login_url.clone(), self.port.to_string()];
        fields.extend(self.saml.fields());
        fields
    }

    fn other_fields(&self) -> Vec<String> {
        vec![self.response_timeout.as_secs().to_string()]
    }

    fn file_cache(&self) -> bool {
        self.saml.file_cache
    }

    fn new_state(&self) -> Box<dyn FlowState> {
        SamlFlow::boxed(
            "BrowserSaml",
            self.saml.clone(),
            BrowserSignIn {
                settings: self.clone(),
                finish: None,
            },
        )
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[derive(Debug)]
struct BrowserSignIn {
    settings: BrowserSamlSettings,
    /// The tab of the last response, until STS has answered.
    finish: Option<Finish>,
}

impl SamlSource for BrowserSignIn {
    /// The listener first (a taken port fails before the browser opens),
    /// then the browser, then the identity provider's POST.
    fn response<'a>(&'a mut self, cx: &'a FlowContext<'a>) -> BoxFuture<'a, Result<SamlResponse>> {
        Box::pin(async move {
            // A tab left from an abandoned sign-in gets the neutral page.
            self.finish = None;
            let s = &self.settings;
            let callback = Callback::bind(s.port, browser::LISTEN_PORT).await?;
            cx.logger.info(|| {
                format!(
                    "BrowserSaml: opening the browser at {}; the identity provider is to post the SAML response to {}",
                    s.login_url,
                    callback.redirect_uri()
                )
            });
            browser::open(&s.login_url)?;
            let (response, finish) =
                receive(callback, s.response_timeout, s.saml.preferred_role.clone()).await?;
            self.finish = Some(finish);
            cx.logger.debug(|| {
                format!(
                    "BrowserSaml: the identity provider posted a SAML response offering {} role(s)",
                    response.roles.len()
                )
            });
            Ok(response)
        })
    }

    fn finished(&mut self, outcome: std::result::Result<(), &Error>) {
        if let Some(finish) = self.finish.take() {
            finish.done(outcome);
        }
    }
}

/// Waits for the identity provider's POST. A response this sign-in cannot
/// use ends it with the reason, shown in the tab and in the error (with its
/// own kind: several roles is a setting to fix, not a refusal). An accepted
/// response comes with its tab's `Finish`.
async fn receive(
    callback: Callback,
    timeout: Duration,
    preferred_role: Option<String>,
) -> Result<(SamlResponse, Finish)> {
    let port = callback.port();
    let refusal: Arc<Mutex<Option<Error>>> = Arc::default();
    let kept = refusal.clone();
    let outcome = callback
        .wait_for(timeout, move |answer| {
            match read(answer, port, preferred_role.as_deref(), SystemTime::now()) {
                Ok(Some(response)) => Verdict::Accept(response),
                Ok(None) => Verdict::Ignore(
                    "it carries no SAMLResponse (the identity provider posts one to this address)"
                        .into(),
                ),
                Err(e) => {
                    let why = e.to_string();
                    *kept.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                    Verdict::Refuse(why)
                }
            }
        })
        .await;
    outcome.map_err(|e| {
        let refused = refusal.lock().unwrap_or_else(|p| p.into_inner()).take();
        match refused {
            Some(refused) => refused.prefix(&format!(
                "BrowserSaml: the SAML response posted to http://localhost:{port}/athena was refused: "
            )),
            None => e,
        }
    })
}

/// The response in one request to the listener: `None` when it carries no
/// `SAMLResponse` (a stray request, the browser's favicon).
fn read(
    answer: &Answer,
    port: u16,
    preferred_role: Option<&str>,
    now: SystemTime,
) -> Result<Option<SamlResponse>> {
    let Some(encoded) = answer.get("SAMLResponse") else {
        return Ok(None);
    };
    let mut response = SamlResponse::parse(encoded)?;
    check_addressed_here(&mut response, port, now)?;
    // Checked here too, so the tab says what the person's account lacks.
    response.choose_role(preferred_role)?;
    Ok(Some(response))
}

/// With no state to match, a response must be valid now and addressed to
/// this listener (`http://localhost:PORT/athena`, or 127.0.0.1, with or
/// without a trailing slash) or to AWS's sign-in.
pub(crate) fn check_addressed_here(
    response: &mut SamlResponse,
    port: u16,
    now: SystemTime,
) -> Result<()> {
    let recipient = response.recipient.take();
    // Without its recipient, the SAML core checks the validity window only.
    let window = response.check_for_aws(now);
    response.recipient = recipient;
    window?;
    match response.recipient.as_deref() {
        Some(r) if !is_this_callback(r, port) && response.check_for_aws(now).is_err() => {
            let shown: String = r.chars().take(RECIPIENT_SHOWN).collect();
            Err(Error::new(
                ErrorKind::Authentication,
                format!(
                    "the SAML response is addressed to {shown}, neither to this driver's http://localhost:{port}/athena (ListenPort {port}) nor to AWS's sign-in: set the AWS application's ACS URL at the identity provider to http://localhost:{port}/athena"
                ),
            ))
        }
        _ => Ok(()),
    }
}

fn is_this_callback(recipient: &str, port: u16) -> bool {
    url::Url::parse(recipient).ok().is_some_and(|u| {
        u.scheme() == "http"
            && matches!(
                u.host_str(),
                Some("localhost") | Some("127.0.0.1") | Some("[::1]")
            )
            && u.port_or_known_default() == Some(port)
            && matches!(u.path(), "/athena" | "/athena/")
    })
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;

    use super::*;
    use crate::auth::browser::test_support::send;
    use crate::config::{ConnectionConfig, Credentials};

    fn settings(url: &str) -> std::result::Result<BrowserSamlSettings, String> {
        let c = ConnectionConfig::from_url(url, &[]).map_err(|e| e.to_string())?;
        let Credentials::Federated(f) = &c.credentials else {
            return Err(format!("not federated: {c:?}"));
        };
        f.settings::<BrowserSamlSettings>()
            .cloned()
            .ok_or_else(|| "not BrowserSaml".into())
    }

    const ROLE: &str = "arn:aws:iam::111122223333:role/samlRole";
    const OTHER_ROLE: &str = "arn:aws:iam::111122223333:role/samlAnalystRole";
    const IDP: &str = "arn:aws:iam::111122223333:saml-provider/Corp";

    fn iso(t: SystemTime) -> String {
        aws_smithy_types::DateTime::from(t)
            .fmt(aws_smithy_types::date_time::Format::DateTime)
            .unwrap()
    }

    /// A response for `recipient`, valid from `start` for `seconds`.
    fn response(recipient: &str, start: SystemTime, seconds: u64, roles: &[&str]) -> String {
        let end = iso(start + Duration::from_secs(seconds));
        let start = iso(start);
        let values: String = roles
            .iter()
            .map(|r| format!("<saml:AttributeValue>{r},{IDP}</saml:AttributeValue>"))
            .collect();
        let xml = format!(
            r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" Destination="{recipient}"><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="a1"><saml:Subject><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{end}" Recipient="{recipient}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{start}" NotOnOrAfter="{end}"/><saml:AttributeStatement><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">{values}</saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>"#
        );
        STANDARD.encode(xml)
    }

    const URL: &str = "jdbc:athena://Region=us-east-1;CredentialsProvider=BrowserSaml;SsoLoginUrl=https://idp.corp.example/sso/saml?app=aws";

    #[test]
    fn jdbc_names_and_the_official_defaults() {
        let s = settings(URL).unwrap();
        assert_eq!(s.login_url, "https://idp.corp.example/sso/saml?app=aws");
        assert_eq!(s.port, 7890);
        assert_eq!(s.response_timeout, Duration::from_secs(120));
        assert_eq!(s.saml.preferred_role, None);
        let s = settings(&format!(
            "{URL};ListenPort=7777;IdpResponseTimeout=30;PreferredRole={ROLE};RoleSessionDuration=900"
        ))
        .unwrap();
        assert_eq!((s.port, s.response_timeout.as_secs()), (7777, 30));
        assert_eq!(s.saml.preferred_role.as_deref(), Some(ROLE));
        assert_eq!(s.saml.duration, Some(Duration::from_secs(900)));
    }

    #[test]
    fn odbc_names() {
        let s = settings(&format!("jdbc:athena://AwsRegion=us-east-1;AuthenticationType=BrowserSAML;login_url=https://idp/sso;listen_port=7001;timeout=45;preferred_role={ROLE};duration=1800")).unwrap();
        assert_eq!(s.login_url, "https://idp/sso");
        assert_eq!((s.port, s.response_timeout.as_secs()), (7001, 45));
        assert_eq!(s.saml.preferred_role.as_deref(), Some(ROLE));
        assert_eq!(s.saml.duration, Some(Duration::from_secs(1800)));
    }

    #[test]
    fn a_missing_or_wrong_setting_is_named() {
        let err =
            settings("jdbc:athena://Region=us-east-1;CredentialsProvider=BrowserSaml").unwrap_err();
        assert!(
            err.contains("SsoLoginUrl is required for BrowserSaml"),
            "{err}"
        );
        let err = settings("jdbc:athena://CredentialsProvider=BrowserSaml;SsoLoginUrl=idp/sso")
            .unwrap_err();
        assert!(err.contains("SsoLoginUrl must be an http"), "{err}");
        let err = settings(&format!("{URL};ListenPort=70000")).unwrap_err();
        assert!(err.contains("ListenPort"), "{err}");
    }

    #[test]
    fn only_this_callback_or_aws_may_be_the_recipient() {
        let now = SystemTime::now();
        let check = |recipient: &str| {
            let encoded = response(recipient, now, 300, &[ROLE]);
            check_addressed_here(&mut SamlResponse::parse(&encoded).unwrap(), 7890, now)
        };
        for ours in [
            "http://localhost:7890/athena",
            "http://127.0.0.1:7890/athena/",
            "https://signin.aws.amazon.com/saml",
        ] {
            check(ours).unwrap();
        }
        for foreign in [
            "http://localhost:7891/athena",
            "http://localhost:7890/redshift",
            "https://localhost:7890/athena",
            "https://evil.example.com/saml",
        ] {
            let err = check(foreign).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Authentication);
            let text = err.to_string();
            assert!(
                text.contains(foreign) && text.contains("http://localhost:7890/athena"),
                "{text}"
            );
        }
        // The recipient is kept for the SAML core.
        let mut r =
            SamlResponse::parse(&response("http://localhost:7890/athena", now, 300, &[ROLE]))
                .unwrap();
        check_addressed_here(&mut r, 7890, now).unwrap();
        assert_eq!(r.recipient.as_deref(), Some("http://localhost:7890/athena"));
    }

    #[test]
    fn a_stale_or_future_response_is_refused() {
        let now = SystemTime::now();
        let hour = Duration::from_secs(3600);
        let stale = response("http://localhost:7890/athena", now - hour, 300, &[ROLE]);
        let err =
            check_addressed_here(&mut SamlResponse::parse(&stale).unwrap(), 7890, now).unwrap_err();
        assert!(err.to_string().contains("expired"), "{err}");
        let future = response("http://localhost:7890/athena", now + hour, 300, &[ROLE]);
        let err = check_addressed_here(&mut SamlResponse::parse(&future).unwrap(), 7890, now)
            .unwrap_err();
        assert!(err.to_string().contains("clock"), "{err}");
    }

    #[tokio::test]
    async fn stray_requests_are_ignored_and_the_posted_response_is_taken() {
        let callback = Callback::bind(0, browser::LISTEN_PORT).await.unwrap();
        let port = callback.port();
        let waiting = tokio::spawn(receive(callback, Duration::from_secs(10), None));
        let get = send(port, "GET", "/athena", "").await;
        assert!(
            get.starts_with("HTTP/1.1 400") && get.contains("ignored"),
            "{get}"
        );
        let other = send(port, "POST", "/athena", "RelayState=x").await;
        assert!(other.contains("no SAMLResponse"), "{other}");
        let encoded = response(
            &format!("http://localhost:{port}/athena"),
            SystemTime::now(),
            300,
            &[ROLE],
        );
        let tab = tokio::spawn({
            let body = format!("SAMLResponse={encoded}");
            async move { send(port, "POST", "/athena", &body).await }
        });
        let (r, finish) = waiting.await.unwrap().unwrap();
        assert_eq!(r.roles[0].role_arn, ROLE);
        assert_eq!(r.encoded.expose(), encoded);
        finish.done(Ok(()));
        let page = tab.await.unwrap();
        assert!(page.contains("Sign-in finished"), "{page}");
        assert!(!page.contains(&encoded[..40]), "{page}");
    }

    #[tokio::test]
    async fn the_tab_says_how_sts_answered() {
        let callback = Callback::bind(0, browser::LISTEN_PORT).await.unwrap();
        let port = callback.port();
        let waiting = tokio::spawn(receive(callback, Duration::from_secs(10), None));
        let encoded = response(
            &format!("http://localhost:{port}/athena"),
            SystemTime::now(),
            300,
            &[ROLE],
        );
        let tab = tokio::spawn(async move {
            send(port, "POST", "/athena", &format!("SAMLResponse={encoded}")).await
        });
        let (_, finish) = waiting.await.unwrap().unwrap();
        let mut source = BrowserSignIn {
            settings: settings(URL).unwrap(),
            finish: Some(finish),
        };
        let sts = Error::new(
            ErrorKind::Authentication,
            "BrowserSaml: the SAML step failed: STS refused the assertion (signature invalid)",
        );
        source.finished(Err(&sts));
        let page = tab.await.unwrap();
        assert!(
            page.contains("Sign-in failed")
                && page.contains("STS refused the assertion (signature invalid)")
                && !page.contains("Sign-in finished"),
            "{page}"
        );
        // Told once: a later outcome has no tab left to tell.
        assert!(source.finish.is_none());
        source.finished(Ok(()));
    }

    /// A name, the response for a port, the error kind and text expected.
    type Case = (&'static str, fn(u16) -> String, ErrorKind, &'static str);

    #[tokio::test]
    async fn an_unusable_response_fails_the_sign_in_and_the_tab_says_why() {
        let cases: [Case; 4] = [
            (
                "foreign",
                |_| {
                    response(
                        "https://evil.example.com/acs",
                        SystemTime::now(),
                        300,
                        &[ROLE],
                    )
                },
                ErrorKind::Authentication,
                "addressed to https://evil.example.com/acs",
            ),
            (
                "not SAML",
                |_| STANDARD.encode("<html>hello</html>"),
                ErrorKind::Authentication,
                "not a SAML 2.0 Response",
            ),
            (
                "no role",
                |port| {
                    response(
                        &format!("http://127.0.0.1:{port}/athena"),
                        SystemTime::now(),
                        300,
                        &[],
                    )
                },
                ErrorKind::Authentication,
                "Attributes/Role",
            ),
            (
                "several roles",
                |port| {
                    response(
                        &format!("http://localhost:{port}/athena"),
                        SystemTime::now(),
                        300,
                        &[ROLE, OTHER_ROLE],
                    )
                },
                ErrorKind::InvalidProperties,
                "set PreferredRole to one of",
            ),
        ];
        for (name, make, kind, expected) in cases {
            let callback = Callback::bind(0, browser::LISTEN_PORT).await.unwrap();
            let port = callback.port();
            let waiting = tokio::spawn(receive(callback, Duration::from_secs(10), None));
            let encoded = make(port);
            let page = send(port, "POST", "/athena", &format!("SAMLResponse={encoded}")).await;
            assert!(
                page.contains("Sign-in failed") && page.contains(expected),
                "{name}: {page}"
            );
            let err = waiting.await.unwrap().unwrap_err();
            assert_eq!(err.kind(), kind, "{name}: {err}");
            let text = err.to_string();
            assert!(
                text.contains(expected) && text.contains("BrowserSaml"),
                "{name}: {text}"
            );
            assert!(!text.contains(&encoded[..20]), "{name}: {text}");
        }
    }

    #[tokio::test]
    async fn nobody_posting_is_a_timeout_naming_idp_response_timeout() {
        let callback = Callback::bind(0, browser::LISTEN_PORT).await.unwrap();
        let err = receive(callback, Duration::from_millis(200), None)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout);
        assert!(err.to_string().contains("IdpResponseTimeout"), "{err}");
    }
}
