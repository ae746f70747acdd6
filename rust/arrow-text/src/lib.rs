//! athena-arrow-text: Athena's text forms and type names of Arrow values,
//! shared by athena-local (which serves them) and the driver (which reads
//! UNLOAD's Parquet files into the same forms as the other fetchers).
//!
//! Arrow values to Athena's text form (`VarCharValue`) and Athena type names.
//!
//! Forms follow Athena engine version 3 (Trino): `true`, `1.5`, `1.0E10`,
//! `12.30`, `2024-01-31`, `2024-01-31 12:34:56.789`, `[1, 2]`, `{a=1}`,
//! `68 65 6c 6c 6f`. NULL is `None` at the top level (a Datum without
//! `VarCharValue`) and `null` inside arrays, maps and rows.

use arrow::array::temporal_conversions::{
    as_date, as_datetime, as_datetime_with_timezone, as_time,
};
use arrow::array::timezone::Tz;
use arrow::array::{Array, ArrayRef, AsArray, OffsetSizeTrait};
use arrow::datatypes::*;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use std::fmt::Write;

/// Metadata key/value marking a Utf8 column as Athena `json` (the canonical
/// Arrow JSON extension type).
pub const EXTENSION_KEY: &str = "ARROW:extension:name";
pub const JSON_EXTENSION: &str = "arrow.json";
/// Marks a Utf8 column as Athena `time with time zone` (Arrow has no such
/// type): its values are Trino's text, `12:34:56.789+05:30`.
pub const TIME_TZ_EXTENSION: &str = "athena.time_with_time_zone";

/// Athena's description of a column type, as in `ColumnInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AthenaType {
    pub name: String,
    pub precision: i32,
    pub scale: i32,
}

impl AthenaType {
    fn new(name: &str, precision: i32, scale: i32) -> Self {
        AthenaType {
            name: name.to_string(),
            precision,
            scale,
        }
    }
}

pub fn is_json_field(field: &Field) -> bool {
    field
        .metadata()
        .get(EXTENSION_KEY)
        .is_some_and(|v| v == JSON_EXTENSION)
}

/// Whether a field is Athena `time with time zone` (see [`TIME_TZ_EXTENSION`]).
pub fn is_time_tz_field(field: &Field) -> bool {
    field
        .metadata()
        .get(EXTENSION_KEY)
        .is_some_and(|v| v == TIME_TZ_EXTENSION)
}

/// The `ColumnInfo` type of a result column.
pub fn athena_type(field: &Field) -> AthenaType {
    if is_json_field(field) {
        return AthenaType::new("json", 0, 0);
    }
    if is_time_tz_field(field) {
        return AthenaType::new("time with time zone", 3, 0);
    }
    athena_type_of(field.data_type())
}

pub fn athena_type_of(dt: &DataType) -> AthenaType {
    use DataType::*;
    match dt {
        Null => AthenaType::new("unknown", 0, 0),
        Boolean => AthenaType::new("boolean", 0, 0),
        Int8 => AthenaType::new("tinyint", 3, 0),
        Int16 | UInt8 => AthenaType::new("smallint", 5, 0),
        Int32 | UInt16 => AthenaType::new("integer", 10, 0),
        Int64 | UInt32 => AthenaType::new("bigint", 19, 0),
        // No wider integer exists, so u64 is a decimal(20,0) as Trino would need.
        UInt64 => AthenaType::new("decimal", 20, 0),
        Float16 | Float32 => AthenaType::new("real", 17, 0),
        Float64 => AthenaType::new("double", 17, 0),
        Decimal32(p, s) | Decimal64(p, s) | Decimal128(p, s) | Decimal256(p, s) => {
            AthenaType::new("decimal", i32::from(*p), i32::from(*s))
        }
        Utf8 | LargeUtf8 | Utf8View => AthenaType::new("varchar", 2147483647, 0),
        Binary | LargeBinary | BinaryView | FixedSizeBinary(_) => {
            AthenaType::new("varbinary", 1073741824, 0)
        }
        Date32 | Date64 => AthenaType::new("date", 0, 0),
        Timestamp(_, None) => AthenaType::new("timestamp", 3, 0),
        Timestamp(_, Some(_)) => AthenaType::new("timestamp with time zone", 3, 0),
        Time32(_) | Time64(_) => AthenaType::new("time", 3, 0),
        Interval(IntervalUnit::YearMonth) => AthenaType::new("interval year to month", 0, 0),
        Interval(_) | Duration(_) => AthenaType::new("interval day to second", 0, 0),
        List(_) | LargeList(_) | ListView(_) | LargeListView(_) | FixedSizeList(_, _) => {
            AthenaType::new("array", 0, 0)
        }
        Map(_, _) => AthenaType::new("map", 0, 0),
        Struct(_) => AthenaType::new("row", 0, 0),
        Dictionary(_, v) => athena_type_of(v),
        _ => AthenaType::new("varchar", 2147483647, 0),
    }
}

