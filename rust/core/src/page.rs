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

use crate::error::{Error, ErrorKind, Result};
use crate::types::{Column, Encoding};

pub const MAGIC: &[u8; 4] = b"ATHP";
pub const VERSION: u16 = 1;

/// The largest page Java can take: one direct ByteBuffer, its length an int.
pub const MAX_PAGE_BYTES: usize = i32::MAX as usize;
/// The header stores the column count in 16 bits.
pub const MAX_COLUMNS: usize = u16::MAX as usize;
/// Bytes a value adds to a page besides its text: its offset or fixed-width
/// slot, its null bit, and some slack for the fixed-width slot being wider
/// than a short text.
const VALUE_OVERHEAD: usize = 8;

/// The error of a result too wide for the page format.
pub fn too_many_columns(columns: usize) -> Error {
    Error::new(
        ErrorKind::NotSupported,
        format!(
            "the result has {columns} columns; this driver reads results of at most {MAX_COLUMNS} columns"
        ),
    )
}

/// The error of a row too large for one page, which holds at most
/// [`MAX_PAGE_BYTES`].
pub fn too_large() -> Error {
    Error::new(
        ErrorKind::NotSupported,
        format!(
            "a row of the result is larger than the {MAX_PAGE_BYTES} bytes one result page can carry"
        ),
    )
}

/// How many of the next rows, whose sizes `sizes` yields (see
/// [`text_row_bytes`]), make one page: at most `max_rows`, no more than fit in
/// `budget` bytes, and at least one, so a row larger than the budget travels
/// alone.
pub fn rows_within(sizes: impl Iterator<Item = usize>, max_rows: usize, budget: usize) -> usize {
    let mut bytes = 0usize;
    let mut rows = 0;
    for size in sizes.take(max_rows.max(1)) {
        bytes = bytes.saturating_add(size);
        if rows > 0 && bytes > budget {
            break;
        }
        rows += 1;
    }
    rows
}

/// About the bytes a row of text values takes in a page.
pub fn text_row_bytes<S: AsRef<str>>(row: &[Option<S>]) -> usize {
    row.iter()
        .map(|v| v.as_ref().map_or(0, |s| s.as_ref().len()) + VALUE_OVERHEAD)
        .sum()
}

/// How many rows of `batch` from row `from` make one page (as
/// [`rows_within`]), measured on the Arrow arrays: the text or JSON of
/// variable-length and nested values, a fixed slot for the others.
pub fn arrow_rows_within(
    batch: &arrow::record_batch::RecordBatch,
    from: usize,
    max_rows: usize,
    budget: usize,
) -> usize {
    let sizes = (from..batch.num_rows()).map(|row| {
        batch
            .columns()
            .iter()
            .map(|c| arrow_bytes(c.as_ref(), row, row + 1))
            .sum::<usize>()
    });
    rows_within(sizes, max_rows, budget)
}

