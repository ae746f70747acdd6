//! The AWS calls of the federated sign-in flows, each returning typed results
//! and errors that name the step, the service and the role, never a token.

use std::time::SystemTime;

use aws_credential_types::Credentials as SdkCredentials;
use aws_types::SdkConfig;

use crate::auth::TemporaryCredentials;
use crate::config::ServiceEndpoints;
use crate::error::{
    describe_chain, from_sdk, Error, ErrorKind, Result, UnreadableAnswerIsTransient,
};
use crate::network::NetworkSettings;
use crate::retry::REREADS;
use crate::secret::Secret;

/// Lake Formation's sign-in call, from connect to the last byte.
const LAKE_FORMATION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const IDENTITY_CENTER_CONTEXT: &str = "arn:aws:iam::aws:contextProvider/IdentityCenter";

/// Clients for STS, SSO-OIDC, SSO Admin and Athena, built on one unsigned base
/// configuration; signed calls add the credentials of the previous step.
#[derive(Clone, Debug)]
pub struct Services {
    base: SdkConfig,
    endpoints: ServiceEndpoints,
    athena_endpoint: Option<String>,
    network: NetworkSettings,
}

impl Services {
    pub fn new(
        base: SdkConfig,
        endpoints: ServiceEndpoints,
        athena_endpoint: Option<String>,
        network: NetworkSettings,
    ) -> Self {
        Services {
            base,
            endpoints,
            athena_endpoint,
            network,
        }
    }

    /// How the identity provider is reached (the AWS clients get it from `base`).
    pub fn network(&self) -> &NetworkSettings {
        &self.network
    }

    fn sts(&self, signer: Option<&TemporaryCredentials>) -> aws_sdk_sts::Client {
        // STS calls are safe to repeat: AssumeRoleWithWebIdentity does not spend the JWT.
        let mut config = aws_sdk_sts::config::Builder::from(&self.base)
            .retry_classifier(UnreadableAnswerIsTransient);
        if let Some(url) = &self.endpoints.sts {
            config = config.endpoint_url(url);
        }
        if let Some(creds) = signer {
            config = config.credentials_provider(creds.to_sdk());
        }
        aws_sdk_sts::Client::from_conf(config.build())
    }

    pub async fn assume_role_with_web_identity(
        &self,
        role_arn: &str,
        session_name: &str,
        token: &Secret,
        duration_seconds: i32,
    ) -> Result<TemporaryCredentials> {
        let sts = self.sts(None);
        for _ in 0..=REREADS {
            let output = sts
                .assume_role_with_web_identity()
                .role_arn(role_arn)
                .role_session_name(session_name)
                .web_identity_token(token.expose())
                .duration_seconds(duration_seconds)
                .send()
                .await
                .map_err(|e| from_sdk("STS AssumeRoleWithWebIdentity", e))?;
            let op = "AssumeRoleWithWebIdentity";
            if let Some(c) = TemporaryCredentials::from_sts(output.credentials(), op)? {
                return Ok(c);
            }
        }
        Err(cut_short("AssumeRoleWithWebIdentity", REREADS + 1))
    }

    pub async fn assume_role_with_identity_context(
        &self,
        signer: &TemporaryCredentials,
        role_arn: &str,
        session_name: &str,
        duration_seconds: i32,
        context_assertion: &Secret,
    ) -> Result<TemporaryCredentials> {
        let context = aws_sdk_sts::types::ProvidedContext::builder()
            .provider_arn(IDENTITY_CENTER_CONTEXT)
            .context_assertion(context_assertion.expose())
            .build();
        let sts = self.sts(Some(signer));
        for _ in 0..=REREADS {
            let output = sts
                .assume_role()
                .role_arn(role_arn)
                .role_session_name(session_name)
                .duration_seconds(duration_seconds)
                .provided_contexts(context.clone())
                .send()
                .await
                .map_err(|e| from_sdk("STS AssumeRole", e))?;
            if let Some(c) = TemporaryCredentials::from_sts(output.credentials(), "AssumeRole")? {
                return Ok(c);
            }
        }
        Err(cut_short("AssumeRole", REREADS + 1))
    }

