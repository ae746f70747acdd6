//! The page format's shared test vectors: each `tests/vectors/pages/NAME.txt`
//! (types on the first line, then tab-separated Athena text values, `\N` for
//! NULL) must encode to exactly `NAME.page`. Java's PageVectorsTest decodes the
//! same files. `UPDATE_PAGE_VECTORS=1` rewrites the .page files after a
//! deliberate format change.

use std::path::PathBuf;

use athena_core::page;
use athena_core::types::Column;

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/pages")
}

fn parse(text: &str) -> (Vec<Column>, Vec<Vec<Option<String>>>) {
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let columns: Vec<Column> = header
        .split('\t')
        .enumerate()
        .map(|(i, t)| Column::new(&format!("c{}", i + 1), t))
        .collect();
    let rows = lines
        .map(|line| {
            line.split('\t')
                .map(|v| {
                    if v == "\\N" {
                        None
                    } else {
                        Some(v.to_string())
                    }
                })
                .collect()
        })
        .collect();
    (columns, rows)
}

#[test]
fn every_vector_encodes_to_its_page_file() {
    let mut checked = 0;
    let mut entries: Vec<_> = std::fs::read_dir(vectors_dir())
        .expect("vectors folder")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
    {
        let text = std::fs::read_to_string(&path).expect("vector text");
        let (columns, rows) = parse(&text);
        let encoded = page::encode(&columns, &rows).expect("encodes");
        let page_path = path.with_extension("page");
        if std::env::var_os("UPDATE_PAGE_VECTORS").is_some() {
            std::fs::write(&page_path, &encoded).expect("write vector");
        }
        let expected =
            std::fs::read(&page_path).unwrap_or_else(|_| panic!("missing {}", page_path.display()));
        assert_eq!(
            encoded,
            expected,
            "{} no longer encodes to its page file",
            path.display()
        );
        checked += 1;
    }
    assert!(checked >= 3, "expected the shared vectors, found {checked}");
}

#[test]
fn header_and_encodings_are_as_documented() {
    let (columns, rows) =
        parse(&std::fs::read_to_string(vectors_dir().join("all_types.txt")).expect("vector"));
    let encoded = page::encode(&columns, &rows).expect("encodes");
    assert_eq!(&encoded[0..4], b"ATHP");
    assert_eq!(u16::from_le_bytes([encoded[4], encoded[5]]), 1);
    assert_eq!(
        u16::from_le_bytes([encoded[6], encoded[7]]) as usize,
        columns.len()
    );
    assert_eq!(
        u32::from_le_bytes([encoded[8], encoded[9], encoded[10], encoded[11]]),
        3
    );
    // First column: boolean, 1 byte a row after a 1-byte null bitmap whose third bit is set.
    assert_eq!(encoded[12], 1);
    assert_eq!(
        u32::from_le_bytes([encoded[16], encoded[17], encoded[18], encoded[19]]),
        1 + 3
    );
    assert_eq!(encoded[20], 0b100);
    assert_eq!(&encoded[21..24], &[1, 0, 0]);
}
