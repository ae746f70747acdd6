//! Random pages for Java's decoder: each run encodes `PAGES` random pages
//! and writes each in the shared vectors' format (`NAME.txt`: types, then
//! tab-separated Athena text, `\N` for NULL; `NAME.page`: its encoding)
//! under `target/random-pages`, with the run's seed in `seed.txt`. Java's
//! RandomPagesTest decodes them and compares every value with the text.

use std::fmt::Write as _;
use std::path::PathBuf;

use athena_core::page;
use athena_core::types::Column;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

const PAGES: usize = 200;

/// A type and valid Athena text for it: what Athena itself would send.
fn typed_column() -> impl Strategy<Value = (String, BoxedStrategy<String>)> {
    let real = prop_oneof![
        any::<f32>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| f.to_string()),
        Just("NaN".to_string()),
        Just("-Infinity".to_string()),
    ];
    let double = prop_oneof![
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| f.to_string()),
        Just("Infinity".to_string()),
    ];
    let choices: Vec<(&str, BoxedStrategy<String>)> = vec![
        (
            "boolean",
            prop_oneof![Just("true".to_string()), Just("false".to_string())].boxed(),
        ),
        ("tinyint", any::<i8>().prop_map(|v| v.to_string()).boxed()),
        ("smallint", any::<i16>().prop_map(|v| v.to_string()).boxed()),
        ("integer", any::<i32>().prop_map(|v| v.to_string()).boxed()),
        ("bigint", any::<i64>().prop_map(|v| v.to_string()).boxed()),
        ("real", real.boxed()),
        ("double", double.boxed()),
        ("decimal(18,2)", "-?(0|[1-9][0-9]{0,15})\\.[0-9]{2}".boxed()),
        (
            "decimal(38,10)",
            "-?(0|[1-9][0-9]{0,27})\\.[0-9]{10}".boxed(),
        ),
        // Any text but the format's separators and its NULL marker.
        (
            "varchar",
            "[^\t\n\r]{0,40}"
                .prop_filter("not NULL", |s| s != "\\N")
                .boxed(),
        ),
        (
            "varbinary",
            proptest::collection::vec(any::<u8>(), 0..20)
                .prop_map(|b| {
                    b.iter()
                        .map(|x| format!("{x:02x}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .boxed(),
        ),
        (
            "date",
            (1i32..=9999, 1u32..=12, 1u32..=28)
                .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
                .boxed(),
        ),
        (
            "timestamp",
            (
                1i32..=9999,
                1u32..=12,
                1u32..=28,
                0u32..24,
                0u32..60,
                0u32..60,
                0u32..1000,
            )
                .prop_map(|(y, mo, d, h, mi, s, ms)| {
                    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{ms:03}")
                })
                .boxed(),
        ),
    ];
    proptest::sample::select((0..choices.len()).collect::<Vec<_>>())
        .prop_map(move |i| (choices[i].0.to_string(), choices[i].1.clone()))
}

fn page_strategy() -> impl Strategy<Value = (Vec<String>, Vec<Vec<Option<String>>>)> {
    (proptest::collection::vec(typed_column(), 1..8), 0usize..40).prop_flat_map(
        |(columns, rows)| {
            let types: Vec<String> = columns.iter().map(|(t, _)| t.clone()).collect();
            let row: Vec<BoxedStrategy<Option<String>>> = columns
                .into_iter()
                .map(|(_, values)| proptest::option::weighted(0.9, values).boxed())
                .collect();
            (Just(types), proptest::collection::vec(row, rows))
        },
    )
}

fn out_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/random-pages")
}

#[test]
fn random_pages_are_written_for_the_java_decoder() {
    let seed: [u8; 32] = {
        let mut s = [0u8; 32];
        getrandom::fill(&mut s).expect("a random seed");
        s
    };
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed),
    );
    let dir = out_dir();
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("output folder");
    let hex: String = seed.iter().map(|b| format!("{b:02x}")).collect();
    std::fs::write(dir.join("seed.txt"), &hex).expect("seed file");
    let strategy = page_strategy();
    for n in 0..PAGES {
        let (types, rows) = strategy.new_tree(&mut runner).expect("a page").current();
        let columns: Vec<Column> = types
            .iter()
            .enumerate()
            .map(|(i, t)| Column::new(&format!("c{i}"), t))
            .collect();
        let encoded = page::encode(&columns, &rows)
            .unwrap_or_else(|e| panic!("valid Athena text must encode (seed {hex}): {e}"));
        // Every line ends with a newline, as in the shared vectors.
        let mut text = types.join("\t") + "\n";
        for row in &rows {
            let cells: Vec<&str> = row.iter().map(|v| v.as_deref().unwrap_or("\\N")).collect();
            let _ = writeln!(text, "{}", cells.join("\t"));
        }
        std::fs::write(dir.join(format!("random_{n:03}.txt")), text).expect("vector text");
        std::fs::write(dir.join(format!("random_{n:03}.page")), encoded).expect("vector page");
    }
}