    /// STS AssumeRoleWithSAML: unsigned; the assertion is the proof. Asked
    /// once: identity providers' assertions are refused when replayed.
    pub async fn assume_role_with_saml(
        &self,
        role_arn: &str,
        provider_arn: &str,
        assertion: &Secret,
        duration_seconds: i32,
    ) -> Result<TemporaryCredentials> {
        let output = self
            .sts(None)
            .assume_role_with_saml()
            .role_arn(role_arn)
            .principal_arn(provider_arn)
            .saml_assertion(assertion.expose())
            .duration_seconds(duration_seconds)
            .send()
            .await
            .map_err(|e| from_sdk("STS AssumeRoleWithSAML", e))?;
        TemporaryCredentials::from_sts(output.credentials(), "AssumeRoleWithSAML")?
            .ok_or_else(|| cut_short("AssumeRoleWithSAML", 1))
    }

    /// Lake Formation AssumeDecoratedRoleWithSAML (REST JSON), sent unsigned
    /// as STS's SAML call is: no credentials exist before it. Through the
    /// proxy, as every AWS call.
    pub async fn assume_decorated_role_with_saml(
        &self,
        endpoint: Option<&str>,
        role_arn: &str,
        provider_arn: &str,
        assertion: &Secret,
        duration_seconds: i32,
    ) -> Result<TemporaryCredentials> {
        const OPERATION: &str = "Lake Formation AssumeDecoratedRoleWithSAML";
        let base = match endpoint {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => {
                let region = self.base.region().ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidProperties,
                        "LakeFormationEnabled needs a Region (or LakeFormationEndpoint)",
                    )
                })?;
                format!("https://lakeformation.{region}.amazonaws.com")
            }
        };
        let url = format!("{base}/AssumeDecoratedRoleWithSAML");
        let network = NetworkSettings {
            proxy_for_idp: true,
            ..self.network.clone()
        };
        let http = crate::network::idp_http_client(&network, LAKE_FORMATION_TIMEOUT)?;
        let body = serde_json::json!({
            "SAMLAssertion": assertion.expose(),
            "RoleArn": role_arn,
            "PrincipalArn": provider_arn,
            "DurationSeconds": duration_seconds,
        });
        let unreachable = |e: reqwest::Error| {
            Error::new(
                ErrorKind::Transient,
                format!(
                    "{OPERATION} ({url}) could not be reached: {}",
                    describe_chain(&e)
                ),
            )
        };
        let response = http
            .post(&url)
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status();
        let error_type = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(':').next().unwrap_or(v).to_string());
        let bytes = response.bytes().await.map_err(unreachable)?;
        let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        if !status.is_success() {
            let code = error_type
                .or_else(|| {
                    json["__type"]
                        .as_str()
                        .map(|t| t.rsplit('#').next().unwrap_or(t).to_string())
                })
                .unwrap_or_else(|| format!("HTTP {}", status.as_u16()));
            let message = json["Message"]
                .as_str()
                .or_else(|| json["message"].as_str())
                .unwrap_or("no message");
            let kind = match code.as_str() {
                "AccessDeniedException" | "EntityNotFoundException" => ErrorKind::Authentication,
                "InvalidInputException" => ErrorKind::InvalidProperties,
                _ if status.is_server_error() || code == "OperationTimeoutException" => {
                    ErrorKind::Transient
                }
                _ => ErrorKind::Service,
            };
            return Err(Error::new(kind, format!("{OPERATION}: {code}: {message}")));
        }
        let text = |name: &str| json[name].as_str().unwrap_or_default().to_string();
        let expiry = json["Expiration"]
            .as_f64()
            .filter(|e| *e > 0.0)
            .map(|e| SystemTime::UNIX_EPOCH + std::time::Duration::from_secs_f64(e));
        match (
            text("AccessKeyId"),
            text("SecretAccessKey"),
            text("SessionToken"),
            expiry,
        ) {
            (id, secret, token, Some(expiry))
                if !id.is_empty() && !secret.is_empty() && !token.is_empty() =>
            {
                Ok(TemporaryCredentials {
                    access_key_id: id,
                    secret_access_key: Secret::new(secret),
                    session_token: Secret::new(token),
                    expiry,
                    received: SystemTime::now(),
                })
            }
            _ => Err(Error::new(
                ErrorKind::Transient,
                format!(
                    "{OPERATION} returned incomplete credentials (an answer cut short on the way)"
                ),
            )),
        }
    }

    /// The Identity Center id token for the JWT (a JWT whose `jti` is then spent).
    pub async fn create_token_with_iam(
        &self,
        signer: &TemporaryCredentials,
        application_arn: &str,
        token: &Secret,
    ) -> Result<Secret> {
        let mut config = aws_sdk_ssooidc::config::Builder::from(&self.base)
            .credentials_provider(signer.to_sdk());
        if let Some(url) = &self.endpoints.sso_oidc {
            config = config.endpoint_url(url);
        }
        let output = aws_sdk_ssooidc::Client::from_conf(config.build())
            .create_token_with_iam()
            .client_id(application_arn)
            .grant_type(JWT_BEARER)
            .assertion(token.expose())
            .send()
            .await
            .map_err(|e| from_sdk("SSO-OIDC CreateTokenWithIAM", e))?;
        output.id_token().map(Secret::new).ok_or_else(|| {
            Error::new(
                ErrorKind::Authentication,
                "SSO-OIDC CreateTokenWithIAM returned no idToken",
            )
        })
    }

    pub async fn workgroup_tags(
        &self,
        signer: &TemporaryCredentials,
        workgroup_arn: &str,
    ) -> Result<Vec<(String, String)>> {
        let mut config = aws_sdk_athena::config::Builder::from(&self.base)
            .credentials_provider(signer.to_sdk())
            .retry_classifier(UnreadableAnswerIsTransient);
        if let Some(url) = &self.athena_endpoint {
            config = config.endpoint_url(url);
        }
        let client = aws_sdk_athena::Client::from_conf(config.build());
        let mut tags = Vec::new();
        let mut next = None;
        loop {
            let output = client
                .list_tags_for_resource()
                .resource_arn(workgroup_arn)
                .set_next_token(next)
                .send()
                .await
                .map_err(|e| from_sdk("Athena ListTagsForResource", e))?;
            for tag in output.tags() {
                if let (Some(k), Some(v)) = (tag.key(), tag.value()) {
                    tags.push((k.to_string(), v.to_string()));
                }
            }
            next = output.next_token().map(str::to_string);
            if next.is_none() {
                return Ok(tags);
            }
        }
    }

    pub async fn application_tags(
        &self,
        signer: &TemporaryCredentials,
        instance_arn: &str,
        application_arn: &str,
    ) -> Result<Vec<(String, String)>> {
        let mut config = aws_sdk_ssoadmin::config::Builder::from(&self.base)
            .credentials_provider(signer.to_sdk())
            .retry_classifier(UnreadableAnswerIsTransient);
        if let Some(url) = &self.endpoints.sso_admin {
            config = config.endpoint_url(url);
        }
        let client = aws_sdk_ssoadmin::Client::from_conf(config.build());
        let mut tags = Vec::new();
        let mut next = None;
        loop {
            let output = client
                .list_tags_for_resource()
                .instance_arn(instance_arn)
                .resource_arn(application_arn)
                .set_next_token(next)
                .send()
                .await
                .map_err(|e| from_sdk("SSO Admin ListTagsForResource", e))?;
            for tag in output.tags() {
                tags.push((tag.key().to_string(), tag.value().to_string()));
            }
            next = output.next_token().map(str::to_string);
            if next.is_none() {
                return Ok(tags);
            }
        }
    }
}

