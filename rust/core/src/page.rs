//! The page format: how a block of result rows crosses from Rust to Java.
//!
//! Layout, version 1, little endian (Java's decoder is `Page.java`; both sides
//! test against the vectors in `tests/vectors/pages`):
//!
//! ```text
//! header   "ATHP" | u16 version=1 | u16 column_count | u32 row_count
//! column   u8 encoding | u8 param | u16 reserved=0 | u32 body_length | body
//! body     null bitmap: ceil(rows/8) bytes, bit (i % 8) of byte i/8 set = NULL
//!          then by encoding:
//!            1 Bool      rows × u8 (0 or 1)
//!            2 Int64     rows × i64
//!            3 Float64   rows × f64
//!            4 Date      rows × i32 days since 1970-01-01
//!            5 Timestamp rows × i64 microseconds since 1970-01-01 00:00 (wall clock);
//!                        param = digits of the fraction in Athena's text form
//!            6 Text      (rows + 1) × u32 offsets, then UTF-8 bytes
//!            7 Binary    (rows + 1) × u32 offsets, then bytes
//!            8 Json      as Text; each value is an array, map or row as JSON
//!                        (maps as arrays of [key, value] pairs, rows as
//!                        objects, scalars in their Athena text form), for
//!                        columns whose exact type is known (UNLOAD)
//! ```
//! A NULL slot holds zero (fixed width) or an empty range (Text, Binary).
//! Fixed-width encodings arrive parsed so that Java reads instead of parsing. A
//! column whose values do not all parse travels as Text for that page, so an
//! unexpected text form is never lost.

use crate::error::{Error, Result};
use crate::types::{Column, Encoding};

pub const MAGIC: &[u8; 4] = b"ATHP";
pub const VERSION: u16 = 1;

/// Encodes rows of Athena text values (None = SQL NULL) into one page.
pub fn encode(columns: &[Column], rows: &[Vec<Option<String>>]) -> Result<Vec<u8>> {
    let column_count = u16::try_from(columns.len())
        .map_err(|_| Error::internal("too many columns for one page"))?;
    let row_count =
        u32::try_from(rows.len()).map_err(|_| Error::internal("too many rows for one page"))?;
    if let Some(bad) = rows.iter().find(|r| r.len() != columns.len()) {
        return Err(Error::internal(format!(
            "a result row has {} values for {} columns",
            bad.len(),
            columns.len()
        )));
    }
    let mut out = Vec::with_capacity(12 + rows.len() * columns.len() * 12);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&column_count.to_le_bytes());
    out.extend_from_slice(&row_count.to_le_bytes());
    for (index, column) in columns.iter().enumerate() {
        let values = rows.iter().map(|r| r[index].as_deref());
        encode_column(&mut out, column.preferred_encoding(), values, rows.len())?;
    }
    Ok(out)
}

fn encode_column<'a, I>(out: &mut Vec<u8>, wanted: Encoding, values: I, rows: usize) -> Result<()>
where
    I: Iterator<Item = Option<&'a str>> + Clone,
{
    let header_at = out.len();
    out.extend_from_slice(&[0u8; 8]);
    let body_start = out.len();
    let mut bitmap = vec![0u8; rows.div_ceil(8)];
    for (i, v) in values.clone().enumerate() {
        if v.is_none() {
            bitmap[i / 8] |= 1 << (i % 8);
        }
    }
    out.extend_from_slice(&bitmap);
    let fixed_start = out.len();
    let (encoding, param) = match encode_fixed(out, wanted, values.clone()) {
        Some(param) => (wanted, param),
        None => {
            out.truncate(fixed_start);
            let text = match wanted {
                Encoding::Binary | Encoding::Json => wanted,
                _ => Encoding::Text,
            };
            match encode_variable(out, text, values.clone()) {
                Some(()) => (text, 0),
                None => {
                    // Binary text that is not hex pairs: keep Athena's text instead.
                    out.truncate(fixed_start);
                    encode_variable(out, Encoding::Text, values)
                        .ok_or_else(|| Error::internal("page too large"))?;
                    (Encoding::Text, 0)
                }
            }
        }
    };
    let body_length = u32::try_from(out.len() - body_start)
        .map_err(|_| Error::internal("page column too large"))?;
    out[header_at] = encoding as u8;
    out[header_at + 1] = param;
    out[header_at + 4..header_at + 8].copy_from_slice(&body_length.to_le_bytes());
    Ok(())
}

