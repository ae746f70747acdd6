//! Server configuration: TOML file plus built-in defaults.

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Default result bucket reported as `OutputLocation`.
pub const DEFAULT_OUTPUT_LOCATION: &str = "s3://athena-local-results/";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("invalid config: {0}")]
    Invalid(String),
}

/// A key pair accepted for SigV4.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// When set, requests must carry this `X-Amz-Security-Token`.
    #[serde(default)]
    pub session_token: Option<String>,
    /// Simulates an expired session: requests get `ExpiredTokenException`.
    #[serde(default)]
    pub expired: bool,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WorkGroup {
    pub name: String,
    #[serde(default = "default_output_location")]
    pub output_location: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Database {
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TableFormat {
    Csv,
    Parquet,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Table {
    #[serde(default = "default_database")]
    pub database: String,
    pub name: String,
    pub format: TableFormat,
    /// File or folder; relative paths are resolved against the config file's folder.
    pub path: PathBuf,
    /// CSV only: whether the first line holds column names (default true).
    #[serde(default = "default_true")]
    pub has_header: bool,
    /// CSV only: field delimiter (default `,`).
    #[serde(default = "default_delimiter")]
    pub delimiter: char,
}

/// Everything the server needs; build with [`Config::default`] or [`Config::load`].
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default = "default_region")]
    pub region: String,
    #[serde(default = "default_catalog")]
    pub catalog: String,
    #[serde(default)]
    pub credentials: Vec<Credential>,
    #[serde(default)]
    pub workgroups: Vec<WorkGroup>,
    #[serde(default)]
    pub databases: Vec<Database>,
    #[serde(default)]
    pub tables: Vec<Table>,
    /// Every query stays RUNNING at least this long (for cancel/poll tests).
    #[serde(default)]
    pub query_delay_ms: u64,
    /// Allowed clock skew of `X-Amz-Date`, in seconds (AWS uses 15 minutes).
    #[serde(default = "default_skew")]
    pub max_clock_skew_secs: i64,
}

fn default_output_location() -> String {
    DEFAULT_OUTPUT_LOCATION.to_string()
}
fn default_database() -> String {
    "default".to_string()
}
fn default_region() -> String {
    "us-east-1".to_string()
}
fn default_catalog() -> String {
    "AwsDataCatalog".to_string()
}
fn default_true() -> bool {
    true
}
fn default_delimiter() -> char {
    ','
}
fn default_skew() -> i64 {
    15 * 60
}

impl Default for Config {
    fn default() -> Self {
        let mut c = Config {
            region: default_region(),
            catalog: default_catalog(),
            credentials: Vec::new(),
            workgroups: Vec::new(),
            databases: Vec::new(),
            tables: Vec::new(),
            query_delay_ms: 0,
            max_clock_skew_secs: default_skew(),
        };
        c.apply_defaults();
        c
    }
}

impl Config {
    /// Reads a TOML file; relative table paths become relative to its folder.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let base = path.parent().unwrap_or_else(|| Path::new("."));
        Self::from_toml_str(&text, base).map_err(|e| match e {
            ConfigError::Parse { source, .. } => ConfigError::Parse {
                path: path.to_path_buf(),
                source,
            },
            other => other,
        })
    }

    /// Parses TOML text; `base` resolves relative table paths.
    pub fn from_toml_str(text: &str, base: &Path) -> Result<Config, ConfigError> {
        let mut c: Config = toml::from_str(text).map_err(|source| ConfigError::Parse {
            path: PathBuf::new(),
            source,
        })?;
        for t in &mut c.tables {
            if t.path.is_relative() {
                t.path = base.join(&t.path);
            }
        }
        c.apply_defaults();
        c.validate()?;
        Ok(c)
    }

    /// Fills in the LocalStack-style defaults for anything left empty.
    fn apply_defaults(&mut self) {
        if self.credentials.is_empty() {
            self.credentials.push(Credential {
                access_key_id: "test".into(),
                secret_access_key: "test".into(),
                session_token: None,
                expired: false,
            });
        }
        if self.workgroups.is_empty() {
            self.workgroups.push(WorkGroup {
                name: "primary".into(),
                output_location: default_output_location(),
                description: String::new(),
            });
        }
        if !self.databases.iter().any(|d| d.name == "default") {
            self.databases.insert(
                0,
                Database {
                    name: "default".into(),
                    description: "Default Hive database".into(),
                },
            );
        }
        // Athena database and table names are lower case.
        for d in &mut self.databases {
            d.name = d.name.to_lowercase();
        }
        for t in &mut self.tables {
            t.database = t.database.to_lowercase();
            t.name = t.name.to_lowercase();
        }
        // Tables may name a database that was not declared: declare it.
        let missing: Vec<String> = self
            .tables
            .iter()
            .map(|t| t.database.clone())
            .filter(|db| !self.databases.iter().any(|d| &d.name == db))
            .collect();
        for name in missing {
            if !self.databases.iter().any(|d| d.name == name) {
                self.databases.push(Database {
                    name,
                    description: String::new(),
                });
            }
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        for t in &self.tables {
            if t.name.is_empty() {
                return Err(ConfigError::Invalid("table with an empty name".into()));
            }
            if !t.path.exists() {
                return Err(ConfigError::Invalid(format!(
                    "table {}.{}: path {} does not exist",
                    t.database,
                    t.name,
                    t.path.display()
                )));
            }
        }
        Ok(())
    }

    pub fn credential(&self, access_key_id: &str) -> Option<&Credential> {
        self.credentials
            .iter()
            .find(|c| c.access_key_id == access_key_id)
    }

    pub fn workgroup(&self, name: &str) -> Option<&WorkGroup> {
        self.workgroups.iter().find(|w| w.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let c = Config::default();
        assert_eq!(c.region, "us-east-1");
        assert_eq!(c.catalog, "AwsDataCatalog");
        assert_eq!(c.credentials[0].access_key_id, "test");
        assert_eq!(c.credentials[0].secret_access_key, "test");
        assert_eq!(c.workgroups[0].name, "primary");
        assert_eq!(c.databases[0].name, "default");
    }

    #[test]
    fn parses_and_resolves_paths() {
        let dir = std::env::temp_dir().join(format!("athena-local-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok();
        std::fs::write(dir.join("t.csv"), "a\n1\n").ok();
        let text = r#"
            region = "eu-west-1"
            query_delay_ms = 5
            [[credentials]]
            access_key_id = "AK"
            secret_access_key = "SK"
            [[workgroups]]
            name = "wg"
            [[tables]]
            database = "Sales"
            name = "T"
            format = "csv"
            path = "t.csv"
        "#;
        let c = Config::from_toml_str(text, &dir).unwrap();
        assert_eq!(c.region, "eu-west-1");
        assert_eq!(c.tables[0].path, dir.join("t.csv"));
        assert_eq!(c.tables[0].name, "t");
        assert!(c.databases.iter().any(|d| d.name == "sales"));
        assert!(c.databases.iter().any(|d| d.name == "default"));
        assert_eq!(c.workgroups[0].output_location, DEFAULT_OUTPUT_LOCATION);
        assert_eq!(c.query_delay_ms, 5);
    }

    #[test]
    fn rejects_unknown_keys_and_missing_files() {
        assert!(Config::from_toml_str("nope = 1", Path::new(".")).is_err());
        let t = "[[tables]]\nname='x'\nformat='csv'\npath='/no/such/file.csv'";
        assert!(matches!(
            Config::from_toml_str(t, Path::new(".")),
            Err(ConfigError::Invalid(_))
        ));
    }
}