/// About the bytes rows `[start, end)` of `array` take as page values: their
/// text for strings and binaries, their JSON's text for nested values (a few
/// bytes of punctuation per element), a fixed slot for everything else.
fn arrow_bytes(array: &dyn arrow::array::Array, start: usize, end: usize) -> usize {
    use arrow::array::AsArray;
    use arrow::datatypes::DataType;
    let rows = end.saturating_sub(start);
    if rows == 0 {
        return 0;
    }
    let span = |offsets: &[usize]| offsets[1].saturating_sub(offsets[0]);
    let per_row = rows * VALUE_OVERHEAD;
    per_row
        + match array.data_type() {
            DataType::Utf8 => {
                let o = array.as_string::<i32>().value_offsets();
                span(&[o[start] as usize, o[end] as usize])
            }
            DataType::LargeUtf8 => {
                let o = array.as_string::<i64>().value_offsets();
                span(&[o[start] as usize, o[end] as usize])
            }
            DataType::Binary => {
                let o = array.as_binary::<i32>().value_offsets();
                // Nested binaries are written as hex text: up to three bytes each.
                3 * span(&[o[start] as usize, o[end] as usize])
            }
            DataType::LargeBinary => {
                let o = array.as_binary::<i64>().value_offsets();
                3 * span(&[o[start] as usize, o[end] as usize])
            }
            DataType::Utf8View => {
                let a = array.as_string_view();
                (start..end).map(|i| a.value(i).len()).sum()
            }
            DataType::BinaryView => {
                let a = array.as_binary_view();
                (start..end).map(|i| 3 * a.value(i).len()).sum()
            }
            DataType::List(_) => {
                let a = array.as_list::<i32>();
                let o = a.value_offsets();
                arrow_bytes(a.values().as_ref(), o[start] as usize, o[end] as usize)
            }
            DataType::LargeList(_) => {
                let a = array.as_list::<i64>();
                let o = a.value_offsets();
                arrow_bytes(a.values().as_ref(), o[start] as usize, o[end] as usize)
            }
            DataType::FixedSizeList(_, n) => {
                let n = (*n).max(0) as usize;
                let a = array.as_fixed_size_list();
                arrow_bytes(a.values().as_ref(), start * n, end * n)
            }
            DataType::Map(..) => {
                let a = array.as_map();
                let o = a.value_offsets();
                arrow_bytes(a.entries(), o[start] as usize, o[end] as usize)
            }
            DataType::Struct(fields) => {
                let a = array.as_struct();
                let names: usize = fields.iter().map(|f| f.name().len()).sum();
                rows * names
                    + a.columns()
                        .iter()
                        .map(|c| arrow_bytes(c.as_ref(), start, end))
                        .sum::<usize>()
            }
            // Numbers, dates and timestamps: their text is at most a few dozen bytes.
            _ => rows * 24,
        }
}

/// Encodes rows of Athena text values (None = SQL NULL) into one page.
pub fn encode<S: AsRef<str>>(columns: &[Column], rows: &[Vec<Option<S>>]) -> Result<Vec<u8>> {
    if let Some(bad) = rows.iter().find(|r| r.len() != columns.len()) {
        return Err(Error::internal(format!(
            "a result row has {} values for {} columns",
            bad.len(),
            columns.len()
        )));
    }
    encode_by_column(columns, rows.len(), |index| {
        rows.iter()
            .map(move |r| r[index].as_ref().map(AsRef::as_ref))
    })
}

/// As [`encode`], for rows laid one after another in `values`,
/// `columns.len()` values each.
pub fn encode_flat<S: AsRef<str>>(columns: &[Column], values: &[Option<S>]) -> Result<Vec<u8>> {
    let width = columns.len().max(1);
    if values.len() % width != 0 {
        return Err(Error::internal(format!(
            "{} values do not make rows of {} columns",
            values.len(),
            columns.len()
        )));
    }
    encode_by_column(columns, values.len() / width, |index| {
        values
            .iter()
            .skip(index)
            .step_by(width)
            .map(|v| v.as_ref().map(AsRef::as_ref))
    })
}

/// Writes a page whose column `i`'s values `column(i)` yields.
fn encode_by_column<'a, F, I>(columns: &[Column], rows: usize, column: F) -> Result<Vec<u8>>
where
    F: Fn(usize) -> I,
    I: Iterator<Item = Option<&'a str>> + Clone,
{
    let column_count = u16::try_from(columns.len()).map_err(|_| too_many_columns(columns.len()))?;
    let row_count =
        u32::try_from(rows).map_err(|_| Error::internal("too many rows for one page"))?;
    let mut out = Vec::with_capacity(12 + rows * columns.len() * 12);
    write_header(&mut out, column_count, row_count);
    for (index, c) in columns.iter().enumerate() {
        encode_column(&mut out, c.preferred_encoding(), column(index), rows)?;
    }
    within_limit(out)
}

/// `page`, unless it is larger than Java can take.
fn within_limit(page: Vec<u8>) -> Result<Vec<u8>> {
    if page.len() > MAX_PAGE_BYTES {
        return Err(too_large());
    }
    Ok(page)
}

fn write_header(out: &mut Vec<u8>, column_count: u16, row_count: u32) {
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&column_count.to_le_bytes());
    out.extend_from_slice(&row_count.to_le_bytes());
}

