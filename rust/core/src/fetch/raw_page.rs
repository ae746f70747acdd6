//! GetQueryResults pages after the first, taken as the response's raw JSON.
//!
//! The SDK's deserializer builds a `String` per value and sits on the path
//! between one page's arrival and the next call: the next call cannot leave
//! before its NextToken is known. Here the call still goes through the SDK
//! (signing, retries, endpoints, error mapping), but a successful response's
//! body is kept aside and the SDK sees `{}`; NextToken is then found with one
//! byte search, the next call leaves at once, and the rows are parsed, with
//! values borrowed from the body, while that call travels.

use std::borrow::Cow;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use aws_sdk_athena::Client;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use bytes::Bytes;
use hyper::body::{Body, Frame};

use crate::error::{from_sdk, Error, ErrorKind, Result};

type Slot = Arc<Mutex<Option<Bytes>>>;

/// One GetQueryResults call whose successful body comes back undecoded.
pub(super) async fn fetch(
    client: &Client,
    id: &str,
    page_rows: i32,
    token: String,
) -> Result<Bytes> {
    let slot: Slot = Arc::default();
    client
        .get_query_results()
        .query_execution_id(id)
        .max_results(page_rows)
        .next_token(token)
        .customize()
        .interceptor(KeepBody(slot.clone()))
        .send()
        .await
        .map_err(|e| from_sdk("GetQueryResults", e).with_query_id(id))?;
    let body = slot.lock().ok().and_then(|mut s| s.take());
    body.ok_or_else(|| Error::internal("GetQueryResults: the response body was not kept"))
}

/// The page's NextToken, found without parsing the rows: a value's quotes
/// are escaped, so `"NextToken"` followed by `:` can only be the key.
pub(super) fn next_token(body: &[u8]) -> Result<Option<String>> {
    const KEY: &[u8] = b"\"NextToken\"";
    let mut from = 0;
    while let Some(at) = memchr::memmem::find(&body[from..], KEY) {
        let rest = &body[from + at + KEY.len()..];
        let rest = rest.trim_ascii_start();
        if let Some(value) = rest.strip_prefix(b":") {
            let mut stream =
                serde_json::Deserializer::from_slice(value).into_iter::<Option<String>>();
            return match stream.next() {
                Some(Ok(token)) => Ok(token),
                _ => Err(malformed("its NextToken is not a string")),
            };
        }
        from += at + KEY.len();
    }
    Ok(None)
}

/// A page's values, row after row, `width` a row: plain values borrowed
/// from `body`, values with escapes decoded. One pass over the body; no
/// allocation per row, nor per value unless it has escapes.
pub(super) fn values(body: &[u8], width: usize) -> Result<Vec<Option<Cow<'_, str>>>> {
    let text = std::str::from_utf8(body).map_err(|e| malformed(&e.to_string()))?;
    let mut scan = Scan {
        text,
        at: 0,
        depth: 0,
    };
    let mut values = Vec::with_capacity(width * super::MAX_PAGE_ROWS as usize);
    scan.object(&mut |s, key| match key {
        "ResultSet" => s.object(&mut |s, key| match key {
            "Rows" => s.array(&mut |s| {
                let before = values.len();
                s.object(&mut |s, key| match key {
                    "Data" => s.array(&mut |s| {
                        values.push(s.datum()?);
                        Ok(())
                    }),
                    _ => s.skip_value(),
                })?;
                let got = values.len() - before;
                if got != width {
                    return Err(malformed(&format!(
                        "a row has {got} values for {width} columns"
                    )));
                }
                Ok(())
            }),
            _ => s.skip_value(),
        }),
        _ => s.skip_value(),
    })?;
    if scan.peek().is_some() {
        return Err(malformed("it goes on after its end"));
    }
    Ok(values)
}

/// Deeper nesting than this is not a GetQueryResults page.
const MAX_DEPTH: usize = 32;

