//! AWS STS (awsQuery protocol): form-encoded `POST /`, XML answers.

mod actions;

use super::xml::escape as xml_escape;
use super::{authenticate, with_request_id, RequestHead, ServeFuture, Served, Service};
use crate::errors::ApiError;
use crate::server::{apply_faults_as, response, AppState};
use bytes::Bytes;
use hyper::Method;
use std::collections::HashMap;

const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

pub struct StsService;

impl Service for StsService {
    fn name(&self) -> &'static str {
        "sts"
    }

    fn signing_name(&self) -> &'static str {
        "sts"
    }

    fn claims(&self, head: &RequestHead<'_>) -> bool {
        let form = head
            .parts
            .headers
            .get(hyper::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        head.parts.method == Method::POST && form
    }

    fn serve<'a>(
        &'a self,
        state: &'a AppState,
        head: &'a RequestHead<'a>,
        body: Result<Bytes, ApiError>,
        request_id: &'a str,
    ) -> ServeFuture<'a> {
        Box::pin(async move {
            let mut operation = String::new();
            let mut caller = None;
            let result = async {
                let body = body?;
                let params = parse_form(&body)?;
                operation = params.get("Action").cloned().unwrap_or_default();
                // The federation calls are unsigned: the token or assertion is the credential.
                if operation != "AssumeRoleWithWebIdentity" && operation != "AssumeRoleWithSAML" {
                    let who = authenticate(state, self, head.parts, &body).map_err(auth_error)?;
                    caller = Some(who);
                }
                // STS's code for IAM's refusal, naming the caller when signed.
                let arn = caller.as_ref().map(|c| c.arn.clone());
                apply_faults_as(state, &operation, || {
                    let e = crate::faults::iam_denial(arn.as_deref(), &format!("sts:{operation}"));
                    ApiError::new(403, "AccessDenied", e.message)
                })
                .await?;
                actions::run(&state.identity, &operation, &params, caller.as_ref()).await
            }
            .await;
            let resp = match &result {
                Ok(inner) => response(
                    200,
                    success_xml(&operation, inner, request_id).into_bytes(),
                    "text/xml",
                ),
                Err(e) => response(e.status, error_xml(e, request_id).into_bytes(), "text/xml"),
            };
            Served {
                response: with_request_id(resp, request_id),
                operation,
                caller,
                error_type: result.err().map(|e| e.error_type.to_string()),
            }
        })
    }
}

/// STS names for the SigV4 failures (`InvalidClientTokenId`, ...).
fn auth_error(e: ApiError) -> ApiError {
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
pub(crate) fn parse_form(body: &[u8]) -> Result<HashMap<String, String>, ApiError> {
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

/// `<name>value</name>`, the value escaped.
fn el(name: &str, value: &str) -> String {
    format!("<{name}>{}</{name}>", xml_escape(value))
}

fn success_xml(action: &str, result: &str, request_id: &str) -> String {
    format!(
        "<{action}Response xmlns=\"{NAMESPACE}\"><{action}Result>{result}</{action}Result><ResponseMetadata>{}</ResponseMetadata></{action}Response>",
        el("RequestId", request_id)
    )
}

fn error_xml(e: &ApiError, request_id: &str) -> String {
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
        let e = ApiError::new(403, "AccessDenied", "no <way>");
        let x = error_xml(&e, "rid");
        assert!(x.contains("<Code>AccessDenied</Code><Message>no &lt;way&gt;</Message>"));
        assert!(x.contains("<Type>Sender</Type>"));
        assert_eq!(
            auth_error(ApiError::unrecognized_client()).error_type,
            "InvalidClientTokenId"
        );
    }
}
