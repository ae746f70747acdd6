package io.athenanative.jdbc;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Date;
import java.sql.SQLException;
import java.sql.Time;
import java.sql.Timestamp;
import java.sql.Types;
import java.text.SimpleDateFormat;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Calendar;
import java.util.Locale;
import java.util.TimeZone;
import java.util.UUID;

/**
 * Java values as the typed SQL literals Athena (Trino) reads: {@code 'it''s'}, {@code 42},
 * {@code DOUBLE '1.5'}, {@code DECIMAL '12.30'}, {@code TRUE}, {@code DATE '2024-01-31'},
 * {@code TIMESTAMP '2024-01-31 12:34:56.789'}, {@code X'CAFE'}, {@code NULL}. The same text is used
 * as an ExecutionParameter and when a parameter is bound into the SQL text.
 */
final class SqlLiterals {
    static final String NULL = "NULL";
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSSSSS", Locale.ROOT);
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSSSSS", Locale.ROOT);

    private SqlLiterals() {
    }

    static String string(String value) {
        return value == null ? NULL : "'" + value.replace("'", "''") + "'";
    }

    static String integer(long value) {
        return Long.toString(value);
    }

    static String bool(boolean value) {
        return value ? "TRUE" : "FALSE";
    }

    static String real(float value) {
        return "REAL '" + Float.toString(value) + "'";
    }

    static String dbl(double value) {
        return "DOUBLE '" + Double.toString(value) + "'";
    }

    static String decimal(BigDecimal value) {
        return value == null ? NULL : "DECIMAL '" + value.toPlainString() + "'";
    }

    static String date(LocalDate value) {
        return value == null ? NULL : "DATE '" + value + "'";
    }

    static String time(LocalTime value) {
        return value == null ? NULL : "TIME '" + trimFraction(value.format(TIME)) + "'";
    }

    static String timestamp(LocalDateTime value) {
        return value == null ? NULL : "TIMESTAMP '" + trimFraction(value.format(TIMESTAMP)) + "'";
    }

    static String timestampWithZone(OffsetDateTime value) {
        if (value == null) {
            return NULL;
        }
        String offset = value.getOffset().equals(ZoneOffset.UTC) ? "UTC" : value.getOffset().getId();
        return "TIMESTAMP '" + trimFraction(value.toLocalDateTime().format(TIMESTAMP)) + " " + offset + "'";
    }

    static String binary(byte[] value) {
        if (value == null) {
            return NULL;
        }
        char[] out = new char[value.length * 2];
        for (int i = 0; i < value.length; i++) {
            out[2 * i] = HEX[(value[i] >> 4) & 0xF];
            out[2 * i + 1] = HEX[value[i] & 0xF];
        }
        return "X'" + new String(out) + "'";
    }

    /** Milliseconds kept; trailing zeros beyond them dropped, so precision is never invented. */
    private static String trimFraction(String text) {
        int end = text.length();
        int dot = text.lastIndexOf('.');
        while (end > dot + 4 && text.charAt(end - 1) == '0') {
            end--;
        }
        return text.substring(0, end);
    }

    static String date(Date value, Calendar calendar) {
        if (value == null) {
            return NULL;
        }
        if (calendar == null) {
            return date(value.toLocalDate());
        }
        return "DATE '" + format("yyyy-MM-dd", calendar.getTimeZone(), value) + "'";
    }

    /** java.sql.Time's own toLocalTime drops the milliseconds it holds. */
    private static LocalTime localTime(Time value) {
        return value.toLocalTime().withNano((int) Math.floorMod(value.getTime(), 1000L) * 1_000_000);
    }

    static String time(Time value, Calendar calendar) {
        if (value == null) {
            return NULL;
        }
        if (calendar == null) {
            return time(localTime(value));
        }
        return "TIME '" + format("HH:mm:ss.SSS", calendar.getTimeZone(), value) + "'";
    }

    static String timestamp(Timestamp value, Calendar calendar) {
        if (value == null) {
            return NULL;
        }
        if (calendar == null) {
            return timestamp(value.toLocalDateTime());
        }
        LocalDateTime local = value.toInstant().atZone(calendar.getTimeZone().toZoneId()).toLocalDateTime();
        return timestamp(local);
    }

    private static String format(String pattern, TimeZone zone, java.util.Date value) {
        SimpleDateFormat format = new SimpleDateFormat(pattern, Locale.ROOT);
        format.setTimeZone(zone);
        return format.format(value);
    }