/// Encodes the first `rows` rows of an Arrow batch (UNLOAD's Parquet) with
/// the same encodings the text path chooses, fixed-width values copied from
/// their buffers rather than formatted and parsed again; every other value
/// as its Athena text, arrays, maps and rows as JSON.
pub fn encode_arrow(
    columns: &[Column],
    batch: &arrow::record_batch::RecordBatch,
    rows: usize,
) -> Result<Vec<u8>> {
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::{DataType, Float64Type, Int64Type, TimeUnit, TimestampMicrosecondType};
    if batch.num_columns() != columns.len() || rows > batch.num_rows() {
        return Err(Error::internal(format!(
            "an Arrow batch of {} columns and {} rows cannot fill {} columns and {rows} rows",
            batch.num_columns(),
            batch.num_rows(),
            columns.len()
        )));
    }
    let column_count = u16::try_from(columns.len()).map_err(|_| too_many_columns(columns.len()))?;
    let row_count =
        u32::try_from(rows).map_err(|_| Error::internal("too many rows for one page"))?;
    let mut out = Vec::with_capacity(12 + rows * columns.len() * 12);
    write_header(&mut out, column_count, row_count);
    let cast = |array: &dyn Array, to: &DataType| {
        arrow::compute::cast(array, to)
            .map_err(|e| Error::internal(format!("Arrow cast to {to}: {e}")))
    };
    for (column, array) in columns.iter().zip(batch.columns()) {
        let array = array.as_ref();
        let header_at = out.len();
        out.extend_from_slice(&[0u8; 8]);
        let body_start = out.len();
        let mut bitmap = vec![0u8; rows.div_ceil(8)];
        // Logical nulls: a Null-typed column has no validity buffer.
        if let Some(nulls) = array.logical_nulls() {
            for i in (0..rows).filter(|&i| nulls.is_null(i)) {
                bitmap[i / 8] |= 1 << (i % 8);
            }
        }
        out.extend_from_slice(&bitmap);
        let wanted = column.preferred_encoding();
        let dt = array.data_type();
        let (encoding, param) = match wanted {
            Encoding::Bool if dt == &DataType::Boolean => {
                let a = array.as_boolean();
                out.extend((0..rows).map(|i| u8::from(a.is_valid(i) && a.value(i))));
                (Encoding::Bool, 0)
            }
            Encoding::Int64 if dt.is_integer() => {
                let a = cast(array, &DataType::Int64)?;
                write_primitive(
                    &mut out,
                    a.as_primitive::<Int64Type>(),
                    rows,
                    i64::to_le_bytes,
                );
                (Encoding::Int64, 0)
            }
            Encoding::Float64 if dt.is_floating() => {
                let a = cast(array, &DataType::Float64)?;
                write_primitive(
                    &mut out,
                    a.as_primitive::<Float64Type>(),
                    rows,
                    f64::to_le_bytes,
                );
                (Encoding::Float64, 0)
            }
            Encoding::Date if dt == &DataType::Date32 => {
                let a = array.as_primitive::<arrow::datatypes::Date32Type>();
                write_primitive(&mut out, a, rows, i32::to_le_bytes);
                (Encoding::Date, 0)
            }
            Encoding::Timestamp if matches!(dt, DataType::Timestamp(_, None)) => {
                let a = cast(array, &DataType::Timestamp(TimeUnit::Microsecond, None))?;
                let a = a.as_primitive::<TimestampMicrosecondType>();
                write_primitive(&mut out, a, rows, i64::to_le_bytes);
                // Athena's text form of these values has milliseconds.
                (Encoding::Timestamp, 3)
            }
            Encoding::Binary
                if matches!(
                    dt,
                    DataType::Binary | DataType::LargeBinary | DataType::BinaryView
                ) =>
            {
                let a = cast(array, &DataType::LargeBinary)?;
                let a = a.as_binary::<i64>();
                write_variable(&mut out, rows, |i, data| {
                    if a.is_valid(i) {
                        data.extend_from_slice(a.value(i));
                    }
                })?;
                (Encoding::Binary, 0)
            }
            Encoding::Json => {
                let mut text = String::new();
                write_variable(&mut out, rows, |i, data| {
                    text.clear();
                    athena_arrow_text::write_json(array, i, &mut text);
                    data.extend_from_slice(text.as_bytes());
                })?;
                (Encoding::Json, 0)
            }
            _ => {
                let mut text = String::new();
                write_variable(&mut out, rows, |i, data| {
                    text.clear();
                    athena_arrow_text::write_text(array, i, &mut text);
                    data.extend_from_slice(text.as_bytes());
                })?;
                (Encoding::Text, 0)
            }
        };
        let body_length = u32::try_from(out.len() - body_start).map_err(|_| too_large())?;
        out[header_at] = encoding as u8;
        out[header_at + 1] = param;
        out[header_at + 4..header_at + 8].copy_from_slice(&body_length.to_le_bytes());
    }
    within_limit(out)
}

