//! AWS Signature Version 4 verification: the `Authorization` header, or the
//! query string of a presigned URL (`X-Amz-Algorithm`, `X-Amz-Signature`, ...).

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
    authorization_of(credential, signed, signature).ok_or_else(|| {
        ApiError::incomplete_signature(format!(
            "Credential should be scoped to a valid region and service: {credential}"
        ))
    })
}

/// `AKID/DATE/REGION/SERVICE/aws4_request`, the signed header names and the
/// signature, as one [`Authorization`]; `None` when the scope is malformed.
fn authorization_of(credential: &str, signed: &str, signature: &str) -> Option<Authorization> {
    // The access key id itself cannot contain '/', so split from the right.
    let parts: Vec<&str> = credential.rsplitn(5, '/').collect();
    if parts.len() != 5 || parts[0] != "aws4_request" {
        return None;
    }
    Some(Authorization {
        access_key_id: parts[4].to_string(),
        date: parts[3].to_string(),
        region: parts[2].to_string(),
        service: parts[1].to_string(),
        signed_headers: signed.split(';').map(|s| s.to_ascii_lowercase()).collect(),
        signature: signature.to_ascii_lowercase(),
    })
}

/// The query parameters of a presigned (query-string) SigV4 request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presigned {
    pub auth: Authorization,
    /// `X-Amz-Date`, as sent.
    pub amz_date: String,
    /// `X-Amz-Expires`: seconds after `X-Amz-Date` the URL stays valid.
    pub expires_secs: i64,
}

/// Longest validity of a presigned URL: seven days, as S3 allows.
pub const MAX_PRESIGNED_EXPIRES_SECS: i64 = 604_800;

/// The first value of query parameter `name`, percent-decoded.
pub fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        (percent_decode(k) == name.as_bytes())
            .then(|| String::from_utf8_lossy(&percent_decode(v)).into_owned())
    })
}

/// Whether the query string carries SigV4 query authentication.
pub fn is_presigned(query: &str) -> bool {
    ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature"]
        .iter()
        .any(|name| query_param(query, name).is_some())
}

/// Parses the query authentication of a presigned URL; `Ok(None)` when the
/// query has none.
pub fn parse_presigned(query: &str) -> Result<Option<Presigned>, ApiError> {
    if !is_presigned(query) {
        return Ok(None);
    }
    let param = |name: &str| query_param(query, name);
    let (
        Some(algorithm),
        Some(credential),
        Some(signature),
        Some(amz_date),
        Some(signed),
        Some(expires),
    ) = (
        param("X-Amz-Algorithm"),
        param("X-Amz-Credential"),
        param("X-Amz-Signature"),
        param("X-Amz-Date"),
        param("X-Amz-SignedHeaders"),
        param("X-Amz-Expires"),
    )
    else {
        return Err(ApiError::query_parameters(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
        ));
    };
    if algorithm != ALGORITHM {
        return Err(ApiError::query_parameters(format!(
            "X-Amz-Algorithm only supports \"{ALGORITHM}\""
        )));
    }
    let auth = authorization_of(&credential, &signed, &signature).ok_or_else(|| {
        ApiError::query_parameters(
            "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
        )
    })?;
    let expires_secs: i64 = expires
        .parse()
        .map_err(|_| ApiError::query_parameters("X-Amz-Expires should be a number"))?;
    if expires_secs < 1 {
        return Err(ApiError::query_parameters(
            "X-Amz-Expires must be at least 1 (second)",
        ));
    }
    if expires_secs > MAX_PRESIGNED_EXPIRES_SECS {
        return Err(ApiError::query_parameters(format!(
            "X-Amz-Expires must be less than a week (in seconds) that is; {MAX_PRESIGNED_EXPIRES_SECS}"
        )));
    }
    Ok(Some(Presigned {
        auth,
        amz_date,
        expires_secs,
    }))
}

