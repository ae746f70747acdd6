//! Where an UNLOAD file's bytes come from: S3 with the connection's
//! credentials (the JDBC fetcher, the export's planning), or a presigned URL
//! (an export's reader, which holds no credentials and never signs in).

use bytes::Bytes;
use once_cell::sync::Lazy;
use std::time::Duration;

use super::super::{get_object, Span};
use crate::error::{Error, ErrorKind, Result, Retry};

/// How files are read.
#[derive(Clone)]
pub(crate) enum Objects {
    S3(aws_sdk_s3::Client),
    Presigned(reqwest::Client),
}

/// One file: its S3 location, and for presigned reads the URL that grants
/// the GET. The URL is a bearer credential: Debug shows the location only.
#[derive(Clone)]
pub(crate) struct ObjectRef {
    pub bucket: String,
    pub key: String,
    pub url: Option<String>,
}

impl std::fmt::Debug for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

impl ObjectRef {
    pub fn s3(bucket: &str, key: &str) -> ObjectRef {
        ObjectRef {
            bucket: bucket.to_string(),
            key: key.to_string(),
            url: None,
        }
    }

    pub fn location(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }
}

/// Presigned reads: one client per process, no proxy but the environment's
/// (an executor has no connection properties), bounded waits.
static PRESIGNED_HTTP: Lazy<std::result::Result<reqwest::Client, String>> = Lazy::new(|| {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| e.to_string())
});

impl Objects {
    /// The client for presigned reads.
    pub fn presigned() -> Result<Objects> {
        match &*PRESIGNED_HTTP {
            Ok(client) => Ok(Objects::Presigned(client.clone())),
            Err(e) => Err(Error::internal(format!(
                "no HTTP client for presigned URLs: {e}"
            ))),
        }
    }

    /// The bytes of `span` of `object`.
    pub async fn get(&self, object: &ObjectRef, span: Span) -> Result<Bytes> {
        match (self, &object.url) {
            (Objects::S3(client), _) => Ok(get_object(client, &object.bucket, &object.key, span)
                .await?
                .0),
            (Objects::Presigned(http), Some(url)) => presigned_get(http, object, url, span).await,
            (Objects::Presigned(_), None) => Err(Error::internal(format!(
                "{} has no presigned URL",
                object.location()
            ))),
        }
    }
}

async fn presigned_get(
    http: &reqwest::Client,
    object: &ObjectRef,
    url: &str,
    span: Span,
) -> Result<Bytes> {
    let location = object.location();
    let mut request = http.get(url);
    match span {
        Span::Whole => {}
        Span::Range(start, end) => {
            request = request.header(
                reqwest::header::RANGE,
                format!("bytes={start}-{}", end.saturating_sub(1)),
            );
        }
        Span::Last(n) => {
            request = request.header(reqwest::header::RANGE, format!("bytes=-{n}"));
        }
    }
    // reqwest's errors may quote the URL, whose query is the credential: never shown.
    let response = request.send().await.map_err(|e| {
        Error::new(
            ErrorKind::Transient,
            format!(
                "GET of {location} through its presigned URL failed: {}",
                reqwest_reason(&e)
            ),
        )
    })?;
    let status = response.status();
    if status.is_success() {
        let bytes = response.bytes().await.map_err(|e| {
            Error::new(
                ErrorKind::Transient,
                format!(
                    "GET of {location} through its presigned URL was cut off: {}",
                    reqwest_reason(&e)
                ),
            )
        })?;
        // A range answered with anything but exactly its bytes (a server that
        // ignores Range answers 200 with the whole object) would be decoded
        // at the wrong offsets.
        if let Span::Range(start, end) = span {
            let wanted = end.saturating_sub(start);
            if status.as_u16() != 206 || bytes.len() as u64 != wanted {
                return Err(Error::new(
                    ErrorKind::Transient,
                    format!(
                        "GET of bytes {start}..{end} of {location} answered HTTP {} with {} bytes, not the {wanted} asked for",
                        status.as_u16(),
                        bytes.len()
                    ),
                ));
            }
        }
        return Ok(bytes);
    }
    let body = response.text().await.unwrap_or_default();
    Err(refused(&location, status.as_u16(), &body, url))
}

/// What went wrong, without the URL reqwest's Display includes.
fn reqwest_reason(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the answer broke off"
    } else {
        "the request failed"
    };
    let mut source = std::error::Error::source(e);
    let mut causes = Vec::new();
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    if causes.is_empty() {
        kind.to_string()
    } else {
        format!("{kind} ({})", causes.join(": "))
    }
}

