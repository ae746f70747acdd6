//! Athena's (Trino's) times on DataFusion.
//!
//! - Timestamps are milliseconds (Athena's `timestamp(3)`), so years 1 to
//!   9999 fit; DataFusion's default nanoseconds stop at 1677 and 2262. The
//!   parsed statement is rewritten before planning: `TIMESTAMP '…'`,
//!   `CAST(… AS timestamp)` and `timestamp` columns become `timestamp(3)`.
//! - The session time zone is UTC: `now()`/`current_timestamp` are
//!   `timestamp with time zone` in UTC, `localtimestamp` a plain timestamp.
//! - A `timestamp with time zone` is an Arrow timestamp with that zone
//!   (`UTC`, `Europe/Paris`, `+05:30`): the value is the instant, the zone
//!   is the column's. `time with time zone` has no Arrow type: it is text
//!   (`12:34:56.789+05:30`) marked with [`athena_arrow_text::TIME_TZ_EXTENSION`].
//! - `AT TIME ZONE` follows Trino: a plain timestamp is taken in the session
//!   zone, then shown in the target zone; a zoned value keeps its instant.

use athena_arrow_text::{EXTENSION_KEY, TIME_TZ_EXTENSION};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc};
use datafusion::arrow::array::timezone::Tz;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, StringArray, TimestampMillisecondArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Field, FieldRef, Float64Type, TimeUnit, TimestampMillisecondType,
};
use datafusion::common::metadata::FieldMetadata;
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    TypeSignature, Volatility,
};
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::{
    self, DataType as SqlType, Expr as SqlExpr, FunctionArg, FunctionArgExpr, FunctionArgumentList,
    FunctionArguments, Ident, ObjectName, TimezoneInfo, Value, VisitMut, VisitorMut,
};
use once_cell::sync::Lazy;
use regex::Regex;
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::Arc;

/// Athena's session time zone.
pub const SESSION_ZONE: &str = "UTC";

/// Fixes `now()`, `current_timestamp`, `localtimestamp`, `current_time` and
/// `localtime` of one query's context to the query's start, as Trino does:
/// DataFusion may evaluate one of them at execution instead of at planning,
/// and they must not then differ by a millisecond.
pub fn register_clock(ctx: &SessionContext, at: Option<DateTime<Utc>>) {
    ctx.register_udf(ScalarUDF::from(Now::new("now", Some(SESSION_ZONE), at)));
    ctx.register_udf(ScalarUDF::from(Now::new("localtimestamp", None, at)));
    ctx.register_udf(ScalarUDF::from(CurrentTime::new("current_time", true, at)));
    ctx.register_udf(ScalarUDF::from(CurrentTime::new("localtime", false, at)));
}

/// Names of the planner-only functions the rewrite calls.
const TIMESTAMP_TZ_LITERAL: &str = "athena_timestamp_tz";
const TIME_TZ_LITERAL: &str = "athena_time_tz";

/// Registers Athena's time functions, replacing DataFusion's namesakes.
pub fn register(ctx: &SessionContext) {
    register_clock(ctx, None);
    ctx.register_udf(ScalarUDF::from(CurrentTimezone::new()));
    ctx.register_udf(ScalarUDF::from(FromUnixtime::new()));
    ctx.register_udf(ScalarUDF::from(ToUnixtime::new()));
    ctx.register_udf(ScalarUDF::from(Zoned::new(
        "at_timezone",
        ZoneMode::KeepInstant,
    )));
    ctx.register_udf(ScalarUDF::from(Zoned::new(
        "with_timezone",
        ZoneMode::KeepWallClock,
    )));
    ctx.register_udf(ScalarUDF::from(Zoned::new(
        TIMESTAMP_TZ_LITERAL,
        ZoneMode::Literal,
    )));
    ctx.register_udf(ScalarUDF::from(TimeTzLiteral::new()));
}

// ---- statement rewrite --------------------------------------------------------

