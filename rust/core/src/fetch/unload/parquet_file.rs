//! One UNLOAD Parquet file: its footer (read with one or two ranged GETs
//! from its end), its row groups as byte ranges, and the decoding of one
//! row group's bytes into pages.

use std::sync::Arc;

use arrow::record_batch::RecordBatch;
use bytes::Buf;
use bytes::Bytes;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::file::metadata::{FooterTail, ParquetMetaDataReader};
use parquet::file::reader::{ChunkReader, Length};
use parquet::file::FOOTER_SIZE;

use super::super::Span;
use super::objects::{ObjectRef, Objects};
use crate::error::{Error, ErrorKind, Result};
use crate::page;
use crate::types::Column;

/// A footer's first ranged GET asks for this many bytes from the file's
/// end, enough for the metadata of most files in one call.
const FOOTER_GUESS: u64 = 64 * 1024;

/// One Parquet file's metadata, read from its footer.
pub(super) struct FileMeta {
    pub object: ObjectRef,
    pub arrow: ArrowReaderMetadata,
}

impl FileMeta {
    /// The file's row groups, each a byte range to get in one call.
    pub fn row_groups(self: &Arc<Self>) -> impl Iterator<Item = RowGroup> + '_ {
        self.row_groups_in(0..usize::MAX)
    }

    /// Row groups `range` of the file (clipped to those it has).
    pub fn row_groups_in(
        self: &Arc<Self>,
        range: std::ops::Range<usize>,
    ) -> impl Iterator<Item = RowGroup> + '_ {
        self.arrow
            .metadata()
            .row_groups()
            .iter()
            .enumerate()
            .skip(range.start)
            .take(range.end.saturating_sub(range.start))
            .map(|(index, group)| {
                let (start, end) = group.columns().iter().fold((u64::MAX, 0), |(s, e), c| {
                    let (start, length) = c.byte_range();
                    (s.min(start), e.max(start + length))
                });
                RowGroup {
                    file: self.clone(),
                    index,
                    start: start.min(end),
                    end,
                }
            })
    }
}

/// Reads a Parquet file's footer: the last [`FOOTER_GUESS`] bytes, and
/// the rest of the metadata with a second call when it is larger.
pub(super) async fn footer(objects: &Objects, object: &ObjectRef) -> Result<FileMeta> {
    let key = &object.key;
    let tail = objects.get(object, Span::Last(FOOTER_GUESS)).await?;
    let arrow = match parse_footer(key, &tail)? {
        Footer::Read(arrow) => arrow,
        Footer::Needs(wanted) => {
            let tail = objects.get(object, Span::Last(wanted)).await?;
            match parse_footer(key, &tail)? {
                Footer::Read(arrow) => arrow,
                Footer::Needs(_) => {
                    return Err(parquet_error(
                        key,
                        format!("its metadata claims {wanted} bytes, more than the file has"),
                    ))
                }
            }
        }
    };
    Ok(FileMeta {
        object: object.clone(),
        arrow,
    })
}

/// What a file's last bytes tell.
enum Footer {
    Read(ArrowReaderMetadata),
    /// The metadata is in the last this many bytes, more than were given.
    Needs(u64),
}

fn parse_footer(key: &str, tail: &[u8]) -> Result<Footer> {
    let bad = |why: String| parquet_error(key, why);
    let footer_at = tail
        .len()
        .checked_sub(FOOTER_SIZE)
        .ok_or_else(|| bad(format!("it has only {} bytes", tail.len())))?;
    let mut last = [0u8; FOOTER_SIZE];
    last.copy_from_slice(&tail[footer_at..]);
    let footer = FooterTail::try_new(&last).map_err(|e| bad(e.to_string()))?;
    if footer.is_encrypted_footer() {
        return Err(bad("its footer is encrypted".to_string()));
    }
    let Some(metadata_at) = footer_at.checked_sub(footer.metadata_length()) else {
        return Ok(Footer::Needs(
            (footer.metadata_length() + FOOTER_SIZE) as u64,
        ));
    };
    let metadata = ParquetMetaDataReader::decode_metadata(&tail[metadata_at..footer_at])
        .map_err(|e| bad(e.to_string()))?;
    reader_metadata(Arc::new(metadata))
        .map(Footer::Read)
        .map_err(|e| bad(e.to_string()))
}