/// The full Trino type of a field, with parameters and element types:
/// `array(integer)`, `map(varchar, bigint)`, `row(x integer, y varchar)`,
/// `decimal(10,2)`; a scalar's plain name otherwise.
pub fn full_type(field: &Field) -> String {
    if is_json_field(field) {
        return "json".into();
    }
    if is_time_tz_field(field) {
        return "time with time zone".into();
    }
    full_type_of(field.data_type())
}

fn full_type_of(dt: &DataType) -> String {
    use DataType::*;
    match dt {
        List(f) | LargeList(f) | ListView(f) | LargeListView(f) | FixedSizeList(f, _) => {
            format!("array({})", full_type(f))
        }
        Map(entries, _) => match entries.data_type() {
            Struct(kv) if kv.len() == 2 => {
                format!("map({}, {})", full_type(&kv[0]), full_type(&kv[1]))
            }
            _ => "map(varchar, varchar)".into(),
        },
        Struct(fields) => format!(
            "row({})",
            fields
                .iter()
                .map(|f| format!("{} {}", f.name(), full_type(f)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Decimal32(p, s) | Decimal64(p, s) | Decimal128(p, s) | Decimal256(p, s) => {
            format!("decimal({p},{s})")
        }
        Dictionary(_, v) => full_type_of(v),
        other => athena_type_of(other).name,
    }
}

/// Whether values of this type are arrays, maps or rows.
pub fn is_nested(dt: &DataType) -> bool {
    use DataType::*;
    match dt {
        List(_)
        | LargeList(_)
        | ListView(_)
        | LargeListView(_)
        | FixedSizeList(_, _)
        | Map(_, _)
        | Struct(_) => true,
        Dictionary(_, v) => is_nested(v),
        _ => false,
    }
}

/// Appends a nested value as JSON that keeps its structure exactly: arrays
/// as arrays, maps as arrays of `[key, value]` pairs (keys need not be
/// text), rows as objects; integers, decimals-free floats and booleans as
/// JSON literals in Athena's text form, every other scalar as a string of
/// its Athena text. False (nothing written) for a top-level NULL.
pub fn write_json(array: &dyn Array, row: usize, out: &mut String) -> bool {
    if row >= array.len() || array.is_null(row) || array.data_type() == &DataType::Null {
        return false;
    }
    json_non_null(array, row, out);
    true
}

fn json_nested(array: &dyn Array, row: usize, out: &mut String) {
    if !write_json(array, row, out) {
        out.push_str("null");
    }
}

fn json_list(values: &ArrayRef, out: &mut String) {
    out.push('[');
    for i in 0..values.len() {
        if i > 0 {
            out.push(',');
        }
        json_nested(values.as_ref(), i, out);
    }
    out.push(']');
}

fn json_non_null(array: &dyn Array, row: usize, out: &mut String) {
    use DataType::*;
    match array.data_type() {
        List(_) => {
            if let Some(l) = array.as_list_opt::<i32>() {
                return json_list(&l.value(row), out);
            }
        }
        LargeList(_) => {
            if let Some(l) = array.as_list_opt::<i64>() {
                return json_list(&l.value(row), out);
            }
        }
        FixedSizeList(_, _) => {
            if let Some(l) = array.as_fixed_size_list_opt() {
                return json_list(&l.value(row), out);
            }
        }
        Map(_, _) => {
            if let Some(m) = array.as_map_opt() {
                let entries = m.value(row);
                out.push('[');
                for i in 0..entries.len() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push('[');
                    json_nested(entries.column(0).as_ref(), i, out);
                    out.push(',');
                    json_nested(entries.column(1).as_ref(), i, out);
                    out.push(']');
                }
                out.push(']');
                return;
            }
        }
        Struct(fields) => {
            if let Some(s) = array.as_struct_opt() {
                out.push('{');
                for (i, (f, c)) in fields.iter().zip(s.columns()).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    push_json_string(out, f.name());
                    out.push(':');
                    json_nested(c.as_ref(), row, out);
                }
                out.push('}');
                return;
            }
        }
        _ => {}
    }
    let mut text = String::new();
    write_non_null(array, row, &mut text);
    let literal = match array.data_type() {
        Boolean | Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 => true,
        // NaN and Infinity are no JSON numbers.
        Float16 | Float32 | Float64 => text
            .bytes()
            .all(|b| b.is_ascii_digit() || b"-.E".contains(&b)),
        _ => false,
    };
    if literal {
        out.push_str(&text);
    } else {
        push_json_string(out, &text);
    }
}

fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Hive/Glue type name, as `GetTableMetadata` reports table columns.
pub fn hive_type(field: &Field) -> String {
    if is_json_field(field) {
        return "string".into();
    }
    hive_type_of(field.data_type())
}

fn hive_type_of(dt: &DataType) -> String {
    use DataType::*;
    match dt {
        Boolean => "boolean".into(),
        Int8 => "tinyint".into(),
        Int16 | UInt8 => "smallint".into(),
        Int32 | UInt16 => "int".into(),
        Int64 | UInt32 => "bigint".into(),
        UInt64 => "decimal(20,0)".into(),
        Float16 | Float32 => "float".into(),
        Float64 => "double".into(),
        Decimal32(p, s) | Decimal64(p, s) | Decimal128(p, s) | Decimal256(p, s) => {
            format!("decimal({p},{s})")
        }
        Binary | LargeBinary | BinaryView | FixedSizeBinary(_) => "binary".into(),
        Date32 | Date64 => "date".into(),
        Timestamp(_, _) => "timestamp".into(),
        List(f) | LargeList(f) | ListView(f) | LargeListView(f) | FixedSizeList(f, _) => {
            format!("array<{}>", hive_type(f))
        }
        Map(entries, _) => match entries.data_type() {
            Struct(kv) if kv.len() == 2 => {
                format!("map<{},{}>", hive_type(&kv[0]), hive_type(&kv[1]))
            }
            _ => "map<string,string>".into(),
        },
        Struct(fields) => format!(
            "struct<{}>",
            fields
                .iter()
                .map(|f| format!("{}:{}", f.name(), hive_type(f)))
                .collect::<Vec<_>>()
                .join(",")
        ),
        Dictionary(_, v) => hive_type_of(v),
        _ => "string".into(),
    }
}

/// Java's `Double.toString` shape: plain between 1e-3 and 1e7, else `1.0E10`.
pub fn format_double(v: f64) -> String {
    java_float(v.is_nan(), v.is_infinite(), v < 0.0, v.abs(), || {
        (format!("{v}"), format!("{v:e}"))
    })
}

/// Java's `Float.toString` shape, with the shortest digits that round-trip as f32.
pub fn format_real(v: f32) -> String {
    java_float(
        v.is_nan(),
        v.is_infinite(),
        v < 0.0,
        f64::from(v.abs()),
        || (format!("{v}"), format!("{v:e}")),
    )
}

fn java_float(
    nan: bool,
    inf: bool,
    negative: bool,
    abs: f64,
    forms: impl Fn() -> (String, String),
) -> String {
    if nan {
        return "NaN".into();
    }
    if inf {
        return if negative { "-Infinity" } else { "Infinity" }.into();
    }
    let (plain, sci) = forms();
    if abs == 0.0 || (1e-3..1e7).contains(&abs) {
        if plain.contains('.') {
            plain
        } else {
            format!("{plain}.0")
        }
    } else {
        let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
        if mantissa.contains('.') {
            format!("{mantissa}E{exp}")
        } else {
            format!("{mantissa}.0E{exp}")
        }
    }
}

/// The text of one top-level value; `None` for NULL.
pub fn render(array: &dyn Array, row: usize) -> Option<String> {
    let mut out = String::new();
    write_text(array, row, &mut out).then_some(out)
}

/// Appends the text of one top-level value to `out`; false (nothing
/// written) for NULL. Writing into one buffer keeps large pages and result
/// files free of a string allocation per value.
pub fn write_text(array: &dyn Array, row: usize, out: &mut String) -> bool {
    // NullArray has no validity buffer, so `is_null` alone would say "valid".
    if row >= array.len() || array.is_null(row) || array.data_type() == &DataType::Null {
        return false;
    }
    write_non_null(array, row, out);
    true
}

/// The text of a value nested in an array, map or row (`null` for NULL).
fn write_nested(array: &dyn Array, row: usize, out: &mut String) {
    if !write_text(array, row, out) {
        out.push_str("null");
    }
}

macro_rules! prim {
    ($array:expr, $row:expr, $out:expr, $t:ty) => {
        $array
            .as_primitive_opt::<$t>()
            .map(|a| write!($out, "{}", a.value($row)))
            .is_some()
    };
}

/// `2024-01-31 12:34:56.789`, written field by field (chrono's format
/// strings are parsed on every call).
fn write_datetime(out: &mut String, d: &chrono::NaiveDateTime) {
    use chrono::{Datelike, Timelike};
    let _ = write!(
        out,
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}",
        d.year(),
        d.month(),
        d.day(),
        d.hour(),
        d.minute(),
        d.second(),
        d.nanosecond() / 1_000_000 % 1000
    );
}

