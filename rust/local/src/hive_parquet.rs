//! Parquet laid out as Athena's UNLOAD writes it (Athena engine version 3
//! is built on Trino, whose Hive connector writes Parquet for Hive readers):
//! every `timestamp` leaf, top-level or inside arrays, maps and rows, is an
//! INT96 (nanoseconds of the day, then the Julian day, little endian);
//! decimals are FIXED_LEN_BYTE_ARRAY at every precision; lists are
//! `list`/`element` and maps `key_value`/`key`/`value`. No `ARROW:schema`
//! is stored: readers get only what the Parquet schema says, as with Athena.
//!
//! parquet-rs's `ArrowWriter` cannot write INT96, so the INT96 leaves are
//! written through the low-level column writer, with definition and
//! repetition levels computed here; every other leaf goes through
//! `ArrowColumnWriter` in the same row group.

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{
    DataType, Field, SchemaRef, TimeUnit, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType,
};
use datafusion::parquet::arrow::arrow_writer::{
    compute_leaves, ArrowLeafColumn, ArrowRowGroupWriterFactory,
};
use datafusion::parquet::arrow::ArrowSchemaConverter;
use datafusion::parquet::basic::{LogicalType, Repetition, Type as PhysicalType};
use datafusion::parquet::column::writer::ColumnWriter;
use datafusion::parquet::data_type::Int96;
use datafusion::parquet::errors::ParquetError;
use datafusion::parquet::file::properties::{EnabledStatistics, WriterProperties};
use datafusion::parquet::file::writer::SerializedFileWriter;
use datafusion::parquet::schema::types::{SchemaDescriptor, Type, TypePtr};
use std::io::Write;
use std::sync::Arc;

/// Julian day number of 1970-01-01, the INT96 day of the Unix epoch.
pub const JULIAN_DAY_OF_EPOCH: i64 = 2_440_588;
const NANOS_PER_DAY: i64 = 86_400 * 1_000_000_000;

#[derive(Debug, thiserror::Error)]
pub enum HiveParquetError {
    #[error(transparent)]
    Parquet(#[from] ParquetError),
    /// A type Athena's writer has no Parquet form for (or athena-local does not write).
    #[error("{0}")]
    Unsupported(String),
    /// The data and the Parquet schema disagree: a bug, not the query's fault.
    #[error("{0}")]
    Internal(String),
    /// A timestamp before the first Julian day, which INT96 cannot hold.
    #[error("the timestamp {value} ({unit:?} since 1970) is before 4713 BC, outside INT96")]
    OutOfRange { value: i64, unit: TimeUnit },
}

type Result<T> = std::result::Result<T, HiveParquetError>;

/// A timestamp as INT96: nanoseconds within the day in the first two words,
/// the Julian day in the third.
pub fn int96_of(value: i64, unit: TimeUnit) -> Result<Int96> {
    let per_second: i64 = match unit {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    };
    let per_day = 86_400 * per_second;
    // Split in the value's own unit: year 1 in nanoseconds overflows i64.
    let days = value.div_euclid(per_day);
    let nanos = value.rem_euclid(per_day) * (1_000_000_000 / per_second);
    debug_assert!(nanos < NANOS_PER_DAY);
    let julian = u32::try_from(days + JULIAN_DAY_OF_EPOCH)
        .map_err(|_| HiveParquetError::OutOfRange { value, unit })?;
    let nanos = nanos as u64;
    let mut out = Int96::new();
    out.set_data(nanos as u32, (nanos >> 32) as u32, julian);
    Ok(out)
}

/// How one Parquet leaf of a top-level column is reached from that column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Into a list's (or fixed-size list's) elements.
    List,
    /// Into a struct's field.
    Field(usize),
    /// Into a map's keys (false) or values (true).
    Map(bool),
}

/// One Parquet leaf, in the order the Parquet schema lists them.
#[derive(Debug, Clone)]
struct Leaf {
    /// The top-level column it belongs to.
    column: usize,
    path: Vec<Step>,
    /// A timestamp leaf, written as INT96; every other leaf goes through Arrow.
    int96: Option<TimeUnit>,
}