/// The Arrow view of a file, with every INT96 leaf (Athena's `timestamp`,
/// top-level or inside arrays, maps and rows) read as Timestamp(Millisecond):
/// parquet-rs reads INT96 as nanoseconds by default, which wrap outside
/// 1677-09-21..2262-04-11, while Athena's timestamps run from year 1 to
/// 9999 at millisecond precision.
fn reader_metadata(
    metadata: Arc<parquet::file::metadata::ParquetMetaData>,
) -> parquet::errors::Result<ArrowReaderMetadata> {
    use parquet::basic::Type as PhysicalType;
    let plain = ArrowReaderMetadata::try_new(metadata.clone(), ArrowReaderOptions::new())?;
    let int96: Vec<bool> = metadata
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.physical_type() == PhysicalType::INT96)
        .collect();
    if !int96.contains(&true) {
        return Ok(plain);
    }
    let mut leaves = int96.iter().copied();
    let fields: Vec<arrow::datatypes::FieldRef> = plain
        .schema()
        .fields()
        .iter()
        .map(|f| int96_as_millis(f, &mut leaves))
        .collect();
    if leaves.next().is_some() {
        // A layout this walk does not know: read as before, nanoseconds.
        return Ok(plain);
    }
    let hint =
        arrow::datatypes::Schema::new_with_metadata(fields, plain.schema().metadata().clone());
    // The hint reaches nested leaves: parquet-rs applies it through lists,
    // maps and structs. Should it be refused, the default reading still
    // gives every timestamp from 1677 to 2262.
    Ok(ArrowReaderMetadata::try_new(
        metadata,
        ArrowReaderOptions::new().with_schema(Arc::new(hint)),
    )
    .unwrap_or(plain))
}

/// `field` with its Timestamp leaves that are INT96 in the file (the next
/// flags of `int96`, in the Parquet schema's depth-first leaf order) made
/// Timestamp(Millisecond).
fn int96_as_millis(
    field: &arrow::datatypes::FieldRef,
    int96: &mut impl Iterator<Item = bool>,
) -> arrow::datatypes::FieldRef {
    use arrow::datatypes::{DataType, Fields, TimeUnit};
    let data_type = match field.data_type() {
        DataType::List(f) => DataType::List(int96_as_millis(f, int96)),
        DataType::LargeList(f) => DataType::LargeList(int96_as_millis(f, int96)),
        DataType::FixedSizeList(f, n) => DataType::FixedSizeList(int96_as_millis(f, int96), *n),
        DataType::ListView(f) => DataType::ListView(int96_as_millis(f, int96)),
        DataType::LargeListView(f) => DataType::LargeListView(int96_as_millis(f, int96)),
        DataType::Struct(fs) => DataType::Struct(
            fs.iter()
                .map(|f| int96_as_millis(f, int96))
                .collect::<Fields>(),
        ),
        DataType::Map(f, sorted) => DataType::Map(int96_as_millis(f, int96), *sorted),
        DataType::Timestamp(_, tz) if int96.next() == Some(true) => {
            DataType::Timestamp(TimeUnit::Millisecond, tz.clone())
        }
        DataType::Timestamp(..) => return field.clone(),
        _ => {
            // Any other leaf takes one Parquet column.
            int96.next();
            return field.clone();
        }
    };
    Arc::new(field.as_ref().clone().with_data_type(data_type))
}

/// One row group of one file: the unit downloaded and decoded.
pub(super) struct RowGroup {
    pub file: Arc<FileMeta>,
    pub index: usize,
    pub start: u64,
    pub end: u64,
}

impl RowGroup {
    pub fn size(&self) -> u64 {
        self.end - self.start
    }
}

/// A row group's bytes, answering the Parquet reader's reads at file offsets.
pub(super) struct RowGroupBytes {
    pub start: u64,
    pub bytes: Bytes,
}