/// S3's error answer to a presigned GET, as the user needs it: expiry and
/// deletion say what happened and what to do.
fn refused(location: &str, status: u16, body: &str, url: &str) -> Error {
    let code = xml_text(body, "Code").unwrap_or_default();
    let message = xml_text(body, "Message").unwrap_or_default();
    if message.contains("Request has expired") || code == "ExpiredToken" {
        let when = xml_text(body, "Expires")
            .map(|t| format!(" at {t}"))
            .unwrap_or_else(|| {
                expiry_of(url)
                    .map(|t| format!(" at {t}"))
                    .unwrap_or_default()
            });
        let why = if code == "ExpiredToken" {
            "the signed-in session's credentials behind its presigned URL expired"
        } else {
            "its presigned URL expired"
        };
        return Error::new(
            ErrorKind::Authentication,
            format!(
                "cannot read {location}: {why}{when}. The URLs of an export last urlExpirySeconds (and no longer than the sign-in's credentials): set urlExpirySeconds higher for reads that run longer, or run the action again to export afresh"
            ),
        );
    }
    if status == 403 && code == "AccessDenied" {
        // Without s3:ListBucket, S3 answers a deleted key with AccessDenied, not 404.
        return Error::new(
            ErrorKind::Authentication,
            format!(
                "cannot read {location}: S3 denied the GET ({message}). The file may have been deleted: an export's files are deleted when the action that made them ends, and a stage retried after that cannot read them: run the action again"
            ),
        );
    }
    if status == 404 || code == "NoSuchKey" {
        return Error::new(
            ErrorKind::Service,
            format!(
                "cannot read {location}: the file no longer exists. An export's files are deleted when the action that made them ends; a stage retried after that cannot read them: run the action again"
            ),
        );
    }
    let kind = match status {
        500..=599 => ErrorKind::Transient,
        _ => ErrorKind::Service,
    };
    let retry = if status == 503 || code == "SlowDown" {
        Retry::Throttled
    } else {
        Retry::Transient
    };
    let detail = match (code.is_empty(), message.is_empty()) {
        (true, _) => format!("HTTP {status}"),
        (false, true) => format!("HTTP {status} {code}"),
        (false, false) => format!("HTTP {status} {code}: {message}"),
    };
    Error::new(
        kind,
        format!("GET of {location} through its presigned URL was refused: {detail}"),
    )
    .with_retry(retry)
}

/// The text of the first `<tag>` element of S3's small error XML.
fn xml_text(body: &str, tag: &str) -> Option<String> {
    let start = body.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = body[start..].find(&format!("</{tag}>"))? + start;
    Some(body[start..end].trim().to_string())
}

/// `X-Amz-Date` + `X-Amz-Expires` of a presigned URL, as UTC text (no secret in it).
fn expiry_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let mut date = None;
    let mut seconds = None;
    for (k, v) in parsed.query_pairs() {
        match k.as_ref() {
            "X-Amz-Date" => date = Some(v.to_string()),
            "X-Amz-Expires" => seconds = v.parse::<u64>().ok(),
            _ => {}
        }
    }
    let (date, seconds) = (date?, seconds?);
    Some(format!("{date} + {seconds} s"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_and_deletion_say_what_to_do_without_the_url() {
        let url = "http://h/b/k?X-Amz-Date=20261203T100000Z&X-Amz-Expires=60&X-Amz-Security-Token=SECRET&X-Amz-Signature=abc";
        let expired = refused(
            "s3://b/k",
            403,
            "<Error><Code>AccessDenied</Code><Message>Request has expired</Message><Expires>2026-12-03T10:01:00Z</Expires></Error>",
            url,
        );
        assert_eq!(expired.kind(), ErrorKind::Authentication);
        let text = expired.to_string();
        assert!(text.contains("expired at 2026-12-03T10:01:00Z"), "{text}");
        assert!(text.contains("urlExpirySeconds"), "{text}");
        assert!(!text.contains("SECRET") && !text.contains("abc"), "{text}");
        let gone = refused(
            "s3://b/k",
            404,
            "<Error><Code>NoSuchKey</Code></Error>",
            url,
        );
        assert!(gone.to_string().contains("no longer exists"), "{gone}");
        let denied = refused(
            "s3://b/k",
            403,
            "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>",
            url,
        );
        assert!(
            denied.to_string().contains("may have been deleted"),
            "{denied}"
        );
        let busy = refused("s3://b/k", 503, "<Error><Code>SlowDown</Code></Error>", url);
        assert_eq!(
            (busy.kind(), busy.retry()),
            (ErrorKind::Transient, Retry::Throttled)
        );
        assert_eq!(expiry_of(url).as_deref(), Some("20261203T100000Z + 60 s"));
    }
}
