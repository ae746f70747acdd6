//! Deleting an UNLOAD's files.

use aws_sdk_s3::types::{Delete, ObjectIdentifier};

use super::manifest::{list_keys, split_uri};
use crate::error::{from_sdk, Error, Result};
use crate::log::Logger;

/// Deletes an UNLOAD's files once they are read, reading stopped, or they
/// could not be used. Dropped before it ran (the opening was given up by a
/// cancel or a timeout), it still deletes them, in the background.
pub(super) struct Cleanup {
    pub client: aws_sdk_s3::Client,
    prefix: String,
    logger: Logger,
    /// The manifest's files, deleted by name when the prefix cannot be
    /// listed (no `s3:ListBucket`).
    pub known: Vec<(String, String)>,
    done: bool,
}

impl Cleanup {
    pub fn new(client: aws_sdk_s3::Client, prefix: &str, logger: &Logger) -> Cleanup {
        Cleanup {
            client,
            prefix: prefix.to_string(),
            logger: logger.clone(),
            known: Vec::new(),
            done: false,
        }
    }

    /// The files are someone else's to delete now: dropping this deletes nothing.
    pub fn disarm(&mut self) {
        self.done = true;
    }

    pub async fn run(&mut self) {
        self.done = true;
        if let Err(e) = self.delete().await {
            // A leftover prefix is worth a warning in the log, not an error for the rows.
            self.logger.warn(|| {
                format!(
                    "could not delete the UNLOAD files under {}: {e}",
                    self.prefix
                )
            });
        }
    }

    pub async fn delete(&self) -> Result<()> {
        let (bucket, prefix) =
            split_uri(&self.prefix).ok_or_else(|| Error::internal("UNLOAD prefix is not s3://"))?;
        let keys = match list_keys(&self.client, &bucket, &prefix).await {
            Ok(keys) => keys.into_iter().map(|(k, _)| k).collect::<Vec<_>>(),
            Err(e) if !self.known.is_empty() => {
                self.logger.debug(|| {
                    format!(
                        "cannot list {} ({e}): deleting the files its manifest names",
                        self.prefix
                    )
                });
                self.known
                    .iter()
                    .filter(|(b, k)| *b == bucket && k.starts_with(&prefix))
                    .map(|(_, k)| k.clone())
                    .collect()
            }
            Err(e) => return Err(e),
        };
        // DeleteObjects takes at most 1000 keys a call.
        for chunk in keys.chunks(1000) {
            let objects = chunk
                .iter()
                .filter_map(|k| ObjectIdentifier::builder().key(k).build().ok())
                .collect();
            let delete = Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()
                .map_err(|e| Error::internal(format!("DeleteObjects request: {e}")))?;
            self.client
                .delete_objects()
                .bucket(&bucket)
                .delete(delete)
                .send()
                .await
                .map_err(|e| from_sdk("DeleteObjects", e))?;
        }
        Ok(())
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        // Marked done already: should the runtime drop it unrun (shutting
        // down), it must not spawn itself again.
        let mut rest = Cleanup {
            client: self.client.clone(),
            prefix: std::mem::take(&mut self.prefix),
            logger: self.logger.clone(),
            known: std::mem::take(&mut self.known),
            done: true,
        };
        runtime.spawn(async move { rest.run().await });
    }
}
