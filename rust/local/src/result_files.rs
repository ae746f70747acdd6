//! The files Athena writes under the output location for each query:
//! `<id>.csv` (SELECT and other DML), `<id>.csv.metadata` (column info as
//! protobuf) and `<id>.txt` (DDL and utility statements).
//!
//! CSV form (AWS user guide, "Find query output files"): a header line of
//! column names; every value quoted with `"`, quotes doubled, no backslash
//! escapes; NULL an empty unquoted field; `\n` line ends, also inside values.

use crate::engine::ResultData;
use crate::render;
use datafusion::arrow::datatypes::Schema;
use std::io::{self, Write};

/// Rows rendered per buffer flush: large enough to amortise the write call.
const FLUSH_BYTES: usize = 1 << 20;

/// Writes Athena's CSV of a result, with the header line.
pub fn write_csv(data: &ResultData, out: &mut dyn Write) -> io::Result<()> {
    let mut buf = String::with_capacity(FLUSH_BYTES + 4096);
    for (i, field) in data.schema.fields().iter().enumerate() {
        if i > 0 {
            buf.push(',');
        }
        push_quoted(&mut buf, field.name());
    }
    buf.push('\n');
    let mut value = String::new();
    let mut failed = None;
    data.for_each_row(0, data.total_rows, |batch, row| {
        if failed.is_some() {
            return;
        }
        for (i, column) in batch.columns().iter().enumerate() {
            if i > 0 {
                buf.push(',');
            }
            value.clear();
            if render::write_text(column.as_ref(), row, &mut value) {
                push_quoted(&mut buf, &value);
            }
        }
        buf.push('\n');
        if buf.len() >= FLUSH_BYTES {
            if let Err(e) = out.write_all(buf.as_bytes()) {
                failed = Some(e);
            }
            buf.clear();
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    out.write_all(buf.as_bytes())
}

/// Writes the `.txt` form of DDL and utility output: tab-separated values,
/// no header, no quoting.
pub fn write_txt(data: &ResultData, out: &mut dyn Write) -> io::Result<()> {
    let mut buf = String::new();
    data.for_each_row(0, data.total_rows, |batch, row| {
        for (i, column) in batch.columns().iter().enumerate() {
            if i > 0 {
                buf.push('\t');
            }
            render::write_text(column.as_ref(), row, &mut buf);
        }
        buf.push('\n');
    });
    out.write_all(buf.as_bytes())
}

fn push_quoted(buf: &mut String, value: &str) {
    buf.push('"');
    if value.contains('"') {
        buf.push_str(&value.replace('"', "\"\""));
    } else {
        buf.push_str(value);
    }
    buf.push('"');
}

/// The `.csv.metadata` beside a result: protobuf with one field-4 message per
/// column (1 catalog, 4 name, 5 label, 6 type, 7 precision, 8 scale,
/// 9 nullable, 10 case sensitive), the layout readers of Athena's files parse.
pub fn csv_metadata(schema: &Schema) -> Vec<u8> {
    let mut out = Vec::new();
    for field in schema.fields() {
        let t = render::athena_type(field);
        let mut column = Vec::new();
        put_string(&mut column, 1, "hive");
        put_string(&mut column, 4, field.name());
        put_string(&mut column, 5, field.name());
        put_string(&mut column, 6, &t.name);
        put_varint_field(&mut column, 7, t.precision as u64);
        put_varint_field(&mut column, 8, t.scale as u64);
        // 2 = UNKNOWN, as GetQueryResults reports it.
        put_varint_field(&mut column, 9, 2);
        put_varint_field(
            &mut column,
            10,
            u64::from(t.name == "varchar" || t.name == "char"),
        );
        put_bytes(&mut out, 4, &column);
    }
    out
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_varint_field(out: &mut Vec<u8>, field: u64, v: u64) {
    put_varint(out, field << 3);
    put_varint(out, v);
}

fn put_bytes(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
    put_varint(out, (field << 3) | 2);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn put_string(out: &mut Vec<u8>, field: u64, s: &str) {
    put_bytes(out, field, s.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{ArrayRef, Int64Array, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field};
    use datafusion::arrow::record_batch::RecordBatch;
    use std::sync::Arc;

    fn data() -> ResultData {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, true),
            Field::new("s", DataType::Utf8, true),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int64Array::from(vec![Some(1), None, Some(3)])) as ArrayRef,
                Arc::new(StringArray::from(vec![Some("a\"b,c"), Some(""), None])),
            ],
        )
        .unwrap();
        ResultData::new(schema, vec![batch])
    }

    #[test]
    fn csv_as_athena_writes_it() {
        let mut out = Vec::new();
        write_csv(&data(), &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"id\",\"s\"\n\"1\",\"a\"\"b,c\"\n,\"\"\n\"3\",\n"
        );
        let mut out = Vec::new();
        write_txt(&data(), &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "1\ta\"b,c\n\t\n3\t\n");
    }

    #[test]
    fn metadata_is_protobuf_per_column() {
        let m = csv_metadata(&data().schema);
        // field 4, length-delimited, then field 1 "hive".
        assert_eq!(&m[..2], &[0x22, m[1]]);
        assert_eq!(&m[2..8], b"\x0a\x04hive");
        assert!(m.windows(6).any(|w| w == b"bigint"));
        assert!(m.windows(7).any(|w| w == b"varchar"));
    }
}