/// Writes the first `rows` values little endian; a NULL slot holds zero.
fn write_primitive<T, const N: usize>(
    out: &mut Vec<u8>,
    array: &arrow::array::PrimitiveArray<T>,
    rows: usize,
    bytes: fn(T::Native) -> [u8; N],
) where
    T: arrow::datatypes::ArrowPrimitiveType,
{
    use arrow::array::Array;
    for i in 0..rows {
        let v = if array.is_valid(i) {
            array.value(i)
        } else {
            T::Native::default()
        };
        out.extend_from_slice(&bytes(v));
    }
}

/// Writes `(rows + 1)` offsets then the bytes `value(i, data)` appends for each row.
fn write_variable(
    out: &mut Vec<u8>,
    rows: usize,
    mut value: impl FnMut(usize, &mut Vec<u8>),
) -> Result<()> {
    let mut data = Vec::new();
    let mut offsets = Vec::with_capacity(4 * (rows + 1));
    offsets.extend_from_slice(&0u32.to_le_bytes());
    for i in 0..rows {
        value(i, &mut data);
        let end = u32::try_from(data.len()).map_err(|_| too_large())?;
        offsets.extend_from_slice(&end.to_le_bytes());
    }
    out.extend_from_slice(&offsets);
    out.extend_from_slice(&data);
    Ok(())
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
                    encode_variable(out, Encoding::Text, values).ok_or_else(too_large)?;
                    (Encoding::Text, 0)
                }
            }
        }
    };
    let body_length = u32::try_from(out.len() - body_start).map_err(|_| too_large())?;
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
    // The parameter means something for timestamps only.
    Some(if encoding == Encoding::Timestamp {
        fraction_digits.unwrap_or(3)
    } else {
        0
    })
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

    /// The Arrow path gives the same page as rendering to Athena text and
    /// encoding that, for every encoding (REAL aside: its f32 is widened
    /// exactly rather than through its shortest text).
    #[test]
    fn arrow_batches_encode_like_their_text() {
        use arrow::array::*;
        use arrow::datatypes::{Field, Int32Type, Schema};
        use std::sync::Arc;
        let list = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
            Some(vec![Some(1), None]),
            None,
            Some(vec![]),
        ]);
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(BooleanArray::from(vec![Some(true), None, Some(false)])),
            Arc::new(Int32Array::from(vec![Some(-7), Some(0), None])),
            Arc::new(Int64Array::from(vec![Some(i64::MAX), None, Some(1)])),
            Arc::new(Float64Array::from(vec![Some(1.5), Some(f64::NAN), None])),
            Arc::new(Date32Array::from(vec![Some(19_753), None, Some(0)])),
            Arc::new(TimestampNanosecondArray::from(vec![
                Some(1_706_704_496_789_000_000),
                None,
                Some(0),
            ])),
            Arc::new(StringArray::from(vec![Some("a, \"b\""), Some(""), None])),
            Arc::new(
                Decimal128Array::from(vec![Some(1230), None, Some(-5)])
                    .with_precision_and_scale(10, 2)
                    .unwrap(),
            ),
            Arc::new(BinaryArray::from(vec![
                Some(&b"hi"[..]),
                None,
                Some(&b""[..]),
            ])),
            Arc::new(list),
            Arc::new(NullArray::new(3)),
        ];
        let fields: Vec<Field> = arrays
            .iter()
            .enumerate()
            .map(|(i, a)| Field::new(format!("c{i}"), a.data_type().clone(), true))
            .collect();
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields.clone())), arrays).unwrap();
        let columns: Vec<Column> = fields.iter().map(Column::of_arrow).collect();
        assert_eq!(columns[9].preferred_encoding(), Encoding::Json);
        let rows: Vec<Vec<Option<String>>> = (0..3)
            .map(|r| {
                batch
                    .columns()
                    .iter()
                    .map(|c| {
                        if athena_arrow_text::is_nested(c.data_type()) {
                            let mut json = String::new();
                            athena_arrow_text::write_json(c.as_ref(), r, &mut json).then_some(json)
                        } else {
                            athena_arrow_text::render(c.as_ref(), r)
                        }
                    })
                    .collect()
            })
            .collect();
        assert_eq!(
            encode_arrow(&columns, &batch, 3).unwrap(),
            encode(&columns, &rows).unwrap()
        );
        // The first rows only.
        let two = encode_arrow(&columns, &batch, 2).unwrap();
        assert_eq!(two, encode(&columns, &rows[..2]).unwrap());
    }

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
    fn pages_end_at_their_rows_or_their_bytes() {
        // Rows of 10, 10, 30, 10 bytes.
        let sizes = [10, 10, 30, 10];
        assert_eq!(rows_within(sizes.into_iter(), 100, 1000), 4);
        assert_eq!(rows_within(sizes.into_iter(), 3, 1000), 3);
        assert_eq!(rows_within(sizes.into_iter(), 100, 25), 2);
        assert_eq!(rows_within(sizes.into_iter(), 100, 20), 2);
        // A row larger than the budget travels alone.
        assert_eq!(rows_within([500, 1].into_iter(), 100, 20), 1);
        assert_eq!(rows_within(std::iter::empty(), 100, 20), 0);
        let row = vec![Some("abcd".to_string()), None];
        assert_eq!(text_row_bytes(&row), 4 + 2 * VALUE_OVERHEAD);
    }

    #[test]
    fn arrow_rows_are_measured_by_their_text() {
        use arrow::array::*;
        use std::sync::Arc;
        let wide = "x".repeat(1000);
        let text: ArrayRef = Arc::new(StringArray::from(vec![
            Some("a"),
            Some(wide.as_str()),
            None,
            Some("b"),
        ]));
        let list: ArrayRef = Arc::new(ListArray::from_iter_primitive::<
            arrow::datatypes::Int32Type,
            _,
            _,
        >(vec![
            Some(vec![Some(1)]),
            Some((0..100).map(Some).collect::<Vec<_>>()),
            None,
            Some(vec![]),
        ]));
        let batch = RecordBatch::try_from_iter(vec![("t", text), ("l", list)]).unwrap();
        // Row 1 alone is over 1000 bytes; rows 2 and 3 are small.
        assert_eq!(arrow_rows_within(&batch, 0, 100, 500), 1);
        assert_eq!(arrow_rows_within(&batch, 1, 100, 500), 1);
        assert_eq!(arrow_rows_within(&batch, 2, 100, 500), 2);
        assert_eq!(arrow_rows_within(&batch, 0, 100, 1 << 20), 4);
        assert_eq!(arrow_rows_within(&batch, 0, 2, 1 << 20), 2);
    }

    #[test]
    fn too_many_columns_is_a_clear_error() {
        let columns: Vec<Column> = (0..=MAX_COLUMNS)
            .map(|i| Column::new(&format!("c{i}"), "integer"))
            .collect();
        let error = encode::<String>(&columns, &[]).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::NotSupported);
        assert!(error.to_string().contains("65536 columns"), "{error}");
        assert!(encode::<String>(&columns[..MAX_COLUMNS], &[]).is_ok());
    }

    #[test]
    fn rows_must_match_the_columns() {
        let columns = vec![Column::new("a", "integer")];
        assert!(encode::<String>(&columns, &[vec![]]).is_err());
    }
}
