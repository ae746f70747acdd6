//! `CredentialsProvider=Okta`: Okta's Authentication API with the user's
//! password (`POST /api/v1/authn`), the second factor when Okta asks for one
//! (a TOTP code from Google Authenticator or Okta Verify, an Okta Verify push
//! polled for `OktaMfaWaitTime`, or an SMS code), then the AWS app's sign-on
//! link (`/app/OktaAppName/OktaAppId/sso/saml?onetimetoken=…`), whose page
//! holds the `SAMLResponse` for the SAML core. Renewal signs in again.
//!
//! A JDBC driver has no console to type a code into: codes come from
//! `MfaCodeCommand`, a program that prints one (a dialog such as `zenity
//! --entry` on a desktop, `oathtool --totp` headless), run each time Okta
//! asks.

use std::any::Any;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::auth::flow::{BoxFuture, FlowContext, FlowSettings, FlowState};
use crate::auth::saml::{SamlFlow, SamlResponse, SamlSettings, SamlSource};
use crate::config::Parser;
use crate::error::{describe_chain, Error, ErrorKind, Result};
use crate::secret::Secret;

/// Okta's own app name for the AWS Account Federation app.
pub const DEFAULT_APP_NAME: &str = "amazon_aws";
const DEFAULT_WAIT: u64 = 60;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Okta asks clients to poll a push no faster than this.
const PUSH_POLL: Duration = Duration::from_secs(1);
/// A code program may take this long (a person typing into a dialog).
const CODE_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MfaType {
    /// `token:software:totp` from the given provider (GOOGLE or OKTA).
    Totp(&'static str),
    Push,
    Sms,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OktaSettings {
    /// `https://HOST[:PORT]`; `http://` only for a loopback test server.
    pub base_url: String,
    pub app_id: String,
    pub app_name: String,
    pub user: String,
    pub password: Secret,
    pub mfa: Option<MfaType>,
    pub phone_number: Option<String>,
    pub wait: Duration,
    /// The code program and its arguments (may hold a TOTP seed: secret).
    pub code_command: Option<Vec<Secret>>,
    pub saml: SamlSettings,
}

fn mfa_type(value: &str) -> Option<MfaType> {
    let v: String = value
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    Some(match v.as_str() {
        "googleauthenticator" | "google" => MfaType::Totp("GOOGLE"),
        "oktaverifywithtotp" | "oktaverify" | "totp" => MfaType::Totp("OKTA"),
        "oktaverifywithpush" | "push" => MfaType::Push,
        "smsauthentication" | "sms" => MfaType::Sms,
        _ => return None,
    })
}

pub(crate) fn parse(p: &mut Parser) -> Option<OktaSettings> {
    let mfa = match p.text("OktaMfaType") {
        None => None,
        Some(v) => match mfa_type(&v) {
            Some(t) => Some(t),
            None => {
                p.problem(format!("OktaMfaType {v} is not one of: Google Authenticator, Okta Verify with TOTP, Okta Verify with Push, SMS Authentication"));
                return None;
            }
        },
    };
    let code_command = match p.value("MfaCodeCommand") {
        None => None,
        Some(command) => match shlex::split(command) {
            Some(words) if !words.is_empty() => Some(words.into_iter().map(Secret::new).collect()),
            _ => {
                p.problem(
                    "MfaCodeCommand is empty or has an unclosed quote (value not shown)".into(),
                );
                return None;
            }
        },
    };
    Some(OktaSettings {
        base_url: crate::auth::form_sign_in::idp_base_url(p, "OktaHostName", "IdpPort")?,
        app_id: p.text("OktaAppId")?,
        app_name: p
            .text("OktaAppName")
            .unwrap_or_else(|| DEFAULT_APP_NAME.into()),
        user: p.text("User")?,
        password: Secret::new(p.value("Password")?.to_string()),
        mfa,
        phone_number: p.text("OktaPhoneNumber"),
        wait: Duration::from_secs(if p.given("OktaMfaWaitTime") {
            p.integer("OktaMfaWaitTime") as u64
        } else {
            DEFAULT_WAIT
        }),
        code_command,
        saml: {
            let mut saml = SamlSettings::parse(p);
            // ODBC's name for EnableTokenCaching in this flow.
            saml.file_cache |= p.boolean("okta_cache");
            saml
        },
    })
}

impl FlowSettings for OktaSettings {
    fn name(&self) -> &'static str {
        "Okta"
    }

    fn user_name(&self) -> Option<&str> {
        Some(&self.user)
    }

    fn identity_fields(&self) -> Vec<String> {
        let mut fields = vec![
            self.base_url.clone(),
            self.app_name.clone(),
            self.app_id.clone(),
            self.user.clone(),
        ];
        fields.extend(self.saml.fields());
        fields
    }

    fn other_fields(&self) -> Vec<String> {
        let mut fields = vec![
            self.password.hashed(),
            format!("{:?}", self.mfa),
            self.phone_number.clone().unwrap_or_default(),
            self.wait.as_secs().to_string(),
        ];
        fields.extend(self.code_command.iter().flatten().map(Secret::hashed));
        fields
    }

    fn file_cache(&self) -> bool {
        self.saml.file_cache
    }

    fn new_state(&self) -> Box<dyn FlowState> {
        SamlFlow::boxed(
            "Okta",
            self.saml.clone(),
            OktaSignIn {
                settings: self.clone(),
            },
        )
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[derive(Debug)]
struct OktaSignIn {
    settings: OktaSettings,
}

fn refused(message: String) -> Error {
    Error::new(
        ErrorKind::Authentication,
        format!("Okta sign-in refused: {message}"),
    )
}

/// Okta's `errorSummary` (and code) of an error answer.
fn okta_error(json: &Value) -> String {
    format!(
        "{} ({})",
        json["errorSummary"].as_str().unwrap_or("no summary"),
        json["errorCode"].as_str().unwrap_or("no code")
    )
}

impl OktaSignIn {
    async fn post(&self, http: &reqwest::Client, url: &str, body: &Value) -> Result<(u16, Value)> {
        let unreachable = |e: reqwest::Error| {
            Error::new(
                ErrorKind::Transient,
                format!("Okta ({url}) could not be reached: {}", describe_chain(&e)),
            )
        };
        let response = http
            .post(url)
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(unreachable)?;
        let json = serde_json::from_slice(&bytes).map_err(|_| {
            Error::new(
                ErrorKind::Authentication,
                format!("Okta ({url}) answered HTTP {status} without JSON: check OktaHostName"),
            )
        })?;
        Ok((status, json))
    }

    /// The session token, after the password and the second factor.
    async fn session_token(&self, http: &reqwest::Client, cx: &FlowContext<'_>) -> Result<Secret> {
        let s = &self.settings;
        let url = format!("{}/api/v1/authn", s.base_url);
        let (status, answer) = self
            .post(
                http,
                &url,
                &json!({"username": s.user, "password": s.password.expose()}),
            )
            .await?;
        if status == 401 {
            return Err(refused(format!(
                "wrong user name or password for {}: {}",
                s.user,
                okta_error(&answer)
            )));
        }
        if status >= 400 {
            return Err(refused(okta_error(&answer)));
        }
        let mut answer = answer;
        loop {
            match answer["status"].as_str().unwrap_or_default() {
                "SUCCESS" => {
                    return answer["sessionToken"]
                        .as_str()
                        .map(|t| Secret::new(t.to_string()))
                        .ok_or_else(|| refused("SUCCESS without a sessionToken".into()))
                }
                "LOCKED_OUT" => {
                    return Err(refused(format!("the account {} is locked out", s.user)))
                }
                "PASSWORD_EXPIRED" => {
                    return Err(refused(format!(
                        "the password of {} has expired; change it at Okta",
                        s.user
                    )))
                }
                "MFA_ENROLL" => {
                    return Err(refused(format!(
                        "{} must first enroll a second factor at Okta",
                        s.user
                    )))
                }
                "MFA_REQUIRED" => answer = self.second_factor(http, cx, &answer).await?,
                other => {
                    return Err(refused(format!(
                        "Okta answered status {other:?}, which this driver cannot continue"
                    )))
                }
            }
        }
    }

    /// Verifies the factor `OktaMfaType` chooses among those Okta lists.
    async fn second_factor(
        &self,
        http: &reqwest::Client,
        cx: &FlowContext<'_>,
        answer: &Value,
    ) -> Result<Value> {
        let s = &self.settings;
        let factors = answer["_embedded"]["factors"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let offered = || {
            factors
                .iter()
                .map(|f| {
                    format!(
                        "{} ({})",
                        f["factorType"].as_str().unwrap_or("?"),
                        f["provider"].as_str().unwrap_or("?")
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let Some(mfa) = s.mfa else {
            return Err(Error::new(
                ErrorKind::InvalidProperties,
                format!(
                    "Okta asks {} for a second factor: set OktaMfaType (offered: {})",
                    s.user,
                    offered()
                ),
            ));
        };
        let factor = factors
            .iter()
            .find(|f| {
                let t = f["factorType"].as_str().unwrap_or_default();
                let provider = f["provider"].as_str().unwrap_or_default();
                match mfa {
                    MfaType::Totp(p) => t == "token:software:totp" && provider == p,
                    MfaType::Push => t == "push",
                    MfaType::Sms => {
                        t == "sms"
                            && s.phone_number.as_deref().is_none_or(|n| {
                                let digits = |v: &str| {
                                    v.chars().filter(char::is_ascii_digit).collect::<String>()
                                };
                                digits(f["profile"]["phoneNumber"].as_str().unwrap_or_default())
                                    .ends_with(&digits(n))
                            })
                    }
                }
            })
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidProperties,
                    format!(
                        "OktaMfaType {mfa:?} is not among the factors Okta offers {}: {}",
                        s.user,
                        offered()
                    ),
                )
            })?;
        let verify = factor["_links"]["verify"]["href"]
            .as_str()
            .ok_or_else(|| refused("the factor has no verify link".into()))?
            .to_string();
        let state_token = answer["stateToken"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        cx.logger
            .debug(|| format!("Okta: second factor {mfa:?} for {}", s.user));
        match mfa {
            MfaType::Push => self.push(http, &verify, &state_token).await,
            MfaType::Totp(_) | MfaType::Sms => {
                if mfa == MfaType::Sms {
                    // The first call sends the text message.
                    let (status, sent) = self
                        .post(http, &verify, &json!({"stateToken": state_token}))
                        .await?;
                    if status >= 400 {
                        return Err(refused(format!(
                            "the SMS could not be sent: {}",
                            okta_error(&sent)
                        )));
                    }
                }
                let code = self.code().await?;
                let (status, verified) = self
                    .post(
                        http,
                        &verify,
                        &json!({"stateToken": state_token, "passCode": code.expose()}),
                    )
                    .await?;
                if status >= 400 {
                    return Err(refused(format!(
                        "the MFA code was not accepted: {}",
                        okta_error(&verified)
                    )));
                }
                Ok(verified)
            }
        }
    }

    /// Polls an Okta Verify push until the person answers or the wait ends.
    async fn push(&self, http: &reqwest::Client, verify: &str, state_token: &str) -> Result<Value> {
        let s = &self.settings;
        let started = Instant::now();
        loop {
            let (status, answer) = self
                .post(http, verify, &json!({"stateToken": state_token}))
                .await?;
            if status >= 400 {
                return Err(refused(format!(
                    "the push could not be verified: {}",
                    okta_error(&answer)
                )));
            }
            match answer["factorResult"].as_str() {
                Some("WAITING") if started.elapsed() + PUSH_POLL < s.wait => {
                    tokio::time::sleep(PUSH_POLL).await
                }
                Some("WAITING") | Some("TIMEOUT") => {
                    return Err(refused(format!(
                        "the Okta Verify push to {} was not answered within {} s (OktaMfaWaitTime)",
                        s.user,
                        s.wait.as_secs()
                    )))
                }
                Some("REJECTED") => {
                    return Err(refused(format!("{} rejected the Okta Verify push", s.user)))
                }
                _ => return Ok(answer),
            }
        }
    }

    /// The code `MfaCodeCommand` prints.
    async fn code(&self) -> Result<Secret> {
        let Some(command) = self.settings.code_command.clone() else {
            return Err(Error::new(
                ErrorKind::InvalidProperties,
                "Okta asks for a code: set MfaCodeCommand to a program that prints it (a dialog such as zenity --entry, or oathtool --totp headless)",
            ));
        };
        let output = tokio::task::spawn_blocking(move || {
            let (program, arguments) = command
                .split_first()
                .map(|(p, a)| (p.expose().to_string(), a.to_vec()))
                .unwrap_or_default();
            crate::auth::program::run("MfaCodeCommand", &program, &arguments, CODE_TIMEOUT)
        })
        .await
        .map_err(|e| Error::internal(format!("the code program's task failed: {e}")))??;
        let code = output.trim().to_string();
        if code.is_empty() {
            return Err(Error::new(
                ErrorKind::Authentication,
                "MfaCodeCommand printed no code",
            ));
        }
        Ok(Secret::new(code))
    }

    /// The SAMLResponse on the app link's page.
    async fn saml_response(
        &self,
        http: &reqwest::Client,
        session_token: &Secret,
    ) -> Result<SamlResponse> {
        let s = &self.settings;
        let url = format!("{}/app/{}/{}/sso/saml", s.base_url, s.app_name, s.app_id);
        let unreachable = |e: reqwest::Error| {
            Error::new(
                ErrorKind::Transient,
                format!("Okta ({url}) could not be reached: {}", describe_chain(&e)),
            )
        };
        let mut link = url::Url::parse(&url).map_err(|e| {
            Error::new(
                ErrorKind::InvalidProperties,
                format!("Okta app link {url}: {e}"),
            )
        })?;
        link.query_pairs_mut()
            .append_pair("onetimetoken", session_token.expose());
        let response = http.get(link).send().await.map_err(unreachable)?;
        let status = response.status().as_u16();
        let page = response.text().await.map_err(unreachable)?;
        let value = crate::auth::html_form::saml_response(&page).ok_or_else(|| {
            refused(format!(
                "the app link {url} answered HTTP {status} without a SAMLResponse: check OktaAppId and OktaAppName, and that {} is assigned to the app",
                s.user
            ))
        })?;
        SamlResponse::parse(&value).map_err(|e| e.prefix("Okta: "))
    }
}

impl SamlSource for OktaSignIn {
    fn response<'a>(&'a mut self, cx: &'a FlowContext<'a>) -> BoxFuture<'a, Result<SamlResponse>> {
        Box::pin(async move {
            cx.logger.debug(|| {
                format!(
                    "Okta: signing in {} at {}",
                    self.settings.user, self.settings.base_url
                )
            });
            let http = crate::network::idp_http_client(cx.services.network(), REQUEST_TIMEOUT)?;
            let token = self.session_token(&http, cx).await?;
            self.saml_response(&http, &token).await
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{ConnectionConfig, Credentials};

    use super::*;

    fn settings(url: &str) -> std::result::Result<OktaSettings, String> {
        let c = ConnectionConfig::from_url(url, &[]).map_err(|e| e.to_string())?;
        let Credentials::Federated(f) = &c.credentials else {
            return Err(format!("not federated: {c:?}"));
        };
        f.settings::<OktaSettings>()
            .cloned()
            .ok_or_else(|| "not Okta".into())
    }

    const URL: &str = "jdbc:athena://Region=us-east-1;CredentialsProvider=Okta;User=ana@corp.example;Password=pw-secret;OktaHostName=corp.okta.com;OktaAppId=exk1";

    #[test]
    fn names_defaults_and_hosts() {
        let s = settings(URL).unwrap();
        assert_eq!(s.base_url, "https://corp.okta.com");
        assert_eq!(s.app_name, DEFAULT_APP_NAME);
        assert_eq!(s.wait, Duration::from_secs(DEFAULT_WAIT));
        assert!(!format!("{s:?}").contains("pw-secret"));
        let odbc = settings("jdbc:athena://Region=us-east-1;AuthenticationType=Okta;UID=ana;PWD=pw;IdP_Host=corp.okta.com;IdP_Port=8443;App_ID=exk1;App_Name=aws;okta_mfa_type=Okta Verify with Push;okta_mfa_wait_time=5").unwrap();
        assert_eq!(odbc.base_url, "https://corp.okta.com:8443");
        assert_eq!(
            (odbc.app_name.as_str(), odbc.mfa),
            ("aws", Some(MfaType::Push))
        );
        assert_eq!(odbc.wait, Duration::from_secs(5));
        let local = settings(&URL.replace("corp.okta.com", "http://127.0.0.1:9000")).unwrap();
        assert_eq!(local.base_url, "http://127.0.0.1:9000");
        let err = settings(&URL.replace("corp.okta.com", "http://corp.okta.com")).unwrap_err();
        assert!(err.contains("https"), "{err}");
        let err = settings(&format!("{URL};OktaMfaType=carrier-pigeon")).unwrap_err();
        assert!(err.contains("OktaMfaType carrier-pigeon"), "{err}");
        for name in ["OktaAppId", "User", "Password", "OktaHostName"] {
            let url = URL
                .split(';')
                .filter(|kv| !kv.starts_with(&format!("{name}=")))
                .collect::<Vec<_>>()
                .join(";");
            let err = settings(&url).unwrap_err();
            assert!(err.contains(name), "{name}: {err}");
        }
    }
}
