package io.athenanative.jdbc;

import java.sql.ResultSetMetaData;
import java.sql.Types;

/** One result column as the Rust core describes it. */
final class ColumnInfo {
    final String name;
    final String label;
    final String athenaType;
    final int jdbcType;
    final int precision;
    final int scale;
    final int nullable;
    /**
     * A {@code timestamp with time zone}, whatever JDBC type is reported for it
     * (TimestampWithTimeZoneAsTimestamp reports TIMESTAMP): its values name their zone.
     */
    final boolean zoned;

    ColumnInfo(String name, String label, String athenaType, int jdbcType, int precision, int scale, int nullable) {
        this.name = name;
        this.label = label;
        this.athenaType = athenaType;
        this.jdbcType = jdbcType;
        this.zoned = jdbcType == Types.TIMESTAMP_WITH_TIMEZONE
                || AthenaType.parse(athenaType).base.equals("timestamp with time zone");
        this.precision = precision;
        this.scale = scale;
        this.nullable = nullable == 0 ? ResultSetMetaData.columnNoNulls
                : nullable == 1 ? ResultSetMetaData.columnNullable : ResultSetMetaData.columnNullableUnknown;
    }

    static ColumnInfo[] fromNative(String[] flat, int fields) {
        ColumnInfo[] columns = new ColumnInfo[flat.length / fields];
        for (int i = 0; i < columns.length; i++) {
            int at = i * fields;
            columns[i] = new ColumnInfo(flat[at], flat[at + 1], flat[at + 2], Integer.parseInt(flat[at + 3]),
                    Integer.parseInt(flat[at + 4]), Integer.parseInt(flat[at + 5]), Integer.parseInt(flat[at + 6]));
        }
        return columns;
    }

    /**
     * The class {@code getObject} returns for this column. Maps and rows are Java values only when
     * their type names their element types (UNLOAD: the values come as JSON); from Athena's text
     * form a bare {@code map} or {@code row} is a String. Arrays are java.sql.Array either way.
     */
    String className() {
        AthenaType type = AthenaType.parse(athenaType);
        boolean exact = isExactNested(type);
        if (type.base.equals("map")) {
            return exact ? java.util.Map.class.getName() : String.class.getName();
        }
        if (jdbcType == Types.STRUCT) {
            return exact && type.base.equals("row") ? java.sql.Struct.class.getName() : String.class.getName();
        }
        return className(jdbcType);
    }

    /**
     * Whether the values of a column of this type travel as JSON (page encoding 8), as the core decides
     * (types.rs, preferred_encoding): an array, map or row whose type text names its element types.
     */
    static boolean isExactNested(AthenaType type) {
        return (type.base.equals("array") || type.base.equals("map") || type.base.equals("row"))
                && type.text.indexOf('(') >= 0;
    }

    /** The class {@code getObject} returns for a column of this JDBC type (text for the others). */
    static String className(int jdbcType) {
        switch (jdbcType) {
            case Types.BOOLEAN:
                return Boolean.class.getName();
            case Types.TINYINT:
            case Types.SMALLINT:
            case Types.INTEGER:
                return Integer.class.getName();
            case Types.BIGINT:
                return Long.class.getName();
            case Types.REAL:
                return Float.class.getName();
            case Types.DOUBLE:
                return Double.class.getName();
            case Types.DECIMAL:
                return java.math.BigDecimal.class.getName();
            case Types.VARBINARY:
                return byte[].class.getName();
            case Types.DATE:
                return java.sql.Date.class.getName();
            case Types.TIME:
                return java.sql.Time.class.getName();
            case Types.TIMESTAMP:
                return java.sql.Timestamp.class.getName();
            case Types.TIMESTAMP_WITH_TIMEZONE:
                // JDBC 4.2's class for this type.
                return java.time.OffsetDateTime.class.getName();
            case Types.TIME_WITH_TIMEZONE:
                return java.time.OffsetTime.class.getName();
            case Types.ARRAY:
                return java.sql.Array.class.getName();
            case Types.STRUCT:
                return java.sql.Struct.class.getName();
            default:
                return String.class.getName();
        }
    }

    static boolean isSigned(int jdbcType) {
        switch (jdbcType) {
            case Types.TINYINT:
            case Types.SMALLINT:
            case Types.INTEGER:
            case Types.BIGINT:
            case Types.REAL:
            case Types.DOUBLE:
            case Types.DECIMAL:
                return true;
            default:
                return false;
        }
    }

    int displaySize() {
        switch (jdbcType) {
            case Types.BOOLEAN:
                return 5;
            case Types.DATE:
                return 10;
            case Types.TIMESTAMP:
                return 29;
            case Types.DECIMAL:
                return precision + 2;
            case Types.REAL:
            case Types.DOUBLE:
                return 24;
            default:
                return precision > 0 ? precision : Integer.MAX_VALUE;
        }
    }
}