impl Length for RowGroupBytes {
    fn len(&self) -> u64 {
        self.start + self.bytes.len() as u64
    }
}

impl ChunkReader for RowGroupBytes {
    type T = bytes::buf::Reader<Bytes>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        self.slice(start, None).map(Buf::reader)
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        self.slice(start, Some(length))
    }
}

impl RowGroupBytes {
    fn slice(&self, start: u64, length: Option<usize>) -> parquet::errors::Result<Bytes> {
        let from = start
            .checked_sub(self.start)
            .map(|f| f as usize)
            .filter(|f| *f <= self.bytes.len());
        let to = from.map(|f| length.map_or(self.bytes.len(), |l| f.saturating_add(l)));
        match (from, to) {
            (Some(from), Some(to)) if to <= self.bytes.len() => Ok(self.bytes.slice(from..to)),
            _ => Err(parquet::errors::ParquetError::General(format!(
                "a read at byte {start} falls outside the row group's bytes {}..{}",
                self.start,
                self.len()
            ))),
        }
    }
}

pub(super) fn parquet_error(key: &str, e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Service,
        format!("the UNLOAD file {key} is not readable Parquet: {e}"),
    )
}

/// Rows of a row group's first decoded batch (see `FileReader::decode`).
pub(super) const PROBE_ROWS: usize = 64;

/// The CPU side of one row group: its Parquet decoder and the batch being
/// cut into pages.
pub(super) struct Decoder {
    pub chunk: RowGroupBytes,
    pub arrow: ArrowReaderMetadata,
    pub index: usize,
    /// Rows in the row group, and how many were decoded so far.
    pub rows: usize,
    pub read: usize,
    /// Whether the reader was rebuilt with batches sized from the first.
    pub resized: bool,
    /// Decoded bytes a row of the first batch took.
    pub row_bytes: usize,
    pub reader: Option<parquet::arrow::arrow_reader::ParquetRecordBatchReader>,
    /// The batch decoded last and the first of its rows not yet in a page.
    pub batch: Option<(RecordBatch, usize)>,
    pub key: String,
    pub columns: Arc<Vec<Column>>,
}

impl Decoder {
    /// (Re)starts decoding at row `read` with batches of `batch_rows`.
    pub fn start(&mut self, batch_rows: usize) -> Result<()> {
        use parquet::arrow::arrow_reader::{RowSelection, RowSelector};
        let mut builder = ParquetRecordBatchReaderBuilder::new_with_metadata(
            RowGroupBytes {
                start: self.chunk.start,
                bytes: self.chunk.bytes.clone(),
            },
            self.arrow.clone(),
        )
        .with_row_groups(vec![self.index])
        .with_batch_size(batch_rows.max(1));
        if self.read > 0 {
            builder = builder.with_row_selection(RowSelection::from(vec![
                RowSelector::skip(self.read),
                RowSelector::select(self.rows.saturating_sub(self.read)),
            ]));
        }
        self.reader = Some(builder.build().map_err(|e| parquet_error(&self.key, e))?);
        Ok(())
    }