fn write_time(out: &mut String, t: &chrono::NaiveTime) {
    use chrono::Timelike;
    let _ = write!(
        out,
        "{:02}:{:02}:{:02}.{:03}",
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond() / 1_000_000 % 1000
    );
}

fn write_date(out: &mut String, d: &chrono::NaiveDate) {
    use chrono::Datelike;
    let _ = write!(out, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day());
}

fn timestamp<T: ArrowPrimitiveType<Native = i64>>(
    array: &dyn Array,
    row: usize,
    tz: &Option<std::sync::Arc<str>>,
    out: &mut String,
) -> bool {
    let Some(v) = array.as_primitive_opt::<T>().map(|a| a.value(row)) else {
        return false;
    };
    match tz {
        None => as_datetime::<T>(v)
            .map(|d| write_datetime(out, &d))
            .is_some(),
        Some(tz_name) => {
            let Ok(tz) = tz_name.parse::<Tz>() else {
                return false;
            };
            // Trino shows a zero offset and UTC's aliases as `UTC`.
            let zone = if matches!(
                tz_name.as_ref(),
                "+00:00" | "-00:00" | "Z" | "Etc/UTC" | "+0000" | "+00"
            ) {
                "UTC"
            } else {
                tz_name.as_ref()
            };
            as_datetime_with_timezone::<T>(v, tz)
                .map(|d| {
                    write_datetime(out, &d.naive_local());
                    out.push(' ');
                    out.push_str(zone);
                })
                .is_some()
        }
    }
}