/// Writes fixed-width values; None when a value does not parse (caller falls back to Text).
fn encode_fixed<'a>(
    out: &mut Vec<u8>,
    encoding: Encoding,
    values: impl Iterator<Item = Option<&'a str>>,
) -> Option<u8> {
    let mut fraction_digits: Option<u8> = None;
    for v in values {
        match encoding {
            Encoding::Bool => out.push(match v {
                None => 0,
                Some("true") => 1,
                Some("false") => 0,
                Some(_) => return None,
            }),
            Encoding::Int64 => {
                let n: i64 = match v {
                    None => 0,
                    Some(s) => s.parse().ok()?,
                };
                out.extend_from_slice(&n.to_le_bytes());
            }
            Encoding::Float64 => {
                let f: f64 = match v {
                    None => 0.0,
                    Some(s) => parse_float(s)?,
                };
                out.extend_from_slice(&f.to_le_bytes());
            }
            Encoding::Date => {
                let d = match v {
                    None => 0,
                    Some(s) => i32::try_from(parse_date(s)?).ok()?,
                };
                out.extend_from_slice(&d.to_le_bytes());
            }
            Encoding::Timestamp => {
                let micros = match v {
                    None => 0,
                    Some(s) => {
                        let (micros, digits) = parse_timestamp(s)?;
                        if *fraction_digits.get_or_insert(digits) != digits {
                            return None;
                        }
                        micros
                    }
                };
                out.extend_from_slice(&micros.to_le_bytes());
            }
            Encoding::Text | Encoding::Binary | Encoding::Json => return None,
        }
    }
    Some(fraction_digits.unwrap_or(3))
}

fn encode_variable<'a>(
    out: &mut Vec<u8>,
    encoding: Encoding,
    values: impl Iterator<Item = Option<&'a str>> + Clone,
) -> Option<()> {
    let mut data: Vec<u8> = Vec::new();
    let mut offsets: Vec<u32> = vec![0];
    for v in values {
        if let Some(s) = v {
            match encoding {
                Encoding::Binary => decode_hex_pairs(s, &mut data)?,
                _ => data.extend_from_slice(s.as_bytes()),
            }
        }
        offsets.push(u32::try_from(data.len()).ok()?);
    }
    for o in offsets {
        out.extend_from_slice(&o.to_le_bytes());
    }
    out.extend_from_slice(&data);
    Some(())
}

fn parse_float(s: &str) -> Option<f64> {
    match s {
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        _ if s
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E')) =>
        {
            s.parse().ok()
        }
        _ => None,
    }
}

/// Athena's varbinary text: lower-case hex pairs separated by spaces.
fn decode_hex_pairs(s: &str, out: &mut Vec<u8>) -> Option<()> {
    for pair in s.split(' ').filter(|p| !p.is_empty()) {
        if pair.len() != 2 {
            return None;
        }
        out.push(u8::from_str_radix(pair, 16).ok()?);
    }
    Some(())
}

fn digits(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `2024-01-31` → days since 1970-01-01. Four-digit years only; others stay text.
pub fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(&s[0..4])?, digits(&s[5..7])?, digits(&s[8..10])?);
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// `2024-01-31 12:34:56.789` → (microseconds since epoch, fraction digits).
pub fn parse_timestamp(s: &str) -> Option<(i64, u8)> {
    if s.len() < 19 || s.as_bytes()[10] != b' ' {
        return None;
    }
    let days = parse_date(&s[0..10])?;
    let t = &s[11..];
    let tb = t.as_bytes();
    if tb.len() < 8 || tb[2] != b':' || tb[5] != b':' {
        return None;
    }
    let (h, mi, sec) = (digits(&t[0..2])?, digits(&t[3..5])?, digits(&t[6..8])?);
    if h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let (micros, fraction_digits) = match &t[8..] {
        "" => (0, 0),
        rest if rest.starts_with('.') && (2..=7).contains(&rest.len()) => {
            let frac = &rest[1..];
            let value = digits(frac)?;
            (value * 10i64.pow(6 - frac.len() as u32), frac.len() as u8)
        }
        _ => return None,
    };
    let seconds = days * 86_400 + h * 3600 + mi * 60 + sec;
    Some((seconds * 1_000_000 + micros, fraction_digits))
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Howard Hinnant's days_from_civil.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_count_days_from_the_epoch() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2024-01-31"), Some(19_753));
        assert_eq!(parse_date("1969-12-31"), Some(-1));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("12024-01-01"), None);
    }

    #[test]
    fn timestamps_keep_their_fraction_digits() {
        assert_eq!(
            parse_timestamp("1970-01-01 00:00:01.5"),
            Some((1_500_000, 1))
        );
        assert_eq!(
            parse_timestamp("2024-01-31 12:34:56.789"),
            Some((1_706_704_496_789_000, 3))
        );
        assert_eq!(
            parse_timestamp("2024-01-31 12:34:56"),
            Some((1_706_704_496_000_000, 0))
        );
        assert_eq!(parse_timestamp("2024-01-31 12:34:56.789 UTC"), None);
    }

    #[test]
    fn a_column_that_does_not_parse_travels_as_text() {
        let columns = vec![Column::new("d", "double")];
        let rows = vec![
            vec![Some("1.5".to_string())],
            vec![Some("not a number".to_string())],
        ];
        let page = encode(&columns, &rows).unwrap();
        assert_eq!(page[12], Encoding::Text as u8);
    }

    #[test]
    fn rows_must_match_the_columns() {
        let columns = vec![Column::new("a", "integer")];
        assert!(encode(&columns, &[vec![]]).is_err());
    }
}