/// The leaves of `data_type`, in the order parquet-rs's Arrow writer
/// creates their column writers (depth first).
fn leaves_of(
    data_type: &DataType,
    column: usize,
    path: &mut Vec<Step>,
    out: &mut Vec<Leaf>,
) -> Result<()> {
    match data_type {
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            path.push(Step::List);
            leaves_of(f.data_type(), column, path, out)?;
            path.pop();
        }
        DataType::Struct(fields) => {
            for (i, f) in fields.iter().enumerate() {
                path.push(Step::Field(i));
                leaves_of(f.data_type(), column, path, out)?;
                path.pop();
            }
        }
        DataType::Map(entries, _) => {
            let DataType::Struct(kv) = entries.data_type() else {
                return Err(HiveParquetError::Unsupported(format!(
                    "a map whose entries are {}",
                    entries.data_type()
                )));
            };
            if kv.len() != 2 {
                return Err(HiveParquetError::Unsupported(format!(
                    "a map whose entries have {} fields",
                    kv.len()
                )));
            }
            for (i, f) in kv.iter().enumerate() {
                path.push(Step::Map(i == 1));
                leaves_of(f.data_type(), column, path, out)?;
                path.pop();
            }
        }
        // Shapes DataFusion does not give Athena's types: refused rather than
        // written with levels this module does not compute.
        DataType::ListView(_)
        | DataType::LargeListView(_)
        | DataType::RunEndEncoded(_, _)
        | DataType::Union(_, _) => {
            return Err(HiveParquetError::Unsupported(format!(
                "the Arrow type {data_type}"
            )))
        }
        DataType::Dictionary(_, value) if matches!(**value, DataType::Timestamp(_, _)) => {
            return Err(HiveParquetError::Unsupported(format!(
                "the Arrow type {data_type}"
            )))
        }
        DataType::Timestamp(unit, _) => out.push(Leaf {
            column,
            path: path.clone(),
            int96: Some(*unit),
        }),
        _ => out.push(Leaf {
            column,
            path: path.clone(),
            int96: None,
        }),
    }
    Ok(())
}

/// Bytes a FIXED_LEN_BYTE_ARRAY needs for a decimal of `precision` digits:
/// the fewest whose signed range holds 10^precision - 1 (Hive's sizing).
fn decimal_bytes(precision: u8) -> i32 {
    let largest = 10u128
        .saturating_pow(u32::from(precision))
        .saturating_sub(1);
    (1..=16)
        .find(|n| largest < 1u128 << (8 * n - 1))
        .unwrap_or(16)
}

/// parquet-rs's schema for `arrow`, with timestamp leaves made INT96 and
/// INT32/INT64 decimals made FIXED_LEN_BYTE_ARRAY.
fn parquet_schema(arrow: &SchemaRef, leaves: &[Leaf]) -> Result<SchemaDescriptor> {
    let converted = ArrowSchemaConverter::new()
        .with_coerce_types(true)
        .convert(arrow)?;
    let mut next = 0;
    let root = rebuild(&converted.root_schema_ptr(), leaves, &mut next)?;
    if next != leaves.len() {
        return Err(HiveParquetError::Internal(format!(
            "a schema of {next} Parquet leaves for {} Arrow leaves",
            leaves.len()
        )));
    }
    Ok(SchemaDescriptor::new(root))
}

