//! IAM Identity Center end to end with the real aws-sdk-ssooidc and
//! aws-sdk-sso clients: RegisterClient, the sign-in page, CreateToken's
//! grants, the device flow, and the AWS access portal's role credentials,
//! which athena-local's Athena accepts.

mod common;

use athena_local::ServerHandle;
use aws_sdk_athena::config::retry::RetryConfig;
use aws_sdk_athena::config::{BehaviorVersion, Region};
use aws_sdk_athena::error::ProvideErrorMetadata;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::*;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

const IRIS: &str = "iris@corp.example";
const IRIS_PASSWORD: &str = "iris-password-not-for-logs";
const ACCOUNT: &str = "111122223333";
const REDIRECT: &str = "http://localhost:7890/athena";
const VERIFIER: &str = "a-verifier-long-enough-for-pkce-0123456789abcdef";

fn config(server: &ServerHandle) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(server.endpoint_url())
        .retry_config(RetryConfig::disabled())
        .build()
}

fn oidc(server: &ServerHandle) -> aws_sdk_ssooidc::Client {
    aws_sdk_ssooidc::Client::new(&config(server))
}

fn portal(server: &ServerHandle) -> aws_sdk_sso::Client {
    aws_sdk_sso::Client::new(&config(server))
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn enc(s: &str) -> String {
    athena_local::sigv4::uri_encode(s.as_bytes(), false)
}

/// One HTTP exchange of a form: status, head (names in lower case), body.
async fn raw(
    server: &ServerHandle,
    method: &str,
    path: &str,
    form: Option<&str>,
) -> (u16, String, String) {
    let body = form.unwrap_or_default();
    exchange(
        server,
        method,
        path,
        "application/x-www-form-urlencoded",
        body,
    )
    .await
}

fn location(head: &str) -> HashMap<String, String> {
    let line = head
        .lines()
        .find_map(|l| l.strip_prefix("location: "))
        .unwrap_or_else(|| panic!("no Location in {head}"));
    assert!(line.starts_with(REDIRECT), "{line}");
    let query = line.split_once('?').map(|(_, q)| q).unwrap_or_default();
    query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| {
            let v = v.replace("%20", " ");
            (k.to_string(), v)
        })
        .collect()
}

/// The hidden `request` field of a sign-in page.
fn request_field(page: &str) -> String {
    let marker = "name=\"request\" value=\"";
    let at = page.find(marker).expect("a request field") + marker.len();
    page[at..].split('"').next().unwrap().to_string()
}

async fn register(server: &ServerHandle) -> (String, String) {
    let out = oidc(server)
        .register_client()
        .client_name("athena-native-jdbc")
        .client_type("public")
        .scopes("sso:account:access")
        .redirect_uris(REDIRECT)
        .grant_types("authorization_code")
        .grant_types("refresh_token")
        .issuer_url("https://d-1234567890.awsapps.com/start")
        .send()
        .await
        .expect("RegisterClient");
    assert!(out.client_secret_expires_at() > chrono::Utc::now().timestamp() + 80 * 86_400);
    (
        out.client_id().unwrap().to_string(),
        out.client_secret().unwrap().to_string(),
    )
}

fn authorize_path(client_id: &str, state: &str) -> String {
    format!(
        "/authorize?response_type=code&client_id={}&redirect_uri={}&scopes={}&state={state}&code_challenge={}&code_challenge_method=S256",
        enc(client_id),
        enc(REDIRECT),
        enc("sso:account:access"),
        challenge(VERIFIER)
    )
}

/// Signs iris in at the page; returns the redirect's code.
async fn sign_in(server: &ServerHandle, client_id: &str, state: &str) -> String {
    let (status, _, page) = raw(server, "GET", &authorize_path(client_id, state), None).await;
    assert_eq!(status, 200, "{page}");
    let request = request_field(&page);
    let form = sign_in_form(&request, IRIS_PASSWORD);
    let (status, head, _) = raw(server, "POST", "/authorize", Some(&form)).await;
    assert_eq!(status, 302, "{head}");
    let answer = location(&head);
    assert_eq!(answer["state"], state);
    answer["code"].clone()
}