fn list<O: OffsetSizeTrait>(array: &dyn Array, row: usize, out: &mut String) -> bool {
    array
        .as_list_opt::<O>()
        .map(|l| join_values(&l.value(row), out))
        .is_some()
}

fn join_values(values: &ArrayRef, out: &mut String) {
    out.push('[');
    for i in 0..values.len() {
        if i > 0 {
            out.push_str(", ");
        }
        write_nested(values.as_ref(), i, out);
    }
    out.push(']');
}

/// Lower-case hex pairs separated by spaces, as Athena prints varbinary.
fn write_binary(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
}

fn write_non_null(array: &dyn Array, row: usize, out: &mut String) {
    use DataType::*;
    let mark = out.len();
    let written = match array.data_type() {
        Boolean => array
            .as_boolean_opt()
            .map(|a| out.push_str(if a.value(row) { "true" } else { "false" }))
            .is_some(),
        Int8 => prim!(array, row, out, Int8Type),
        Int16 => prim!(array, row, out, Int16Type),
        Int32 => prim!(array, row, out, Int32Type),
        Int64 => prim!(array, row, out, Int64Type),
        UInt8 => prim!(array, row, out, UInt8Type),
        UInt16 => prim!(array, row, out, UInt16Type),
        UInt32 => prim!(array, row, out, UInt32Type),
        UInt64 => prim!(array, row, out, UInt64Type),
        Float16 => array
            .as_primitive_opt::<Float16Type>()
            .map(|a| out.push_str(&format_real(a.value(row).to_f32())))
            .is_some(),
        Float32 => array
            .as_primitive_opt::<Float32Type>()
            .map(|a| out.push_str(&format_real(a.value(row))))
            .is_some(),
        Float64 => array
            .as_primitive_opt::<Float64Type>()
            .map(|a| out.push_str(&format_double(a.value(row))))
            .is_some(),
        Decimal128(p, s) => array
            .as_primitive_opt::<Decimal128Type>()
            .map(|a| out.push_str(&Decimal128Type::format_decimal(a.value(row), *p, *s)))
            .is_some(),
        Decimal256(p, s) => array
            .as_primitive_opt::<Decimal256Type>()
            .map(|a| out.push_str(&Decimal256Type::format_decimal(a.value(row), *p, *s)))
            .is_some(),
        Utf8 => array
            .as_string_opt::<i32>()
            .map(|a| out.push_str(a.value(row)))
            .is_some(),
        LargeUtf8 => array
            .as_string_opt::<i64>()
            .map(|a| out.push_str(a.value(row)))
            .is_some(),
        Utf8View => array
            .as_string_view_opt()
            .map(|a| out.push_str(a.value(row)))
            .is_some(),
        Binary => array
            .as_binary_opt::<i32>()
            .map(|a| write_binary(out, a.value(row)))
            .is_some(),
        LargeBinary => array
            .as_binary_opt::<i64>()
            .map(|a| write_binary(out, a.value(row)))
            .is_some(),
        BinaryView => array
            .as_binary_view_opt()
            .map(|a| write_binary(out, a.value(row)))
            .is_some(),
        FixedSizeBinary(_) => array
            .as_fixed_size_binary_opt()
            .map(|a| write_binary(out, a.value(row)))
            .is_some(),
        Date32 => array
            .as_primitive_opt::<Date32Type>()
            .and_then(|a| as_date::<Date32Type>(i64::from(a.value(row))))
            .map(|d| write_date(out, &d))
            .is_some(),
        Date64 => array
            .as_primitive_opt::<Date64Type>()
            .and_then(|a| as_date::<Date64Type>(a.value(row)))
            .map(|d| write_date(out, &d))
            .is_some(),
        Timestamp(TimeUnit::Second, tz) => timestamp::<TimestampSecondType>(array, row, tz, out),
        Timestamp(TimeUnit::Millisecond, tz) => {
            timestamp::<TimestampMillisecondType>(array, row, tz, out)
        }
        Timestamp(TimeUnit::Microsecond, tz) => {
            timestamp::<TimestampMicrosecondType>(array, row, tz, out)
        }
        Timestamp(TimeUnit::Nanosecond, tz) => {
            timestamp::<TimestampNanosecondType>(array, row, tz, out)
        }
        Time32(TimeUnit::Second) => array
            .as_primitive_opt::<Time32SecondType>()
            .and_then(|a| as_time::<Time32SecondType>(i64::from(a.value(row))))
            .map(|t| write_time(out, &t))
            .is_some(),
        Time32(_) => array
            .as_primitive_opt::<Time32MillisecondType>()
            .and_then(|a| as_time::<Time32MillisecondType>(i64::from(a.value(row))))
            .map(|t| write_time(out, &t))
            .is_some(),
        Time64(TimeUnit::Microsecond) => array
            .as_primitive_opt::<Time64MicrosecondType>()
            .and_then(|a| as_time::<Time64MicrosecondType>(a.value(row)))
            .map(|t| write_time(out, &t))
            .is_some(),
        Time64(_) => array
            .as_primitive_opt::<Time64NanosecondType>()
            .and_then(|a| as_time::<Time64NanosecondType>(a.value(row)))
            .map(|t| write_time(out, &t))
            .is_some(),
        List(_) => list::<i32>(array, row, out),
        LargeList(_) => list::<i64>(array, row, out),
        FixedSizeList(_, _) => array
            .as_fixed_size_list_opt()
            .map(|a| join_values(&a.value(row), out))
            .is_some(),
        Map(_, _) => array
            .as_map_opt()
            .map(|m| {
                let entries = m.value(row);
                let keys = entries.column(0);
                let values = entries.column(1);
                out.push('{');
                for i in 0..entries.len() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_nested(keys.as_ref(), i, out);
                    out.push('=');
                    write_nested(values.as_ref(), i, out);
                }
                out.push('}');
            })
            .is_some(),
        Struct(fields) => array
            .as_struct_opt()
            .map(|s| {
                out.push('{');
                for (i, (f, c)) in fields.iter().zip(s.columns()).enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(f.name());
                    out.push('=');
                    write_nested(c.as_ref(), row, out);
                }
                out.push('}');
            })
            .is_some(),
        _ => false,
    };
    if !written {
        out.truncate(mark);
        out.push_str(&fallback(array, row));
    }
}