fn rebuild(t: &TypePtr, leaves: &[Leaf], next: &mut usize) -> Result<TypePtr> {
    let info = t.get_basic_info();
    let id = info.has_id().then(|| info.id());
    if t.is_group() {
        let fields = t
            .get_fields()
            .iter()
            .map(|f| rebuild(f, leaves, next))
            .collect::<Result<Vec<_>>>()?;
        let mut group = Type::group_type_builder(t.name())
            .with_fields(fields)
            .with_converted_type(info.converted_type())
            .with_logical_type(info.logical_type_ref().cloned())
            .with_id(id);
        if info.has_repetition() {
            group = group.with_repetition(info.repetition());
        }
        return Ok(Arc::new(group.build()?));
    }
    let leaf = leaves.get(*next).ok_or_else(|| {
        HiveParquetError::Internal("more Parquet leaves than Arrow leaves".into())
    })?;
    *next += 1;
    let repetition = if info.has_repetition() {
        info.repetition()
    } else {
        Repetition::OPTIONAL
    };
    if leaf.int96.is_some() {
        // No logical type: Hive's INT96 timestamps have none.
        return Ok(Arc::new(
            Type::primitive_type_builder(t.name(), PhysicalType::INT96)
                .with_repetition(repetition)
                .with_id(id)
                .build()?,
        ));
    }
    if let (Some(LogicalType::Decimal(decimal)), PhysicalType::INT32 | PhysicalType::INT64) =
        (info.logical_type_ref(), t.get_physical_type())
    {
        let (scale, precision) = (decimal.scale, decimal.precision);
        let digits = u8::try_from(precision).unwrap_or(38);
        return Ok(Arc::new(
            Type::primitive_type_builder(t.name(), PhysicalType::FIXED_LEN_BYTE_ARRAY)
                .with_repetition(repetition)
                .with_length(decimal_bytes(digits))
                .with_logical_type(Some(LogicalType::decimal(scale, precision)))
                .with_precision(precision)
                .with_scale(scale)
                .with_id(id)
                .build()?,
        ));
    }
    Ok(t.clone())
}

/// Definition and repetition levels of one INT96 leaf, with its values.
#[derive(Debug, Default)]
struct Int96Column {
    values: Vec<Int96>,
    def: Vec<i16>,
    rep: Vec<i16>,
}

impl Int96Column {
    /// Shreds element `i` of `array` (a field of nullability `nullable`)
    /// along `path`. `def` is the definition level its parent reached, `rep`
    /// the repetition level of its first leaf value, `depth` the number of
    /// repeated fields above it.
    #[allow(clippy::too_many_arguments)]
    fn shred(
        &mut self,
        array: &dyn Array,
        nullable: bool,
        i: usize,
        def: i16,
        rep: i16,
        depth: i16,
        path: &[Step],
        unit: TimeUnit,
    ) -> Result<()> {
        if nullable && array.is_null(i) {
            self.def.push(def);
            self.rep.push(rep);
            return Ok(());
        }
        let def = def + i16::from(nullable);
        let Some((step, rest)) = path.split_first() else {
            self.def.push(def);
            self.rep.push(rep);
            self.values
                .push(int96_of(timestamp_value(array, i)?, unit)?);
            return Ok(());
        };
        let mismatch = || {
            HiveParquetError::Internal(format!(
                "an Arrow array of type {} where the schema has {step:?}",
                array.data_type()
            ))
        };
        let (range, child, child_nullable): (std::ops::Range<usize>, &dyn Array, bool) =
            match (step, array.data_type()) {
                (Step::Field(f), DataType::Struct(fields)) => {
                    let s = array.as_struct();
                    let child = s.column(*f).as_ref();
                    let nullable = fields.get(*f).ok_or_else(mismatch)?.is_nullable();
                    return self.shred(child, nullable, i, def, rep, depth, rest, unit);
                }
                (Step::List, DataType::List(f)) => {
                    let l = array.as_list::<i32>();
                    let o = l.value_offsets();
                    (
                        o[i] as usize..o[i + 1] as usize,
                        l.values().as_ref(),
                        f.is_nullable(),
                    )
                }
                (Step::List, DataType::LargeList(f)) => {
                    let l = array.as_list::<i64>();
                    let o = l.value_offsets();
                    (
                        o[i] as usize..o[i + 1] as usize,
                        l.values().as_ref(),
                        f.is_nullable(),
                    )
                }
                (Step::List, DataType::FixedSizeList(f, _)) => {
                    let l = array.as_fixed_size_list();
                    let start = l.value_offset(i) as usize;
                    (
                        start..start + l.value_length() as usize,
                        l.values().as_ref(),
                        f.is_nullable(),
                    )
                }
                (Step::Map(value), DataType::Map(entries, _)) => {
                    let m = array.as_map();
                    let o = m.value_offsets();
                    let DataType::Struct(kv) = entries.data_type() else {
                        return Err(mismatch());
                    };
                    let (child, field) = if *value {
                        (m.values().as_ref(), kv.get(1))
                    } else {
                        (m.keys().as_ref(), kv.first())
                    };
                    (
                        o[i] as usize..o[i + 1] as usize,
                        child,
                        field.ok_or_else(mismatch)?.is_nullable(),
                    )
                }
                _ => return Err(mismatch()),
            };
        if range.is_empty() {
            // An empty list: defined up to the list, no element.
            self.def.push(def);
            self.rep.push(rep);
            return Ok(());
        }
        for (k, j) in range.enumerate() {
            let rep = if k == 0 { rep } else { depth + 1 };
            self.shred(
                child,
                child_nullable,
                j,
                def + 1,
                rep,
                depth + 1,
                rest,
                unit,
            )?;
        }
        Ok(())
    }
}

