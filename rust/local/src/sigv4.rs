//! AWS Signature Version 4 verification (header-based `Authorization`).

use crate::config::Config;
use crate::errors::ApiError;
use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use hyper::HeaderMap;
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const SIGNATURE_MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/// The parts of a request that SigV4 covers.
pub struct SignedRequest<'a> {
    pub method: &'a str,
    /// Raw (still percent-encoded) path.
    pub path: &'a str,
    /// Raw query string without `?`.
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// A parsed `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub access_key_id: String,
    pub date: String,
    pub region: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

impl Authorization {
    pub fn scope(&self) -> String {
        format!(
            "{}/{}/{}/aws4_request",
            self.date, self.region, self.service
        )
    }
}

/// Parses `AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=a;b, Signature=hex`.
pub fn parse_authorization(value: &str) -> Result<Authorization, ApiError> {
    let rest = value
        .strip_prefix(ALGORITHM)
        .ok_or_else(|| ApiError::incomplete_signature("Unsupported authorization algorithm"))?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = Some(v);
        } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed = Some(v);
        } else if let Some(v) = part.strip_prefix("Signature=") {
            signature = Some(v);
        }
    }
    let missing = |name: &str| {
        ApiError::incomplete_signature(format!(
            "Authorization header requires '{name}' parameter. Authorization={value}"
        ))
    };
    let credential = credential.ok_or_else(|| missing("Credential"))?;
    let signed = signed.ok_or_else(|| missing("SignedHeaders"))?;
    let signature = signature.ok_or_else(|| missing("Signature"))?;
    // The access key id itself cannot contain '/', so split from the right.
    let parts: Vec<&str> = credential.rsplitn(5, '/').collect();
    if parts.len() != 5 || parts[0] != "aws4_request" {
        return Err(ApiError::incomplete_signature(format!(
            "Credential should be scoped to a valid region and service: {credential}"
        )));
    }
    Ok(Authorization {
        access_key_id: parts[4].to_string(),
        date: parts[3].to_string(),
        region: parts[2].to_string(),
        service: parts[1].to_string(),
        signed_headers: signed.split(';').map(|s| s.to_ascii_lowercase()).collect(),
        signature: signature.to_ascii_lowercase(),
    })
}