/// Arrow's own display for the rare types handled nowhere above.
fn fallback(array: &dyn Array, row: usize) -> String {
    ArrayFormatter::try_new(array, &FormatOptions::default())
        .map(|f| f.value(row).to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::*;
    use std::sync::Arc;

    fn one(a: ArrayRef) -> Option<String> {
        render(a.as_ref(), 0)
    }

    #[test]
    fn scalars() {
        assert_eq!(
            one(Arc::new(BooleanArray::from(vec![true]))).unwrap(),
            "true"
        );
        assert_eq!(one(Arc::new(Int8Array::from(vec![-1]))).unwrap(), "-1");
        assert_eq!(one(Arc::new(Int16Array::from(vec![2]))).unwrap(), "2");
        assert_eq!(one(Arc::new(Int32Array::from(vec![3]))).unwrap(), "3");
        assert_eq!(
            one(Arc::new(Int64Array::from(vec![9007199254740993]))).unwrap(),
            "9007199254740993"
        );
        assert_eq!(
            one(Arc::new(UInt64Array::from(vec![u64::MAX]))).unwrap(),
            "18446744073709551615"
        );
    }

    #[test]
    fn floats_like_java() {
        assert_eq!(format_double(1.5), "1.5");
        assert_eq!(format_double(100.0), "100.0");
        assert_eq!(format_double(0.0), "0.0");
        assert_eq!(format_double(-0.0), "-0.0");
        assert_eq!(format_double(1e10), "1.0E10");
        assert_eq!(format_double(1.25e-5), "1.25E-5");
        assert_eq!(format_double(0.001), "0.001");
        assert_eq!(format_double(1234567.5), "1234567.5");
        assert_eq!(format_double(12345678.0), "1.2345678E7");
        assert_eq!(format_double(f64::NAN), "NaN");
        assert_eq!(format_double(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(format_real(1.1), "1.1");
        assert_eq!(format_real(3.0e10), "3.0E10");
        assert_eq!(
            one(Arc::new(Float32Array::from(vec![1.5f32]))).unwrap(),
            "1.5"
        );
        // Round trip.
        for v in [0.1, 1.0 / 3.0, 123456.789, 6.02214076e23, 5e-324] {
            assert_eq!(format_double(v).parse::<f64>().unwrap(), v);
        }
    }

    #[test]
    fn decimal_keeps_scale() {
        let a = Decimal128Array::from(vec![1230i128, -5])
            .with_precision_and_scale(10, 2)
            .unwrap();
        assert_eq!(render(&a, 0).unwrap(), "12.30");
        assert_eq!(render(&a, 1).unwrap(), "-0.05");
        let t = athena_type_of(a.data_type());
        assert_eq!((t.name.as_str(), t.precision, t.scale), ("decimal", 10, 2));
    }

    #[test]
    fn strings_null_vs_empty() {
        let a = StringArray::from(vec![Some(""), None, Some("x y")]);
        assert_eq!(render(&a, 0), Some(String::new()));
        assert_eq!(render(&a, 1), None);
        assert_eq!(render(&a, 2).unwrap(), "x y");
        let v = StringViewArray::from(vec![Some("view"), None]);
        assert_eq!(render(&v, 0).unwrap(), "view");
        assert_eq!(render(&v, 1), None);
        assert_eq!(athena_type_of(v.data_type()).name, "varchar");
        assert_eq!(athena_type_of(&DataType::Null).name, "unknown");
        assert_eq!(render(&NullArray::new(1), 0), None);
    }

    #[test]
    fn binary_hex_pairs() {
        let a = BinaryArray::from_vec(vec![b"hello"]);
        assert_eq!(render(&a, 0).unwrap(), "68 65 6c 6c 6f");
        assert_eq!(athena_type_of(a.data_type()).name, "varbinary");
    }

    #[test]
    fn dates_and_timestamps() {
        let d = Date32Array::from(vec![19753]);
        assert_eq!(render(&d, 0).unwrap(), "2024-01-31");
        // 2024-01-31 12:34:56.789 in nanoseconds.
        let ns = 1_706_704_496_789_000_000i64;
        let t = TimestampNanosecondArray::from(vec![ns]);
        assert_eq!(render(&t, 0).unwrap(), "2024-01-31 12:34:56.789");
        let t = TimestampSecondArray::from(vec![ns / 1_000_000_000]);
        assert_eq!(render(&t, 0).unwrap(), "2024-01-31 12:34:56.000");
        let t = TimestampMillisecondArray::from(vec![ns / 1_000_000]).with_timezone("UTC");
        assert_eq!(render(&t, 0).unwrap(), "2024-01-31 12:34:56.789 UTC");
        assert_eq!(
            athena_type_of(t.data_type()).name,
            "timestamp with time zone"
        );
        let tm = Time64MicrosecondArray::from(vec![45_296_789_000i64]);
        assert_eq!(render(&tm, 0).unwrap(), "12:34:56.789");
        let ms = ns / 1_000_000;
        let paris = TimestampMillisecondArray::from(vec![ms]).with_timezone("Europe/Paris");
        assert_eq!(
            render(&paris, 0).unwrap(),
            "2024-01-31 13:34:56.789 Europe/Paris"
        );
        let offset = TimestampMillisecondArray::from(vec![ms]).with_timezone("-08:00");
        assert_eq!(
            render(&offset, 0).unwrap(),
            "2024-01-31 04:34:56.789 -08:00"
        );
        let zero = TimestampMillisecondArray::from(vec![ms]).with_timezone("+00:00");
        assert_eq!(render(&zero, 0).unwrap(), "2024-01-31 12:34:56.789 UTC");
        // Years 1 and 9999 in milliseconds (nanoseconds cannot reach them).
        let edges = TimestampMillisecondArray::from(vec![-62_135_596_800_000, 253_402_300_799_999]);
        assert_eq!(render(&edges, 0).unwrap(), "0001-01-01 00:00:00.000");
        assert_eq!(render(&edges, 1).unwrap(), "9999-12-31 23:59:59.999");
        let before_epoch = TimestampMillisecondArray::from(vec![-1]);
        assert_eq!(render(&before_epoch, 0).unwrap(), "1969-12-31 23:59:59.999");
        let t = athena_type_of(edges.data_type());
        assert_eq!((t.name.as_str(), t.precision), ("timestamp", 3));
    }

    #[test]
    fn time_with_time_zone_marker() {
        let f = Field::new("t", DataType::Utf8, true).with_metadata(
            [(EXTENSION_KEY.to_string(), TIME_TZ_EXTENSION.to_string())]
                .into_iter()
                .collect(),
        );
        let t = athena_type(&f);
        assert_eq!((t.name.as_str(), t.precision), ("time with time zone", 3));
        assert_eq!(full_type(&f), "time with time zone");
    }

    #[test]
    fn nested() {
        let list = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![Some(vec![
            Some(1),
            None,
            Some(3),
        ])]);
        assert_eq!(render(&list, 0).unwrap(), "[1, null, 3]");
        assert_eq!(athena_type_of(list.data_type()).name, "array");

        let s = StructArray::from(vec![
            (
                Arc::new(Field::new("x", DataType::Int32, true)),
                Arc::new(Int32Array::from(vec![1])) as ArrayRef,
            ),
            (
                Arc::new(Field::new("y", DataType::Utf8, true)),
                Arc::new(StringArray::from(vec!["a"])) as ArrayRef,
            ),
        ]);
        assert_eq!(render(&s, 0).unwrap(), "{x=1, y=a}");
        assert_eq!(athena_type_of(s.data_type()).name, "row");

        let keys = StringArray::from(vec!["a", "b"]);
        let values = Int32Array::from(vec![1, 2]);
        let m = MapArray::new_from_strings(["a", "b"].into_iter(), &values, &[0, 2]).unwrap();
        let _ = keys;
        assert_eq!(render(&m, 0).unwrap(), "{a=1, b=2}");
        assert_eq!(athena_type_of(m.data_type()).name, "map");
        assert_eq!(hive_type_of(m.data_type()), "map<string,int>");
    }

    #[test]
    fn nested_json_keeps_structure() {
        let list =
            ListArray::from_iter_primitive::<Int32Type, _, _>(vec![Some(vec![Some(1), None])]);
        let mut out = String::new();
        assert!(write_json(&list, 0, &mut out));
        assert_eq!(out, "[1,null]");
        let s = StructArray::from(vec![
            (
                Arc::new(Field::new("x", DataType::Float64, true)),
                Arc::new(Float64Array::from(vec![f64::NAN])) as ArrayRef,
            ),
            (
                Arc::new(Field::new("y", DataType::Utf8, true)),
                Arc::new(StringArray::from(vec!["a, \"b\"\n"])) as ArrayRef,
            ),
        ]);
        out.clear();
        write_json(&s, 0, &mut out);
        assert_eq!(out, r#"{"x":"NaN","y":"a, \"b\"\n"}"#);
        assert_eq!(
            full_type(&Field::new("s", s.data_type().clone(), true)),
            "row(x double, y varchar)"
        );
        let values = Int32Array::from(vec![1, 2]);
        let m = MapArray::new_from_strings(["a", "b"].into_iter(), &values, &[0, 2]).unwrap();
        out.clear();
        write_json(&m, 0, &mut out);
        assert_eq!(out, r#"[["a",1],["b",2]]"#);
        assert_eq!(
            full_type(&Field::new("m", m.data_type().clone(), true)),
            "map(varchar, integer)"
        );
        assert!(is_nested(m.data_type()) && !is_nested(&DataType::Utf8));
    }

    #[test]
    fn json_marker() {
        let f = Field::new("j", DataType::Utf8, true).with_metadata(
            [(EXTENSION_KEY.to_string(), JSON_EXTENSION.to_string())]
                .into_iter()
                .collect(),
        );
        assert_eq!(athena_type(&f).name, "json");
        assert_eq!(
            athena_type(&Field::new("v", DataType::Utf8, true)).name,
            "varchar"
        );
    }
}