fn timestamp_value(array: &dyn Array, i: usize) -> Result<i64> {
    let unexpected = || {
        HiveParquetError::Internal(format!(
            "an Arrow array of type {} as a timestamp",
            array.data_type()
        ))
    };
    Ok(match array.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => array
            .as_primitive_opt::<TimestampSecondType>()
            .ok_or_else(unexpected)?
            .value(i),
        DataType::Timestamp(TimeUnit::Millisecond, _) => array
            .as_primitive_opt::<TimestampMillisecondType>()
            .ok_or_else(unexpected)?
            .value(i),
        DataType::Timestamp(TimeUnit::Microsecond, _) => array
            .as_primitive_opt::<TimestampMicrosecondType>()
            .ok_or_else(unexpected)?
            .value(i),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => array
            .as_primitive_opt::<TimestampNanosecondType>()
            .ok_or_else(unexpected)?
            .value(i),
        _ => return Err(unexpected()),
    })
}

/// Writes Parquet files in Athena's layout, one row group per
/// [`HiveParquetWriter::write_row_group`] call.
pub struct HiveParquetWriter<W: Write + Send> {
    file: SerializedFileWriter<W>,
    arrow: SchemaRef,
    leaves: Vec<Leaf>,
    factory: ArrowRowGroupWriterFactory,
    row_groups: usize,
}

impl<W: Write + Send> HiveParquetWriter<W> {
    /// `properties` apply to every column; INT96 columns get no statistics,
    /// as their sort order is undefined in the Parquet format.
    pub fn try_new(out: W, arrow: SchemaRef, properties: WriterProperties) -> Result<Self> {
        let mut leaves = Vec::new();
        for (column, field) in arrow.fields().iter().enumerate() {
            leaves_of(field.data_type(), column, &mut Vec::new(), &mut leaves)?;
        }
        let schema = parquet_schema(&arrow, &leaves)?;
        let mut builder = properties.into_builder();
        for (leaf, descr) in leaves.iter().zip(schema.columns()) {
            if leaf.int96.is_some() {
                builder = builder
                    .set_column_statistics_enabled(descr.path().clone(), EnabledStatistics::None);
            }
        }
        let file =
            SerializedFileWriter::new(out, schema.root_schema_ptr(), Arc::new(builder.build()))?;
        let factory = ArrowRowGroupWriterFactory::new(&file, arrow.clone());
        Ok(HiveParquetWriter {
            file,
            arrow,
            leaves,
            factory,
            row_groups: 0,
        })
    }

