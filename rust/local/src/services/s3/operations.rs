//! The S3 REST API (path-style) over [`Storage`]: enough for the AWS SDKs'
//! S3 clients and PyAthena's S3 readers to fetch and manage query results.
//!
//! Served: GetObject (with `Range`), HeadObject, PutObject (plain and
//! `aws-chunked` bodies), DeleteObject, DeleteObjects, ListObjectsV2,
//! HeadBucket and CreateBucket. Errors are S3's XML documents.

use crate::errors::ApiError;
use crate::services::xml::escape as xml_escape;
use crate::storage::{ObjectInfo, Storage, StorageError};
use bytes::Bytes;
use http_body_util::Full;
use hyper::http::request::Parts;
use hyper::{Method, Response, StatusCode};
use std::time::SystemTime;

/// What a served S3 call produced: the response, the operation name for the
/// call record, and the error code when it failed.
pub struct S3Outcome {
    pub response: Response<Full<Bytes>>,
    pub operation: &'static str,
    pub error_code: Option<&'static str>,
}

/// An S3 error document.
#[derive(Debug, Clone)]
pub struct S3Error {
    status: u16,
    code: &'static str,
    message: String,
    key: Option<String>,
    /// A 301's `x-amz-bucket-region`: where the bucket is.
    bucket_region: Option<String>,
    /// Further members after `Message`, e.g. an expired presigned URL's
    /// `X-Amz-Expires`, `Expires` and `ServerTime`.
    extra: Vec<(&'static str, String)>,
}

impl S3Error {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> S3Error {
        S3Error {
            status,
            code,
            message: message.into(),
            key: None,
            bucket_region: None,
            extra: Vec::new(),
        }
    }

    /// S3's answer to a request signed for a Region other than the bucket's.
    fn wrong_region(bucket: &str, region: &str) -> S3Error {
        S3Error {
            bucket_region: Some(region.to_string()),
            ..S3Error::new(
                301,
                "PermanentRedirect",
                format!(
                    "The bucket you are attempting to access must be addressed using the specified endpoint. \
                     Please send all future requests to this endpoint. (bucket {bucket}, Region {region})"
                ),
            )
        }
    }

    fn with_key(mut self, key: &str) -> S3Error {
        self.key = Some(key.to_string());
        self
    }

    pub fn access_denied(message: impl Into<String>) -> S3Error {
        S3Error::new(403, "AccessDenied", message)
    }

    fn not_implemented(what: &str) -> S3Error {
        S3Error::new(
            501,
            "NotImplemented",
            format!("athena-local does not implement {what}"),
        )
    }

    /// The S3 form of a signature check failure or an injected fault.
    pub fn from_api(e: &ApiError) -> S3Error {
        // Errors already in S3's terms keep their code and members.
        let native = match e.error_type {
            "AccessDenied" => Some((403, "AccessDenied")),
            "AuthorizationQueryParametersError" => Some((400, "AuthorizationQueryParametersError")),
            "InvalidArgument" => Some((400, "InvalidArgument")),
            "InvalidToken" => Some((400, "InvalidToken")),
            _ => None,
        };
        if let Some((status, code)) = native {
            return S3Error {
                extra: e.extra.clone(),
                ..S3Error::new(status, code, e.message.clone())
            };
        }
        let (status, code) = match e.error_type {
            "UnrecognizedClientException" => (403, "InvalidAccessKeyId"),
            "ExpiredTokenException" => (400, "ExpiredToken"),
            "InvalidSignatureException" => (403, "SignatureDoesNotMatch"),
            "IncompleteSignatureException" => (400, "AuthorizationHeaderMalformed"),
            "TooManyRequestsException" | "ThrottlingException" => (503, "SlowDown"),
            "AccessDeniedException" => (403, "AccessDenied"),
            "ServiceUnavailableException" => (503, "ServiceUnavailable"),
            _ if e.status >= 500 => (500, "InternalError"),
            _ if e.status == 400 => (400, "InvalidRequest"),
            _ => (403, "AccessDenied"),
        };
        S3Error::new(status, code, e.message.clone())
    }

