package io.athenanative.spark;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.ArrayBasedMapData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The driver's JDBC values in Spark's internal forms, exactly: decimals from BigDecimal at the
 * column's scale, dates as days and timestamps as microseconds since 1970 by integer arithmetic, arrays,
 * maps and rows from the driver's java.sql.Array, Map and java.sql.Struct.
 */
final class SparkValues {
    private SparkValues() {
    }

    /** Column {@code index} (1-based) of the result set's current row as Spark's internal value of {@code type}. */
    static Object read(ResultSet rs, int index, DataType type) throws SQLException {
        Object value;
        if (type.equals(DataTypes.BooleanType)) {
            value = rs.getBoolean(index);
        } else if (type.equals(DataTypes.ByteType)) {
            value = rs.getByte(index);
        } else if (type.equals(DataTypes.ShortType)) {
            value = rs.getShort(index);
        } else if (type.equals(DataTypes.IntegerType)) {
            value = rs.getInt(index);
        } else if (type.equals(DataTypes.LongType)) {
            value = rs.getLong(index);
        } else if (type.equals(DataTypes.FloatType)) {
            value = rs.getFloat(index);
        } else if (type.equals(DataTypes.DoubleType)) {
            value = rs.getDouble(index);
        } else if (type instanceof DecimalType) {
            BigDecimal d = rs.getBigDecimal(index);
            return d == null ? null : decimal(d, (DecimalType) type);
        } else if (type.equals(DataTypes.StringType)) {
            String s = rs.getString(index);
            return s == null ? null : UTF8String.fromString(s);
        } else if (type.equals(DataTypes.BinaryType)) {
            return rs.getBytes(index);
        } else if (type.equals(DataTypes.DateType)) {
            LocalDate d = rs.getObject(index, LocalDate.class);
            return d == null ? null : days(d);
        } else if (type.equals(DataTypes.TimestampNTZType) || type.equals(DataTypes.TimestampType)) {
            // A TimestampType column is a timestamp with time zone selected as its UTC wall clock.
            LocalDateTime t = rs.getObject(index, LocalDateTime.class);
            return t == null ? null : micros(t);
        } else {
            return nested(rs.getObject(index), type);
        }
        return rs.wasNull() ? null : value;
    }