    /// Writes `batches` (of this writer's schema) as one row group.
    pub fn write_row_group(&mut self, batches: &[RecordBatch]) -> Result<()> {
        // The Arrow leaves of every batch, gathered per Parquet leaf.
        let mut arrow_leaves: Vec<Vec<ArrowLeafColumn>> =
            self.leaves.iter().map(|_| Vec::new()).collect();
        for batch in batches {
            // Top-level nullability may differ between a plan's schema and
            // its batches (the file's is kept); the types may not.
            let fits = batch.num_columns() == self.arrow.fields().len()
                && batch
                    .columns()
                    .iter()
                    .zip(self.arrow.fields())
                    .all(|(a, f)| a.data_type() == f.data_type());
            if !fits {
                return Err(HiveParquetError::Internal(
                    "a batch whose column types differ from the file's".into(),
                ));
            }
            let mut at = 0;
            for (field, array) in self.arrow.fields().iter().zip(batch.columns()) {
                for leaf in compute_leaves(field, array)? {
                    let slot = arrow_leaves.get_mut(at).ok_or_else(|| {
                        HiveParquetError::Internal("more Arrow leaves than expected".into())
                    })?;
                    // INT96 leaves are shredded below instead.
                    if self.leaves[at].int96.is_none() {
                        slot.push(leaf);
                    }
                    at += 1;
                }
            }
            if at != self.leaves.len() {
                return Err(HiveParquetError::Internal(
                    "fewer Arrow leaves than expected".into(),
                ));
            }
        }
        let writers = self.factory.create_column_writers(self.row_groups)?;
        if writers.len() != self.leaves.len() {
            return Err(HiveParquetError::Internal(format!(
                "{} column writers for {} leaves",
                writers.len(),
                self.leaves.len()
            )));
        }
        let mut group = self.file.next_row_group()?;
        for ((leaf, mut writer), parts) in self.leaves.iter().zip(writers).zip(arrow_leaves) {
            let Some(unit) = leaf.int96 else {
                for part in &parts {
                    writer.write(part)?;
                }
                writer.close()?.append_to_row_group(&mut group)?;
                continue;
            };
            // The Arrow writer cannot write INT96; it is dropped unused.
            drop(writer);
            let field: &Field = &self.arrow.fields()[leaf.column];
            let mut column = Int96Column::default();
            for batch in batches {
                let array: &ArrayRef = batch.column(leaf.column);
                for i in 0..array.len() {
                    column.shred(
                        array.as_ref(),
                        field.is_nullable(),
                        i,
                        0,
                        0,
                        0,
                        &leaf.path,
                        unit,
                    )?;
                }
            }
            let mut serialized = group.next_column()?.ok_or_else(|| {
                HiveParquetError::Internal("a row group with fewer columns than leaves".into())
            })?;
            let ColumnWriter::Int96ColumnWriter(typed) = serialized.untyped() else {
                return Err(HiveParquetError::Internal(
                    "an INT96 leaf without an INT96 column writer".into(),
                ));
            };
            let descr = typed.get_descriptor();
            let (max_def, max_rep) = (descr.max_def_level(), descr.max_rep_level());
            // Levels beyond the schema's would make a file readers reject.
            let defined = column.def.iter().filter(|d| **d == max_def).count();
            if column.def.iter().any(|d| *d > max_def)
                || column.rep.iter().any(|r| *r > max_rep)
                || defined != column.values.len()
            {
                return Err(HiveParquetError::Internal(format!(
                    "levels that do not fit the Parquet column {}",
                    descr.path()
                )));
            }
            typed.write_batch(
                &column.values,
                (max_def > 0).then_some(&column.def[..]),
                (max_rep > 0).then_some(&column.rep[..]),
            )?;
            serialized.close()?;
        }
        group.close()?;
        self.row_groups += 1;
        Ok(())
    }