    fn from_storage(e: StorageError, key: &str) -> S3Error {
        match e {
            StorageError::NoSuchKey => {
                S3Error::new(404, "NoSuchKey", "The specified key does not exist.").with_key(key)
            }
            StorageError::InvalidKey(m) => S3Error::new(400, "InvalidArgument", m).with_key(key),
            StorageError::Io(e) => S3Error::new(500, "InternalError", format!("I/O error: {e}")),
        }
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn response(&self, request_id: &str, head: bool) -> Response<Full<Bytes>> {
        let mut xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message>",
            self.code,
            xml_escape(&self.message)
        );
        for (name, value) in &self.extra {
            xml.push_str(&format!("<{name}>{}</{name}>", xml_escape(value)));
        }
        if let Some(key) = &self.key {
            xml.push_str(&format!("<Key>{}</Key>", xml_escape(key)));
        }
        xml.push_str(&format!("<RequestId>{request_id}</RequestId></Error>"));
        // A HEAD answer has no body; the SDK reads the status alone.
        let body = if head { Vec::new() } else { xml.into_bytes() };
        let mut resp = respond(self.status, body, "application/xml", request_id);
        if let Some(region) = &self.bucket_region {
            set(&mut resp, "x-amz-bucket-region", region);
        }
        resp
    }
}

fn respond(
    status: u16,
    body: Vec<u8>,
    content_type: &str,
    request_id: &str,
) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    set(&mut resp, "content-type", content_type);
    set(&mut resp, "x-amz-request-id", request_id);
    resp
}

fn set(resp: &mut Response<Full<Bytes>>, name: &'static str, value: &str) {
    if let Ok(v) = value.parse() {
        resp.headers_mut().insert(name, v);
    }
}

/// Which operation a request is, from its method, path and query.
pub fn operation_of(parts: &Parts) -> &'static str {
    let (_, key) = bucket_and_key(parts.uri.path());
    let query = parts.uri.query().unwrap_or("");
    let has = |name: &str| {
        query
            .split('&')
            .any(|p| p == name || p.starts_with(&format!("{name}=")))
    };
    match (&parts.method, key.is_empty()) {
        (&Method::GET, false) => "GetObject",
        (&Method::HEAD, false) => "HeadObject",
        (&Method::PUT, false) => "PutObject",
        (&Method::DELETE, false) => "DeleteObject",
        (&Method::GET, true) if has("list-type") => "ListObjectsV2",
        (&Method::GET, true) => "ListObjects",
        (&Method::HEAD, true) => "HeadBucket",
        (&Method::PUT, true) => "CreateBucket",
        (&Method::POST, true) if has("delete") => "DeleteObjects",
        _ => "Unknown",
    }
}

/// `/bucket/key...` with the key percent-decoded.
fn bucket_and_key(path: &str) -> (String, String) {
    let path = path.strip_prefix('/').unwrap_or(path);
    let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
    (percent_decode(bucket), percent_decode(key))
}

fn percent_decode(s: &str) -> String {
    String::from_utf8_lossy(&crate::sigv4::percent_decode(s)).into_owned()
}