    /** {@code setObject(index, value)}: the literal follows the value's Java class. */
    static String of(Object value) throws SQLException {
        if (value == null) {
            return NULL;
        }
        if (value instanceof String || value instanceof Character || value instanceof UUID) {
            return string(value.toString());
        }
        if (value instanceof Boolean) {
            return bool((Boolean) value);
        }
        if (value instanceof Byte || value instanceof Short || value instanceof Integer || value instanceof Long) {
            return integer(((Number) value).longValue());
        }
        if (value instanceof BigInteger) {
            return value.toString();
        }
        if (value instanceof BigDecimal) {
            return decimal((BigDecimal) value);
        }
        if (value instanceof Float) {
            return real((Float) value);
        }
        if (value instanceof Double) {
            return dbl((Double) value);
        }
        if (value instanceof byte[]) {
            return binary((byte[]) value);
        }
        if (value instanceof Date) {
            return date(((Date) value).toLocalDate());
        }
        if (value instanceof Time) {
            return time(localTime((Time) value));
        }
        if (value instanceof Timestamp) {
            return timestamp(((Timestamp) value).toLocalDateTime());
        }
        if (value instanceof LocalDate) {
            return date((LocalDate) value);
        }
        if (value instanceof LocalTime) {
            return time((LocalTime) value);
        }
        if (value instanceof LocalDateTime) {
            return timestamp((LocalDateTime) value);
        }
        if (value instanceof OffsetDateTime) {
            return timestampWithZone((OffsetDateTime) value);
        }
        if (value instanceof java.time.ZonedDateTime) {
            return timestampWithZone(((java.time.ZonedDateTime) value).toOffsetDateTime());
        }
        if (value instanceof java.time.Instant) {
            return timestampWithZone(((java.time.Instant) value).atOffset(ZoneOffset.UTC));
        }
        if (value instanceof java.util.Date) {
            return timestamp(new Timestamp(((java.util.Date) value).getTime()).toLocalDateTime());
        }
        if (value instanceof Object[]) {
            return array((Object[]) value);
        }
        if (value instanceof java.sql.Array) {
            return array((Object[]) ((java.sql.Array) value).getArray());
        }
        throw Errors.unsupported("A parameter of class " + value.getClass().getName());
    }

    private static String array(Object[] elements) throws SQLException {
        StringBuilder out = new StringBuilder("ARRAY[");
        for (int i = 0; i < elements.length; i++) {
            out.append(i == 0 ? "" : ", ").append(of(elements[i]));
        }
        return out.append(']').toString();
    }

    /** {@code setObject(index, value, targetSqlType)}: the value converted to the JDBC type asked for. */
    static String of(Object value, int sqlType, int scaleOrLength) throws SQLException {
        if (value == null) {
            return NULL;
        }
        switch (sqlType) {
            case Types.CHAR:
            case Types.VARCHAR:
            case Types.LONGVARCHAR:
            case Types.NCHAR:
            case Types.NVARCHAR:
            case Types.LONGNVARCHAR:
            case Types.CLOB:
                return string(value instanceof byte[] ? new String((byte[]) value, java.nio.charset.StandardCharsets.UTF_8)
                        : value.toString());
            case Types.BOOLEAN:
            case Types.BIT:
                return bool(toBoolean(value));
            case Types.TINYINT:
            case Types.SMALLINT:
            case Types.INTEGER:
            case Types.BIGINT:
                return integer(toLong(value, sqlType));
            case Types.REAL:
                return real(value instanceof Number ? ((Number) value).floatValue() : toDecimal(value).floatValue());
            case Types.FLOAT:
            case Types.DOUBLE:
                return dbl(value instanceof Number ? ((Number) value).doubleValue() : toDecimal(value).doubleValue());
            case Types.DECIMAL:
            case Types.NUMERIC: {
                BigDecimal decimal = toDecimal(value);
                return decimal(scaleOrLength > 0 ? decimal.setScale(scaleOrLength, java.math.RoundingMode.HALF_UP) : decimal);
            }
            case Types.DATE:
                return date(toLocalDateTime(value, sqlType).toLocalDate());
            case Types.TIME:
                return value instanceof LocalTime ? time((LocalTime) value) : time(toLocalDateTime(value, sqlType).toLocalTime());
            case Types.TIMESTAMP:
                return timestamp(toLocalDateTime(value, sqlType));
            case Types.TIMESTAMP_WITH_TIMEZONE:
                if (value instanceof OffsetDateTime || value instanceof java.time.ZonedDateTime || value instanceof java.time.Instant) {
                    return of(value);
                }
                throw cannotConvert(value, sqlType);
            case Types.BINARY:
            case Types.VARBINARY:
            case Types.LONGVARBINARY:
            case Types.BLOB:
                if (value instanceof byte[]) {
                    return binary((byte[]) value);
                }
                throw cannotConvert(value, sqlType);
            case Types.NULL:
                return NULL;
            case Types.ARRAY:
            case Types.OTHER:
            case Types.JAVA_OBJECT:
                return of(value);
            default:
                throw Errors.unsupported("Target SQL type " + typeName(sqlType));
        }
    }

