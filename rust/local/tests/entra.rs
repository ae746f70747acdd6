//! Entra ID's browser sign-in end to end against an in-process server: the
//! sign-in page, the authorization response (form_post and query), the
//! authorization code grant with PKCE, the refresh token grant, and the SAML
//! token accepted by STS AssumeRoleWithSAML (the real aws-sdk-sts).

mod common;

use athena_local::identity::keys::{b64url, b64url_decode};
use athena_local::ServerHandle;
use aws_sdk_sts::config::{BehaviorVersion, Region};
use base64::Engine;
use common::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

const TENANT: &str = "corp-tenant";
const CLIENT: &str = "aws-athena-app";
const SECRET: &str = "entra-client-secret-not-for-logs";
const REDIRECT: &str = "http://localhost:7890/athena";
const SAML2: &str = "urn:ietf:params:oauth:token-type:saml2";
const VERIFIER: &str = "a-pkce-verifier-of-at-least-forty-three-characters";

/// One HTTP/1.1 exchange of `form`: status, head (names in lower case), body.
async fn send(
    server: &ServerHandle,
    method: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let body = encode(form);
    exchange(
        server,
        method,
        path,
        "application/x-www-form-urlencoded",
        &body,
    )
    .await
}

fn encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                athena_local::sigv4::uri_encode(k.as_bytes(), false),
                athena_local::sigv4::uri_encode(v.as_bytes(), false)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The value of the hidden or text input `name` of a page.
