//! Identity end to end: the real aws-sdk-sts, aws-sdk-ssooidc,
//! aws-sdk-ssoadmin and aws-sdk-athena clients against an in-process server.

mod common;

use athena_local::identity::keys::{b64url, b64url_decode};
use athena_local::ServerHandle;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_sdk_athena::config::retry::RetryConfig;
use aws_sdk_athena::config::{BehaviorVersion, Region};
use aws_sdk_athena::error::ProvideErrorMetadata;
use aws_sdk_athena::types::QueryExecutionState;
use common::*;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ACCOUNT: &str = "111122223333";
const JWT_ROLE: &str = "arn:aws:iam::111122223333:role/jwtRole";
const APP_ROLE: &str = "arn:aws:iam::111122223333:role/applicationRole";
const ACCESS_ROLE: &str = "arn:aws:iam::111122223333:role/accessRole";
const UNTRUSTING_ROLE: &str = "arn:aws:iam::111122223333:role/untrustingRole";
const APP: &str =
    "arn:aws:sso::111122223333:application/ssoins-1111222233334444/apl-5555666677778888";
const APP_NO_TAGS: &str =
    "arn:aws:sso::111122223333:application/ssoins-1111222233334444/apl-notags";
const INSTANCE: &str = "arn:aws:sso:::instance/ssoins-1111222233334444";
const IDC_PROVIDER: &str = "arn:aws:iam::aws:contextProvider/IdentityCenter";
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const TAG: &str = "AthenaDriverOidcAppArn";

fn workgroup_arn(name: &str) -> String {
    format!("arn:aws:athena:us-east-1:{ACCOUNT}:workgroup/{name}")
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn admin_json(server: &ServerHandle, method: &str, path: &str, body: &str) -> Value {
    let (status, text) = http(server, method, path, body).await;
    assert_eq!(status, 200, "{method} {path}: {text}");
    serde_json::from_str(&text).expect("admin JSON")
}

/// A token from the built-in test issuer.
async fn mint(server: &ServerHandle, request: Value) -> String {
    let v = admin_json(
        server,
        "POST",
        "/_athena_local/issuer/token",
        &request.to_string(),
    )
    .await;
    v["token"].as_str().expect("token").to_string()
}

/// One client configuration for every service: athena-local's endpoint, no
/// retries, and the given credentials (none: unsigned, as web identity is).
fn sdk_config(server: &ServerHandle, creds: Option<Credentials>) -> aws_config::SdkConfig {
    let mut b = aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(server.endpoint_url())
        .retry_config(RetryConfig::disabled());
    if let Some(c) = creds {
        b = b.credentials_provider(SharedCredentialsProvider::new(c));
    }
    b.build()
}

fn sts(server: &ServerHandle, creds: Option<Credentials>) -> aws_sdk_sts::Client {
    aws_sdk_sts::Client::new(&sdk_config(server, creds))
}

fn oidc(server: &ServerHandle, creds: Credentials) -> aws_sdk_ssooidc::Client {
    aws_sdk_ssooidc::Client::new(&sdk_config(server, Some(creds)))
}

fn sso_admin(server: &ServerHandle, creds: Credentials) -> aws_sdk_ssoadmin::Client {
    aws_sdk_ssoadmin::Client::new(&sdk_config(server, Some(creds)))
}

fn athena(server: &ServerHandle, creds: Credentials) -> aws_sdk_athena::Client {
    aws_sdk_athena::Client::new(&sdk_config(server, Some(creds)))
}

fn static_creds() -> Credentials {
    Credentials::new("test", "test", None, None, "static")
}

fn creds_of(c: &aws_sdk_sts::types::Credentials) -> Credentials {
    Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        None,
        "athena-local",
    )
}

async fn web_identity(
    server: &ServerHandle,
    role: &str,
    token: &str,
) -> aws_sdk_sts::operation::assume_role_with_web_identity::AssumeRoleWithWebIdentityOutput {
    sts(server, None)
        .assume_role_with_web_identity()
        .role_arn(role)
        .role_session_name("driver-test")
        .web_identity_token(token)
        .send()
        .await
        .expect("AssumeRoleWithWebIdentity")
}

/// The claims of a JWT, without checking it.
fn claims_of(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("payload");
    serde_json::from_slice(&b64url_decode(payload).expect("base64url")).expect("JSON")
}

/// Runs `sql` in `workgroup` to a final state.
async fn query_state(
    c: &aws_sdk_athena::Client,
    workgroup: &str,
    sql: &str,
) -> QueryExecutionState {
    let id = c
        .start_query_execution()
        .query_string(sql)
        .work_group(workgroup)
        .send()
        .await
        .expect("StartQueryExecution")
        .query_execution_id()
        .expect("id")
        .to_string();
    wait(c, &id)
        .await
        .status()
        .and_then(|s| s.state())
        .cloned()
        .expect("state")
}

