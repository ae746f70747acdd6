package io.athenanative.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;

/**
 * One column of a scan: its name, its Spark type, and how the UNLOAD's SELECT reads it. Athena types
 * with an exact Spark type are selected as they are; the few UNLOAD cannot write are converted in
 * the SELECT: a {@code timestamp with time zone} to its UTC wall clock (read back as Spark's
 * TimestampType instant), and {@code time}, {@code time with time zone}, intervals, {@code json},
 * {@code uuid} and {@code ipaddress} to their text.
 */
final class AthenaColumn implements Serializable {
    private static final long serialVersionUID = 1L;

    final String name;
    final DataType sparkType;
    /** The SELECT's expression for the column, {@code "name"} or a conversion of it. */
    final String selectSql;
    /**
     * Whether Athena's value is Spark's value, so a comparison means the same in both and a filter on
     * the column can run in Athena: false for converted columns and floating point (NaN compares
     * equal and largest in Spark, unordered in Athena).
     */
    final boolean comparable;
    /** Athena's type as read (Trino's spelling), or null when the user gave the schema. */
    final String athenaType;

    private AthenaColumn(String name, DataType sparkType, String selectSql, boolean comparable, String athenaType) {
        this.name = name;
        this.sparkType = sparkType;
        this.selectSql = selectSql;
        this.comparable = comparable;
        this.athenaType = athenaType;
    }

    /** A column of Athena's type {@code type}; IllegalArgumentException naming it when Spark cannot hold it. */
    static AthenaColumn of(String name, TypeText type) {
        String quoted = SqlText.identifier(name);
        switch (type.base) {
            case "timestamp with time zone":
                // UNLOAD cannot write it; Athena's session zone is UTC, so this is the instant's UTC wall clock.
                return new AthenaColumn(name, DataTypes.TimestampType,
                        "CAST(" + quoted + " AT TIME ZONE 'UTC' AS timestamp) AS " + quoted, false, type.toString());
            case "json":
                return new AthenaColumn(name, DataTypes.StringType, "json_format(" + quoted + ") AS " + quoted, false,
                        type.toString());
            case "time":
            case "time with time zone":
            case "interval day to second":
            case "interval year to month":
            case "uuid":
            case "ipaddress":
                return new AthenaColumn(name, DataTypes.StringType, "CAST(" + quoted + " AS varchar) AS " + quoted,
                        false, type.toString());
            default:
                DataType spark = sparkType(name, type, type);
                boolean comparable = !type.isNested() && !type.base.equals("real") && !type.base.equals("double")
                        && !type.base.equals("char");
                return new AthenaColumn(name, spark, quoted, comparable, type.toString());
        }
    }

    /**
     * A column the user gave the type of ({@code .schema(...)}): selected as it is, its values read as
     * that type. Filters run in Athena as they would on a column of the matching Athena type; string
     * comparisons stay in Spark, since the column may be a {@code char(n)}, which Athena compares padded.
     */
    static AthenaColumn given(StructField field) {
        DataType type = field.dataType();
        boolean comparable = type.equals(DataTypes.BooleanType) || type.equals(DataTypes.ByteType)
                || type.equals(DataTypes.ShortType) || type.equals(DataTypes.IntegerType)
                || type.equals(DataTypes.LongType)
                || type.equals(DataTypes.DateType) || type.equals(DataTypes.TimestampNTZType)
                || type instanceof org.apache.spark.sql.types.DecimalType;
        return new AthenaColumn(field.name(), type, SqlText.identifier(field.name()), comparable, null);
    }

    StructField field() {
        return new StructField(name, sparkType, true, Metadata.empty());
    }

    /** Spark's type for Athena's {@code type} (inside {@code column}'s {@code whole} type). */
    private static DataType sparkType(String column, TypeText type, TypeText whole) {
        switch (type.base) {
            case "boolean":
                return DataTypes.BooleanType;
            case "tinyint":
                return DataTypes.ByteType;
            case "smallint":
                return DataTypes.ShortType;
            case "integer":
                return DataTypes.IntegerType;
            case "bigint":
                return DataTypes.LongType;
            case "real":
                return DataTypes.FloatType;
            case "double":
                return DataTypes.DoubleType;
            case "decimal": {
                // Hive's bare decimal is decimal(10,0); Trino always names both.
                int precision = type.params.isEmpty() ? 10 : type.params.get(0);
                int scale = type.params.size() < 2 ? 0 : type.params.get(1);
                if (precision < 1 || precision > 38 || scale < 0 || scale > precision) {
                    throw unreadable(column, whole, "a decimal's precision must be 1 to 38 and its scale 0 to the precision");
                }
                return DataTypes.createDecimalType(precision, scale);
            }
            case "varchar":
            case "char":
                return DataTypes.StringType;
            case "varbinary":
                return DataTypes.BinaryType;
            case "date":
                return DataTypes.DateType;
            case "timestamp":
                // Athena's timestamp has no zone: a wall clock, as Spark's TimestampNTZ.
                return DataTypes.TimestampNTZType;
            case "array":
                return DataTypes.createArrayType(sparkType(column, type.children.get(0), whole), true);
            case "map":
                return DataTypes.createMapType(sparkType(column, type.children.get(0), whole),
                        sparkType(column, type.children.get(1), whole), true);
            case "row": {
                List<StructField> fields = new ArrayList<StructField>();
                for (int i = 0; i < type.children.size(); i++) {
                    fields.add(new StructField(type.fieldNames.get(i), sparkType(column, type.children.get(i), whole),
                            true, Metadata.empty()));
                }
                return DataTypes.createStructType(fields);
            }
            case "timestamp with time zone":
            case "time":
            case "time with time zone":
            case "json":
                throw unreadable(column, whole, "UNLOAD cannot write " + type.base
                        + " inside an array, map or row; select the column converted in the query option");
            default:
                throw unreadable(column, whole, "Spark has no type for " + type.base
                        + "; select the column cast to another type in the query option, or leave it out");
        }
    }

    private static IllegalArgumentException unreadable(String column, TypeText type, String why) {
        return new IllegalArgumentException("Column " + SqlText.identifier(column) + " of Athena type " + type
                + " cannot be read by the athena source: " + why);
    }
}