fn query_params(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// Serves one authenticated S3 request. `denied(bucket, key)` says whether a
/// read of that object is refused (a bucket policy athena-local models);
/// `buckets` are the configured buckets' Regions and denied listings.
pub fn serve(
    storage: &Storage,
    denied: &dyn Fn(&str, &str) -> bool,
    buckets: &[crate::config::Bucket],
    parts: &Parts,
    body: &[u8],
    request_id: &str,
) -> S3Outcome {
    let operation = operation_of(parts);
    let head = parts.method == Method::HEAD;
    let served = bucket_rules(buckets, parts, operation)
        .and_then(|()| serve_operation(storage, denied, parts, body, operation, request_id));
    match served {
        Ok(response) => S3Outcome {
            response,
            operation,
            error_code: None,
        },
        Err(e) => S3Outcome {
            response: e.response(request_id, head),
            operation,
            error_code: Some(e.code()),
        },
    }
}

/// A configured bucket's answers that come before the operation: a request
/// signed for another Region is redirected (S3 answers so whatever the
/// operation), and listing may be denied.
fn bucket_rules(
    buckets: &[crate::config::Bucket],
    parts: &Parts,
    operation: &str,
) -> Result<(), S3Error> {
    let (bucket, _) = bucket_and_key(parts.uri.path());
    let Some(rule) = buckets.iter().find(|b| b.name == bucket) else {
        return Ok(());
    };
    if let Some(region) = &rule.region {
        if signing_region(parts).as_deref() != Some(region.as_str()) {
            return Err(S3Error::wrong_region(&bucket, region));
        }
    }
    if rule.deny_list && matches!(operation, "ListObjectsV2" | "ListObjects") {
        return Err(S3Error::access_denied(format!(
            "Access Denied: the caller is not allowed s3:ListBucket on {bucket}"
        )));
    }
    Ok(())
}

/// The Region of the request's SigV4 credential scope
/// (`KEY/DATE/REGION/s3/aws4_request`, in the header or a presigned URL).
fn signing_region(parts: &Parts) -> Option<String> {
    crate::sigv4::request_authorization(&parts.headers, parts.uri.query().unwrap_or(""))
        .map(|a| a.region)
}

fn serve_operation(
    storage: &Storage,
    denied: &dyn Fn(&str, &str) -> bool,
    parts: &Parts,
    body: &[u8],
    operation: &'static str,
    request_id: &str,
) -> Result<Response<Full<Bytes>>, S3Error> {
    let (bucket, key) = bucket_and_key(parts.uri.path());
    let params = query_params(parts.uri.query().unwrap_or(""));
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let refuse = |key: &str| {
        S3Error::access_denied(format!(
            "Access Denied: the bucket policy of {bucket} allows reads only through Athena"
        ))
        .with_key(key)
    };
    match operation {
        "GetObject" | "HeadObject" => {
            if denied(&bucket, &key) {
                return Err(refuse(&key));
            }
            let info = storage
                .head(&bucket, &key)
                .map_err(|e| S3Error::from_storage(e, &key))?;
            let range = match header("range") {
                Some(r) => Some(parse_range(r, info.size)?),
                None => None,
            };
            let (status, start, end) = match range {
                Some((s, e)) => (206, s, e),
                None => (200, 0, info.size),
            };
            let body = if operation == "GetObject" {
                storage
                    .read(&bucket, &key, start, end)
                    .map_err(|e| S3Error::from_storage(e, &key))?
            } else {
                Vec::new()
            };
            let mut resp = respond(status, body, "application/octet-stream", request_id);
            object_headers(&mut resp, &info);
            if status == 206 {
                set(
                    &mut resp,
                    "content-range",
                    &format!("bytes {}-{}/{}", start, end.saturating_sub(1), info.size),
                );
            }
            if operation == "HeadObject" {
                set(&mut resp, "content-length", &info.size.to_string());
            }
            Ok(resp)
        }
        "PutObject" => {
            if header("x-amz-copy-source").is_some() {
                return Err(S3Error::not_implemented("CopyObject"));
            }
            let chunked = header("content-encoding").is_some_and(|v| v.contains("aws-chunked"))
                || header("x-amz-content-sha256").is_some_and(|v| v.starts_with("STREAMING-"));
            let decoded;
            let data = if chunked {
                decoded = decode_aws_chunked(body)?;
                &decoded[..]
            } else {
                body
            };
            let info = storage
                .put(&bucket, &key, data)
                .map_err(|e| S3Error::from_storage(e, &key))?;
            let mut resp = respond(200, Vec::new(), "application/xml", request_id);
            set(&mut resp, "etag", &info.etag());
            Ok(resp)
        }
        "DeleteObject" => {
            storage
                .delete(&bucket, &key)
                .map_err(|e| S3Error::from_storage(e, &key))?;
            Ok(respond(204, Vec::new(), "application/xml", request_id))
        }
        "DeleteObjects" => {
            let text = String::from_utf8_lossy(body);
            let mut deleted = String::new();
            for key in xml_values(&text, "Key") {
                match storage.delete(&bucket, &key) {
                    Ok(()) => deleted.push_str(&format!(
                        "<Deleted><Key>{}</Key></Deleted>",
                        xml_escape(&key)
                    )),
                    Err(e) => {
                        let e = S3Error::from_storage(e, &key);
                        deleted.push_str(&format!(
                            "<Error><Key>{}</Key><Code>{}</Code><Message>{}</Message></Error>",
                            xml_escape(&key),
                            e.code,
                            xml_escape(&e.message)
                        ));
                    }
                }
            }
            let xml = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">{deleted}</DeleteResult>"
            );
            Ok(respond(
                200,
                xml.into_bytes(),
                "application/xml",
                request_id,
            ))
        }
        "ListObjectsV2" => {
            let prefix = param("prefix").unwrap_or("");
            if denied(&bucket, prefix) {
                return Err(refuse(prefix));
            }
            let listing = list_v2(
                storage,
                &bucket,
                prefix,
                param("delimiter").unwrap_or(""),
                param("continuation-token").or(param("start-after")),
                param("max-keys"),
            )?;
            let mut xml = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>{}</Name><Prefix>{}</Prefix><KeyCount>{}</KeyCount><MaxKeys>{}</MaxKeys><IsTruncated>{}</IsTruncated>",
                xml_escape(&bucket),
                xml_escape(prefix),
                listing.objects.len() + listing.common_prefixes.len(),
                listing.max_keys,
                listing.next.is_some()
            );
            if let Some(d) = param("delimiter") {
                xml.push_str(&format!("<Delimiter>{}</Delimiter>", xml_escape(d)));
            }
            if let Some(t) = param("continuation-token") {
                xml.push_str(&format!(
                    "<ContinuationToken>{}</ContinuationToken>",
                    xml_escape(t)
                ));
            }
            if let Some(next) = &listing.next {
                xml.push_str(&format!(
                    "<NextContinuationToken>{}</NextContinuationToken>",
                    xml_escape(next)
                ));
            }
            for o in &listing.objects {
                xml.push_str(&format!(
                    "<Contents><Key>{}</Key><LastModified>{}</LastModified><ETag>{}</ETag><Size>{}</Size><StorageClass>STANDARD</StorageClass></Contents>",
                    xml_escape(&o.key),
                    iso_time(o.modified),
                    xml_escape(&o.etag()),
                    o.size
                ));
            }
            for p in &listing.common_prefixes {
                xml.push_str(&format!(
                    "<CommonPrefixes><Prefix>{}</Prefix></CommonPrefixes>",
                    xml_escape(p)
                ));
            }
            xml.push_str("</ListBucketResult>");
            Ok(respond(
                200,
                xml.into_bytes(),
                "application/xml",
                request_id,
            ))
        }
        "HeadBucket" | "CreateBucket" => {
            Ok(respond(200, Vec::new(), "application/xml", request_id))
        }
        "ListObjects" => Err(S3Error::not_implemented(
            "ListObjects (version 1); use ListObjectsV2",
        )),
        _ => Err(S3Error::not_implemented(&format!(
            "{} {}",
            parts.method,
            parts.uri.path()
        ))),
    }
}

