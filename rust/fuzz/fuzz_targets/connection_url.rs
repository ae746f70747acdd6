//! Any URL and extra properties: parsing and masking never panic, and a
//! masked URL never shows the value of a secret.
#![no_main]

use athena_core::config::ConnectionConfig;
use athena_core::properties::masked_url;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, Vec<(String, String)>)| {
    let (url, extra) = input;
    let _ = ConnectionConfig::from_url(url, &extra);
    let url = format!("jdbc:athena://{url}");
    let masked = masked_url(&url);
    if let Some(secret) = url
        .split(';')
        .find_map(|p| p.strip_prefix("Password="))
        .filter(|s| s.len() > 8 && !s.contains(';') && !s.contains('*'))
    {
        // The same text may stand elsewhere in the URL (a host, another
        // property); only the password's own occurrence must go.
        let elsewhere = url
            .replacen(&format!("Password={secret}"), "Password=", 1)
            .matches(secret)
            .count();
        assert!(
            masked.matches(secret).count() <= elsewhere,
            "a password survived masking"
        );
    }
    let _ = ConnectionConfig::from_url(&url, &[]);
});