/// STS answered with credentials missing a part, every time it was asked.
fn cut_short(operation: &str, times: u32) -> Error {
    Error::new(
        ErrorKind::Transient,
        if times == 1 {
            format!(
                "STS {operation} returned incomplete credentials (an answer cut short on the way)"
            )
        } else {
            format!("STS {operation} returned incomplete credentials {times} times (answers cut short on the way)")
        },
    )
}

impl TemporaryCredentials {
    /// None when the credentials lack a part: a response cut short still
    /// parses, with its missing fields left empty, and such credentials
    /// would only fail later as "invalid token".
    fn from_sts(
        credentials: Option<&aws_sdk_sts::types::Credentials>,
        operation: &str,
    ) -> Result<Option<TemporaryCredentials>> {
        let c = credentials.ok_or_else(|| {
            Error::new(
                ErrorKind::Authentication,
                format!("STS {operation} returned no credentials"),
            )
        })?;
        let expiry = SystemTime::try_from(*c.expiration()).map_err(|_| {
            Error::new(
                ErrorKind::Service,
                format!("STS {operation} returned an unreadable expiration"),
            )
        })?;
        if c.access_key_id().is_empty()
            || c.secret_access_key().is_empty()
            || c.session_token().is_empty()
            || expiry <= SystemTime::UNIX_EPOCH
        {
            return Ok(None);
        }
        Ok(Some(TemporaryCredentials {
            access_key_id: c.access_key_id().to_string(),
            secret_access_key: Secret::new(c.secret_access_key()),
            session_token: Secret::new(c.session_token()),
            expiry,
            received: SystemTime::now(),
        }))
    }