struct Listing {
    objects: Vec<ObjectInfo>,
    common_prefixes: Vec<String>,
    next: Option<String>,
    max_keys: usize,
}

fn list_v2(
    storage: &Storage,
    bucket: &str,
    prefix: &str,
    delimiter: &str,
    after: Option<&str>,
    max_keys: Option<&str>,
) -> Result<Listing, S3Error> {
    let max_keys = match max_keys {
        None => 1000,
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| S3Error::new(400, "InvalidArgument", "max-keys must be a number"))?
            .min(1000),
    };
    let all = storage
        .list(bucket, prefix)
        .map_err(|e| S3Error::from_storage(e, prefix))?;
    let mut objects = Vec::new();
    let mut common_prefixes: Vec<String> = Vec::new();
    let mut next = None;
    for o in all {
        if after.is_some_and(|a| o.key.as_str() <= a) {
            continue;
        }
        let rolled = (!delimiter.is_empty())
            .then(|| {
                o.key[prefix.len()..]
                    .find(delimiter)
                    .map(|i| o.key[..prefix.len() + i + delimiter.len()].to_string())
            })
            .flatten();
        if let Some(p) = &rolled {
            if common_prefixes.last() == Some(p) {
                continue;
            }
        }
        if objects.len() + common_prefixes.len() == max_keys {
            next = objects
                .last()
                .map(|o: &ObjectInfo| o.key.clone())
                .into_iter()
                .chain(common_prefixes.last().cloned())
                .max();
            break;
        }
        match rolled {
            // A token after every key under the prefix skips the rolled-up keys.
            Some(p) => common_prefixes.push(p),
            None => objects.push(o),
        }
    }
    if let Some(n) = &mut next {
        if n.ends_with(delimiter) && !delimiter.is_empty() {
            n.push(char::MAX);
        }
    }
    Ok(Listing {
        objects,
        common_prefixes,
        next,
        max_keys,
    })
}

fn object_headers(resp: &mut Response<Full<Bytes>>, info: &ObjectInfo) {
    set(resp, "etag", &info.etag());
    set(resp, "accept-ranges", "bytes");
    set(
        resp,
        "last-modified",
        &chrono::DateTime::<chrono::Utc>::from(info.modified)
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string(),
    );
}

