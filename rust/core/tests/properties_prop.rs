//! Property tests of what users and the wire hand the driver: connection
//! URLs and properties, and rows for the page encoder.

use athena_core::config::ConnectionConfig;
use athena_core::page;
use athena_core::properties::{masked_url, REGISTRY};
use athena_core::types::Column;
use proptest::prelude::*;

/// A property name from the registry (any letter case), or any other key.
fn key() -> impl Strategy<Value = String> {
    let known: Vec<String> = REGISTRY.iter().map(|s| s.name.to_string()).collect();
    prop_oneof![
        prop::sample::select(known),
        prop::sample::select(
            REGISTRY
                .iter()
                .map(|s| s.name.to_lowercase())
                .collect::<Vec<_>>()
        ),
        "[A-Za-z_]{1,12}",
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[^;]{0,12}",
        "[0-9]{1,6}",
        Just("true".to_string()),
        Just("".to_string())
    ]
}

proptest! {
    #[test]
    fn any_url_is_a_config_or_an_error(url in ".{0,80}", extra in proptest::collection::vec((".{0,10}", ".{0,10}"), 0..3)) {
        let _ = ConnectionConfig::from_url(&url, &extra);
        let _ = ConnectionConfig::from_url(&format!("jdbc:athena://{url}"), &extra);
        let _ = masked_url(&url);
    }

    #[test]
    fn errors_name_what_is_wrong_and_secrets_stay_masked(
        pairs in proptest::collection::vec((key(), value()), 0..8),
        secret in "[a-zA-Z0-9]{12,20}",
    ) {
        let mut url = String::from("jdbc:athena://Region=us-east-1");
        for (k, v) in &pairs {
            url.push_str(&format!(";{k}={v}"));
        }
        url.push_str(&format!(";Password={secret}"));
        if let Err(e) = ConnectionConfig::from_url(&url, &[]) {
            let message = e.to_string();
            prop_assert!(!message.contains(&secret), "the password is in the error: {}", message);
            prop_assert!(!message.is_empty());
        }
        prop_assert!(!masked_url(&url).contains(&secret));
    }
}

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
    "date",
    "timestamp",
    "varbinary",
    "array(integer)",
    "json",
];

/// Text that is sometimes a valid value of the column's type and sometimes not.
fn text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(prop_oneof![
        "-?[0-9]{1,20}(\\.[0-9]{0,6})?",
        "(true|false)",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?)?",
        ".{0,12}",
    ])
}

proptest! {
    #[test]
    fn row_pages_and_flat_pages_are_the_same_bytes(
        types in proptest::collection::vec(0usize..TYPES.len(), 1..6),
        seed in proptest::collection::vec(proptest::collection::vec(text(), 6), 0..30),
    ) {
        let columns: Vec<Column> = types.iter().enumerate().map(|(i, t)| Column::new(&format!("c{i}"), TYPES[*t])).collect();
        let rows: Vec<Vec<Option<String>>> = seed.into_iter().map(|mut r| { r.truncate(columns.len()); r }).collect();
        let flat: Vec<Option<String>> = rows.iter().flatten().cloned().collect();
        let by_rows = page::encode(&columns, &rows);
        let by_flat = page::encode_flat(&columns, &flat);
        match (by_rows, by_flat) {
            (Ok(a), Ok(b)) => {
                prop_assert_eq!(&a, &b);
                prop_assert_eq!(&a[..4], page::MAGIC);
                prop_assert_eq!(u32::from_le_bytes([a[8], a[9], a[10], a[11]]) as usize, rows.len());
            }
            (a, b) => prop_assert!(a.is_err() && b.is_err(), "only one way failed"),
        }
    }
}