/// RFC 3986 encoding of everything but unreserved characters, as SigV4 wants.
pub fn uri_encode(input: &[u8], keep_slash: bool) -> String {
    let mut out = String::with_capacity(input.len());
    for &b in input {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b'/' if keep_slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

pub fn percent_decode(input: &str) -> Vec<u8> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex_val(bytes[i + 1]), hex_val(bytes[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Canonical URI: every path segment encoded once more, as the AWS SDKs do
/// for every service but S3.
pub fn canonical_uri(path: &str) -> String {
    if path.is_empty() {
        return "/".to_string();
    }
    uri_encode(path.as_bytes(), true)
}

/// Canonical query string: decoded, re-encoded and sorted by name then value.
pub fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                uri_encode(&percent_decode(k), false),
                uri_encode(&percent_decode(v), false),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Header value with leading/trailing blanks trimmed and inner runs collapsed.
fn trim_header_value(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Builds the canonical request for the given signed header names.
pub fn canonical_request(
    req: &SignedRequest<'_>,
    signed_headers: &[String],
    payload_hash: &str,
    service: &str,
) -> Result<String, ApiError> {
    let mut canonical_headers = String::new();
    for name in signed_headers {
        let mut values = Vec::new();
        for v in req.headers.get_all(name.as_str()) {
            let v = v.to_str().map_err(|_| {
                ApiError::incomplete_signature(format!("Header {name} is not valid text"))
            })?;
            values.push(trim_header_value(v));
        }
        if values.is_empty() {
            return Err(ApiError::invalid_signature(format!(
                "Signed header {name} is missing from the request"
            )));
        }
        canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    Ok(format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        // S3 signs the path as sent (encoded once); every other service
        // encodes it once more.
        if service == "s3" {
            if req.path.is_empty() {
                "/".to_string()
            } else {
                req.path.to_string()
            }
        } else {
            canonical_uri(req.path)
        },
        canonical_query(req.query),
        canonical_headers,
        signed_headers.join(";"),
        payload_hash
    ))
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    match HmacSha256::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

pub fn signature(key: &[u8], string_to_sign: &str) -> String {
    hex::encode(hmac(key, string_to_sign.as_bytes()))
}

/// Comparison whose time does not depend on where the inputs differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The secret side of one credential, as the verifier needs it.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningSecret {
    pub secret_access_key: String,
    /// When set, `X-Amz-Security-Token` must match it.
    pub session_token: Option<String>,
    pub expired: bool,
}

// Hand-written so a debug print never shows the secrets.
impl std::fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningSecret")
            .field("expired", &self.expired)
            .finish_non_exhaustive()
    }
}

/// Verifies the request's signature against the configured static keys;
/// returns the access key id on success.
pub fn verify(
    req: &SignedRequest<'_>,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    verify_with(req, config.max_clock_skew_secs, now, |akid| {
        config.credential(akid).map(|c| SigningSecret {
            secret_access_key: c.secret_access_key.clone(),
            session_token: c.session_token.clone(),
            expired: c.expired,
        })
    })
    .map(|a| a.access_key_id)
}

/// Verifies the request's signature with the secret `lookup` finds for its
/// access key id; returns the parsed `Authorization` on success.
pub fn verify_with(
    req: &SignedRequest<'_>,
    max_clock_skew_secs: i64,
    now: DateTime<Utc>,
    lookup: impl FnOnce(&str) -> Option<SigningSecret>,
) -> Result<Authorization, ApiError> {
    let auth_value =
        header(req.headers, "authorization").ok_or_else(ApiError::missing_authentication)?;
    let auth = parse_authorization(auth_value)?;
    let cred = lookup(&auth.access_key_id).ok_or_else(ApiError::unrecognized_client)?;
    if let Some(expected) = &cred.session_token {
        let given = header(req.headers, "x-amz-security-token").unwrap_or("");
        if !constant_time_eq(expected.as_bytes(), given.as_bytes()) {
            return Err(ApiError::unrecognized_client());
        }
    }
    if cred.expired {
        return Err(ApiError::expired_token());
    }
    let amz_date = header(req.headers, "x-amz-date").ok_or_else(|| {
        ApiError::incomplete_signature(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        )
    })?;
    let when = NaiveDateTime::parse_from_str(amz_date, "%Y%m%dT%H%M%SZ")
        .map_err(|_| ApiError::incomplete_signature(format!("Invalid X-Amz-Date: {amz_date}")))?
        .and_utc();
    if (now - when).num_seconds().abs() > max_clock_skew_secs {
        // try_seconds: a huge configured skew must not panic.
        let earliest = chrono::Duration::try_seconds(max_clock_skew_secs)
            .and_then(|skew| now.checked_sub_signed(skew))
            .unwrap_or(now);
        return Err(ApiError::invalid_signature(format!(
            "Signature expired: {amz_date} is now earlier than {} ({} - 15 min.)",
            earliest.format("%Y%m%dT%H%M%SZ"),
            now.format("%Y%m%dT%H%M%SZ")
        )));
    }
    if !amz_date.starts_with(&auth.date) {
        return Err(ApiError::invalid_signature(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}'",
            auth.date,
            amz_date.get(..8).unwrap_or(amz_date)
        )));
    }
    // Hashed only when compared or used: S3's unsigned and streaming
    // payloads (large uploads) need no hash.
    let payload_hash = match header(req.headers, "x-amz-content-sha256") {
        Some("UNSIGNED-PAYLOAD") => "UNSIGNED-PAYLOAD".to_string(),
        // S3's chunked uploads sign the literal; each chunk's own signature
        // is not checked here.
        Some(h) if h.starts_with("STREAMING-") => h.to_string(),
        Some(h) => {
            if !h.eq_ignore_ascii_case(&sha256_hex(req.body)) {
                return Err(ApiError::invalid_signature(
                    "The provided 'x-amz-content-sha256' header does not match what was computed.",
                ));
            }
            h.to_string()
        }
        None => sha256_hex(req.body),
    };
    if !auth.signed_headers.iter().any(|h| h == "host") {
        return Err(ApiError::invalid_signature(
            "'Host' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    let creq = canonical_request(req, &auth.signed_headers, &payload_hash, &auth.service)?;
    let sts = string_to_sign(amz_date, &auth.scope(), &creq);
    let key = signing_key(
        &cred.secret_access_key,
        &auth.date,
        &auth.region,
        &auth.service,
    );
    let expected = signature(&key, &sts);
    if !constant_time_eq(expected.as_bytes(), auth.signature.as_bytes()) {
        return Err(ApiError::invalid_signature(SIGNATURE_MISMATCH));
    }
    Ok(auth)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Credential;
    use hyper::header::{HeaderName, HeaderValue};

    // "get-vanilla" from the AWS SigV4 test suite.
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const VANILLA_AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            if let (Ok(k), Ok(v)) = (
                HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(v),
            ) {
                h.append(k, v);
            }
        }
        h
    }

    fn config() -> Config {
        let mut c = Config::default();
        c.credentials.push(Credential {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: SECRET.into(),
            session_token: None,
            expired: false,
            arn: None,
        });
        c
    }

    fn vanilla_time() -> DateTime<Utc> {
        NaiveDateTime::parse_from_str("20150830T123600Z", "%Y%m%dT%H%M%SZ")
            .unwrap()
            .and_utc()
    }

    #[test]
    fn get_vanilla_canonical_request_and_signature() {
        let h = headers(&[
            ("host", "example.amazonaws.com"),
            ("x-amz-date", "20150830T123600Z"),
        ]);
        let req = SignedRequest {
            method: "GET",
            path: "/",
            query: "",
            headers: &h,
            body: b"",
        };
        let signed = vec!["host".to_string(), "x-amz-date".to_string()];
        let creq = canonical_request(&req, &signed, &sha256_hex(b""), "service").unwrap();
        assert_eq!(
            creq,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let sts = string_to_sign(
            "20150830T123600Z",
            "20150830/us-east-1/service/aws4_request",
            &creq,
        );
        assert_eq!(
            sts,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
        );
        let key = signing_key(SECRET, "20150830", "us-east-1", "service");
        assert_eq!(
            signature(&key, &sts),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }

    #[test]
    fn verify_get_vanilla() {
        let h = headers(&[
            ("host", "example.amazonaws.com"),
            ("x-amz-date", "20150830T123600Z"),
            ("authorization", VANILLA_AUTH),
        ]);
        let req = SignedRequest {
            method: "GET",
            path: "/",
            query: "",
            headers: &h,
            body: b"",
        };
        assert_eq!(
            verify(&req, &config(), vanilla_time()).unwrap(),
            "AKIDEXAMPLE"
        );
    }

    #[test]
    fn wrong_secret_unknown_key_and_skew() {
        let h = headers(&[
            ("host", "example.amazonaws.com"),
            ("x-amz-date", "20150830T123600Z"),
            ("authorization", VANILLA_AUTH),
        ]);
        let req = SignedRequest {
            method: "GET",
            path: "/",
            query: "",
            headers: &h,
            body: b"",
        };
        let mut c = config();
        c.credentials[1].secret_access_key = "other".into();
        let e = verify(&req, &c, vanilla_time()).unwrap_err();
        assert_eq!(e.error_type, "InvalidSignatureException");

        let e = verify(&req, &Config::default(), vanilla_time()).unwrap_err();
        assert_eq!(e.error_type, "UnrecognizedClientException");

        let late = vanilla_time() + chrono::Duration::minutes(16);
        let e = verify(&req, &config(), late).unwrap_err();
        assert_eq!(e.error_type, "InvalidSignatureException");
        assert!(e.message.starts_with("Signature expired"));

        let mut c = config();
        c.credentials[1].expired = true;
        let e = verify(&req, &c, vanilla_time()).unwrap_err();
        assert_eq!(e.error_type, "ExpiredTokenException");
    }

    #[test]
    fn tampered_request_fails() {
        let h = headers(&[
            ("host", "example.amazonaws.com"),
            ("x-amz-date", "20150830T123600Z"),
            ("authorization", VANILLA_AUTH),
        ]);
        let req = SignedRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &h,
            body: b"",
        };
        let e = verify(&req, &config(), vanilla_time()).unwrap_err();
        assert_eq!(e.error_type, "InvalidSignatureException");
    }

    #[test]
    fn missing_and_malformed_authorization() {
        let h = headers(&[("x-amz-date", "20150830T123600Z")]);
        let req = SignedRequest {
            method: "GET",
            path: "/",
            query: "",
            headers: &h,
            body: b"",
        };
        assert_eq!(
            verify(&req, &config(), vanilla_time())
                .unwrap_err()
                .error_type,
            "MissingAuthenticationTokenException"
        );
        assert!(parse_authorization("AWS4-HMAC-SHA256 Credential=x").is_err());
        assert!(parse_authorization("Basic abc").is_err());
        assert!(parse_authorization(
            "AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=host, Signature=00"
        )
        .is_err());
    }

    #[test]
    fn canonical_query_sorts_and_encodes() {
        assert_eq!(canonical_query("b=2&a=1&a=0"), "a=0&a=1&b=2");
        assert_eq!(canonical_query("k=a%20b&x"), "k=a%20b&x=");
        assert_eq!(canonical_query(""), "");
    }

    #[test]
    fn header_values_are_trimmed() {
        assert_eq!(trim_header_value("  a   b  c "), "a b c");
    }
}