    /** A value inside an array, map or row, as the driver gives it (see ComplexValues), in Spark's form. */
    static Object nested(Object value, DataType type) throws SQLException {
        if (value == null) {
            return null;
        }
        if (type instanceof ArrayType) {
            Object[] items = (Object[]) as(value, java.sql.Array.class, type).getArray();
            DataType element = ((ArrayType) type).elementType();
            Object[] out = new Object[items.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = nested(items[i], element);
            }
            return new GenericArrayData(out);
        }
        if (type instanceof MapType) {
            Map<?, ?> map = as(value, Map.class, type);
            MapType mapType = (MapType) type;
            Object[] keys = new Object[map.size()];
            Object[] values = new Object[map.size()];
            int i = 0;
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                keys[i] = nested(entry.getKey(), mapType.keyType());
                values[i] = nested(entry.getValue(), mapType.valueType());
                i++;
            }
            return new ArrayBasedMapData(new GenericArrayData(keys), new GenericArrayData(values));
        }
        if (type instanceof StructType) {
            Object[] attributes = as(value, java.sql.Struct.class, type).getAttributes();
            StructType struct = (StructType) type;
            if (attributes.length != struct.fields().length) {
                throw new SQLException("A row value has " + attributes.length + " fields where the type "
                        + struct.simpleString() + " has " + struct.fields().length, "22018");
            }
            Object[] out = new Object[attributes.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = nested(attributes[i], struct.fields()[i].dataType());
            }
            return new GenericInternalRow(out);
        }
        if (type.equals(DataTypes.BooleanType)) {
            return as(value, Boolean.class, type);
        }
        if (type.equals(DataTypes.ByteType)) {
            return (byte) integral(value, type, Byte.MIN_VALUE, Byte.MAX_VALUE);
        }
        if (type.equals(DataTypes.ShortType)) {
            return (short) integral(value, type, Short.MIN_VALUE, Short.MAX_VALUE);
        }
        if (type.equals(DataTypes.IntegerType)) {
            return (int) integral(value, type, Integer.MIN_VALUE, Integer.MAX_VALUE);
        }
        if (type.equals(DataTypes.LongType)) {
            return integral(value, type, Long.MIN_VALUE, Long.MAX_VALUE);
        }
        if (type.equals(DataTypes.FloatType)) {
            return as(value, Number.class, type).floatValue();
        }
        if (type.equals(DataTypes.DoubleType)) {
            return as(value, Number.class, type).doubleValue();
        }
        if (type instanceof DecimalType) {
            Number n = as(value, Number.class, type);
            BigDecimal d = n instanceof BigDecimal ? (BigDecimal) n : new BigDecimal(n.toString());
            return decimal(d, (DecimalType) type);
        }
        if (type.equals(DataTypes.StringType)) {
            return UTF8String.fromString(value.toString());
        }
        if (type.equals(DataTypes.BinaryType)) {
            return as(value, byte[].class, type);
        }
        if (type.equals(DataTypes.DateType)) {
            if (value instanceof java.sql.Date) {
                // Date.valueOf made it from the text's fields: toLocalDate gives them back, whatever the JVM's zone.
                return days(((java.sql.Date) value).toLocalDate());
            }
            return days(as(value, LocalDate.class, type));
        }
        if (type.equals(DataTypes.TimestampNTZType) || type.equals(DataTypes.TimestampType)) {
            if (value instanceof java.sql.Timestamp) {
                return micros(((java.sql.Timestamp) value).toLocalDateTime());
            }
            if (value instanceof OffsetDateTime) {
                return micros(LocalDateTime.ofInstant(((OffsetDateTime) value).toInstant(), ZoneOffset.UTC));
            }
            return micros(as(value, LocalDateTime.class, type));
        }
        throw new SQLException("The athena source has no conversion to Spark's " + type.simpleString(), "0A000");
    }

    private static long integral(Object value, DataType type, long min, long max) throws SQLException {
        Number n = as(value, Number.class, type);
        if (n instanceof Double || n instanceof Float || n instanceof BigDecimal) {
            throw mismatch(value, type);
        }
        long v = n.longValue();
        if (v < min || v > max) {
            throw new SQLException("Value " + v + " is out of range for Spark's " + type.simpleString(), "22003");
        }
        return v;
    }

    private static <T> T as(Object value, Class<T> kind, DataType type) throws SQLException {
        if (!kind.isInstance(value)) {
            throw mismatch(value, type);
        }
        return kind.cast(value);
    }

    private static SQLException mismatch(Object value, DataType type) {
        return new SQLException("A value of class " + value.getClass().getName() + " cannot be read as Spark's "
                + type.simpleString() + " (does the schema match the table's types?)", "22018");
    }

    /** Exact: a value with more fraction digits than the type's scale, or too many digits, is an error. */
    static Decimal decimal(BigDecimal value, DecimalType type) throws SQLException {
        BigDecimal scaled;
        try {
            scaled = value.setScale(type.scale(), RoundingMode.UNNECESSARY);
        } catch (ArithmeticException e) {
            throw new SQLException("Value " + value.toPlainString() + " has more fraction digits than Spark's "
                    + type.simpleString(), "22003");
        }
        if (scaled.precision() > type.precision()) {
            throw new SQLException("Value " + value.toPlainString() + " does not fit Spark's " + type.simpleString(),
                    "22003");
        }
        return Decimal.apply(scaled, type.precision(), type.scale());
    }

    static int days(LocalDate date) {
        return Math.toIntExact(date.toEpochDay());
    }

    /** Microseconds since 1970-01-01 00:00 of the wall clock {@code t} (read as UTC). */
    static long micros(LocalDateTime t) {
        return Math.addExact(Math.multiplyExact(t.toEpochSecond(ZoneOffset.UTC), 1_000_000L), t.getNano() / 1000);
    }
}
