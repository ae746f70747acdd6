//! Athena's result CSV, read as it arrives in blocks cut at any byte: inside
//! a quoted value, between a doubled quote, or inside a UTF-8 character.
//!
//! Form (AWS user guide, "Find query output files"): every value quoted
//! with `"`, quotes doubled, no backslash escapes, newlines allowed inside
//! quotes; NULL is an empty unquoted field, the empty string is `""`; records
//! end with `\n`. Blocks are fed in file order, so a record cut by a block
//! boundary is kept and finished by the next block: no guessing whether a
//! boundary falls inside quotes.

use crate::error::{Error, ErrorKind, Result};

pub type Row = Vec<Option<String>>;

pub struct CsvReader {
    columns: usize,
    /// Bytes of the record a block boundary cut, waiting for the next block.
    carry: Vec<u8>,
    /// 1-based number of the next record, for error messages.
    record: u64,
}

impl CsvReader {
    pub fn new(columns: usize) -> CsvReader {
        CsvReader {
            columns,
            carry: Vec::new(),
            record: 1,
        }
    }

    /// Adds the next block; every record it completes is appended to `rows`.
    pub fn push(&mut self, block: &[u8], rows: &mut Vec<Row>) -> Result<()> {
        if self.carry.is_empty() {
            let used = self.parse(block, false, rows)?;
            self.carry.extend_from_slice(&block[used..]);
        } else {
            self.carry.extend_from_slice(block);
            let carry = std::mem::take(&mut self.carry);
            let used = self.parse(&carry, false, rows)?;
            self.carry = carry;
            self.carry.drain(..used);
        }
        Ok(())
    }

    /// Ends the file: a last record without its `\n` still counts; a quote
    /// left open is an error.
    pub fn finish(&mut self, rows: &mut Vec<Row>) -> Result<()> {
        let carry = std::mem::take(&mut self.carry);
        let used = self.parse(&carry, true, rows)?;
        if used < carry.len() {
            return Err(self.malformed("the file ends inside a quoted value"));
        }
        Ok(())
    }

    /// Parses complete records from `buf`; returns how many bytes they used.
    fn parse(&mut self, buf: &[u8], at_end: bool, rows: &mut Vec<Row>) -> Result<usize> {
        let mut at = 0;
        while at < buf.len() {
            let mut row = Vec::with_capacity(self.columns);
            match self.record_at(buf, at, at_end, &mut row)? {
                Some(next) => {
                    if row.len() != self.columns {
                        return Err(self.malformed(&format!(
                            "it has {} values for {} columns",
                            row.len(),
                            self.columns
                        )));
                    }
                    rows.push(row);
                    self.record += 1;
                    at = next;
                }
                None => break,
            }
        }
        Ok(at)
    }

    /// One record starting at `start`: Some(index after it), or None when
    /// `buf` ends before the record does.
    fn record_at(
        &self,
        buf: &[u8],
        start: usize,
        at_end: bool,
        row: &mut Row,
    ) -> Result<Option<usize>> {
        let mut i = start;
        loop {
            // At the start of a field.
            if i >= buf.len() {
                // A record cut right after a comma, or the very end of the file.
                return if at_end && i > start {
                    row.push(None);
                    Ok(Some(i))
                } else {
                    Ok(None)
                };
            }
            let (value, after) = if buf[i] == b'"' {
                match quoted(buf, i + 1)? {
                    Some((text, after)) => (Some(self.text(text)?), after),
                    None if at_end => {
                        return Err(self.malformed("the file ends inside a quoted value"))
                    }
                    None => return Ok(None),
                }
            } else {
                // Unquoted: NULL when empty; other text is kept as it is.
                let end = buf[i..]
                    .iter()
                    .position(|&b| b == b',' || b == b'\n')
                    .map(|n| i + n);
                let end = match end {
                    Some(e) => e,
                    None if at_end => buf.len(),
                    None => return Ok(None),
                };
                let raw = buf[i..end].strip_suffix(b"\r").unwrap_or(&buf[i..end]);
                let value = if raw.is_empty() {
                    None
                } else {
                    Some(self.text(raw.to_vec())?)
                };
                (value, end)
            };
            row.push(value);
            match buf.get(after) {
                Some(b',') => i = after + 1,
                Some(b'\n') => return Ok(Some(after + 1)),
                Some(b'\r') if buf.get(after + 1) == Some(&b'\n') => return Ok(Some(after + 2)),
                Some(b'\r') if after + 1 == buf.len() && !at_end => return Ok(None),
                None if at_end => return Ok(Some(after)),
                None => return Ok(None),
                Some(_) => {
                    return Err(self.malformed("a quoted value is followed by text, not a comma"))
                }
            }
        }
    }

    fn text(&self, bytes: Vec<u8>) -> Result<String> {
        String::from_utf8(bytes).map_err(|_| self.malformed("it is not valid UTF-8"))
    }

    fn malformed(&self, why: &str) -> Error {
        Error::new(
            ErrorKind::Service,
            format!(
                "the query's result file is not CSV as Athena writes it: record {} is malformed ({why})",
                self.record
            ),
        )
    }
}

