//! Any bytes as a result file, cut into blocks anywhere: the CSV reader
//! returns rows or an error, never panics, and the cut does not change the
//! answer.
#![no_main]

use athena_core::fuzzing::{CsvReader, Row};
use libfuzzer_sys::fuzz_target;

fn read(blocks: &[&[u8]], columns: usize) -> Result<Vec<Row>, String> {
    let mut reader = CsvReader::new(columns);
    let mut rows = Vec::new();
    for block in blocks {
        reader.push(block, &mut rows).map_err(|e| e.to_string())?;
    }
    reader.finish(&mut rows).map_err(|e| e.to_string())?;
    Ok(rows)
}

fuzz_target!(|input: (u8, u16, &[u8])| {
    let (columns, cut, bytes) = input;
    let columns = usize::from(columns % 8) + 1;
    let whole = read(&[bytes], columns);
    let at = usize::from(cut).min(bytes.len());
    let (a, b) = bytes.split_at(at);
    let split = read(&[a, b], columns);
    if let (Ok(whole), Ok(split)) = (&whole, &split) {
        assert_eq!(whole, split, "a block boundary changed the rows");
    }
    assert_eq!(
        whole.is_ok(),
        split.is_ok(),
        "a block boundary changed the outcome"
    );
});