fn input(page: &str, name: &str) -> Option<String> {
    let at = page.find(&format!(r#"name="{name}" value=""#))?;
    let rest = &page[at + name.len() + 15..];
    Some(rest[..rest.find('"')?].replace("&amp;", "&"))
}

fn authorize_path(extra: &[(&str, &str)]) -> String {
    let challenge = b64url(Sha256::digest(VERIFIER.as_bytes()));
    let mut query = vec![
        ("client_id", CLIENT),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("response_mode", "form_post"),
        ("scope", "openid"),
        ("state", "state-1"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in extra {
        query.retain(|(q, _)| q != k);
        if !v.is_empty() {
            query.push((k, v));
        }
    }
    format!("/{TENANT}/oauth2/authorize?{}", encode(&query))
}

/// Opens the sign-in page and signs in as `user`: the page answered.
async fn sign_in(
    server: &ServerHandle,
    extra: &[(&str, &str)],
    user: &str,
    password: &str,
) -> (u16, String, String) {
    let (status, _, page) = send(server, "GET", &authorize_path(extra), &[]).await;
    assert_eq!(status, 200, "{page}");
    let ctx = input(&page, "ctx").expect("the page's ctx");
    send(
        server,
        "POST",
        &format!("/{TENANT}/oauth2/authorize"),
        &[("loginfmt", user), ("passwd", password), ("ctx", &ctx)],
    )
    .await
}

/// A code for ana, from the form_post answer.
async fn code(server: &ServerHandle) -> String {
    let (status, _, page) =
        sign_in(server, &[], "ana@corp.example", "ana-password-not-for-logs").await;
    assert_eq!(status, 200, "{page}");
    input(&page, "code").expect("a code in the form")
}

async fn token(server: &ServerHandle, form: &[(&str, &str)]) -> (u16, Value) {
    let (status, _, body) = send(server, "POST", &format!("/{TENANT}/oauth2/token"), form).await;
    (status, serde_json::from_str(&body).expect("JSON"))
}

async fn redeem(server: &ServerHandle, code: &str, changes: &[(&str, &str)]) -> (u16, Value) {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
        ("client_id", CLIENT),
        ("requested_token_type", SAML2),
        ("resource", CLIENT),
        ("scope", "openid"),
    ];
    for (k, v) in changes {
        form.retain(|(f, _)| f != k);
        if !v.is_empty() {
            form.push((k, v));
        }
    }
    token(server, &form).await
}

/// The refresh token grant, as BrowserAzureAD asks.
async fn renew(server: &ServerHandle, refresh: &str) -> (u16, Value) {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh),
        ("client_id", CLIENT),
        ("requested_token_type", SAML2),
        ("resource", CLIENT),
    ];
    token(server, &form).await
}

fn description(answer: &Value) -> String {
    answer["error_description"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn operations(server: &ServerHandle) -> Vec<String> {
    let (_, body) = http(server, "GET", "/_athena_local/calls", "").await;
    let calls: Value = serde_json::from_str(&body).unwrap();
    calls
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["service"] == "entra-id")
        .map(|c| c["operation"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_sign_in_page_answers_a_form_post_with_a_code_and_the_state() {
    let server = start(sample_config()).await;
    let (status, head, page) = send(&server, "GET", &authorize_path(&[]), &[]).await;
    assert_eq!(status, 200, "{page}");
    assert!(head.contains("cache-control: no-store"), "{head}");
    assert!(page.contains(r#"name="loginfmt""#) && page.contains(r#"name="passwd""#));
    let ctx = input(&page, "ctx").unwrap();
    let post = |user: &'static str, password: &'static str| {
        let ctx = ctx.clone();
        let server = &server;
        async move {
            send(
                server,
                "POST",
                &format!("/{TENANT}/oauth2/authorize"),
                &[("loginfmt", user), ("passwd", password), ("ctx", &ctx)],
            )
            .await
        }
    };
    // A wrong password shows Entra's message and lets the person retry.
    let (status, _, wrong) = post("ana@corp.example", "not-her-password").await;
    assert_eq!(status, 200);
    assert!(
        wrong.contains(r#"id="passwordError""#)
            && wrong.contains("Your account or password is incorrect"),
        "{wrong}"
    );
    assert_eq!(
        input(&wrong, "loginfmt").as_deref(),
        Some("ana@corp.example")
    );
    let (_, _, unknown) = post("nobody@corp.example", "x").await;
    assert!(unknown.contains(r#"id="usernameError""#), "{unknown}");
    let (status, _, answer) = post("ana@corp.example", "ana-password-not-for-logs").await;
    assert_eq!(status, 200, "{answer}");
    assert!(
        answer.contains(&format!(r#"action="{REDIRECT}""#)),
        "{answer}"
    );
    assert!(answer.contains("document.forms[0].submit()"), "{answer}");
    assert_eq!(input(&answer, "state").as_deref(), Some("state-1"));
    let code = input(&answer, "code").unwrap();
    assert!(code.starts_with("0.A") && code.len() > 40, "{code}");
    // The page cannot be posted twice.
    let (status, _, again) = post("ana@corp.example", "ana-password-not-for-logs").await;
    assert_eq!(status, 400, "{again}");
    assert_eq!(
        operations(&server).await,
        [
            "EntraAuthorize",
            "EntraSignIn",
            "EntraSignIn",
            "EntraSignIn",
            "EntraSignIn"
        ]
    );
    server.shutdown().await;
}

#[tokio::test]
async fn query_mode_redirects_and_cancel_is_access_denied() {
    let server = start(sample_config()).await;
    let (status, head, _) = sign_in(
        &server,
        &[("response_mode", "")],
        "ana@corp.example",
        "ana-password-not-for-logs",
    )
    .await;
    assert_eq!(status, 302);
    let location = head
        .lines()
        .find_map(|l| l.strip_prefix("location: "))
        .unwrap()
        .to_string();
    assert!(
        location.starts_with(&format!("{REDIRECT}?code=0.A")),
        "{location}"
    );
    assert!(location.ends_with("&state=state-1"), "{location}");

    let (_, _, page) = send(&server, "GET", &authorize_path(&[]), &[]).await;
    let ctx = input(&page, "ctx").unwrap();
    let (status, _, answer) = send(
        &server,
        "POST",
        &format!("/{TENANT}/oauth2/authorize"),
        &[("ctx", &ctx), ("cancel", "Cancel")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(input(&answer, "error").as_deref(), Some("access_denied"));
    assert!(input(&answer, "error_description")
        .unwrap()
        .starts_with("AADSTS65004"));
    assert_eq!(input(&answer, "state").as_deref(), Some("state-1"));
    assert!(input(&answer, "code").is_none());
    server.shutdown().await;
}

#[tokio::test]
async fn bad_requests_get_an_error_page_or_an_error_answer() {
    let mut config = sample_config();
    config.identity.entra_apps[0]
        .redirect_uris
        .push("https://app.corp.example/athena".into());
    let server = start(config).await;
    let page = |path: String| {
        let server = &server;
        async move { send(server, "GET", &path, &[]).await }
    };
    let (status, _, text) = page(authorize_path(&[]).replace(TENANT, "other-tenant")).await;
    assert_eq!(status, 400);
    assert!(text.contains("AADSTS90002"), "{text}");
    let (status, _, text) = page(authorize_path(&[("client_id", "other-app")])).await;
    assert_eq!(status, 400);
    assert!(text.contains("AADSTS700016"), "{text}");
    // Never redirected to an address the application did not register.
    let (status, head, text) = page(authorize_path(&[(
        "redirect_uri",
        "https://evil.example/athena",
    )]))
    .await;
    assert_eq!(status, 400);
    assert!(
        text.contains("AADSTS50011") && !head.contains("location"),
        "{text}"
    );
    let (status, _, _) = page(authorize_path(&[(
        "redirect_uri",
        "https://app.corp.example/athena",
    )]))
    .await;
    assert_eq!(status, 200);
    let (status, _, _) = page(authorize_path(&[(
        "redirect_uri",
        "http://127.0.0.1:50123/athena",
    )]))
    .await;
    assert_eq!(status, 200);
    // Past the redirect check, errors go to the application.
    let (status, _, text) = page(authorize_path(&[("response_type", "token")])).await;
    assert_eq!(status, 200);
    assert_eq!(
        input(&text, "error").as_deref(),
        Some("unsupported_response_type")
    );
    let (_, _, text) = page(authorize_path(&[("code_challenge_method", "S512")])).await;
    assert_eq!(input(&text, "error").as_deref(), Some("invalid_request"));
    server.shutdown().await;
}

#[tokio::test]
async fn a_code_is_redeemed_once_with_its_verifier_for_a_saml_token_sts_accepts() {
    let server = start(sample_config()).await;
    let code = code(&server).await;
    // A wrong client secret does not spend the code; none at all is a public client.
    let (status, answer) = redeem(&server, &code, &[("client_secret", "wrong")]).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, answer) = redeem(&server, &code, &[]).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["issued_token_type"], SAML2);
    let refresh = answer["refresh_token"].as_str().unwrap().to_string();
    assert!(refresh.starts_with("0.A"));
    let assertion =
        String::from_utf8(b64url_decode(answer["access_token"].as_str().unwrap()).unwrap())
            .unwrap();
    assert!(
        assertion.starts_with("<saml:Assertion")
            || assertion.starts_with("<saml2:Assertion")
            || assertion.contains(":Assertion"),
        "{assertion}"
    );
    assert!(assertion.contains("ana@corp.example"));
    let (status, again) = redeem(&server, &code, &[]).await;
    assert_eq!(
        (status, again["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert!(description(&again).starts_with("AADSTS54005"), "{again}");

    // The SAML token, wrapped as the drivers do, signs in at STS.
    let response = format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>{assertion}</samlp:Response>"#
    );
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(server.endpoint_url())
            .build(),
    );
    let out = sts
        .assume_role_with_saml()
        .role_arn("arn:aws:iam::111122223333:role/samlRole")
        .principal_arn("arn:aws:iam::111122223333:saml-provider/Corp")
        .saml_assertion(base64::engine::general_purpose::STANDARD.encode(response))
        .send()
        .await
        .expect("AssumeRoleWithSAML");
    assert!(out
        .assumed_role_user()
        .unwrap()
        .arn()
        .ends_with(":assumed-role/samlRole/ana@corp.example"));

    // The refresh token gives a new SAML token, and a new refresh token.
    let (status, renewed) = renew(&server, &refresh).await;
    assert_eq!(status, 200, "{renewed}");
    assert_ne!(renewed["access_token"], answer["access_token"]);
    assert!(renewed["refresh_token"]
        .as_str()
        .unwrap()
        .starts_with("0.A"));
    let (status, unknown) = renew(&server, "0.Anot-a-refresh-token").await;
    assert_eq!(status, 400);
    assert!(
        description(&unknown).starts_with("AADSTS9002313"),
        "{unknown}"
    );
    assert_eq!(
        operations(&server).await,
        [
            "EntraAuthorize",
            "EntraSignIn",
            "EntraToken",
            "EntraToken",
            "EntraToken",
            "EntraToken",
            "EntraToken"
        ]
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_code_is_bound_to_its_verifier_redirect_and_application() {
    let server = start(sample_config()).await;
    for (changes, says) in [
        (
            vec![(
                "code_verifier",
                "another-verifier-of-at-least-forty-three-chars",
            )],
            "AADSTS501481",
        ),
        (vec![("code_verifier", "")], "AADSTS501481"),
        (
            vec![("redirect_uri", "http://localhost:7891/athena")],
            "AADSTS500112",
        ),
    ] {
        let code = code(&server).await;
        let (status, answer) = redeem(&server, &code, &changes).await;
        assert_eq!(status, 400, "{changes:?}: {answer}");
        assert_eq!(answer["error"], "invalid_grant");
        assert!(
            description(&answer).starts_with(says),
            "{changes:?}: {answer}"
        );
        // The failed attempt spent the code.
        let (_, again) = redeem(&server, &code, &[]).await;
        assert!(description(&again).starts_with("AADSTS54005"), "{again}");
    }
    for (changes, error, says) in [
        (vec![("code", "0.Aforged")], "invalid_grant", "AADSTS70000"),
        (vec![("code", "")], "invalid_request", "AADSTS900144"),
        (
            vec![(
                "requested_token_type",
                "urn:ietf:params:oauth:token-type:jwt",
            )],
            "invalid_request",
            "AADSTS50027",
        ),
        (
            vec![("resource", "https://graph.microsoft.com")],
            "invalid_resource",
            "AADSTS500011",
        ),
        (
            vec![("client_id", "other-app")],
            "unauthorized_client",
            "AADSTS700016",
        ),
    ] {
        let code = code(&server).await;
        let (_, answer) = redeem(&server, &code, &changes).await;
        assert_eq!(answer["error"], error, "{changes:?}: {answer}");
        assert!(
            description(&answer).starts_with(says),
            "{changes:?}: {answer}"
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn an_expired_refresh_token_is_refused() {
    let mut config = sample_config();
    config.identity.entra_apps[0].refresh_token_seconds = 0;
    let server = start(config).await;
    let code = code(&server).await;
    let (status, answer) = redeem(&server, &code, &[("client_secret", SECRET)]).await;
    assert_eq!(status, 200, "{answer}");
    let refresh = answer["refresh_token"].as_str().unwrap();
    let (status, refused) = renew(&server, refresh).await;
    assert_eq!(status, 400);
    assert!(
        description(&refused).starts_with("AADSTS700082"),
        "{refused}"
    );
    server.shutdown().await;
}