/// The value of a quoted field whose text starts at `from` (after the opening
/// quote), with doubled quotes undone, and the index after the closing quote;
/// None when `buf` ends first.
fn quoted(buf: &[u8], from: usize) -> Result<Option<(Vec<u8>, usize)>> {
    let mut value = Vec::new();
    let mut i = from;
    loop {
        let Some(n) = buf[i..].iter().position(|&b| b == b'"') else {
            return Ok(None);
        };
        value.extend_from_slice(&buf[i..i + n]);
        let quote = i + n;
        match buf.get(quote + 1) {
            Some(b'"') => {
                value.push(b'"');
                i = quote + 2;
            }
            // A quote as the last byte may be the first of a doubled pair.
            None => return Ok(None),
            Some(_) => return Ok(Some((value, quote + 1))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    const FILE: &str = "\"a\",\"b\"\n\"1\",\"x, \"\"y\"\"\nz\"\n,\"\"\n\"é€😀\",\n";

    fn expected() -> Vec<Row> {
        vec![
            vec![s("a"), s("b")],
            vec![s("1"), s("x, \"y\"\nz")],
            vec![None, s("")],
            vec![s("é€😀"), None],
        ]
    }

    fn read_in_blocks(file: &[u8], block: usize) -> Result<Vec<Row>> {
        let mut reader = CsvReader::new(2);
        let mut rows = Vec::new();
        for chunk in file.chunks(block) {
            reader.push(chunk, &mut rows)?;
        }
        reader.finish(&mut rows)?;
        Ok(rows)
    }

    #[test]
    fn every_cut_point_gives_the_same_rows() {
        // Covers cuts inside quotes, between doubled quotes, inside UTF-8
        // characters and right before each newline.
        for block in 1..=FILE.len() {
            assert_eq!(
                read_in_blocks(FILE.as_bytes(), block).unwrap(),
                expected(),
                "block {block}"
            );
        }
        let mut reader = CsvReader::new(2);
        let mut rows = Vec::new();
        let bytes = FILE.as_bytes();
        for cut in 0..bytes.len() {
            rows.clear();
            reader.push(&bytes[..cut], &mut rows).unwrap();
            reader.push(&bytes[cut..], &mut rows).unwrap();
            reader.finish(&mut rows).unwrap();
            assert_eq!(rows, expected(), "cut at {cut}");
            reader = CsvReader::new(2);
        }
    }

    #[test]
    fn last_record_without_newline_and_crlf() {
        let rows = read_in_blocks(b"\"1\",\"2\"\r\n\"3\",", 4).unwrap();
        assert_eq!(rows, vec![vec![s("1"), s("2")], vec![s("3"), None]]);
    }

    #[test]
    fn malformed_files_are_errors() {
        let open_quote = read_in_blocks(b"\"1\",\"2\n", 3).unwrap_err();
        assert!(open_quote
            .to_string()
            .contains("ends inside a quoted value"));
        let width = read_in_blocks(b"\"1\"\n", 3).unwrap_err();
        assert!(
            width.to_string().contains("1 values for 2 columns"),
            "{width}"
        );
        let junk = read_in_blocks(b"\"1\"x,\"2\"\n", 100).unwrap_err();
        assert!(junk.to_string().contains("followed by text"));
        let bad_utf8 = read_in_blocks(b"\"\xff\",\"2\"\n", 100).unwrap_err();
        assert!(bad_utf8.to_string().contains("UTF-8"));
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        /// Values built from the characters that make CSV hard.
        fn value() -> impl Strategy<Value = Option<String>> {
            let text = proptest::collection::vec(
                prop::sample::select(vec!['a', ',', '"', '\n', '\r', 'é', '😀', ' ']),
                0..6,
            )
            .prop_map(String::from_iter);
            proptest::option::of(text)
        }

        /// Rows as Athena writes them: every value quoted, quotes doubled, NULL empty.
        fn athena_csv(rows: &[Row]) -> Vec<u8> {
            let mut out = String::new();
            for row in rows {
                let fields: Vec<String> = row
                    .iter()
                    .map(|v| match v {
                        None => String::new(),
                        Some(s) => format!("\"{}\"", s.replace('"', "\"\"")),
                    })
                    .collect();
                out.push_str(&fields.join(","));
                out.push('\n');
            }
            out.into_bytes()
        }

        proptest! {
            #[test]
            fn any_rows_read_back_whatever_the_block_cuts(
                rows in proptest::collection::vec(proptest::collection::vec(value(), 3), 0..20),
                cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
            ) {
                let file = athena_csv(&rows);
                let mut at: Vec<usize> = cuts.iter().map(|i| i.index(file.len() + 1)).collect();
                at.push(0);
                at.push(file.len());
                at.sort_unstable();
                let mut reader = CsvReader::new(3);
                let mut read = Vec::new();
                for pair in at.windows(2) {
                    reader.push(&file[pair[0]..pair[1]], &mut read).unwrap();
                }
                reader.finish(&mut read).unwrap();
                prop_assert_eq!(read, rows);
            }

            #[test]
            fn any_bytes_are_rows_or_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..200), columns in 1usize..5) {
                let mut reader = CsvReader::new(columns);
                let mut rows = Vec::new();
                if reader.push(&bytes, &mut rows).is_ok() && reader.finish(&mut rows).is_ok() {
                    prop_assert!(rows.iter().all(|r| r.len() == columns));
                }
            }
        }
    }
}
