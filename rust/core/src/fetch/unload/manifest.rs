//! An UNLOAD's manifest: the files it lists, checked against the files
//! written under its prefix.

use bytes::Bytes;

use super::super::{get_object, Span};
use crate::error::{from_sdk, Error, ErrorKind, Result};
use crate::retry::retrying;

/// A file the manifest lists, with its size from the listing.
#[derive(Debug, Clone)]
pub(super) struct Listed {
    pub bucket: String,
    pub key: String,
    pub size: u64,
}

pub(super) fn split_uri(uri: &str) -> Option<(String, String)> {
    let rest = uri.trim().strip_prefix("s3://")?;
    let (bucket, key) = rest.split_once('/')?;
    (!bucket.is_empty()).then(|| (bucket.to_string(), key.to_string()))
}

/// The files the manifest lists, checked against the files under `prefix`:
/// a manifest cut short at a line end reads as a valid, shorter list, and
/// its missing files would be missing rows.
pub(super) async fn manifest_files(
    client: &aws_sdk_s3::Client,
    window: std::time::Duration,
    (bucket, key): (&str, &str),
    prefix: &str,
    seen: &mut Vec<(String, String)>,
) -> Result<Vec<Listed>> {
    let (prefix_bucket, prefix_key) =
        split_uri(prefix).ok_or_else(|| Error::internal("UNLOAD prefix is not s3://"))?;
    let mut rereads = 0;
    loop {
        let listing = retrying(window, || get_whole(client, bucket, key)).await?;
        let files = parse_manifest(&listing)?;
        seen.clone_from(&files);
        let written = retrying(window, || list_keys(client, &prefix_bucket, &prefix_key)).await?;
        let keys: Vec<String> = written.iter().map(|(k, _)| k.clone()).collect();
        match manifest_mismatch(&files, &prefix_bucket, &keys) {
            None => {
                let sizes: std::collections::HashMap<&str, u64> =
                    written.iter().map(|(k, s)| (k.as_str(), *s)).collect();
                return Ok(files
                    .iter()
                    .map(|(bucket, key)| Listed {
                        size: sizes.get(key.as_str()).copied().unwrap_or(0),
                        bucket: bucket.clone(),
                        key: key.clone(),
                    })
                    .collect());
            }
            Some(_) if rereads < crate::retry::REREADS => rereads += 1,
            Some(why) => {
                return Err(Error::new(
                    ErrorKind::Service,
                    format!("the UNLOAD manifest s3://{bucket}/{key} {why} under {prefix}"),
                ))
            }
        }
    }
}

fn parse_manifest(listing: &[u8]) -> Result<Vec<(String, String)>> {
    String::from_utf8_lossy(listing)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            split_uri(l).ok_or_else(|| {
                Error::new(
                    ErrorKind::Service,
                    format!("the UNLOAD manifest names {l}, not an s3:// location"),
                )
            })
        })
        .collect()
}

/// Why the manifest's files are not the files written, if they are not.
fn manifest_mismatch(
    files: &[(String, String)],
    bucket: &str,
    written: &[String],
) -> Option<String> {
    use std::collections::HashSet;
    let listed: HashSet<(&str, &str)> = files
        .iter()
        .map(|(b, k)| (b.as_str(), k.as_str()))
        .collect();
    let written: HashSet<(&str, &str)> = written.iter().map(|k| (bucket, k.as_str())).collect();
    let absent = listed.difference(&written).count();
    let unlisted = written.difference(&listed).count();
    (absent > 0 || unlisted > 0).then(|| {
        format!(
            "lists {} files, {absent} of them not written, and leaves out {unlisted} of the {} files written",
            listed.len(),
            written.len()
        )
    })
}

/// Every key under `prefix` in `bucket`, with its size.
pub(super) async fn list_keys(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
) -> Result<Vec<(String, u64)>> {
    let mut keys = Vec::new();
    let mut token = None;
    loop {
        let listed = client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .set_continuation_token(token)
            .send()
            .await
            .map_err(|e| from_sdk("ListObjectsV2", e))?;
        keys.extend(listed.contents().iter().filter_map(|o| {
            let size = o.size().and_then(|s| u64::try_from(s).ok()).unwrap_or(0);
            o.key().map(|k| (k.to_string(), size))
        }));
        token = listed.next_continuation_token().map(str::to_string);
        if token.is_none() {
            return Ok(keys);
        }
    }
}

/// A whole object (the manifest).
async fn get_whole(client: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Result<Bytes> {
    Ok(get_object(client, bucket, key, Span::Whole).await?.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_manifest_must_list_exactly_the_files_written() {
        let files =
            super::parse_manifest(b"s3://b/p/q_00000\ns3://b/p/q_00001\n").unwrap_or_default();
        let written = vec!["p/q_00000".to_string(), "p/q_00001".to_string()];
        assert_eq!(super::manifest_mismatch(&files, "b", &written), None);
        let short = &files[..1];
        let why = super::manifest_mismatch(short, "b", &written).unwrap_or_default();
        assert!(why.contains("leaves out 1 of the 2 files written"), "{why}");
        let elsewhere = vec![("c".to_string(), "p/q_00000".to_string())];
        let why = super::manifest_mismatch(&elsewhere, "b", &written[..1]).unwrap_or_default();
        assert!(why.contains("1 of them not written"), "{why}");
        assert!(super::parse_manifest(b"not a location\n").is_err());
    }
}