async fn calls(server: &ServerHandle) -> Vec<Value> {
    match admin_json(server, "GET", "/_athena_local/calls", "").await {
        Value::Array(a) => a,
        other => panic!("calls: {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_identity_credentials_work() {
    let server = start(sample_config()).await;
    let token = mint(&server, json!({"claims": {"sub": "alice"}})).await;
    let out = web_identity(&server, JWT_ROLE, &token).await;
    assert_eq!(out.subject_from_web_identity_token(), Some("alice"));
    assert_eq!(out.audience(), Some("athena-local"));
    assert_eq!(out.provider(), Some(server.test_issuer_url().as_str()));
    let user = out.assumed_role_user().expect("AssumedRoleUser");
    let arn = format!("arn:aws:sts::{ACCOUNT}:assumed-role/jwtRole/driver-test");
    assert_eq!(user.arn(), arn);
    assert!(user.assumed_role_id().ends_with(":driver-test"));
    let c = out.credentials().expect("Credentials");
    assert!(c.access_key_id().starts_with("ASIA"));
    let lifetime = c.expiration().secs() - now();
    assert!((3590..=3600).contains(&lifetime), "{lifetime}");

    let creds = creds_of(c);
    let rows = cells(&run(&athena(&server, creds.clone()), "SELECT 1 AS one").await);
    assert_eq!(rows[1], vec![Some("1".to_string())]);
    let me = sts(&server, Some(creds.clone()))
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity");
    assert_eq!(me.arn(), Some(arn.as_str()));
    assert_eq!(me.account(), Some(ACCOUNT));
    assert!(me.user_id().is_some_and(|u| u.starts_with("AROA")));
    let me = sts(&server, Some(static_creds()))
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity with static keys");
    assert_eq!(me.arn(), Some("arn:aws:iam::111122223333:user/test"));

    // Requested duration, bounded by the role.
    let out = sts(&server, None)
        .assume_role_with_web_identity()
        .role_arn(JWT_ROLE)
        .role_session_name("short")
        .web_identity_token(&token)
        .duration_seconds(900)
        .send()
        .await
        .expect("900 s");
    let lifetime = out.credentials().unwrap().expiration().secs() - now();
    assert!((890..=900).contains(&lifetime), "{lifetime}");
    let e = sts(&server, None)
        .assume_role_with_web_identity()
        .role_arn(JWT_ROLE)
        .role_session_name("long")
        .web_identity_token(&token)
        .duration_seconds(43_201)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ValidationError"));

    let records = calls(&server).await;
    let find = |service: &str, op: &str| {
        records
            .iter()
            .find(|r| r["service"] == service && r["operation"] == op)
            .unwrap_or_else(|| panic!("no {service} {op} in {records:?}"))
            .clone()
    };
    let r = find("sts", "AssumeRoleWithWebIdentity");
    assert_eq!(r["status"], 200);
    assert!(r["principal"].is_null());
    let r = find("athena", "StartQueryExecution");
    assert_eq!(r["principal"], arn.as_str());
    assert!(r["access_key_id"].as_str().unwrap().starts_with("ASIA"));
    assert!(r["identity_context_user"].is_null());
    assert_eq!(find("sts", "GetCallerIdentity")["principal"], arn.as_str());
    assert!(records
        .iter()
        .any(|r| r["operation"] == "GetCallerIdentity" && r["principal"] == "test"));
    server.shutdown().await;
}

/// Asserts a refused AssumeRoleWithWebIdentity: code, message part, no token.
async fn refused(server: &ServerHandle, role: &str, token: &str, code: &str, says: &str) {
    let e = sts(server, None)
        .assume_role_with_web_identity()
        .role_arn(role)
        .role_session_name("driver-test")
        .web_identity_token(token)
        .send()
        .await
        .expect_err("refused");
    let message = e.message().unwrap_or_default().to_string();
    assert_eq!(e.code(), Some(code), "{message}");
    assert!(message.contains(says), "{code}: {message:?} lacks {says:?}");
    assert!(
        !token.is_empty() && !message.contains(token),
        "token leaked: {message}"
    );
    if let Some(sig) = token.rsplit('.').next().filter(|s| s.len() > 8) {
        assert!(!message.contains(sig), "signature leaked: {message}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_identity_refusals() {
    let server = start(sample_config()).await;
    let t = now();
    let expired = mint(&server, json!({"claims": {"iat": t - 7200, "exp": t - 60}})).await;
    refused(
        &server,
        JWT_ROLE,
        &expired,
        "ExpiredTokenException",
        "expired at",
    )
    .await;
    let early = mint(&server, json!({"claims": {"nbf": t + 3600}})).await;
    refused(
        &server,
        JWT_ROLE,
        &early,
        "InvalidIdentityToken",
        "not valid before",
    )
    .await;
    let future = mint(
        &server,
        json!({"claims": {"iat": t + 3600, "exp": t + 7200}}),
    )
    .await;
    refused(
        &server,
        JWT_ROLE,
        &future,
        "InvalidIdentityToken",
        "issued in the future",
    )
    .await;
    let aud = mint(&server, json!({"claims": {"aud": "someone-else"}})).await;
    let says = format!(
        "token audience 'someone-else' is not accepted for issuer '{}'",
        server.test_issuer_url()
    );
    refused(&server, JWT_ROLE, &aud, "InvalidIdentityToken", &says).await;
    let iss = mint(
        &server,
        json!({"claims": {"iss": "http://127.0.0.1:1/elsewhere"}}),
    )
    .await;
    refused(
        &server,
        JWT_ROLE,
        &iss,
        "InvalidIdentityToken",
        "issuer 'http://127.0.0.1:1/elsewhere' is not trusted",
    )
    .await;
    let wrong = mint(&server, json!({"signing": "wrong-key"})).await;
    refused(
        &server,
        JWT_ROLE,
        &wrong,
        "InvalidIdentityToken",
        "signature does not verify",
    )
    .await;
    let unsigned = mint(&server, json!({"signing": "none"})).await;
    refused(
        &server,
        JWT_ROLE,
        &unsigned,
        "InvalidIdentityToken",
        "unsigned",
    )
    .await;
    refused(
        &server,
        JWT_ROLE,
        "not-a-jwt-at-all",
        "InvalidIdentityToken",
        "not a valid JWT",
    )
    .await;
    let no_sub = mint(&server, json!({"claims": {"sub": null}})).await;
    refused(
        &server,
        JWT_ROLE,
        &no_sub,
        "InvalidIdentityToken",
        "no 'sub' claim",
    )
    .await;

    let good = mint(&server, json!({})).await;
    refused(
        &server,
        UNTRUSTING_ROLE,
        &good,
        "AccessDenied",
        "Not authorized to perform sts:AssumeRoleWithWebIdentity",
    )
    .await;
    refused(
        &server,
        UNTRUSTING_ROLE,
        &good,
        "AccessDenied",
        "does not trust issuer",
    )
    .await;
    refused(
        &server,
        "arn:aws:iam::111122223333:role/nope",
        &good,
        "AccessDenied",
        "does not exist",
    )
    .await;

    let records = calls(&server).await;
    assert!(records
        .iter()
        .all(|r| r["service"] == "sts" && r["operation"] == "AssumeRoleWithWebIdentity"));
    assert!(records
        .iter()
        .any(|r| r["error_type"] == "AccessDenied" && r["status"] == 403));
    assert!(records
        .iter()
        .any(|r| r["error_type"] == "InvalidIdentityToken" && r["status"] == 400));
    server.shutdown().await;
}

/// Decodes the `sts:identity_context` of a CreateTokenWithIAM id token
/// after checking its signature against the Identity Center JWKS.
async fn identity_context(server: &ServerHandle, id_token: &str) -> String {
    let jwks = admin_json(server, "GET", "/_athena_local/identity-center/jwks", "").await;
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwks["keys"][0].clone()).unwrap();
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    v.set_audience(&[APP]);
    v.set_issuer(&[format!(
        "{}/_athena_local/identity-center",
        server.endpoint_url()
    )]);
    let data = jsonwebtoken::decode::<Value>(
        id_token,
        &jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap(),
        &v,
    )
    .expect("id token verifies");
    data.claims["sts:identity_context"]
        .as_str()
        .expect("sts:identity_context")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwt_tip_flow() {
    let server = start(sample_config()).await;
    let jwt = mint(
        &server,
        json!({"claims": {"sub": "alice", "email": "alice@example.com"}}),
    )
    .await;

    // 1. The application role, from the JWT.
    let app_creds = creds_of(
        web_identity(&server, APP_ROLE, &jwt)
            .await
            .credentials()
            .unwrap(),
    );

    // 2. The workgroup's tag names the Identity Center application.
    let tags = athena(&server, app_creds.clone())
        .list_tags_for_resource()
        .resource_arn(workgroup_arn("tip"))
        .send()
        .await
        .expect("Athena ListTagsForResource");
    let app = tags
        .tags()
        .iter()
        .find(|t| t.key() == Some(TAG))
        .and_then(|t| t.value())
        .expect("tag");
    assert_eq!(app, APP);

    // 3. Token exchange.
    let token = oidc(&server, app_creds.clone())
        .create_token_with_iam()
        .client_id(app)
        .grant_type(JWT_BEARER)
        .assertion(&jwt)
        .send()
        .await
        .expect("CreateTokenWithIAM");
    assert_eq!(token.token_type(), Some("Bearer"));
    assert_eq!(token.expires_in(), 3600);
    assert_eq!(
        token.issued_token_type(),
        Some("urn:ietf:params:oauth:token-type:access_token")
    );
    assert!(token.scope().iter().any(|s| s == "sts:identity_context"));
    let id_token = token.id_token().expect("idToken");
    let claims = claims_of(id_token);
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["aud"], APP);
    let context = identity_context(&server, id_token).await;
    assert_eq!(
        token
            .aws_additional_details()
            .and_then(|d| d.identity_context()),
        Some(context.as_str())
    );

    // The same assertion again: its jti was used.
    let e = oidc(&server, app_creds.clone())
        .create_token_with_iam()
        .client_id(app)
        .grant_type(JWT_BEARER)
        .assertion(&jwt)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidGrantException"));
    assert!(e.as_service_error().unwrap().is_invalid_grant_exception());
    let text = format!("{:?}", e.as_service_error().unwrap());
    assert!(text.contains("jti was already used"), "{text}");
    assert!(!text.contains(&jwt));

    // 4. The application's tag names the access role.
    let app_tags = sso_admin(&server, app_creds.clone())
        .list_tags_for_resource()
        .instance_arn(INSTANCE)
        .resource_arn(app)
        .send()
        .await
        .expect("SSO Admin ListTagsForResource");
    let access_role = app_tags
        .tags()
        .iter()
        .find(|t| t.key() == TAG)
        .map(|t| t.value().to_string())
        .expect("access role tag");
    assert_eq!(access_role, ACCESS_ROLE);

    // 5. Identity-enhanced credentials.
    let ctx = aws_sdk_sts::types::ProvidedContext::builder()
        .provider_arn(IDC_PROVIDER)
        .context_assertion(&context)
        .build();
    let out = sts(&server, Some(app_creds.clone()))
        .assume_role()
        .role_arn(&access_role)
        .role_session_name("alice-session")
        .provided_contexts(ctx)
        .send()
        .await
        .expect("AssumeRole with ProvidedContexts");
    let access = creds_of(out.credentials().unwrap());
    let access_arn = format!("arn:aws:sts::{ACCOUNT}:assumed-role/accessRole/alice-session");
    assert_eq!(out.assumed_role_user().unwrap().arn(), access_arn);

    // The tip workgroup runs queries only for identity-enhanced credentials.
    assert_eq!(
        query_state(&athena(&server, access.clone()), "tip", "SELECT 1").await,
        QueryExecutionState::Succeeded
    );
    let e = athena(&server, app_creds.clone())
        .start_query_execution()
        .query_string("SELECT 1")
        .work_group("tip")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("AccessDeniedException"));
    assert!(e.message().unwrap().starts_with(
        "workgroup tip requires identity-enhanced credentials (trusted identity propagation)"
    ));
    // Plain role credentials still work elsewhere.
    assert_eq!(
        query_state(&athena(&server, app_creds.clone()), "primary", "SELECT 1").await,
        QueryExecutionState::Succeeded
    );
    // AssumeRole without context gives plain credentials.
    let plain = sts(&server, Some(app_creds.clone()))
        .assume_role()
        .role_arn(ACCESS_ROLE)
        .role_session_name("plain")
        .send()
        .await
        .expect("plain AssumeRole");
    let e = athena(&server, creds_of(plain.credentials().unwrap()))
        .start_query_execution()
        .query_string("SELECT 1")
        .work_group("tip")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("AccessDeniedException"));

    let records = calls(&server).await;
    let ops: Vec<(String, String)> = records
        .iter()
        .map(|r| {
            (
                r["service"].as_str().unwrap().to_string(),
                r["operation"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (service, op) in [
        ("sts", "AssumeRoleWithWebIdentity"),
        ("athena", "ListTagsForResource"),
        ("sso-oidc", "CreateTokenWithIAM"),
        ("sso-admin", "ListTagsForResource"),
        ("sts", "AssumeRole"),
        ("athena", "StartQueryExecution"),
    ] {
        assert!(
            ops.contains(&(service.to_string(), op.to_string())),
            "{service} {op} missing from {ops:?}"
        );
    }
    let tip_query = records
        .iter()
        .find(|r| r["operation"] == "StartQueryExecution" && r["status"] == 200)
        .unwrap();
    assert_eq!(tip_query["principal"], access_arn.as_str());
    assert_eq!(tip_query["identity_context_user"], "alice");
    let app_arn = format!("arn:aws:sts::{ACCOUNT}:assumed-role/applicationRole/driver-test");
    let exchange = records
        .iter()
        .find(|r| r["operation"] == "CreateTokenWithIAM")
        .unwrap();
    assert_eq!(exchange["principal"], app_arn.as_str());

    // No secret athena-local issued shows up in the call record.
    let issued = admin_json(&server, "GET", "/_athena_local/identity/issued", "").await;
    let record_text = serde_json::to_string(&records).unwrap();
    let mut secrets = Vec::new();
    for c in issued["credentials"].as_array().unwrap() {
        secrets.push(c["secret_access_key"].as_str().unwrap().to_string());
        secrets.push(c["session_token"].as_str().unwrap().to_string());
    }
    for t in issued["tokens"].as_array().unwrap() {
        assert_eq!(t["user"], "alice");
        for name in ["id_token", "access_token", "context_assertion"] {
            secrets.push(t[name].as_str().unwrap().to_string());
        }
    }
    for t in issued["test_tokens"].as_array().unwrap() {
        secrets.push(t["token"].as_str().unwrap().to_string());
    }
    assert!(secrets.len() >= 10, "{issued}");
    assert!(secrets.contains(&context));
    for s in &secrets {
        assert!(
            !record_text.contains(s.as_str()),
            "a secret leaked into the call record"
        );
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwt_tip_refusals() {
    let server = start(sample_config()).await;
    let jwt = mint(&server, json!({})).await;
    let app_creds = creds_of(
        web_identity(&server, APP_ROLE, &jwt)
            .await
            .credentials()
            .unwrap(),
    );
    let jwt_creds = creds_of(
        web_identity(&server, JWT_ROLE, &jwt)
            .await
            .credentials()
            .unwrap(),
    );
    let o = oidc(&server, app_creds.clone());

    let e = o
        .create_token_with_iam()
        .client_id("arn:aws:sso::111122223333:application/ssoins-1111222233334444/apl-unknown")
        .grant_type(JWT_BEARER)
        .assertion(&jwt)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidClientException"));
    let e = o
        .create_token_with_iam()
        .client_id(APP)
        .grant_type("authorization_code")
        .code("x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("UnsupportedGrantTypeException"));
    let e = o
        .create_token_with_iam()
        .client_id(APP)
        .grant_type(JWT_BEARER)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidRequestException"));
    let t = now();
    for (request, says) in [
        (
            json!({"claims": {"iat": t - 7200, "exp": t - 1}}),
            "expired at",
        ),
        (
            json!({"claims": {"aud": "other"}}),
            "token audience 'other' is not accepted",
        ),
        (json!({"signing": "wrong-key"}), "signature does not verify"),
    ] {
        let bad = mint(&server, request).await;
        let e = o
            .create_token_with_iam()
            .client_id(APP)
            .grant_type(JWT_BEARER)
            .assertion(&bad)
            .send()
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("InvalidGrantException"));
        let text = format!("{:?}", e.as_service_error().unwrap());
        assert!(text.contains(says), "{text}");
        assert!(!text.contains(&bad));
    }
    let token = o
        .create_token_with_iam()
        .client_id(APP)
        .grant_type(JWT_BEARER)
        .assertion(&jwt)
        .send()
        .await
        .expect("CreateTokenWithIAM");
    let context = identity_context(&server, token.id_token().unwrap()).await;

    let assume = |creds: Credentials, provider: &str, assertion: &str| {
        let ctx = aws_sdk_sts::types::ProvidedContext::builder()
            .provider_arn(provider)
            .context_assertion(assertion)
            .build();
        let client = sts(&server, Some(creds));
        async move {
            client
                .assume_role()
                .role_arn(ACCESS_ROLE)
                .role_session_name("s1")
                .provided_contexts(ctx)
                .send()
                .await
        }
    };
    // A forged context: same payload, a tag made without the server's secret.
    let (payload, _) = context.split_once('.').unwrap();
    let forged = format!("{payload}.{}", b64url([7u8; 32]));
    let e = assume(app_creds.clone(), IDC_PROVIDER, &forged)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("AccessDenied"));
    assert!(e
        .message()
        .unwrap()
        .contains("not issued by this IAM Identity Center"));
    assert!(!e.message().unwrap().contains(&forged));
    let e = assume(app_creds.clone(), IDC_PROVIDER, "garbage")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidParameterValue"));
    let e = assume(
        app_creds.clone(),
        "arn:aws:iam::aws:contextProvider/Other",
        &context,
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), Some("InvalidParameterValue"));
    assert!(e.message().unwrap().contains("IdentityCenter"));
    // The access role trusts only the application role.
    let e = assume(jwt_creds.clone(), IDC_PROVIDER, &context)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("AccessDenied"));
    assert!(e
        .message()
        .unwrap()
        .contains("not authorized to perform: sts:AssumeRole"));
    let e = assume(static_creds(), IDC_PROVIDER, &context)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("AccessDenied"));
    // Role chaining is limited to one hour.
    let e = sts(&server, Some(app_creds.clone()))
        .assume_role()
        .role_arn(ACCESS_ROLE)
        .role_session_name("long")
        .duration_seconds(7200)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ValidationError"));
    assert!(e.message().unwrap().contains("role chaining"));
    // The genuine context still works.
    assert!(assume(app_creds.clone(), IDC_PROVIDER, &context)
        .await
        .is_ok());

    // Tags: unknown resources, and the untagged ones.
    let a = athena(&server, app_creds.clone());
    let e = a
        .list_tags_for_resource()
        .resource_arn(workgroup_arn("nope"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ResourceNotFoundException"));
    let out = a
        .list_tags_for_resource()
        .resource_arn(workgroup_arn("untagged"))
        .send()
        .await
        .unwrap();
    assert!(out.tags().is_empty());
    let s = sso_admin(&server, app_creds.clone());
    let e = s
        .list_tags_for_resource()
        .instance_arn(INSTANCE)
        .resource_arn("arn:aws:sso::111122223333:application/ssoins-1111222233334444/apl-nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ResourceNotFoundException"));
    let e = s
        .list_tags_for_resource()
        .instance_arn("arn:aws:sso:::instance/ssoins-9999")
        .resource_arn(APP)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ResourceNotFoundException"));
    let out = s
        .list_tags_for_resource()
        .instance_arn(INSTANCE)
        .resource_arn(APP_NO_TAGS)
        .send()
        .await
        .unwrap();
    assert!(out.tags().is_empty());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issued_credentials_expire() {
    let server = start(sample_config()).await;
    let jwt = mint(&server, json!({})).await;
    let creds = creds_of(
        web_identity(&server, APP_ROLE, &jwt)
            .await
            .credentials()
            .unwrap(),
    );
    let a = athena(&server, creds.clone());
    a.list_work_groups().send().await.expect("works before");
    let v = admin_json(&server, "POST", "/_athena_local/identity/expire", "").await;
    assert_eq!(v["expired"], 1);
    let e = a.list_work_groups().send().await.unwrap_err();
    assert_eq!(e.code(), Some("ExpiredTokenException"));
    assert_eq!(
        e.message(),
        Some("The security token included in the request is expired")
    );
    let e = sts(&server, Some(creds.clone()))
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ExpiredTokenException"));
    let e = oidc(&server, creds.clone())
        .create_token_with_iam()
        .client_id(APP)
        .grant_type(JWT_BEARER)
        .assertion(&jwt)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ExpiredTokenException"));
    let e = sso_admin(&server, creds.clone())
        .list_tags_for_resource()
        .resource_arn(APP)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ExpiredTokenException"));

    // A runtime cap on the lifetime of new credentials.
    let v = admin_json(
        &server,
        "PUT",
        "/_athena_local/identity/settings",
        r#"{"credential_lifetime_seconds": 2}"#,
    )
    .await;
    assert_eq!(v["credential_lifetime_seconds"], 2);
    let fresh = mint(&server, json!({})).await;
    let out = web_identity(&server, JWT_ROLE, &fresh).await;
    let c = out.credentials().unwrap();
    assert!(c.expiration().secs() - now() <= 2);
    let a = athena(&server, creds_of(c));
    a.list_work_groups()
        .send()
        .await
        .expect("fresh credentials work");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let e = a.list_work_groups().send().await.unwrap_err();
    assert_eq!(e.code(), Some("ExpiredTokenException"));
    let (status, _) = http(
        &server,
        "PUT",
        "/_athena_local/identity/settings",
        r#"{"credential_lifetime_seconds": 0}"#,
    )
    .await;
    assert_eq!(status, 400);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_identity_endpoints() {
    let server = start(sample_config()).await;
    let issuer = server.test_issuer_url();
    let doc = admin_json(
        &server,
        "GET",
        "/_athena_local/issuer/.well-known/openid-configuration",
        "",
    )
    .await;
    assert_eq!(doc["issuer"], issuer.as_str());
    assert_eq!(doc["jwks_uri"], format!("{issuer}/jwks"));
    let jwks = admin_json(&server, "GET", "/_athena_local/issuer/jwks", "").await;
    assert_eq!(jwks["keys"][0]["kty"], "EC");
    assert_eq!(jwks["keys"][0]["crv"], "P-256");
    let token = mint(&server, json!({})).await;
    let claims = claims_of(&token);
    assert_eq!(claims["iss"], issuer.as_str());
    assert_eq!(claims["aud"], "athena-local");
    assert_eq!(claims["sub"], "test-user");
    assert_eq!(claims["email"], "test-user@example.com");
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()));
    assert!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap() == 3600);
    // An empty body mints the defaults.
    let (status, body) = http(&server, "POST", "/_athena_local/issuer/token", "").await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = http(
        &server,
        "POST",
        "/_athena_local/issuer/token",
        r#"{"nope":1}"#,
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = http(
        &server,
        "POST",
        "/_athena_local/issuer/token",
        r#"{"signing":"maybe"}"#,
    )
    .await;
    assert_eq!(status, 400);
    let settings = admin_json(&server, "GET", "/_athena_local/identity/settings", "").await;
    assert_eq!(
        settings,
        json!({"credential_lifetime_seconds": null, "id_token_lifetime_seconds": 3600})
    );
    let issued = admin_json(&server, "GET", "/_athena_local/identity/issued", "").await;
    assert_eq!(issued["test_tokens"].as_array().unwrap().len(), 2);
    let idc = admin_json(
        &server,
        "GET",
        "/_athena_local/identity-center/.well-known/openid-configuration",
        "",
    )
    .await;
    assert!(idc["issuer"]
        .as_str()
        .unwrap()
        .ends_with("/_athena_local/identity-center"));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_service_must_fit_the_route() {
    let server = start(sample_config()).await;
    // Correctly signed, but for STS.
    let (status, _, body) =
        signed(&server, "AmazonAthena.ListWorkGroups", "{}", "test", "sts").await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("Credential should be scoped to correct service: 'athena'."),
        "{body}"
    );
    server.shutdown().await;
}

// ---- an external RS256 issuer, served over plain HTTP -----------------------

/// A throwaway 2048-bit RSA key made for this test only.
const RSA_PEM: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Jhj1iR6maYTX2W9xr44KEUNpPm8rb0Lx9O6arDw6H8Q3lzR\ngUrsxOlKGNIDdDhj8PuQtMRCK5lYMsM8ysfSG3HFr40TdEZCYm5gyWgeKQeqecOh\n1Yg6ckfI08KSrYrL1EtSJtNq2NTLM1mIPQI/vms7xpmwsmSw2aKCrlWR+iHeJHXR\nx//NFqglW7+C/JJQTNySUnNWT1zvQ4D0qQzfzLq0eTZ2N0/xkH4W1VYwQH5x7A8e\ns9YXI8y3SLOPz8k0NYtD8qAcd77zcY2DiG+KHhNXtIWfyaT5SZEoXAt4/XffvQtu\nQsnHSGhl7eK3uGOU8EwO5aCcyZFicSnk4Sx8dwIDAQABAoIBAFXUl1fdVrSM2VHP\neOEo5xnIEHCF2SNygHBuUcSsdvfHZO1YCQ449FoDeVih8kUYoc5EW3/yMtra7eXG\ncFNoHzidcnEFP7IImlDJKLCE6eNF/88jzsaSHEeV5a57MO4EKJ2/9sVzkkmutieT\nKP6v7tRszdPOveETa3oqkJU7ZzJ+nOCQ12lyLs/wGZkr6bE5o6usRY2TJIvHVffY\nVOpwdCwoERcedhuwCB3Ulh6uzIV1ZLqAnFMAL1f3XYnlP4LGlRlXtTp2Ez0b13pA\nNaREUVr6S9VflykS1/wyU8f2RLTAeh9G4Az/QluGb7diJutVVtTLpaNotC+RDAql\nmBUYxjECgYEA+FxADxVGJb+3xONMg7qImWP4W5q8SOmtAZUCLAPf5uabxtBjV/OR\n3N7b4X4YrzRvyczjtCIu71Huei5lCevrJryYHf9BxGUR9azMbT3bJZFsFxx1mwBw\nXLtmhK3NPx9WftPgSTi2VVnVmuQ4GfdGaBUzKw11fZZ64LP/htC2T3ECgYEA42F/\n5ZUMOamvR+qY4yBKyn+eZwTPjWP2LT/WfEcXtnJqB92Q84FZE4aSko3Ukzsc4r4w\nw5ZZ7xcwK5dmYzvbXQKtazX7ZMGC5Sk6ECW+1pL4u+0tbw/Ant/A9GeXF954SoAT\ndBImSRQl4hXFMpLf9pizqIQUdPqGBgQq+kAj5mcCgYEAz2fqry3q+NdUVn4jhdaf\nAMo1u/pKxvEuY6XWvH832pI3AR9B908XPsZ2BafSYW5+9J3AgswROhbH+w0Hn/N+\n20igGFz0xVhKWUpHJeuEOalqBRrlM95391kg0ih6wP4gs6WpJjzQOBLfiYyRNU4F\nZCJgKtIAjjK+xyxKdoGR3mECgYBjWWeDjYNA8qY2eweAPczP+8DfbFevhJy8mqcB\nuCJhQk6XzzSVYM/l2yfRxwy5o9t0KvutidUTxYLzmPxQoYewdQoGzRhhpreln0TS\nZ1uh76eknPX8D9ruz/9ECrsW38qZaqqVTZTS223OAgselNQsr/3XxJYXoprKqCmL\nHFlTQwKBgQDvPr4v1N/wbfShGDgm0CbjMjbECIlzwQqsc8+0C7hsCrcRKMjbRRTb\nJ8CyKbjVEGOV1dH3u0Q3Kd+Gcz8nAkisQ7JXUAZpDv4bMVRxEeyYTbmOtMkBVJsg\ngdrFqoG4YcFHo4FVQeJvC9v2N8sNRpU76JPZX6l5qNZa1MncPmyoyg==\n-----END RSA PRIVATE KEY-----";
const RSA_N: &str = "3Jhj1iR6maYTX2W9xr44KEUNpPm8rb0Lx9O6arDw6H8Q3lzRgUrsxOlKGNIDdDhj8PuQtMRCK5lYMsM8ysfSG3HFr40TdEZCYm5gyWgeKQeqecOh1Yg6ckfI08KSrYrL1EtSJtNq2NTLM1mIPQI_vms7xpmwsmSw2aKCrlWR-iHeJHXRx__NFqglW7-C_JJQTNySUnNWT1zvQ4D0qQzfzLq0eTZ2N0_xkH4W1VYwQH5x7A8es9YXI8y3SLOPz8k0NYtD8qAcd77zcY2DiG-KHhNXtIWfyaT5SZEoXAt4_XffvQtuQsnHSGhl7eK3uGOU8EwO5aCcyZFicSnk4Sx8dw";

fn rsa_jwk(kid: &str) -> Value {
    json!({"kty": "RSA", "n": RSA_N, "e": "AQAB", "kid": kid, "alg": "RS256", "use": "sig"})
}

fn rsa_token(iss: &str, kid: &str, extra: Value) -> String {
    let t = now();
    let mut claims = json!({"iss": iss, "aud": "my-client", "sub": "rsa-user", "iat": t, "exp": t + 600,
        "jti": uuid::Uuid::new_v4().to_string()});
    if let (Some(c), Value::Object(e)) = (claims.as_object_mut(), extra) {
        c.extend(e);
    }
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(kid.to_string());
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(RSA_PEM.as_bytes()).expect("test key");
    jsonwebtoken::encode(&header, &claims, &key).expect("sign")
}

/// A minimal OIDC issuer: discovery and a JWKS that tests can rotate.
struct FakeIssuer {
    url: String,
    jwks: Arc<Mutex<Value>>,
    jwks_fetches: Arc<AtomicUsize>,
}

async fn fake_issuer() -> FakeIssuer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let jwks = Arc::new(Mutex::new(json!({"keys": [rsa_jwk("k1")]})));
    let jwks_fetches = Arc::new(AtomicUsize::new(0));
    let (base, keys, fetches) = (url.clone(), Arc::clone(&jwks), Arc::clone(&jwks_fetches));
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (base, keys, fetches) = (base.clone(), Arc::clone(&keys), Arc::clone(&fetches));
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
                let (status, body) = match path.as_str() {
                    "/.well-known/openid-configuration" => (
                        "200 OK",
                        json!({"issuer": base, "jwks_uri": format!("{base}/keys")}).to_string(),
                    ),
                    "/keys" => {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        ("200 OK", keys.lock().unwrap().to_string())
                    }
                    _ => ("404 Not Found", "{}".to_string()),
                };
                let resp = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(resp.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    FakeIssuer {
        url,
        jwks,
        jwks_fetches,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn external_rs256_issuer() {
    let issuer = fake_issuer().await;
    let url = &issuer.url;
    let toml = format!(
        r#"
        [[identity.issuers]]
        url = "{url}"
        audiences = ["my-client"]
        [[identity.issuers]]
        url = "http://127.0.0.1:1"
        audiences = ["my-client"]
        [[identity.roles]]
        arn = "arn:aws:iam::111122223333:role/corpRole"
        trusted_issuers = ["{url}", "http://127.0.0.1:1"]
        [[identity.applications]]
        arn = "{APP}"
        trusted_issuers = ["{url}"]
        user_claim = "email"
        "#
    );
    let config = athena_local::Config::from_toml_str(&toml, &data_dir()).expect("config");
    let server = start(config).await;
    let role = "arn:aws:iam::111122223333:role/corpRole";

    let token = rsa_token(url, "k1", json!({}));
    let out = web_identity(&server, role, &token).await;
    assert_eq!(out.provider(), Some(url.as_str()));
    assert_eq!(out.subject_from_web_identity_token(), Some("rsa-user"));
    assert_eq!(issuer.jwks_fetches.load(Ordering::SeqCst), 1);
    web_identity(&server, role, &rsa_token(url, "k1", json!({}))).await;
    assert_eq!(
        issuer.jwks_fetches.load(Ordering::SeqCst),
        1,
        "keys are cached"
    );

    // Rotation: an unknown kid makes athena-local look once more.
    *issuer.jwks.lock().unwrap() = json!({"keys": [rsa_jwk("k2")]});
    web_identity(&server, role, &rsa_token(url, "k2", json!({}))).await;
    assert_eq!(issuer.jwks_fetches.load(Ordering::SeqCst), 2);
    refused(
        &server,
        role,
        &rsa_token(url, "k3", json!({})),
        "InvalidIdentityToken",
        "no key with the token's kid 'k3'",
    )
    .await;
    assert_eq!(issuer.jwks_fetches.load(Ordering::SeqCst), 3);

    // A trusted issuer that cannot be reached.
    let lost = rsa_token("http://127.0.0.1:1", "k1", json!({}));
    refused(
        &server,
        role,
        &lost,
        "IDPCommunicationError",
        "cannot read the issuer's OpenID discovery document",
    )
    .await;
    // Test-issuer tokens are still accepted by the account, but not by this role.
    let test_token = mint(&server, json!({})).await;
    refused(
        &server,
        role,
        &test_token,
        "AccessDenied",
        "does not trust issuer",
    )
    .await;

    // The application maps the user from `email`.
    let creds = creds_of(out.credentials().unwrap());
    let o = oidc(&server, creds);
    let assertion = rsa_token(url, "k2", json!({"email": "rsa@example.com"}));
    let token = o
        .create_token_with_iam()
        .client_id(APP)
        .grant_type(JWT_BEARER)
        .assertion(&assertion)
        .send()
        .await
        .expect("CreateTokenWithIAM");
    assert_eq!(
        claims_of(token.id_token().unwrap())["sub"],
        "rsa@example.com"
    );
    let e = o
        .create_token_with_iam()
        .client_id(APP)
        .grant_type(JWT_BEARER)
        .assertion(rsa_token(url, "k2", json!({})))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidGrantException"));
    let e = o
        .create_token_with_iam()
        .client_id(APP)
        .grant_type(JWT_BEARER)
        .assertion(test_token)
        .send()
        .await
        .unwrap_err();
    let text = format!("{:?}", e.as_service_error().unwrap());
    assert!(text.contains("is not trusted by application"), "{text}");
    server.shutdown().await;
}