fn iso_time(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t)
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// `bytes=a-b`, `bytes=a-` or `bytes=-n` as a half-open range within `size`.
fn parse_range(header: &str, size: u64) -> Result<(u64, u64), S3Error> {
    let invalid = || {
        S3Error::new(
            416,
            "InvalidRange",
            format!(
                "The requested range {header} is not satisfiable for an object of {size} bytes"
            ),
        )
    };
    let spec = header.trim().strip_prefix("bytes=").ok_or_else(invalid)?;
    if spec.contains(',') {
        return Err(S3Error::not_implemented("multiple ranges in one GetObject"));
    }
    let (a, b) = spec.split_once('-').ok_or_else(invalid)?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", n) => {
            let n: u64 = n.parse().map_err(|_| invalid())?;
            (size.saturating_sub(n), size)
        }
        (a, "") => (a.parse().map_err(|_| invalid())?, size),
        (a, b) => {
            let a: u64 = a.parse().map_err(|_| invalid())?;
            let b: u64 = b.parse().map_err(|_| invalid())?;
            if b < a {
                return Err(invalid());
            }
            (a, b.saturating_add(1).min(size))
        }
    };
    if start >= size {
        return Err(invalid());
    }
    Ok((start, end))
}

/// Decodes an `aws-chunked` body: `hex-size[;ext]\r\n data \r\n` repeated,
/// a zero-size chunk, then optional trailers (checksums), which are dropped.
fn decode_aws_chunked(body: &[u8]) -> Result<Vec<u8>, S3Error> {
    let bad = || {
        S3Error::new(
            400,
            "IncompleteBody",
            "The aws-chunked request body is malformed",
        )
    };
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n").ok_or_else(bad)?;
        let line = std::str::from_utf8(&rest[..line_end]).map_err(|_| bad())?;
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| bad())?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        if rest.len() < size + 2 || &rest[size..size + 2] != b"\r\n" {
            return Err(bad());
        }
        out.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

/// The texts of every `<tag>…</tag>` in a small XML document, unescaped.
fn xml_values(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        rest = &rest[i + open.len()..];
        let Some(j) = rest.find(&close) else { break };
        out.push(xml_unescape(&rest[..j]));
        rest = &rest[j + close.len()..];
    }
    out
}

fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#13;", "\r")
        .replace("&#10;", "\n")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100).unwrap(), (0, 10));
        assert_eq!(parse_range("bytes=90-", 100).unwrap(), (90, 100));
        assert_eq!(parse_range("bytes=-5", 100).unwrap(), (95, 100));
        assert_eq!(parse_range("bytes=50-500", 100).unwrap(), (50, 100));
        assert!(parse_range("bytes=100-", 100).is_err());
        assert!(parse_range("bytes=9-1", 100).is_err());
        assert!(parse_range("items=0-1", 100).is_err());
    }

    #[test]
    fn chunked_bodies() {
        let body = b"5;chunk-signature=ab\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:AAAA\r\n\r\n";
        assert_eq!(decode_aws_chunked(body).unwrap(), b"hello world");
        assert!(decode_aws_chunked(b"5\r\nhi\r\n").is_err());
    }

    #[test]
    fn keys_and_xml() {
        assert_eq!(
            bucket_and_key("/b/dir/a%20b%2Bc.csv"),
            ("b".to_string(), "dir/a b+c.csv".to_string())
        );
        assert_eq!(bucket_and_key("/b"), ("b".to_string(), String::new()));
        let xml =
            "<Delete><Object><Key>a&amp;b</Key></Object><Object><Key>c</Key></Object></Delete>";
        assert_eq!(xml_values(xml, "Key"), ["a&b", "c"]);
        assert_eq!(xml_escape("<a&'\">"), "&lt;a&amp;&apos;&quot;&gt;");
    }

    #[test]
    fn listing_pages_and_prefixes() {
        let s = Storage::new(None).unwrap();
        for k in [
            "r/1.csv",
            "r/2.csv",
            "r/sub/3.csv",
            "r/sub/4.csv",
            "r/z.csv",
        ] {
            s.put("bkt", k, b"x").unwrap();
        }
        let l = list_v2(&s, "bkt", "r/", "/", None, None).unwrap();
        let keys: Vec<&str> = l.objects.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(keys, ["r/1.csv", "r/2.csv", "r/z.csv"]);
        assert_eq!(l.common_prefixes, ["r/sub/"]);
        let first = list_v2(&s, "bkt", "r/", "", None, Some("2")).unwrap();
        assert_eq!(first.objects.len(), 2);
        let token = first.next.unwrap();
        let second = list_v2(&s, "bkt", "r/", "", Some(&token), Some("10")).unwrap();
        let keys: Vec<&str> = second.objects.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(keys, ["r/sub/3.csv", "r/sub/4.csv", "r/z.csv"]);
        assert!(second.next.is_none());
    }
}