/// The request's SigV4 authorization, from its `Authorization` header or its
/// presigned query string; `None` when unsigned or its scope is malformed.
/// A presigned URL with other parameters wrong still names its service, so
/// that service answers it.
pub fn request_authorization(headers: &HeaderMap, query: &str) -> Option<Authorization> {
    match header(headers, "authorization") {
        Some(v) => parse_authorization(v).ok(),
        None => authorization_of(
            &query_param(query, "X-Amz-Credential")?,
            &query_param(query, "X-Amz-SignedHeaders").unwrap_or_default(),
            &query_param(query, "X-Amz-Signature").unwrap_or_default(),
        ),
    }
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

/// Verifies the request's signature (header or presigned query) with the
/// secret `lookup` finds for its access key id; returns the parsed
/// `Authorization` on success.
pub fn verify_with(
    req: &SignedRequest<'_>,
    max_clock_skew_secs: i64,
    now: DateTime<Utc>,
    lookup: impl FnOnce(&str) -> Option<SigningSecret>,
) -> Result<Authorization, ApiError> {
    let presigned = parse_presigned(req.query)?;
    match (header(req.headers, "authorization"), presigned) {
        (Some(_), Some(_)) => Err(ApiError::conflicting_authentication()),
        (Some(value), None) => verify_header(req, value, max_clock_skew_secs, now, lookup),
        (None, Some(p)) => verify_presigned(req, p, max_clock_skew_secs, now, lookup),
        (None, None) => Err(ApiError::missing_authentication()),
    }
}

fn verify_header(
    req: &SignedRequest<'_>,
    auth_value: &str,
    max_clock_skew_secs: i64,
    now: DateTime<Utc>,
    lookup: impl FnOnce(&str) -> Option<SigningSecret>,
) -> Result<Authorization, ApiError> {
    let auth = parse_authorization(auth_value)?;
    let cred = credential_for(lookup, &auth, header(req.headers, "x-amz-security-token"))?;
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
    let payload_hash = payload_hash(header(req.headers, "x-amz-content-sha256"), req.body)?;
    check_signature(req, &auth, &cred, amz_date, &payload_hash)?;
    Ok(auth)
}

/// Query-string authentication: the URL must be within its validity
/// (`X-Amz-Date` to `X-Amz-Date + X-Amz-Expires`), and the signature covers
/// the query without `X-Amz-Signature`, over an unsigned payload for S3.
fn verify_presigned(
    req: &SignedRequest<'_>,
    presigned: Presigned,
    max_clock_skew_secs: i64,
    now: DateTime<Utc>,
    lookup: impl FnOnce(&str) -> Option<SigningSecret>,
) -> Result<Authorization, ApiError> {
    let Presigned {
        auth,
        amz_date,
        expires_secs,
    } = presigned;
    let when = NaiveDateTime::parse_from_str(&amz_date, "%Y%m%dT%H%M%SZ")
        .map_err(|_| {
            ApiError::query_parameters(
                "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
            )
        })?
        .and_utc();
    let expires_at = chrono::Duration::try_seconds(expires_secs)
        .and_then(|d| when.checked_add_signed(d))
        .unwrap_or(when);
    let skew = chrono::Duration::try_seconds(max_clock_skew_secs).unwrap_or(chrono::Duration::MAX);
    if when.checked_sub_signed(skew).is_some_and(|t| t > now) {
        return Err(ApiError::request_not_yet_valid(
            when.timestamp_millis(),
            &iso_seconds(expires_at),
            &iso_seconds(now),
        ));
    }
    if now > expires_at {
        return Err(ApiError::request_expired(
            expires_secs,
            &iso_seconds(expires_at),
            &iso_seconds(now),
        ));
    }
    let token = query_param(req.query, "X-Amz-Security-Token");
    let cred = credential_for(lookup, &auth, token.as_deref())?;
    let declared = query_param(req.query, "X-Amz-Content-Sha256");
    let payload_hash = match declared.as_deref() {
        Some(h) => payload_hash(Some(h), req.body)?,
        // S3 presigned URLs sign no payload; other services sign the body's hash.
        None if auth.service == "s3" => "UNSIGNED-PAYLOAD".to_string(),
        None => sha256_hex(req.body),
    };
    let unsigned_query = req
        .query
        .split('&')
        .filter(|p| {
            let name = p.split_once('=').map_or(*p, |(k, _)| k);
            percent_decode(name) != b"X-Amz-Signature"
        })
        .collect::<Vec<_>>()
        .join("&");
    let signed_part = SignedRequest {
        query: &unsigned_query,
        ..*req
    };
    check_signature(&signed_part, &auth, &cred, &amz_date, &payload_hash)?;
    Ok(auth)
}

fn iso_seconds(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The secret of the signing access key, when its session token (if it
/// has one) matches `given_token` and it has not expired.
fn credential_for(
    lookup: impl FnOnce(&str) -> Option<SigningSecret>,
    auth: &Authorization,
    given_token: Option<&str>,
) -> Result<SigningSecret, ApiError> {
    let cred = lookup(&auth.access_key_id).ok_or_else(ApiError::unrecognized_client)?;
    if let Some(expected) = &cred.session_token {
        let given = given_token.unwrap_or("");
        if !constant_time_eq(expected.as_bytes(), given.as_bytes()) {
            // S3 has its own answer to a known key with the wrong token.
            return Err(if auth.service == "s3" {
                ApiError::invalid_s3_token()
            } else {
                ApiError::unrecognized_client()
            });
        }
    }
    if cred.expired {
        return Err(ApiError::expired_token());
    }
    Ok(cred)
}

/// The payload hash to sign with, from what the request declares
/// (`x-amz-content-sha256`), checked against the body when it is a hash.
fn payload_hash(declared: Option<&str>, body: &[u8]) -> Result<String, ApiError> {
    // Hashed only when compared or used: S3's unsigned and streaming
    // payloads (large uploads) need no hash.
    Ok(match declared {
        Some("UNSIGNED-PAYLOAD") => "UNSIGNED-PAYLOAD".to_string(),
        // S3's chunked uploads sign the literal; each chunk's own signature
        // is not checked here.
        Some(h) if h.starts_with("STREAMING-") => h.to_string(),
        Some(h) => {
            if !h.eq_ignore_ascii_case(&sha256_hex(body)) {
                return Err(ApiError::invalid_signature(
                    "The provided 'x-amz-content-sha256' header does not match what was computed.",
                ));
            }
            h.to_string()
        }
        None => sha256_hex(body),
    })
}

/// The checks both forms share: the scope's date, `host` signed, and the
/// signature itself.
fn check_signature(
    req: &SignedRequest<'_>,
    auth: &Authorization,
    cred: &SigningSecret,
    amz_date: &str,
    payload_hash: &str,
) -> Result<(), ApiError> {
    if !amz_date.starts_with(&auth.date) {
        return Err(ApiError::invalid_signature(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}'",
            auth.date,
            amz_date.get(..8).unwrap_or(amz_date)
        )));
    }
    if !auth.signed_headers.iter().any(|h| h == "host") {
        return Err(ApiError::invalid_signature(
            "'Host' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    let creq = canonical_request(req, &auth.signed_headers, payload_hash, &auth.service)?;
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
    Ok(())
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

    // "GET object" of the S3 documentation's query-string authentication example.
    const S3_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const S3_PRESIGNED_QUERY: &str = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

    fn s3_config(session_token: Option<&str>) -> Config {
        let mut c = Config::default();
        c.credentials.push(Credential {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: S3_SECRET.into(),
            session_token: session_token.map(str::to_string),
            expired: false,
            arn: None,
        });
        c
    }

    fn at(text: &str) -> DateTime<Utc> {
        NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%SZ")
            .unwrap()
            .and_utc()
    }

    fn presigned_get(query: &str, now: DateTime<Utc>, config: &Config) -> Result<String, ApiError> {
        let h = headers(&[("host", "examplebucket.s3.amazonaws.com")]);
        let req = SignedRequest {
            method: "GET",
            path: "/test.txt",
            query,
            headers: &h,
            body: b"",
        };
        verify(&req, config, now)
    }

    #[test]
    fn presigned_get_from_the_s3_documentation() {
        let ok = presigned_get(S3_PRESIGNED_QUERY, at("20130524T120000Z"), &s3_config(None));
        assert_eq!(ok.unwrap(), "AKIAIOSFODNN7EXAMPLE");
        // Valid up to and including X-Amz-Date + X-Amz-Expires.
        let last = presigned_get(S3_PRESIGNED_QUERY, at("20130525T000000Z"), &s3_config(None));
        assert!(last.is_ok());

        let tampered = S3_PRESIGNED_QUERY.replace("d404", "d405");
        let e = presigned_get(&tampered, at("20130524T120000Z"), &s3_config(None)).unwrap_err();
        assert_eq!(e.error_type, "InvalidSignatureException");
        // The signed query cannot be changed either.
        let widened = S3_PRESIGNED_QUERY.replace("Expires=86400", "Expires=86401");
        let e = presigned_get(&widened, at("20130524T120000Z"), &s3_config(None)).unwrap_err();
        assert_eq!(e.error_type, "InvalidSignatureException");
    }

    #[test]
    fn presigned_expiry_and_limits() {
        let e = presigned_get(S3_PRESIGNED_QUERY, at("20130525T000001Z"), &s3_config(None))
            .unwrap_err();
        assert_eq!((e.status, e.error_type), (403, "AccessDenied"));
        assert_eq!(e.message, "Request has expired");
        assert_eq!(
            e.extra,
            vec![
                ("X-Amz-Expires", "86400".to_string()),
                ("Expires", "2013-05-25T00:00:00Z".to_string()),
                ("ServerTime", "2013-05-25T00:00:01Z".to_string()),
            ]
        );
        let e = presigned_get(S3_PRESIGNED_QUERY, at("20130523T000000Z"), &s3_config(None))
            .unwrap_err();
        assert_eq!(e.message, "Request is not yet valid");
        for expires in ["0", "604801", "x", "-5"] {
            let q = S3_PRESIGNED_QUERY.replace("Expires=86400", &format!("Expires={expires}"));
            let e = presigned_get(&q, at("20130524T120000Z"), &s3_config(None)).unwrap_err();
            assert_eq!(
                (e.status, e.error_type),
                (400, "AuthorizationQueryParametersError"),
                "{expires}"
            );
        }
        let q = S3_PRESIGNED_QUERY.replace("X-Amz-SignedHeaders=host&", "");
        let e = presigned_get(&q, at("20130524T120000Z"), &s3_config(None)).unwrap_err();
        assert_eq!(e.error_type, "AuthorizationQueryParametersError");
    }

    #[test]
    fn presigned_session_tokens_and_mixed_authentication() {
        // The key needs a token the URL does not carry.
        let e = presigned_get(
            S3_PRESIGNED_QUERY,
            at("20130524T120000Z"),
            &s3_config(Some("token")),
        )
        .unwrap_err();
        assert_eq!((e.status, e.error_type), (400, "InvalidToken"));
        let h = headers(&[
            ("host", "examplebucket.s3.amazonaws.com"),
            ("authorization", VANILLA_AUTH),
        ]);
        let req = SignedRequest {
            method: "GET",
            path: "/test.txt",
            query: S3_PRESIGNED_QUERY,
            headers: &h,
            body: b"",
        };
        let e = verify(&req, &s3_config(None), at("20130524T120000Z")).unwrap_err();
        assert_eq!(e.error_type, "InvalidArgument");
        assert!(is_presigned(S3_PRESIGNED_QUERY));
        assert!(!is_presigned("list-type=2&prefix=a"));
        assert_eq!(
            request_authorization(&HeaderMap::new(), S3_PRESIGNED_QUERY).map(|a| a.region),
            Some("us-east-1".to_string())
        );
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
