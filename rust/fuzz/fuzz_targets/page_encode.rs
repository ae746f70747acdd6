//! Any Athena types and text values: the page encoder answers a page or an
//! error, never panics, and the page's header counts what it was given.
#![no_main]

use athena_core::page;
use athena_core::types::Column;
use libfuzzer_sys::fuzz_target;

const TYPES: &[&str] = &[
    "boolean",
    "tinyint",
    "smallint",
    "integer",
    "bigint",
    "real",
    "double",
    "decimal(18,2)",
    "varchar",
    "char(3)",
    "date",
    "timestamp",
    "timestamp(6)",
    "varbinary",
    "array(integer)",
    "map(varchar,integer)",
    "row(a integer)",
    "json",
    "time",
    "interval day to second",
    "unknown",
];

fuzz_target!(|input: (Vec<u8>, Vec<Vec<Option<String>>>)| {
    let (types, rows) = input;
    if types.is_empty() {
        return;
    }
    let columns: Vec<Column> = types
        .iter()
        .enumerate()
        .map(|(i, t)| Column::new(&format!("c{i}"), TYPES[usize::from(*t) % TYPES.len()]))
        .collect();
    let rows: Vec<Vec<Option<String>>> = rows
        .into_iter()
        .map(|mut r| {
            r.resize(columns.len(), None);
            r
        })
        .collect();
    if let Ok(encoded) = page::encode(&columns, &rows) {
        assert_eq!(&encoded[..4], page::MAGIC);
        let count = u32::from_le_bytes([encoded[8], encoded[9], encoded[10], encoded[11]]);
        assert_eq!(count as usize, rows.len());
    }
});
