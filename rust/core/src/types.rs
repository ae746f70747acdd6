//! Athena type names and what JDBC makes of them.

/// `java.sql.Types` constants used by the driver.
pub mod jdbc {
    pub const BOOLEAN: i32 = 16;
    pub const TINYINT: i32 = -6;
    pub const SMALLINT: i32 = 5;
    pub const INTEGER: i32 = 4;
    pub const BIGINT: i32 = -5;
    pub const REAL: i32 = 7;
    pub const DOUBLE: i32 = 8;
    pub const DECIMAL: i32 = 3;
    pub const CHAR: i32 = 1;
    pub const VARCHAR: i32 = 12;
    pub const VARBINARY: i32 = -3;
    pub const DATE: i32 = 91;
    pub const TIME: i32 = 92;
    pub const TIMESTAMP: i32 = 93;
    pub const TIME_WITH_TIMEZONE: i32 = 2013;
    pub const TIMESTAMP_WITH_TIMEZONE: i32 = 2014;
    pub const ARRAY: i32 = 2003;
    pub const STRUCT: i32 = 2002;
    pub const OTHER: i32 = 1111;
}

/// The precision and display size reported for a `varchar` without a length
/// (Athena reports 2147483647), unless `StringColumnLength` says otherwise: the
/// default of the official ODBC and Simba-based JDBC drivers.
pub const DEFAULT_STRING_COLUMN_LENGTH: i32 = 255;

/// How a column's values travel in a page (see `page`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Bool = 1,
    Int64 = 2,
    Float64 = 3,
    Date = 4,
    Timestamp = 5,
    Text = 6,
    Binary = 7,
    /// An array, map or row whose exact type is known, as JSON (see `page`).
    Json = 8,
}

/// One result column as Athena describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub label: String,
    /// Athena's type name, lower case, without parameters: `decimal`, `varchar`, `array`.
    pub athena_type: String,
    pub precision: i32,
    pub scale: i32,
    /// 0 no nulls, 1 nullable, 2 unknown (`ResultSetMetaData` constants).
    pub nullable: i32,
}

impl Column {
    pub fn new(name: &str, athena_type: &str) -> Column {
        let base = base_type(athena_type);
        Column {
            name: name.to_string(),
            label: name.to_string(),
            athena_type: athena_type.trim().to_ascii_lowercase(),
            precision: declared_length(&base, athena_type)
                .unwrap_or_else(|| default_precision(&base)),
            scale: 0,
            nullable: 2,
        }
    }

    /// Whether this is a `varchar` with no length: Athena reports 2147483647
    /// (or nothing) as its precision.
    pub fn is_unbounded_varchar(&self) -> bool {
        matches!(self.base_type().as_str(), "varchar" | "string")
            && (self.precision <= 0 || self.precision == i32::MAX)
    }

    /// `StringColumnLength`: an unbounded `varchar` reports `length` as its
    /// precision (and so its display size); `varchar(n)` keeps n, other types
    /// keep theirs. A length below 1 changes nothing.
    pub fn apply_string_column_length(&mut self, length: i32) {
        if length > 0 && self.is_unbounded_varchar() {
            self.precision = length;
        }
    }

    /// A column of Arrow's type (UNLOAD's Parquet). Arrays, maps and rows
    /// keep their element types (`array(bigint)`), so their values travel
    /// exact, as JSON.
    pub fn of_arrow(field: &arrow::datatypes::Field) -> Column {
        let t = athena_arrow_text::athena_type(field);
        let name = if athena_arrow_text::is_nested(field.data_type()) {
            athena_arrow_text::full_type(field)
        } else {
            t.name
        };
        let mut column = Column::new(field.name(), &name);
        if t.precision > 0 {
            column.precision = t.precision;
        }
        column.scale = t.scale;
        column
    }

    pub fn base_type(&self) -> String {
        base_type(&self.athena_type)
    }

    pub fn jdbc_type(&self) -> i32 {
        jdbc_type(&self.base_type())
    }

    pub fn preferred_encoding(&self) -> Encoding {
        let base = self.base_type();
        // `array(integer)` names its element type: its values come exact, as
        // JSON (UNLOAD). A bare `array` (ColumnInfo) has only Athena's text.
        if matches!(base.as_str(), "array" | "map" | "row") && self.athena_type.contains('(') {
            return Encoding::Json;
        }
        match base.as_str() {
            "boolean" => Encoding::Bool,
            "tinyint" | "smallint" | "integer" | "int" | "bigint" => Encoding::Int64,
            "real" | "float" | "double" => Encoding::Float64,
            "date" => Encoding::Date,
            "timestamp" => Encoding::Timestamp,
            "varbinary" => Encoding::Binary,
            _ => Encoding::Text,
        }
    }
}