    /// The next page, within `page_rows` rows, `budget` bytes (a larger row
    /// alone) and the `remaining` rows wanted, with its row count; None once
    /// the row group is read.
    pub fn next_page(
        &mut self,
        page_rows: usize,
        budget: usize,
        remaining: u64,
    ) -> Result<Option<(Vec<u8>, usize)>> {
        loop {
            if let Some((batch, from)) = &mut self.batch {
                if *from < batch.num_rows() {
                    let max = page_rows.min(usize::try_from(remaining).unwrap_or(usize::MAX));
                    let n = page::arrow_rows_within(batch, *from, max, budget);
                    let slice = batch.slice(*from, n);
                    *from += n;
                    let page = page::encode_arrow(&self.columns, &slice, n)?;
                    return Ok(Some((page, n)));
                }
            }
            self.batch = None;
            if !self.resized && self.read > 0 {
                // Batches of about a page from here on, sized by the first batch's rows.
                self.resized = true;
                let rows = (budget / self.row_bytes.max(1)).clamp(1, page_rows);
                if rows > PROBE_ROWS {
                    self.start(rows)?;
                }
            }
            let Some(reader) = self.reader.as_mut() else {
                return Ok(None);
            };
            let Some(batch) = reader.next() else {
                return Ok(None);
            };
            let batch = batch.map_err(|e| parquet_error(&self.key, e))?;
            if batch.num_columns() != self.columns.len() {
                return Err(Error::new(
                    ErrorKind::Service,
                    format!(
                        "an UNLOAD file has {} columns, the first had {}",
                        batch.num_columns(),
                        self.columns.len()
                    ),
                ));
            }
            if !self.resized && batch.num_rows() > 0 {
                self.row_bytes = batch.get_array_memory_size() / batch.num_rows();
            }
            self.read += batch.num_rows();
            self.batch = Some((batch, 0));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Parquet file of `columns` int columns and `rows` rows in row groups of 100.
    fn parquet_file(columns: usize, rows: i64) -> Bytes {
        use arrow::array::{ArrayRef, Int64Array};
        use parquet::arrow::ArrowWriter;
        use parquet::file::properties::WriterProperties;
        let arrays: Vec<(String, ArrayRef)> = (0..columns)
            .map(|c| {
                let values: ArrayRef = Arc::new(Int64Array::from_iter_values(0..rows));
                (format!("column_{c}"), values)
            })
            .collect();
        let batch = RecordBatch::try_from_iter(arrays).unwrap();
        let properties = WriterProperties::builder()
            .set_max_row_group_row_count(Some(100))
            .build();
        let mut out = Vec::new();
        let mut writer = ArrowWriter::try_new(&mut out, batch.schema(), Some(properties)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        Bytes::from(out)
    }

    #[test]
    fn a_footer_larger_than_the_first_read_asks_for_the_rest() {
        let file = parquet_file(300, 1000);
        let tail = file.slice(file.len() - 1024..);
        let Footer::Needs(wanted) = parse_footer("k", &tail).unwrap() else {
            panic!("1 KiB cannot hold the metadata of 300 columns × 10 row groups");
        };
        assert!(wanted > 1024 && wanted < file.len() as u64);
        let tail = file.slice(file.len() - wanted as usize..);
        let Footer::Read(arrow) = parse_footer("k", &tail).unwrap() else {
            panic!("the wanted bytes hold the metadata");
        };
        assert_eq!(arrow.metadata().num_row_groups(), 10);
        assert_eq!(arrow.schema().fields().len(), 300);
        let not_parquet = parse_footer("k", b"PAR1 is not this").err().unwrap();
        assert!(not_parquet
            .to_string()
            .contains("k is not readable Parquet"));
        assert!(parse_footer("k", b"1234").is_err());
    }

    #[test]
    fn row_groups_decode_from_their_own_bytes_alone() {
        let file = parquet_file(3, 250);
        let Footer::Read(arrow) = parse_footer("k", &file).unwrap() else {
            panic!("a whole file holds its metadata");
        };
        let meta = Arc::new(FileMeta {
            object: ObjectRef::s3("b", "k"),
            arrow,
        });
        let groups: Vec<RowGroup> = meta.row_groups().collect();
        assert_eq!(groups.len(), 3);
        let mut next = 0i64;
        for group in &groups {
            let chunk = RowGroupBytes {
                start: group.start,
                bytes: file.slice(group.start as usize..group.end as usize),
            };
            let reader =
                ParquetRecordBatchReaderBuilder::new_with_metadata(chunk, meta.arrow.clone())
                    .with_row_groups(vec![group.index])
                    .build()
                    .unwrap();
            for batch in reader {
                let batch = batch.unwrap();
                let values = batch
                    .column(2)
                    .as_any()
                    .downcast_ref::<arrow::array::Int64Array>()
                    .unwrap();
                for v in values.values() {
                    assert_eq!(*v, next);
                    next += 1;
                }
            }
        }
        assert_eq!(next, 250);
        // Reads outside a row group's bytes are errors, not panics.
        let chunk = RowGroupBytes {
            start: 100,
            bytes: Bytes::from_static(b"0123456789"),
        };
        assert_eq!(chunk.get_bytes(102, 3).unwrap(), Bytes::from_static(b"234"));
        assert!(chunk.get_bytes(99, 2).is_err());
        assert!(chunk.get_bytes(105, 6).is_err());
        assert!(chunk.get_read(111).is_err());
        assert!(chunk.get_read(110).is_ok());
    }

    /// Athena's timestamps at the edges of its range (year 1 to 9999) and of
    /// INT96-as-nanoseconds (1677..2262), as milliseconds since 1970.
    fn edge_timestamps() -> Vec<(i64, &'static str)> {
        vec![
            (-62_135_596_800_000, "0001-01-01 00:00:00.000"),
            (-14_826_710_744_322, "1500-02-28 13:14:15.678"),
            (0, "1970-01-01 00:00:00.000"),
            (9_223_372_800_000, "2262-04-12 00:00:00.000"),
            (253_402_300_799_999, "9999-12-31 23:59:59.999"),
        ]
    }

    /// Milliseconds since 1970 as INT96: nanoseconds of the day, Julian day.
    fn int96(millis: i64) -> parquet::data_type::Int96 {
        let day = millis.div_euclid(86_400_000);
        let nanos = (millis.rem_euclid(86_400_000) * 1_000_000) as u64;
        let mut v = parquet::data_type::Int96::new();
        v.set_data(nanos as u32, (nanos >> 32) as u32, (day + 2_440_588) as u32);
        v
    }

    /// A file as Athena's UNLOAD writes timestamps: INT96 leaves, top-level
    /// and in an array, a row and a map. Row k holds the k-th edge value
    /// (the array also the next one); the last row is all NULL.
    fn int96_file() -> Bytes {
        use parquet::column::writer::ColumnWriter;
        use parquet::data_type::{ByteArray, Int96};
        use parquet::file::properties::WriterProperties;
        use parquet::file::writer::SerializedFileWriter;
        let schema = "message hive_schema {
            optional int96 ts;
            optional group tss (LIST) { repeated group list { optional int96 element; } }
            optional group r { optional int96 ts; optional int32 n; }
            optional group m (MAP) {
                repeated group key_value { required binary key (STRING); optional int96 value; }
            }
        }";
        let schema = Arc::new(parquet::schema::parser::parse_message_type(schema).unwrap());
        let values: Vec<Int96> = edge_timestamps().iter().map(|(ms, _)| int96(*ms)).collect();
        let n = values.len();
        let mut out = Vec::new();
        let mut writer =
            SerializedFileWriter::new(&mut out, schema, Arc::new(WriterProperties::default()))
                .unwrap();
        let mut group = writer.next_row_group().unwrap();
        // (values, definition levels, repetition levels) per leaf, in schema order.
        let def = |max: i16| {
            let mut d = vec![max; n];
            d.push(0);
            d
        };
        let rep0 = vec![0i16; n + 1];
        let pairs: Vec<Int96> = (0..n)
            .flat_map(|k| [values[k], values[(k + 1) % n]])
            .collect();
        let mut pair_def: Vec<i16> = vec![3; 2 * n];
        pair_def.push(0);
        let mut pair_rep: Vec<i16> = (0..n).flat_map(|_| [0, 1]).collect();
        pair_rep.push(0);
        let n_values: Vec<i32> = (0..n as i32).collect();
        let keys: Vec<ByteArray> = (0..n).map(|_| ByteArray::from("k")).collect();
        let mut index = 0;
        while let Some(mut column) = group.next_column().unwrap() {
            match (index, column.untyped()) {
                (0, ColumnWriter::Int96ColumnWriter(w)) => {
                    w.write_batch(&values, Some(&def(1)), None).unwrap();
                }
                (1, ColumnWriter::Int96ColumnWriter(w)) => {
                    w.write_batch(&pairs, Some(&pair_def), Some(&pair_rep))
                        .unwrap();
                }
                (2, ColumnWriter::Int96ColumnWriter(w)) => {
                    w.write_batch(&values, Some(&def(2)), None).unwrap();
                }
                (3, ColumnWriter::Int32ColumnWriter(w)) => {
                    w.write_batch(&n_values, Some(&def(2)), None).unwrap();
                }
                (4, ColumnWriter::ByteArrayColumnWriter(w)) => {
                    w.write_batch(&keys, Some(&def(2)), Some(&rep0)).unwrap();
                }
                (5, ColumnWriter::Int96ColumnWriter(w)) => {
                    w.write_batch(&values, Some(&def(3)), Some(&rep0)).unwrap();
                }
                _ => panic!("unexpected column {index}"),
            }
            column.close().unwrap();
            index += 1;
        }
        group.close().unwrap();
        writer.close().unwrap();
        Bytes::from(out)
    }

    #[test]
    fn int96_timestamps_read_exactly_from_year_1_to_9999() {
        use arrow::array::{Array, AsArray};
        use arrow::datatypes::{DataType, TimeUnit, TimestampMillisecondType};
        let file = int96_file();
        let Footer::Read(arrow) = parse_footer("k", &file).unwrap() else {
            panic!("a whole file holds its metadata");
        };
        let millis = DataType::Timestamp(TimeUnit::Millisecond, None);
        let schema = arrow.schema().clone();
        assert_eq!(schema.field(0).data_type(), &millis);
        let DataType::List(element) = schema.field(1).data_type() else {
            panic!("tss is a list");
        };
        assert_eq!(element.data_type(), &millis);
        let DataType::Struct(fields) = schema.field(2).data_type() else {
            panic!("r is a row");
        };
        assert_eq!(fields[0].data_type(), &millis);
        let DataType::Map(entries, _) = schema.field(3).data_type() else {
            panic!("m is a map");
        };
        let DataType::Struct(kv) = entries.data_type() else {
            panic!("map entries are a struct");
        };
        assert_eq!(kv[1].data_type(), &millis);

        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, arrow)
            .build()
            .unwrap();
        let batches: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
        assert_eq!(batches.len(), 1);
        let batch = &batches[0];
        let edges = edge_timestamps();
        let n = edges.len();
        assert_eq!(batch.num_rows(), n + 1);
        let top = batch.column(0).as_primitive::<TimestampMillisecondType>();
        let columns: Vec<Column> = schema
            .fields()
            .iter()
            .map(|f| Column::of_arrow(f))
            .collect();
        assert_eq!(columns[0].athena_type, "timestamp");
        for (k, (ms, text)) in edges.iter().enumerate() {
            assert_eq!(top.value(k), *ms, "{text}");
            // Athena's text form, top-level and inside JSON of nested values.
            assert_eq!(athena_arrow_text::render(top, k).as_deref(), Some(*text));
            let next = edges[(k + 1) % n].1;
            let mut json = String::new();
            athena_arrow_text::write_json(batch.column(1).as_ref(), k, &mut json);
            assert_eq!(json, format!("[\"{text}\",\"{next}\"]"));
            json.clear();
            athena_arrow_text::write_json(batch.column(2).as_ref(), k, &mut json);
            assert_eq!(json, format!("{{\"ts\":\"{text}\",\"n\":{k}}}"));
            json.clear();
            athena_arrow_text::write_json(batch.column(3).as_ref(), k, &mut json);
            assert_eq!(json, format!("[[\"k\",\"{text}\"]]"));
        }
        for column in batch.columns() {
            assert!(column.is_null(n));
        }

        // The page carries the top-level column as microseconds, exactly.
        let page = page::encode_arrow(&columns[..1], &batch.project(&[0]).unwrap(), n + 1).unwrap();
        let header = 12;
        assert_eq!(page[header], 5, "Timestamp encoding");
        assert_eq!(page[header + 1], 3, "milliseconds in Athena's text");
        let body = header + 8 + (n + 1).div_ceil(8);
        for (k, (ms, text)) in edges.iter().enumerate() {
            let at = body + 8 * k;
            let micros = i64::from_le_bytes(page[at..at + 8].try_into().unwrap());
            assert_eq!(micros, ms * 1000, "{text}");
        }
    }
}