    private static boolean toBoolean(Object value) throws SQLException {
        if (value instanceof Boolean) {
            return (Boolean) value;
        }
        if (value instanceof Number) {
            return ((Number) value).doubleValue() != 0;
        }
        String text = value.toString().trim();
        if (text.equalsIgnoreCase("true") || text.equals("1")) {
            return true;
        }
        if (text.equalsIgnoreCase("false") || text.equals("0")) {
            return false;
        }
        throw cannotConvert(value, Types.BOOLEAN);
    }

    private static long toLong(Object value, int sqlType) throws SQLException {
        if (value instanceof Boolean) {
            return (Boolean) value ? 1 : 0;
        }
        try {
            return toDecimal(value).longValueExact();
        } catch (ArithmeticException e) {
            throw Errors.outOfRange("'" + value + "' is not a whole number that fits " + typeName(sqlType));
        }
    }

    private static BigDecimal toDecimal(Object value) throws SQLException {
        if (value instanceof BigDecimal) {
            return (BigDecimal) value;
        }
        if (value instanceof BigInteger) {
            return new BigDecimal((BigInteger) value);
        }
        if (value instanceof Byte || value instanceof Short || value instanceof Integer || value instanceof Long) {
            return BigDecimal.valueOf(((Number) value).longValue());
        }
        if (value instanceof Boolean) {
            return (Boolean) value ? BigDecimal.ONE : BigDecimal.ZERO;
        }
        try {
            return new BigDecimal(value.toString().trim());
        } catch (NumberFormatException e) {
            // Also NaN and the infinities, which no exact number holds.
            throw Errors.conversion("'" + value + "' is not a number that " + value.getClass().getSimpleName()
                    + " can send as this type");
        }
    }

    private static LocalDateTime toLocalDateTime(Object value, int sqlType) throws SQLException {
        if (value instanceof Timestamp) {
            return ((Timestamp) value).toLocalDateTime();
        }
        if (value instanceof Date) {
            return ((Date) value).toLocalDate().atStartOfDay();
        }
        if (value instanceof Time) {
            return localTime((Time) value).atDate(LocalDate.of(1970, 1, 1));
        }
        if (value instanceof java.util.Date) {
            return new Timestamp(((java.util.Date) value).getTime()).toLocalDateTime();
        }
        if (value instanceof LocalDate) {
            return ((LocalDate) value).atStartOfDay();
        }
        if (value instanceof LocalDateTime) {
            return (LocalDateTime) value;
        }
        if (value instanceof OffsetDateTime) {
            return ((OffsetDateTime) value).toLocalDateTime();
        }
        if (value instanceof String) {
            String text = ((String) value).trim();
            try {
                if (text.length() == 10) {
                    return LocalDate.parse(text).atStartOfDay();
                }
                return Timestamp.valueOf(text).toLocalDateTime();
            } catch (IllegalArgumentException | java.time.DateTimeException e) {
                throw Errors.conversion("'" + text + "' is not a " + typeName(sqlType) + " (expected yyyy-mm-dd[ hh:mm:ss[.f...]])");
            }
        }
        throw cannotConvert(value, sqlType);
    }

    static String typeName(int sqlType) {
        try {
            return java.sql.JDBCType.valueOf(sqlType).getName();
        } catch (IllegalArgumentException e) {
            return "type " + sqlType;
        }
    }

    private static SQLException cannotConvert(Object value, int sqlType) {
        return Errors.conversion("A " + value.getClass().getName() + " cannot be sent as " + typeName(sqlType));
    }
}