type Field<'s, 'a> = dyn FnMut(&mut Scan<'a>, &str) -> Result<()> + 's;
type Element<'s, 'a> = dyn FnMut(&mut Scan<'a>) -> Result<()> + 's;

/// A JSON reader positioned at byte `at` of `text`.
struct Scan<'a> {
    text: &'a str,
    at: usize,
    depth: usize,
}

impl<'a> Scan<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// The next byte that is not whitespace, left unread.
    fn peek(&mut self) -> Option<u8> {
        while let Some(b) = self.bytes().get(self.at) {
            if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                return Some(*b);
            }
            self.at += 1;
        }
        None
    }

    fn expect(&mut self, wanted: u8) -> Result<()> {
        if self.peek() == Some(wanted) {
            self.at += 1;
            Ok(())
        } else {
            Err(malformed(&format!(
                "'{}' expected at byte {}",
                wanted as char, self.at
            )))
        }
    }

    /// A string: borrowed when it has no escapes.
    fn string(&mut self) -> Result<Cow<'a, str>> {
        self.expect(b'"')?;
        let start = self.at;
        let mut escaped = false;
        loop {
            let rest = self.bytes().get(self.at..).unwrap_or_default();
            let Some(i) = memchr::memchr2(b'"', b'\\', rest) else {
                return Err(malformed("a string is not closed"));
            };
            let end = self.at + i;
            if rest[i] == b'\\' {
                escaped = true;
                self.at = end + 2;
                continue;
            }
            self.at = end + 1;
            // Both ends are next to an ASCII quote, so on character boundaries.
            return if escaped {
                serde_json::from_str::<String>(&self.text[start - 1..=end])
                    .map(Cow::Owned)
                    .map_err(|e| malformed(&e.to_string()))
            } else {
                Ok(Cow::Borrowed(&self.text[start..end]))
            };
        }
    }

    /// One `{"VarCharValue": …}` (`{}` is NULL). Athena's compact form is
    /// read directly; anything else (spaces, other keys) the general way.
    fn datum(&mut self) -> Result<Option<Cow<'a, str>>> {
        const PLAIN: &[u8] = b"{\"VarCharValue\":\"";
        let rest = self.bytes().get(self.at..).unwrap_or_default();
        if rest.starts_with(b"{}") {
            self.at += 2;
            return Ok(None);
        }
        if rest.starts_with(PLAIN) {
            let body = &rest[PLAIN.len()..];
            if let Some(end) = memchr::memchr2(b'"', b'\\', body) {
                if body[end] == b'"' && body.get(end + 1) == Some(&b'}') {
                    let start = self.at + PLAIN.len();
                    self.at = start + end + 2;
                    // Both ends are next to an ASCII quote, so on character boundaries.
                    return Ok(Some(Cow::Borrowed(&self.text[start..start + end])));
                }
            }
        }
        let mut value = None;
        self.object(&mut |s, key| {
            if key == "VarCharValue" && s.peek() == Some(b'"') {
                value = Some(s.string()?);
                Ok(())
            } else {
                s.skip_value()
            }
        })?;
        Ok(value)
    }

    fn nested(&mut self, open: u8, close: u8, item: &mut Element<'_, 'a>) -> Result<()> {
        self.expect(open)?;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(malformed("it is nested too deeply"));
        }
        if self.peek() == Some(close) {
            self.at += 1;
        } else {
            loop {
                item(self)?;
                match self.peek() {
                    Some(b',') => self.at += 1,
                    Some(b) if b == close => {
                        self.at += 1;
                        break;
                    }
                    _ => {
                        return Err(malformed(&format!(
                            "',' or '{}' expected at byte {}",
                            close as char, self.at
                        )))
                    }
                }
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// An object, each member's value read by `field` given its key.
    fn object(&mut self, field: &mut Field<'_, 'a>) -> Result<()> {
        self.nested(b'{', b'}', &mut |s| {
            let key = s.string()?;
            s.expect(b':')?;
            field(s, &key)
        })
    }

    fn array(&mut self, element: &mut Element<'_, 'a>) -> Result<()> {
        self.nested(b'[', b']', element)
    }

    /// Any value the page reader does not need.
    fn skip_value(&mut self) -> Result<()> {
        match self.peek() {
            Some(b'"') => self.string().map(drop),
            Some(b'{') => self.object(&mut |s, _| s.skip_value()),
            Some(b'[') => self.array(&mut |s| s.skip_value()),
            Some(_) => {
                // A number, true, false or null: up to the next delimiter.
                let start = self.at;
                while let Some(b) = self.bytes().get(self.at) {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                        break;
                    }
                    self.at += 1;
                }
                if self.at == start {
                    return Err(malformed(&format!("a value expected at byte {start}")));
                }
                Ok(())
            }
            None => Err(malformed("it ends early")),
        }
    }
}