/// `decimal(10,2)` → `decimal`; `timestamp(3) with time zone` → `timestamp with time zone`.
pub fn base_type(athena_type: &str) -> String {
    let lower = athena_type.trim().to_ascii_lowercase();
    let mut out = String::with_capacity(lower.len());
    let mut depth = 0;
    for c in lower.chars() {
        match c {
            '(' | '<' => depth += 1,
            ')' | '>' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn jdbc_type(base: &str) -> i32 {
    match base {
        "boolean" => jdbc::BOOLEAN,
        "tinyint" => jdbc::TINYINT,
        "smallint" => jdbc::SMALLINT,
        "integer" | "int" => jdbc::INTEGER,
        "bigint" => jdbc::BIGINT,
        "real" | "float" => jdbc::REAL,
        "double" => jdbc::DOUBLE,
        "decimal" => jdbc::DECIMAL,
        "char" => jdbc::CHAR,
        "varchar" | "string" => jdbc::VARCHAR,
        "varbinary" => jdbc::VARBINARY,
        "date" => jdbc::DATE,
        "time" => jdbc::TIME,
        "time with time zone" => jdbc::TIME_WITH_TIMEZONE,
        "timestamp" => jdbc::TIMESTAMP,
        "timestamp with time zone" => jdbc::TIMESTAMP_WITH_TIMEZONE,
        "array" => jdbc::ARRAY,
        "row" | "struct" => jdbc::STRUCT,
        // JDBC has no map type; values are java.util.Map.
        _ => jdbc::OTHER,
    }
}

/// The n of `varchar(n)` or `char(n)`, when the type text gives one.
fn declared_length(base: &str, athena_type: &str) -> Option<i32> {
    if !matches!(base, "varchar" | "char") {
        return None;
    }
    let open = athena_type.find('(')?;
    let close = athena_type[open..].find(')')? + open;
    athena_type[open + 1..close]
        .trim()
        .parse()
        .ok()
        .filter(|n| *n > 0)
}

fn default_precision(base: &str) -> i32 {
    match base {
        "boolean" => 1,
        "tinyint" => 3,
        "smallint" => 5,
        "integer" | "int" => 10,
        "bigint" => 19,
        "real" | "float" => 7,
        "double" => 15,
        "date" => 10,
        "timestamp" => 23,
        // The text's length: `12:34:56.789`, then `+05:30`; a zone id is at most 32 characters.
        "time" => 12,
        "time with time zone" => 18,
        "timestamp with time zone" => 23 + 1 + 32,
        _ => i32::MAX,
    }
}

/// The type names `DatabaseMetaData.getTypeInfo` lists, with JDBC type and precision.
pub fn type_info() -> Vec<(&'static str, i32, i32)> {
    [
        "boolean",
        "tinyint",
        "smallint",
        "integer",
        "bigint",
        "real",
        "double",
        "decimal",
        "char",
        "varchar",
        "varbinary",
        "date",
        "time",
        "time with time zone",
        "timestamp",
        "timestamp with time zone",
        "array",
        "map",
        "row",
        "json",
    ]
    .iter()
    .map(|name| (*name, jdbc_type(name), default_precision(name)))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_stripped_from_type_names() {
        assert_eq!(base_type("decimal(10,2)"), "decimal");
        assert_eq!(base_type("array(row(a integer))"), "array");
        assert_eq!(
            base_type("timestamp(3) with time zone"),
            "timestamp with time zone"
        );
        assert_eq!(base_type("VARCHAR"), "varchar");
    }

    #[test]
    fn string_column_length_applies_to_unbounded_varchar_only() {
        let mut unbounded = Column::new("v", "varchar");
        assert_eq!(unbounded.precision, i32::MAX);
        unbounded.apply_string_column_length(DEFAULT_STRING_COLUMN_LENGTH);
        assert_eq!(unbounded.precision, 255);
        // As Athena's ColumnInfo gives it: a type name and a precision.
        let mut reported = Column::new("v", "varchar");
        reported.precision = 2_147_483_647;
        reported.apply_string_column_length(4000);
        assert_eq!(reported.precision, 4000);
        let mut bounded = Column::new("v", "varchar");
        bounded.precision = 10;
        bounded.apply_string_column_length(255);
        assert_eq!(bounded.precision, 10, "varchar(10) keeps 10");
        let mut named = Column::new("v", "varchar(12)");
        assert_eq!(named.precision, 12);
        named.apply_string_column_length(255);
        assert_eq!(named.precision, 12);
        let mut fixed = Column::new("c", "char(3)");
        fixed.apply_string_column_length(255);
        assert_eq!(fixed.precision, 3);
        for other in ["integer", "varbinary", "json", "array", "decimal"] {
            let mut column = Column::new("x", other);
            let before = column.precision;
            column.apply_string_column_length(255);
            assert_eq!(column.precision, before, "{other}");
        }
        let mut untouched = Column::new("v", "varchar");
        untouched.apply_string_column_length(0);
        assert_eq!(untouched.precision, i32::MAX);
    }

    #[test]
    fn jdbc_types_follow_athena_types() {
        assert_eq!(Column::new("x", "bigint").jdbc_type(), jdbc::BIGINT);
        assert_eq!(Column::new("x", "map").jdbc_type(), jdbc::OTHER);
        assert_eq!(Column::new("x", "array").jdbc_type(), jdbc::ARRAY);
        assert_eq!(
            Column::new("x", "array").preferred_encoding(),
            Encoding::Text
        );
        assert_eq!(
            Column::new("x", "array(integer)").preferred_encoding(),
            Encoding::Json
        );
        assert_eq!(
            Column::new("x", "float").preferred_encoding(),
            Encoding::Float64
        );
    }
}