    pub fn to_sdk(&self) -> SdkCredentials {
        SdkCredentials::new(
            &self.access_key_id,
            self.secret_access_key.expose(),
            // Long-term keys (from a credentials provider class) have no token.
            Some(self.session_token.expose().to_string()).filter(|t| !t.is_empty()),
            Some(self.expiry),
            "athena-jdbc-federated",
        )
    }
}

/// BrowserSSOOIDC's clients: IAM Identity Center's OIDC service and its AWS
/// access portal, in Identity Center's Region (SsoOidcRegion), which need not
/// be Athena's. Both are unsigned: the client secret and the access token are
/// the proof.
impl Services {
    pub(crate) fn sso_oidc_in(&self, region: &str) -> aws_sdk_ssooidc::Client {
        let mut config = aws_sdk_ssooidc::config::Builder::from(&self.base)
            .region(aws_types::region::Region::new(region.to_string()))
            .retry_classifier(UnreadableAnswerIsTransient);
        if let Some(url) = &self.endpoints.sso_oidc {
            config = config.endpoint_url(url);
        }
        aws_sdk_ssooidc::Client::from_conf(config.build())
    }

    /// The SSO-OIDC endpoint the browser is sent to: SsoOidcEndpoint, else
    /// the one the SDK calls in `region`.
    pub(crate) fn sso_oidc_url(&self, region: &str) -> String {
        match &self.endpoints.sso_oidc {
            Some(url) => url.trim_end_matches('/').to_string(),
            None if region.starts_with("cn-") => format!("https://oidc.{region}.amazonaws.com.cn"),
            None => format!("https://oidc.{region}.amazonaws.com"),
        }
    }

    /// The portal (GetRoleCredentials): `endpoint` is SsoEndpoint.
    pub(crate) fn sso_portal_in(
        &self,
        region: &str,
        endpoint: Option<&str>,
    ) -> aws_sdk_sso::Client {
        let mut config = aws_sdk_sso::config::Builder::from(&self.base)
            .region(aws_types::region::Region::new(region.to_string()))
            .retry_classifier(UnreadableAnswerIsTransient);
        if let Some(url) = endpoint {
            config = config.endpoint_url(url);
        }
        aws_sdk_sso::Client::from_conf(config.build())
    }
}