fn malformed(why: &str) -> Error {
    Error::new(
        ErrorKind::Service,
        format!("GetQueryResults answered with a page that is not readable: {why}"),
    )
}

/// Swaps a successful response's body for one that is kept in the slot
/// while the SDK reads `{}`; errors are left for the SDK to map.
#[derive(Debug)]
struct KeepBody(Slot);

impl Intercept for KeepBody {
    fn name(&self) -> &'static str {
        "KeepGetQueryResultsBody"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> std::result::Result<(), BoxError> {
        let response = context.response_mut();
        if response.status().is_success() {
            let inner = response.take_body();
            *response.body_mut() = SdkBody::from_body_1_x(Keeping {
                inner,
                kept: Vec::new(),
                slot: self.0.clone(),
                done: false,
            });
        }
        Ok(())
    }
}

/// Reads the whole body into `kept`, then yields `{}` once.
struct Keeping {
    inner: SdkBody,
    kept: Vec<u8>,
    slot: Slot,
    done: bool,
}

impl Body for Keeping {
    type Data = Bytes;
    type Error = aws_smithy_types::body::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<Frame<Bytes>, Self::Error>>> {
        if self.done {
            return Poll::Ready(None);
        }
        loop {
            match Pin::new(&mut self.inner).poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        self.kept.extend_from_slice(&data);
                    }
                }
                Poll::Ready(None) => {
                    let kept = Bytes::from(std::mem::take(&mut self.kept));
                    if let Ok(mut slot) = self.slot.lock() {
                        *slot = Some(kept);
                    }
                    self.done = true;
                    return Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"{}")))));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_token_is_found_only_as_a_key() {
        let body = br#"{"ResultSet":{"Rows":[{"Data":[{"VarCharValue":"\"NextToken\": x"},{"VarCharValue":"NextToken"}]}]},"NextToken" : "a\/b=="}"#;
        assert_eq!(next_token(body).unwrap().as_deref(), Some("a/b=="));
        let last =
            br#"{"ResultSet":{"Rows":[{"Data":[{"VarCharValue":"NextToken"}]}]},"UpdateCount":0}"#;
        assert_eq!(next_token(last).unwrap(), None);
        assert!(next_token(br#"{"NextToken":5}"#).is_err());
    }

    #[test]
    fn values_borrow_plain_text_and_decode_escapes() {
        let body = br#"{"ResultSet":{"ResultSetMetadata":{"ColumnInfo":[{"Name":"a","Type":"varchar","Precision":3,"Nullable":true}]},"Rows":[ {"Data":[{"VarCharValue":"plain"},{},{"VarCharValue":"tab\there \u00e9 \"q\""}]},{"Data":[{"VarCharValue":"x"},{"VarCharValue":null},{"VarCharValue":""}]}]},"NextToken":"t","UpdateCount":0}"#;
        let values = values(body, 3).unwrap();
        assert_eq!(values.len(), 6);
        assert!(matches!(values[0], Some(Cow::Borrowed("plain"))));
        assert_eq!(values[1], None);
        assert_eq!(values[2].as_deref(), Some("tab\there é \"q\""));
        assert_eq!(values[4], None);
        assert_eq!(values[5].as_deref(), Some(""));
    }

    #[test]
    fn malformed_pages_are_errors_not_panics() {
        let good = br#"{"ResultSet":{"Rows":[{"Data":[{"VarCharValue":"a\"b"}]}]}}"#;
        assert_eq!(values(good, 1).unwrap()[0].as_deref(), Some("a\"b"));
        // Every prefix of a good page, and a row of the wrong width, is refused.
        for cut in 0..good.len() {
            assert!(values(&good[..cut], 1).is_err(), "cut at {cut}");
        }
        assert!(values(good, 2).is_err());
        assert!(values(b"{\"ResultSet\":{\"Rows\":[1]}}", 1).is_err());
        assert!(values(b"[\"ResultSet\"]", 1).is_err());
        assert!(values(b"{} {}", 1).is_err());
        let deep = "{\"a\":".repeat(100);
        assert!(values(deep.as_bytes(), 1).is_err());
        assert!(values(b"{\"a\":\"\\", 1).is_err());
        assert!(values(b"{\"a\":\"\xff\"}", 1).is_err());
        assert_eq!(
            values(b" {\"Other\": [1, {\"x\": null}, true] } ", 1)
                .unwrap()
                .len(),
            0
        );
    }
}