/// Rewrites a parsed statement to Athena's time semantics (see the module doc).
pub fn rewrite(statement: &mut datafusion::sql::parser::Statement) {
    use datafusion::sql::parser::Statement as DfStatement;
    match statement {
        DfStatement::Statement(s) => {
            let _ = s.visit(&mut Rewriter);
        }
        DfStatement::Explain(e) => rewrite(&mut e.statement),
        _ => {}
    }
}

struct Rewriter;

fn is_plain(tz: &TimezoneInfo) -> bool {
    matches!(tz, TimezoneInfo::None | TimezoneInfo::WithoutTimeZone)
}

/// `timestamp` (DataFusion: nanoseconds) becomes `timestamp(3)`.
fn millis(data_type: &mut SqlType) {
    match data_type {
        SqlType::Timestamp(precision @ None, tz) if is_plain(tz) => *precision = Some(3),
        SqlType::Array(ast::ArrayElemTypeDef::AngleBracket(t))
        | SqlType::Array(ast::ArrayElemTypeDef::SquareBracket(t, _))
        | SqlType::Array(ast::ArrayElemTypeDef::Parenthesis(t)) => millis(t),
        _ => {}
    }
}

fn call(name: &str, args: Vec<SqlExpr>) -> SqlExpr {
    SqlExpr::Function(ast::Function {
        name: ObjectName::from(vec![Ident::new(name)]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: args
                .into_iter()
                .map(|a| FunctionArg::Unnamed(FunctionArgExpr::Expr(a)))
                .collect(),
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
}

fn string(s: &str) -> SqlExpr {
    SqlExpr::value(Value::SingleQuotedString(s.to_string()))
}

impl VisitorMut for Rewriter {
    type Break = ();

    fn pre_visit_statement(&mut self, statement: &mut ast::Statement) -> ControlFlow<()> {
        if let ast::Statement::CreateTable(c) = statement {
            for column in &mut c.columns {
                millis(&mut column.data_type);
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut SqlExpr) -> ControlFlow<()> {
        match expr {
            SqlExpr::Cast {
                data_type: SqlType::Timestamp(_, tz),
                ..
            } if !is_plain(tz) => {
                // Trino: a plain timestamp is taken in the session zone.
                let old = std::mem::replace(expr, string(""));
                if let SqlExpr::Cast { expr: inner, .. } = old {
                    *expr = call("at_timezone", vec![*inner, string(SESSION_ZONE)]);
                }
            }
            SqlExpr::Cast { data_type, .. } => millis(data_type),
            SqlExpr::TypedString(ts) => {
                let text = match &ts.value.value {
                    Value::SingleQuotedString(s) => Some(s.clone()),
                    _ => None,
                };
                match (&ts.data_type, text) {
                    (SqlType::Timestamp(_, tz), Some(text))
                        if !is_plain(tz)
                            || split_timestamp(&text).is_some_and(|p| p.1.is_some()) =>
                    {
                        *expr = call(TIMESTAMP_TZ_LITERAL, vec![string(&text)]);
                    }
                    (SqlType::Time(_, tz), Some(text))
                        if !is_plain(tz) || split_time(&text).is_some_and(|p| p.1.is_some()) =>
                    {
                        *expr = call(TIME_TZ_LITERAL, vec![string(&text)]);
                    }
                    _ => millis(&mut ts.data_type),
                }
            }
            SqlExpr::AtTimeZone { .. } => {
                let old = std::mem::replace(expr, string(""));
                if let SqlExpr::AtTimeZone {
                    timestamp,
                    time_zone,
                } = old
                {
                    *expr = call("at_timezone", vec![*timestamp, *time_zone]);
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

// ---- zones and text -----------------------------------------------------------------

static OFFSET: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"^([+-])(\d{1,2})(?::?(\d{2}))?$").unwrap_or_else(|_| unreachable!()));
static TIMESTAMP_TEXT: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"^\s*(\d{1,4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,12}))?)?)?\s*(.*?)\s*$",
    )
    .unwrap_or_else(|_| unreachable!())
});
static TIME_TEXT: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"^\s*(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,12}))?)?\s*(.*?)\s*$")
        .unwrap_or_else(|_| unreachable!())
});

fn not_supported(zone: &str) -> DataFusionError {
    DataFusionError::Plan(format!("Time zone not supported: {zone}"))
}

/// Offset minutes as Trino's zone id: `UTC` for zero, else `+05:30`.
fn offset_id(minutes: i64) -> Result<String> {
    if minutes.abs() > 14 * 60 {
        return Err(DataFusionError::Plan(format!(
            "Invalid offset minutes {minutes}"
        )));
    }
    if minutes == 0 {
        return Ok(SESSION_ZONE.into());
    }
    let sign = if minutes < 0 { '-' } else { '+' };
    Ok(format!(
        "{sign}{:02}:{:02}",
        minutes.abs() / 60,
        minutes.abs() % 60
    ))
}

fn offset_minutes(text: &str) -> Option<i64> {
    let c = OFFSET.captures(text)?;
    let hours: i64 = c.get(2)?.as_str().parse().ok()?;
    let minutes: i64 = c.get(3).map_or(Some(0), |m| m.as_str().parse().ok())?;
    if minutes >= 60 {
        return None;
    }
    let total = hours * 60 + minutes;
    Some(if &c[1] == "-" { -total } else { total })
}

/// The zone id Trino shows for `text`: `UTC` for UTC and its aliases and
/// a zero offset, `+05:30` for offsets, the IANA id otherwise.
pub fn zone_id(text: &str) -> Result<String> {
    let t = text.trim();
    if let Some(m) = offset_minutes(t) {
        return offset_id(m);
    }
    let upper = t.to_ascii_uppercase();
    let upper = upper.strip_prefix("ETC/").unwrap_or(&upper);
    if matches!(
        upper,
        "UTC" | "Z" | "UT" | "UCT" | "GMT" | "GMT0" | "ZULU" | "UNIVERSAL" | "GREENWICH"
    ) {
        return Ok(SESSION_ZONE.into());
    }
    if t.is_empty() || t.starts_with(['+', '-']) || t.parse::<Tz>().is_err() {
        return Err(not_supported(t));
    }
    Ok(t.to_string())
}

fn tz(zone: &str) -> Result<Tz> {
    zone.parse::<Tz>().map_err(|_| not_supported(zone))
}

fn fraction_nanos(digits: Option<&str>) -> u32 {
    // Milliseconds: finer digits are dropped, as Athena keeps timestamp(3).
    digits.map_or(0, |d| {
        let ms: String = d.chars().chain("000".chars()).take(3).collect();
        ms.parse::<u32>().unwrap_or(0) * 1_000_000
    })
}

/// A timestamp literal's wall clock and its zone text, if any.
fn split_timestamp(text: &str) -> Option<(NaiveDateTime, Option<String>)> {
    let c = TIMESTAMP_TEXT.captures(text)?;
    let n = |i: usize| -> Option<u32> { c.get(i).map_or(Some(0), |m| m.as_str().parse().ok()) };
    let year: i32 = c.get(1)?.as_str().parse().ok()?;
    let date = NaiveDate::from_ymd_opt(year, n(2)?, n(3)?)?;
    let time = NaiveTime::from_hms_nano_opt(
        n(4)?,
        n(5)?,
        n(6)?,
        fraction_nanos(c.get(7).map(|m| m.as_str())),
    )?;
    let zone = c.get(8).map(|m| m.as_str()).filter(|z| !z.is_empty());
    Some((date.and_time(time), zone.map(str::to_string)))
}

/// A time literal's time of day and its offset text, if any.
fn split_time(text: &str) -> Option<(NaiveTime, Option<String>)> {
    let c = TIME_TEXT.captures(text)?;
    let n = |i: usize| -> Option<u32> { c.get(i).map_or(Some(0), |m| m.as_str().parse().ok()) };
    let time = NaiveTime::from_hms_nano_opt(
        n(1)?,
        n(2)?,
        n(3)?,
        fraction_nanos(c.get(4).map(|m| m.as_str())),
    )?;
    let zone = c.get(5).map(|m| m.as_str()).filter(|z| !z.is_empty());
    Some((time, zone.map(str::to_string)))
}

fn bad_literal(kind: &str, text: &str) -> DataFusionError {
    DataFusionError::Plan(format!("Value cannot be cast to {kind}: {text}"))
}

/// Milliseconds since the epoch of a wall clock in `zone` (the earlier
/// instant when the clock repeats; none in a DST gap).
fn instant_millis(local: &NaiveDateTime, zone: &str) -> Result<i64> {
    tz(zone)?
        .from_local_datetime(local)
        .earliest()
        .map(|d| d.timestamp_millis())
        .ok_or_else(|| {
            DataFusionError::Execution(format!("{local} does not exist in the time zone {zone}"))
        })
}

fn write_time(t: &NaiveTime, offset: &str) -> String {
    let offset = if offset == SESSION_ZONE {
        "+00:00"
    } else {
        offset
    };
    format!(
        "{:02}:{:02}:{:02}.{:03}{offset}",
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond() / 1_000_000 % 1000
    )
}

fn time_tz_field(name: &str) -> FieldRef {
    Arc::new(Field::new(name, DataType::Utf8, true).with_metadata(time_tz_metadata()))
}

fn time_tz_metadata() -> HashMap<String, String> {
    [(EXTENSION_KEY.to_string(), TIME_TZ_EXTENSION.to_string())]
        .into_iter()
        .collect()
}

fn ms_type(zone: Option<&str>) -> DataType {
    DataType::Timestamp(TimeUnit::Millisecond, zone.map(Arc::from))
}

fn literal_string(arg: Option<&ScalarValue>) -> Option<String> {
    match arg? {
        ScalarValue::Utf8(s) | ScalarValue::LargeUtf8(s) | ScalarValue::Utf8View(s) => s.clone(),
        _ => None,
    }
}

fn literal_int(arg: Option<&ScalarValue>) -> Option<i64> {
    let v = arg?.cast_to(&DataType::Int64).ok()?;
    match v {
        ScalarValue::Int64(v) => v,
        _ => None,
    }
}

fn trino_type(dt: &DataType) -> String {
    athena_arrow_text::athena_type_of(dt).name
}

fn unexpected(name: &str, fields: &[FieldRef]) -> DataFusionError {
    DataFusionError::Plan(format!(
        "Unexpected parameters ({}) for function {name}",
        fields
            .iter()
            .map(|f| trino_type(f.data_type()))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

fn return_zone(field: &FieldRef) -> Option<Arc<str>> {
    match field.data_type() {
        DataType::Timestamp(_, tz) => tz.clone(),
        _ => None,
    }
}

// ---- functions -------------------------------------------------------------------------

/// `now()`/`current_timestamp` (zone UTC) and `localtimestamp` (no zone):
/// the query's start, in milliseconds.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Now {
    name: &'static str,
    zone: Option<&'static str>,
    aliases: Vec<String>,
    signature: Signature,
    /// The query's start, when the context is one query's.
    at: Option<DateTime<Utc>>,
}

impl Now {
    fn new(name: &'static str, zone: Option<&'static str>, at: Option<DateTime<Utc>>) -> Self {
        let aliases = if name == "now" {
            vec!["current_timestamp".to_string()]
        } else {
            vec![]
        };
        Now {
            name,
            zone,
            aliases,
            signature: Signature::nullary(Volatility::Stable),
            at,
        }
    }

    fn value(&self, at: DateTime<Utc>) -> ScalarValue {
        ScalarValue::TimestampMillisecond(Some(at.timestamp_millis()), self.zone.map(Arc::from))
    }
}

impl ScalarUDFImpl for Now {
    fn name(&self) -> &str {
        self.name
    }
    fn aliases(&self) -> &[String] {
        &self.aliases
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(ms_type(self.zone))
    }
    fn simplify(&self, args: Vec<Expr>, info: &SimplifyContext) -> Result<ExprSimplifyResult> {
        // One instant for the whole query, as Trino's.
        Ok(match self.at.or(info.query_execution_start_time()) {
            Some(at) => ExprSimplifyResult::Simplified(Expr::Literal(self.value(at), None)),
            None => ExprSimplifyResult::Original(args),
        })
    }
    fn invoke_with_args(&self, _: ScalarFunctionArgs) -> Result<ColumnarValue> {
        Ok(ColumnarValue::Scalar(
            self.value(self.at.unwrap_or_else(Utc::now)),
        ))
    }
}

/// `current_time` (`time with time zone`, offset +00:00) and `localtime` (`time`).
#[derive(Debug, PartialEq, Eq, Hash)]
struct CurrentTime {
    name: &'static str,
    zoned: bool,
    signature: Signature,
    at: Option<DateTime<Utc>>,
}

impl CurrentTime {
    fn new(name: &'static str, zoned: bool, at: Option<DateTime<Utc>>) -> Self {
        CurrentTime {
            name,
            zoned,
            signature: Signature::nullary(Volatility::Stable),
            at,
        }
    }

    fn value(&self, at: DateTime<Utc>) -> (ScalarValue, Option<FieldMetadata>) {
        let t = at.time();
        if self.zoned {
            (
                ScalarValue::Utf8(Some(write_time(&t, SESSION_ZONE))),
                Some(FieldMetadata::from(time_tz_metadata())),
            )
        } else {
            let nanos = i64::from(t.num_seconds_from_midnight()) * 1_000_000_000
                + i64::from(t.nanosecond() / 1_000_000 * 1_000_000);
            (ScalarValue::Time64Nanosecond(Some(nanos)), None)
        }
    }
}

impl ScalarUDFImpl for CurrentTime {
    fn name(&self) -> &str {
        self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(if self.zoned {
            DataType::Utf8
        } else {
            DataType::Time64(TimeUnit::Nanosecond)
        })
    }
    fn return_field_from_args(&self, _: ReturnFieldArgs) -> Result<FieldRef> {
        Ok(if self.zoned {
            time_tz_field(self.name)
        } else {
            Arc::new(Field::new(
                self.name,
                DataType::Time64(TimeUnit::Nanosecond),
                true,
            ))
        })
    }
    fn simplify(&self, args: Vec<Expr>, info: &SimplifyContext) -> Result<ExprSimplifyResult> {
        Ok(match self.at.or(info.query_execution_start_time()) {
            Some(at) => {
                let (v, m) = self.value(at);
                ExprSimplifyResult::Simplified(Expr::Literal(v, m))
            }
            None => ExprSimplifyResult::Original(args),
        })
    }
    fn invoke_with_args(&self, _: ScalarFunctionArgs) -> Result<ColumnarValue> {
        Ok(ColumnarValue::Scalar(
            self.value(self.at.unwrap_or_else(Utc::now)).0,
        ))
    }
}

/// `current_timezone()`: the session zone.
#[derive(Debug, PartialEq, Eq, Hash)]
struct CurrentTimezone {
    signature: Signature,
}

impl CurrentTimezone {
    fn new() -> Self {
        CurrentTimezone {
            signature: Signature::nullary(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for CurrentTimezone {
    fn name(&self) -> &str {
        "current_timezone"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(&self, _: ScalarFunctionArgs) -> Result<ColumnarValue> {
        Ok(ColumnarValue::Scalar(ScalarValue::Utf8(Some(
            SESSION_ZONE.into(),
        ))))
    }
}

/// `from_unixtime(x)`, `from_unixtime(x, zone)`, `from_unixtime(x, hours,
/// minutes)`: seconds (double, bigint or decimal) as `timestamp(3) with time
/// zone`, in the session zone unless given. The zone must be a constant
/// here (Arrow keeps one zone per column).
#[derive(Debug, PartialEq, Eq, Hash)]
struct FromUnixtime {
    signature: Signature,
}

impl FromUnixtime {
    fn new() -> Self {
        FromUnixtime {
            signature: Signature::one_of(
                vec![
                    TypeSignature::Any(1),
                    TypeSignature::Any(2),
                    TypeSignature::Any(3),
                ],
                Volatility::Immutable,
            ),
        }
    }
}

impl ScalarUDFImpl for FromUnixtime {
    fn name(&self) -> &str {
        "from_unixtime"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(ms_type(Some(SESSION_ZONE)))
    }
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let fields = args.arg_fields;
        let numeric = |f: &FieldRef| f.data_type().is_numeric() || f.data_type().is_null();
        let integer = |f: &FieldRef| f.data_type().is_integer() || f.data_type().is_null();
        let zone = match fields {
            [x] if numeric(x) => SESSION_ZONE.to_string(),
            [x, z] if numeric(x) && !z.data_type().is_numeric() => {
                let text = literal_string(args.scalar_arguments.get(1).copied().flatten())
                    .ok_or_else(|| {
                        DataFusionError::NotImplemented(
                            "from_unixtime: athena-local needs the zone as a constant".into(),
                        )
                    })?;
                zone_id(&text)?
            }
            [x, h, m] if numeric(x) && integer(h) && integer(m) => {
                let scalar =
                    |i: usize| literal_int(args.scalar_arguments.get(i).copied().flatten());
                match (scalar(1), scalar(2)) {
                    (Some(h), Some(m)) => offset_id(h * 60 + m)?,
                    _ => {
                        return Err(DataFusionError::NotImplemented(
                            "from_unixtime: athena-local needs the offset as constants".into(),
                        ))
                    }
                }
            }
            _ => return Err(unexpected(self.name(), fields)),
        };
        Ok(Arc::new(Field::new(
            self.name(),
            ms_type(Some(&zone)),
            true,
        )))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let zone = return_zone(&args.return_field);
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let first = arrays
            .first()
            .ok_or_else(|| DataFusionError::Plan("from_unixtime needs an argument".into()))?;
        let seconds = cast(first, &DataType::Float64)?;
        let seconds = seconds.as_primitive::<Float64Type>();
        let mut out = Vec::with_capacity(seconds.len());
        for v in seconds.iter() {
            out.push(match v {
                None => None,
                Some(s) => {
                    let ms = (s * 1000.0).round();
                    // Beyond ±2^63 ms the cast to i64 would saturate silently.
                    if !ms.is_finite() || ms.abs() >= 9.2e18 {
                        return Err(DataFusionError::Execution(format!(
                            "Value {s} is out of range for from_unixtime"
                        )));
                    }
                    Some(ms as i64)
                }
            });
        }
        let array = TimestampMillisecondArray::from(out).with_timezone_opt(zone);
        Ok(ColumnarValue::Array(Arc::new(array)))
    }
}

/// `to_unixtime(timestamp) -> double`: seconds since the epoch (a plain
/// timestamp is taken in the session zone).
#[derive(Debug, PartialEq, Eq, Hash)]
struct ToUnixtime {
    signature: Signature,
}

impl ToUnixtime {
    fn new() -> Self {
        ToUnixtime {
            signature: Signature::any(1, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for ToUnixtime {
    fn name(&self) -> &str {
        "to_unixtime"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        match args {
            [DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64 | DataType::Null] => {
                Ok(DataType::Float64)
            }
            _ => Err(DataFusionError::Plan(format!(
                "Unexpected parameters ({}) for function to_unixtime",
                args.iter().map(trino_type).collect::<Vec<_>>().join(", ")
            ))),
        }
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let first = arrays
            .first()
            .ok_or_else(|| DataFusionError::Plan("to_unixtime needs an argument".into()))?;
        let ms = instants(first)?;
        let out: Float64Array = ms.iter().map(|v| v.map(|v| v as f64 / 1000.0)).collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

/// Instants in milliseconds (no zone) of timestamps, dates or text; a plain
/// timestamp is taken in the session zone (UTC), so its value is kept.
fn instants(array: &ArrayRef) -> Result<TimestampMillisecondArray> {
    let target = match array.data_type() {
        DataType::Timestamp(_, tz) => ms_type(tz.as_deref()),
        _ => ms_type(None),
    };
    let converted = cast(array, &target)?;
    Ok(converted
        .as_primitive::<TimestampMillisecondType>()
        .clone()
        .with_timezone_opt(None::<Arc<str>>))
}

#[derive(Debug, PartialEq, Eq, Hash, Clone, Copy)]
enum ZoneMode {
    /// `at_timezone` and `AT TIME ZONE`: the same instant, shown in the zone.
    KeepInstant,
    /// `with_timezone`: the same wall clock, in the zone.
    KeepWallClock,
    /// `TIMESTAMP '2024-01-31 12:34:56 Europe/Paris'`.
    Literal,
}

/// `at_timezone(ts, zone)`, `with_timezone(ts, zone)` and zoned timestamp
/// literals: `timestamp(3) with time zone` in a constant zone.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Zoned {
    name: &'static str,
    mode: ZoneMode,
    signature: Signature,
}

impl Zoned {
    fn new(name: &'static str, mode: ZoneMode) -> Self {
        let arity = if mode == ZoneMode::Literal { 1 } else { 2 };
        Zoned {
            name,
            mode,
            signature: Signature::any(arity, Volatility::Immutable),
        }
    }

    fn literal_zone(text: &str) -> Result<(NaiveDateTime, String)> {
        let (local, zone) =
            split_timestamp(text).ok_or_else(|| bad_literal("timestamp with time zone", text))?;
        let zone = match zone {
            Some(z) => zone_id(&z)?,
            None => SESSION_ZONE.to_string(),
        };
        Ok((local, zone))
    }
}

impl ScalarUDFImpl for Zoned {
    fn name(&self) -> &str {
        self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(ms_type(Some(SESSION_ZONE)))
    }
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let fields = args.arg_fields;
        let scalar = |i: usize| literal_string(args.scalar_arguments.get(i).copied().flatten());
        let zone = match (self.mode, fields) {
            (ZoneMode::Literal, [_]) => {
                let text = scalar(0).unwrap_or_default();
                Self::literal_zone(&text)?.1
            }
            (ZoneMode::KeepInstant, [ts, _])
                if matches!(
                    ts.data_type(),
                    DataType::Timestamp(_, _) | DataType::Date32 | DataType::Null
                ) =>
            {
                zone_id(&scalar(1).ok_or_else(|| constant_zone(self.name))?)?
            }
            (ZoneMode::KeepWallClock, [ts, _])
                if matches!(
                    ts.data_type(),
                    DataType::Timestamp(_, None) | DataType::Date32 | DataType::Null
                ) =>
            {
                zone_id(&scalar(1).ok_or_else(|| constant_zone(self.name))?)?
            }
            _ => return Err(unexpected(self.name, fields)),
        };
        Ok(Arc::new(Field::new(self.name, ms_type(Some(&zone)), true)))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let zone = return_zone(&args.return_field)
            .ok_or_else(|| DataFusionError::Internal("zoned result without zone".into()))?;
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let first = arrays
            .first()
            .ok_or_else(|| DataFusionError::Plan(format!("{} needs arguments", self.name)))?;
        let out = match self.mode {
            ZoneMode::KeepInstant => instants(first)?.with_timezone(zone),
            ZoneMode::KeepWallClock => {
                let local = instants(first)?;
                let zoned = cast(&(Arc::new(local) as ArrayRef), &ms_type(Some(&zone)))?;
                zoned.as_primitive::<TimestampMillisecondType>().clone()
            }
            ZoneMode::Literal => {
                let text = cast(first, &DataType::Utf8)?;
                let mut values = Vec::with_capacity(text.len());
                for v in text.as_string::<i32>().iter() {
                    values.push(match v {
                        None => None,
                        Some(t) => {
                            let (local, z) = Self::literal_zone(t)?;
                            Some(instant_millis(&local, &z)?)
                        }
                    });
                }
                TimestampMillisecondArray::from(values).with_timezone(zone)
            }
        };
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

fn constant_zone(name: &str) -> DataFusionError {
    DataFusionError::NotImplemented(format!(
        "{name}: athena-local needs the time zone as a constant"
    ))
}

/// `TIME '12:34:56.789 +05:30'`: `time with time zone`, as its text.
#[derive(Debug, PartialEq, Eq, Hash)]
struct TimeTzLiteral {
    signature: Signature,
}

impl TimeTzLiteral {
    fn new() -> Self {
        TimeTzLiteral {
            signature: Signature::any(1, Volatility::Immutable),
        }
    }

    fn text(literal: &str) -> Result<String> {
        let (t, zone) =
            split_time(literal).ok_or_else(|| bad_literal("time with time zone", literal))?;
        let offset = match zone {
            None => SESSION_ZONE.to_string(),
            Some(z) => {
                let m = offset_minutes(&z)
                    .ok_or_else(|| bad_literal("time with time zone", literal))?;
                offset_id(m)?
            }
        };
        Ok(write_time(&t, &offset))
    }
}

impl ScalarUDFImpl for TimeTzLiteral {
    fn name(&self) -> &str {
        TIME_TZ_LITERAL
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        // Refuse a bad literal while planning, as Trino's analyzer does.
        if let Some(text) = literal_string(args.scalar_arguments.first().copied().flatten()) {
            Self::text(&text)?;
        }
        Ok(time_tz_field(self.name()))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let first = arrays
            .first()
            .ok_or_else(|| DataFusionError::Plan("time literal needs its text".into()))?;
        let text = cast(first, &DataType::Utf8)?;
        let mut values = Vec::with_capacity(text.len());
        for v in text.as_string::<i32>().iter() {
            values.push(v.map(Self::text).transpose()?);
        }
        Ok(ColumnarValue::Array(Arc::new(StringArray::from(values))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_ids_as_trino_shows_them() {
        assert_eq!(zone_id("Europe/Paris").unwrap(), "Europe/Paris");
        assert_eq!(zone_id("+05:30").unwrap(), "+05:30");
        assert_eq!(zone_id("-8").unwrap(), "-08:00");
        assert_eq!(zone_id("+00:00").unwrap(), "UTC");
        assert_eq!(zone_id("Etc/UTC").unwrap(), "UTC");
        assert_eq!(zone_id("utc").unwrap(), "UTC");
        assert!(zone_id("Mars/Olympus").is_err());
        assert!(zone_id("+15:00").is_err());
        assert_eq!(offset_id(-90).unwrap(), "-01:30");
    }

    #[test]
    fn literals_split_into_clock_and_zone() {
        let (t, z) = split_timestamp("2024-01-31 12:34:56.789 America/New_York").unwrap();
        assert_eq!(t.to_string(), "2024-01-31 12:34:56.789");
        assert_eq!(z.as_deref(), Some("America/New_York"));
        let (t, z) = split_timestamp("0001-01-01").unwrap();
        assert_eq!(
            (t.to_string(), z),
            ("0001-01-01 00:00:00".to_string(), None)
        );
        assert_eq!(
            split_timestamp("2024-01-31 12:34:56+05:30")
                .unwrap()
                .1
                .as_deref(),
            Some("+05:30")
        );
        assert_eq!(
            TimeTzLiteral::text("12:34:56.789 +05:30").unwrap(),
            "12:34:56.789+05:30"
        );
        assert_eq!(
            TimeTzLiteral::text("01:02:03-08:00").unwrap(),
            "01:02:03.000-08:00"
        );
        assert!(TimeTzLiteral::text("12:34 Europe/Paris").is_err());
    }
}