/// The sign-in page's form, posted with iris's name and `password`.
fn sign_in_form(request: &str, password: &str) -> String {
    format!(
        "request={request}&username={}&password={}&action=sign_in",
        enc(IRIS),
        enc(password)
    )
}

/// CreateToken for an authorization code, as the driver asks.
fn redeem(
    server: &ServerHandle,
    (client_id, secret): (&str, &str),
    code: &str,
    redirect: &str,
    verifier: &str,
) -> aws_sdk_ssooidc::operation::create_token::builders::CreateTokenFluentBuilder {
    oidc(server)
        .create_token()
        .client_id(client_id)
        .client_secret(secret)
        .grant_type("authorization_code")
        .code(code)
        .redirect_uri(redirect)
        .code_verifier(verifier)
}

/// CreateToken for a refresh token.
fn renew(
    server: &ServerHandle,
    (client_id, secret): (&str, &str),
    refresh: &str,
) -> aws_sdk_ssooidc::operation::create_token::builders::CreateTokenFluentBuilder {
    oidc(server)
        .create_token()
        .client_id(client_id)
        .client_secret(secret)
        .grant_type("refresh_token")
        .refresh_token(refresh)
}

/// The portal's GetRoleCredentials for `role` in the account.
fn role_credentials(
    server: &ServerHandle,
    role: &str,
    access: &str,
) -> aws_sdk_sso::operation::get_role_credentials::builders::GetRoleCredentialsFluentBuilder {
    portal(server)
        .get_role_credentials()
        .account_id(ACCOUNT)
        .role_name(role)
        .access_token(access)
}