    /// Writes the footer; the sink holds the whole file afterwards.
    pub fn close(self) -> Result<W> {
        Ok(self.file.into_inner()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int96_days_and_nanos() {
        let epoch = int96_of(0, TimeUnit::Millisecond).unwrap();
        assert_eq!(epoch.data(), &[0, 0, 2_440_588]);
        // 0001-01-01 00:00:00 is 719162 days before 1970.
        let year1 = int96_of(-62_135_596_800_000, TimeUnit::Millisecond).unwrap();
        assert_eq!(year1.data(), &[0, 0, 2_440_588 - 719_162]);
        // One millisecond before the epoch: the last millisecond of 1969-12-31.
        let before = int96_of(-1, TimeUnit::Millisecond).unwrap();
        let nanos = NANOS_PER_DAY as u64 - 1_000_000;
        assert_eq!(
            before.data(),
            &[nanos as u32, (nanos >> 32) as u32, 2_440_587]
        );
        assert_eq!(before.to_millis(), -1);
        assert!(int96_of(i64::MIN, TimeUnit::Second).is_err());
        assert_eq!(decimal_bytes(1), 1);
        assert_eq!(decimal_bytes(2), 1);
        assert_eq!(decimal_bytes(3), 2);
        assert_eq!(decimal_bytes(9), 4);
        assert_eq!(decimal_bytes(18), 8);
        assert_eq!(decimal_bytes(38), 16);
    }
}

#[cfg(test)]
mod round_trip {
    use super::*;
    use datafusion::arrow::array::{
        ArrayRef, Int32Array, ListArray, MapArray, StringArray, StructArray,
        TimestampMillisecondArray,
    };
    use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
    use datafusion::arrow::datatypes::{Fields, Schema};
    use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
    use datafusion::parquet::arrow::arrow_reader::{
        ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
    };

    /// 0001-01-01 00:00:00 and 9999-12-31 23:59:59.999 in milliseconds.
    const YEAR_1: i64 = -62_135_596_800_000;
    const YEAR_9999: i64 = 253_402_300_799_999;

    fn ms(values: Vec<Option<i64>>) -> ArrayRef {
        Arc::new(TimestampMillisecondArray::from(values))
    }

    fn list(values: ArrayRef, offsets: &[i32], valid: Option<Vec<bool>>) -> ArrayRef {
        let field = Arc::new(Field::new("item", values.data_type().clone(), true));
        Arc::new(ListArray::new(
            field,
            OffsetBuffer::new(offsets.to_vec().into()),
            values,
            valid.map(NullBuffer::from),
        ))
    }

    /// Every Timestamp(ns) of a read schema made Timestamp(ms): the file's
    /// timestamps are all INT96, and milliseconds reach years 1 to 9999.
    fn millis(t: &DataType) -> DataType {
        let field =
            |f: &Arc<Field>| Arc::new(f.as_ref().clone().with_data_type(millis(f.data_type())));
        match t {
            DataType::Timestamp(TimeUnit::Nanosecond, tz) => {
                DataType::Timestamp(TimeUnit::Millisecond, tz.clone())
            }
            DataType::List(f) => DataType::List(field(f)),
            DataType::Struct(fs) => DataType::Struct(fs.iter().map(field).collect::<Fields>()),
            DataType::Map(f, sorted) => DataType::Map(field(f), *sorted),
            other => other.clone(),
        }
    }

    fn shown(array: &dyn Array) -> Vec<String> {
        let f = ArrayFormatter::try_new(array, &FormatOptions::default()).unwrap();
        (0..array.len()).map(|i| f.value(i).to_string()).collect()
    }

    #[test]
    fn nested_timestamps_are_int96_and_read_back_exactly() {
        // Rows: values; nulls and empties; one more row of values.
        let ts = ms(vec![Some(YEAR_1), None, Some(YEAR_9999)]);
        let tss = list(
            ms(vec![Some(0), None, Some(YEAR_9999), Some(-1)]),
            &[0, 3, 3, 4],
            Some(vec![true, false, true]),
        );
        // array(array(timestamp)): [[1], [], null], null, [[9999, null]].
        let inner = list(
            ms(vec![Some(YEAR_1), Some(YEAR_9999), None]),
            &[0, 1, 1, 1, 3],
            Some(vec![true, true, false, true]),
        );
        let nested = list(inner, &[0, 3, 3, 4], Some(vec![true, false, true]));
        let key_field = Arc::new(Field::new("key", DataType::Utf8, false));
        let value_field = Arc::new(Field::new(
            "value",
            DataType::Timestamp(TimeUnit::Millisecond, None),
            true,
        ));
        let entries = StructArray::new(
            Fields::from(vec![key_field, value_field]),
            vec![
                Arc::new(StringArray::from(vec!["a", "b", "c"])) as ArrayRef,
                ms(vec![Some(YEAR_1), None, Some(1_500)]),
            ],
            None,
        );
        let entries_field = Arc::new(Field::new("entries", entries.data_type().clone(), false));
        let m: ArrayRef = Arc::new(MapArray::new(
            entries_field,
            OffsetBuffer::new(vec![0, 2, 2, 3].into()),
            entries,
            Some(NullBuffer::from(vec![true, true, false])),
            false,
        ));
        let row_fields = Fields::from(vec![
            Field::new("ts", DataType::Timestamp(TimeUnit::Millisecond, None), true),
            Field::new("n", DataType::Int32, true),
        ]);
        let row: ArrayRef = Arc::new(StructArray::new(
            row_fields,
            vec![
                ms(vec![Some(YEAR_9999), Some(7), None]),
                Arc::new(Int32Array::from(vec![Some(1), None, Some(3)])) as ArrayRef,
            ],
            Some(NullBuffer::from(vec![true, false, true])),
        ));
        let columns = [
            ("ts", ts),
            ("tss", tss),
            ("nested", nested),
            ("m", m),
            ("r", row),
        ];
        let schema = Arc::new(Schema::new(
            columns
                .iter()
                .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
                .collect::<Vec<_>>(),
        ));
        let batch = RecordBatch::try_new(
            schema.clone(),
            columns.iter().map(|(_, a)| a.clone()).collect(),
        )
        .unwrap();
        let mut writer =
            HiveParquetWriter::try_new(Vec::new(), schema, WriterProperties::default()).unwrap();
        // Two row groups: the second of one row, sliced.
        writer.write_row_group(&[batch.slice(0, 2)]).unwrap();
        writer.write_row_group(&[batch.slice(2, 1)]).unwrap();
        let file = bytes::Bytes::from(writer.close().unwrap());

        let builder = ParquetRecordBatchReaderBuilder::try_new(file.clone()).unwrap();
        let int96: Vec<String> = builder
            .parquet_schema()
            .columns()
            .iter()
            .filter(|c| c.physical_type() == PhysicalType::INT96)
            .map(|c| c.path().string())
            .collect();
        assert_eq!(
            int96,
            [
                "ts",
                "tss.list.element",
                "nested.list.element.list.element",
                "m.key_value.value",
                "r.ts"
            ]
        );
        let hint = Arc::new(Schema::new(
            builder
                .schema()
                .fields()
                .iter()
                .map(|f| f.as_ref().clone().with_data_type(millis(f.data_type())))
                .collect::<Vec<_>>(),
        ));
        let options = ArrowReaderOptions::new().with_schema(hint);
        let reader = ParquetRecordBatchReaderBuilder::try_new_with_options(file, options)
            .unwrap()
            .build()
            .unwrap();
        let read: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
        let read = datafusion::arrow::compute::concat_batches(&read[0].schema(), &read).unwrap();
        assert_eq!(read.num_rows(), 3);
        for (i, (name, written)) in columns.iter().enumerate() {
            assert_eq!(
                shown(read.column(i).as_ref()),
                shown(written.as_ref()),
                "{name}"
            );
        }
        assert_eq!(
            shown(read.column(0).as_ref()),
            ["0001-01-01T00:00:00", "", "9999-12-31T23:59:59.999"]
        );
    }
}