fn code_of<E: ProvideErrorMetadata, R>(e: &aws_sdk_ssooidc::error::SdkError<E, R>) -> String {
    e.as_service_error()
        .and_then(|e| e.code())
        .unwrap_or("none")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_authorization_code_flow_ends_in_role_credentials_athena_accepts() {
    let server = start(sample_config()).await;
    let (client_id, secret) = register(&server).await;

    // A wrong password shows the page again with an error; the request stays usable.
    let (_, _, page) = raw(&server, "GET", &authorize_path(&client_id, "st-1"), None).await;
    let request = request_field(&page);
    let wrong = sign_in_form(&request, "nope");
    let (status, head, page) = raw(&server, "POST", "/authorize", Some(&wrong)).await;
    assert_eq!(status, 200);
    assert!(!head.contains("location:"), "{head}");
    assert!(page.contains("Incorrect username or password."), "{page}");
    assert!(!page.contains("nope"));
    let right = sign_in_form(&request, IRIS_PASSWORD);
    let (status, head, _) = raw(&server, "POST", "/authorize", Some(&right)).await;
    assert_eq!(status, 302);
    let code = location(&head)["code"].clone();

    // A wrong verifier spends the code.
    let err = redeem(
        &server,
        (&client_id, &secret),
        &code,
        REDIRECT,
        "not-the-verifier",
    )
    .send()
    .await
    .unwrap_err();
    assert_eq!(code_of(&err), "InvalidGrantException");
    let message = err.as_service_error().and_then(|e| e.meta().message());
    assert!(
        message.is_some_and(|m| m.contains("codeVerifier")),
        "{message:?}"
    );
    let err = redeem(&server, (&client_id, &secret), &code, REDIRECT, VERIFIER)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_of(&err),
        "InvalidGrantException",
        "a code is good once"
    );

    let code = sign_in(&server, &client_id, "st-2").await;
    for (redirect, secret_used, expected) in [
        (
            "http://localhost:7891/athena",
            secret.as_str(),
            "InvalidGrantException",
        ),
        (REDIRECT, "wrong-secret", "InvalidClientException"),
    ] {
        let err = redeem(
            &server,
            (&client_id, secret_used),
            &code,
            redirect,
            VERIFIER,
        )
        .send()
        .await
        .unwrap_err();
        assert_eq!(code_of(&err), expected, "{redirect}");
    }
    let code = sign_in(&server, &client_id, "st-3").await;
    let tokens = redeem(&server, (&client_id, &secret), &code, REDIRECT, VERIFIER)
        .send()
        .await
        .expect("CreateToken");
    let access = tokens.access_token().unwrap().to_string();
    let refresh = tokens.refresh_token().unwrap().to_string();
    assert_eq!(tokens.expires_in(), 3600);

    let creds = role_credentials(&server, "AthenaAnalyst", &access)
        .send()
        .await
        .expect("GetRoleCredentials");
    let rc = creds.role_credentials().unwrap();
    let ms = chrono::Utc::now().timestamp_millis();
    assert!(rc.expiration() > ms + 3_500_000 && rc.expiration() <= ms + 3_600_000);
    // Session credentials, as a driver signs its Athena calls with them.
    let athena_conf = aws_sdk_athena::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(server.endpoint_url())
        .credentials_provider(aws_sdk_athena::config::Credentials::new(
            rc.access_key_id().unwrap(),
            rc.secret_access_key().unwrap(),
            rc.session_token().map(str::to_string),
            None,
            "sso",
        ))
        .build();
    let athena = aws_sdk_athena::Client::from_conf(athena_conf);
    let rows = run(&athena, "SELECT count(*) FROM cities").await;
    assert!(!cells(&rows).is_empty());
    let calls: Value =
        serde_json::from_str(&http(&server, "GET", "/_athena_local/calls", "").await.1).unwrap();
    let calls = calls.as_array().unwrap();
    let query = calls
        .iter()
        .find(|c| c["operation"] == "StartQueryExecution")
        .expect("the query is recorded");
    let principal = query["principal"].as_str().unwrap();
    assert!(
        principal
            .starts_with("arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_AthenaAnalyst_")
            && principal.ends_with("/iris@corp.example"),
        "{principal}"
    );
    for op in [
        "RegisterClient",
        "Authorize",
        "AuthorizeSignIn",
        "CreateToken",
        "GetRoleCredentials",
    ] {
        assert!(
            calls.iter().any(|c| c["operation"] == op),
            "{op} not recorded"
        );
    }

    // A configured role ARN, and the portal's listings.
    let admin = role_credentials(&server, "AthenaAdmin", &access)
        .send()
        .await
        .expect("a second permission set");
    assert!(admin.role_credentials().is_some());
    let roles = portal(&server)
        .list_account_roles()
        .account_id(ACCOUNT)
        .access_token(&access)
        .send()
        .await
        .unwrap();
    let mut names: Vec<&str> = roles
        .role_list()
        .iter()
        .filter_map(|r| r.role_name())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["AthenaAdmin", "AthenaAnalyst"]);
    let accounts = portal(&server)
        .list_accounts()
        .access_token(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(accounts.account_list()[0].account_id(), Some(ACCOUNT));

    // Not assigned, and not a token.
    let err = role_credentials(&server, "Administrator", &access)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "ForbiddenException");
    let err = role_credentials(&server, "AthenaAnalyst", "not-a-token")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "UnauthorizedException");

    // The refresh token renews once (rotated), and expired access tokens are refused.
    let renewed = renew(&server, (&client_id, &secret), &refresh)
        .send()
        .await
        .expect("the refresh grant");
    assert_ne!(renewed.refresh_token(), Some(refresh.as_str()));
    let err = renew(&server, (&client_id, &secret), &refresh)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "InvalidGrantException");
    http(&server, "POST", "/_athena_local/identity/expire", "").await;
    let err = role_credentials(&server, "AthenaAnalyst", renewed.access_token().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "UnauthorizedException");

    // The admin listing names every secret handed out.
    let issued: Value = serde_json::from_str(
        &http(&server, "GET", "/_athena_local/identity/issued", "")
            .await
            .1,
    )
    .unwrap();
    let listed = issued["identity_center"].to_string();
    for secret in [&secret, &access, &refresh, &code] {
        assert!(listed.contains(secret.as_str()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_that_cannot_be_trusted_get_a_page_or_an_error_redirect() {
    let server = start(sample_config()).await;
    let (client_id, _) = register(&server).await;
    // Unknown client or unregistered redirect: an error page, never a redirect.
    let unknown = authorize_path("no-such-client", "s");
    let (status, head, page) = raw(&server, "GET", &unknown, None).await;
    assert_eq!(status, 400);
    assert!(
        !head.contains("location:") && page.contains("invalid_client"),
        "{page}"
    );
    let elsewhere =
        authorize_path(&client_id, "s").replace(&enc(REDIRECT), &enc("http://localhost:9/x"));
    let (status, head, _) = raw(&server, "GET", &elsewhere, None).await;
    assert_eq!(status, 400);
    assert!(!head.contains("location:"));
    // Without PKCE, or with a scope not registered: the error goes back with the state.
    let plain = authorize_path(&client_id, "s2").replace("&code_challenge_method=S256", "");
    let (status, head, _) = raw(&server, "GET", &plain, None).await;
    assert_eq!(status, 302);
    let answer = location(&head);
    assert_eq!(
        (answer["error"].as_str(), answer["state"].as_str()),
        ("invalid_request", "s2")
    );
    let scoped = authorize_path(&client_id, "s3").replace(&enc("sso:account:access"), "openid");
    let (_, head, _) = raw(&server, "GET", &scoped, None).await;
    assert_eq!(location(&head)["error"], "invalid_scope");
    // Cancel: access_denied with the state, and the page is spent.
    let (_, _, page) = raw(&server, "GET", &authorize_path(&client_id, "s4"), None).await;
    let request = request_field(&page);
    let (status, head, _) = raw(
        &server,
        "POST",
        "/authorize",
        Some(&format!("request={request}&action=cancel")),
    )
    .await;
    assert_eq!(status, 302);
    let answer = location(&head);
    assert_eq!(
        (answer["error"].as_str(), answer["state"].as_str()),
        ("access_denied", "s4")
    );
    let again = sign_in_form(&request, IRIS_PASSWORD);
    let (status, _, page) = raw(&server, "POST", "/authorize", Some(&again)).await;
    assert_eq!(status, 400);
    assert!(page.contains("expired or was already used"), "{page}");

    // RegisterClient refuses what Identity Center refuses.
    let err = oidc(&server)
        .register_client()
        .client_name("x")
        .client_type("public")
        .redirect_uris("https://evil.example/callback")
        .grant_types("authorization_code")
        .issuer_url("https://d-1.awsapps.com/start")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "InvalidRedirectUriException");
    let err = oidc(&server)
        .register_client()
        .client_name("x")
        .client_type("confidential")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "InvalidClientMetadataException");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_device_flow_polls_until_the_person_approves() {
    let server = start(sample_config()).await;
    let client = oidc(&server)
        .register_client()
        .client_name("cli")
        .client_type("public")
        .send()
        .await
        .unwrap();
    let (id, secret) = (client.client_id().unwrap(), client.client_secret().unwrap());
    let device = oidc(&server)
        .start_device_authorization()
        .client_id(id)
        .client_secret(secret)
        .start_url("https://d-1234567890.awsapps.com/start")
        .send()
        .await
        .expect("StartDeviceAuthorization");
    let poll = || {
        oidc(&server)
            .create_token()
            .client_id(id)
            .client_secret(secret)
            .grant_type("urn:ietf:params:oauth:grant-type:device_code")
            .device_code(device.device_code().unwrap())
            .send()
    };
    assert_eq!(
        code_of(&poll().await.unwrap_err()),
        "AuthorizationPendingException"
    );
    assert_eq!(code_of(&poll().await.unwrap_err()), "SlowDownException");
    let complete = device.verification_uri_complete().unwrap();
    let path = &complete[complete.find("/device").unwrap()..];
    let (status, _, page) = raw(&server, "GET", path, None).await;
    assert_eq!(status, 200);
    assert!(page.contains(device.user_code().unwrap()), "{page}");
    let form = format!(
        "user_code={}&username={}&password={}&action=sign_in",
        device.user_code().unwrap(),
        enc(IRIS),
        enc(IRIS_PASSWORD)
    );
    let (_, _, page) = raw(&server, "POST", "/device", Some(&form)).await;
    assert!(page.contains("Request approved"), "{page}");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let tokens = poll().await.expect("approved");
    assert!(tokens.refresh_token().is_some());
    role_credentials(&server, "AthenaAnalyst", tokens.access_token().unwrap())
        .send()
        .await
        .expect("the device's token reaches the portal");
    assert_eq!(
        code_of(&poll().await.unwrap_err()),
        "InvalidGrantException",
        "a device code is good once"
    );
}
