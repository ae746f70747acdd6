package io.athenanative.jdbc;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.Types;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/** Conversions from a page slot to the Java types JDBC getters return. */
final class Values {
    private Values() {
    }

    static String string(Page p, int c, int r, ColumnInfo column) throws SQLException {
        switch (p.encoding(c)) {
            case Page.BOOL:
                return p.bool(c, r) ? "true" : "false";
            case Page.INT64:
                return Long.toString(p.int64(c, r));
            case Page.FLOAT64:
                return column.jdbcType == Types.REAL ? Float.toString((float) p.float64(c, r)) : Double.toString(p.float64(c, r));
            case Page.DATE:
                return LocalDate.ofEpochDay(p.date(c, r)).toString();
            case Page.TIMESTAMP:
                return formatTimestamp(localDateTime(p.timestampMicros(c, r)), p.param(c));
            case Page.BINARY:
                return hexPairs(p.bytes(c, r));
            case Page.JSON:
                return ComplexValues.textFromJson(p.text(c, r), column.athenaType);
            default:
                return p.text(c, r);
        }
    }

    static boolean bool(Page p, int c, int r, ColumnInfo column) throws SQLException {
        switch (p.encoding(c)) {
            case Page.BOOL:
                return p.bool(c, r);
            case Page.INT64:
                return p.int64(c, r) != 0;
            case Page.FLOAT64:
                return p.float64(c, r) != 0;
            case Page.TEXT:
                String text = p.text(c, r).trim();
                if (text.equalsIgnoreCase("true") || text.equals("1")) {
                    return true;
                }
                if (text.equalsIgnoreCase("false") || text.equals("0")) {
                    return false;
                }
                throw Errors.conversion("Cannot convert '" + abbreviate(text) + "' in column " + column.label + " to boolean");
            default:
                throw notConvertible(column, "boolean");
        }
    }

    static long integer(Page p, int c, int r, ColumnInfo column, long min, long max, String target) throws SQLException {
        long value;
        switch (p.encoding(c)) {
            case Page.BOOL:
                value = p.bool(c, r) ? 1 : 0;
                break;
            case Page.INT64:
                value = p.int64(c, r);
                break;
            case Page.FLOAT64:
                double d = p.float64(c, r);
                if (Double.isNaN(d) || d < min || d > max) {
                    throw Errors.outOfRange("Value " + d + " in column " + column.label + " is out of range for " + target);
                }
                value = (long) d;
                break;
            case Page.TEXT:
                BigDecimal exact = decimal(p, c, r, column);
                if (exact.compareTo(BigDecimal.valueOf(min)) < 0 || exact.compareTo(BigDecimal.valueOf(max)) > 0) {
                    throw Errors.outOfRange("Value " + abbreviate(exact.toPlainString()) + " in column " + column.label + " is out of range for " + target);
                }
                value = exact.longValue();
                break;
            default:
                throw notConvertible(column, target);
        }
        if (value < min || value > max) {
            throw Errors.outOfRange("Value " + value + " in column " + column.label + " is out of range for " + target);
        }
        return value;
    }

    static double floating(Page p, int c, int r, ColumnInfo column) throws SQLException {
        switch (p.encoding(c)) {
            case Page.BOOL:
                return p.bool(c, r) ? 1 : 0;
            case Page.INT64:
                return p.int64(c, r);
            case Page.FLOAT64:
                return p.float64(c, r);
            case Page.TEXT:
                String text = p.text(c, r).trim();
                try {
                    return Double.parseDouble(text);
                } catch (NumberFormatException e) {
                    throw Errors.conversion("Cannot convert '" + abbreviate(text) + "' in column " + column.label + " to a number");
                }
            default:
                throw notConvertible(column, "double");
        }
    }

    static BigDecimal decimal(Page p, int c, int r, ColumnInfo column) throws SQLException {
        switch (p.encoding(c)) {
            case Page.BOOL:
                return p.bool(c, r) ? BigDecimal.ONE : BigDecimal.ZERO;
            case Page.INT64:
                return BigDecimal.valueOf(p.int64(c, r));
            case Page.FLOAT64:
                double d = p.float64(c, r);
                if (Double.isNaN(d) || Double.isInfinite(d)) {
                    throw Errors.conversion("Value " + d + " in column " + column.label + " has no BigDecimal form");
                }
                return BigDecimal.valueOf(d);
            case Page.TEXT:
                String text = p.text(c, r).trim();
                try {
                    return new BigDecimal(text);
                } catch (NumberFormatException e) {
                    throw Errors.conversion("Cannot convert '" + abbreviate(text) + "' in column " + column.label + " to a number");
                }
            default:
                throw notConvertible(column, "BigDecimal");
        }
    }

    static byte[] bytes(Page p, int c, int r, ColumnInfo column) throws SQLException {
        switch (p.encoding(c)) {
            case Page.BINARY:
                return p.bytes(c, r);
            case Page.TEXT:
                if (column.jdbcType == Types.VARBINARY) {
                    // A page whose varbinary values are not all hex pairs carries Athena's text for
                    // each; the values that are hex still read as their bytes, each other one fails.
                    String text = p.text(c, r);
                    try {
                        return parseHexPairs(text);
                    } catch (IllegalArgumentException e) {
                        throw Errors.conversion("Value '" + abbreviate(text) + "' in varbinary column " + column.label
                                + " is not in Athena's varbinary form (hex pairs separated by spaces); getString gives its text");
                    }
                }
                return p.text(c, r).getBytes(StandardCharsets.UTF_8);
            default:
                throw notConvertible(column, "byte[]");
        }
    }

    /** Whether the column is a {@code timestamp with time zone}: its values carry their zone. */
    static boolean hasZone(ColumnInfo column) {
        return column.zoned;
    }

    /**
     * A {@code timestamp with time zone} from Athena's text ({@code 2024-01-31 13:34:56.789 Europe/Paris}),
     * or from a text column holding that form; 22018 naming the column and the value otherwise.
     */
    static TimestampWithTimeZone zoned(Page p, int c, int r, ColumnInfo column) throws SQLException {
        if (p.encoding(c) != Page.TEXT) {
            throw notConvertible(column, "timestamp with time zone");
        }
        String text = p.text(c, r);
        try {
            return TimestampWithTimeZone.parse(text);
        } catch (DateTimeException e) {
            throw Errors.conversion("Cannot convert '" + abbreviate(text, 80) + "' in column " + column.label
                    + " to a timestamp with time zone: " + e.getMessage());
        }
    }

    /**
     * The date and time a {@code timestamp with time zone} shows in {@code zone}: what the
     * java.sql getters (getDate, getTime) give, as they give a plain timestamp's in the JVM's zone.
     */
    static LocalDateTime zonedIn(Page p, int c, int r, ColumnInfo column, ZoneId zone) throws SQLException {
        return LocalDateTime.ofInstant(zoned(p, c, r, column).instant(), zone);
    }

    static LocalDate localDate(Page p, int c, int r, ColumnInfo column) throws SQLException {
        if (hasZone(column)) {
            // The date as written (java.time's local types keep the wall clock).
            return zoned(p, c, r, column).local.toLocalDate();
        }
        switch (p.encoding(c)) {
            case Page.DATE:
                return LocalDate.ofEpochDay(p.date(c, r));
            case Page.TIMESTAMP:
                return localDateTime(p.timestampMicros(c, r)).toLocalDate();
            case Page.TEXT:
                String text = p.text(c, r).trim();
                try {
                    return LocalDate.parse(text.length() > 10 ? text.substring(0, 10) : text);
                } catch (DateTimeParseException e) {
                    throw Errors.conversion("Cannot convert '" + abbreviate(text) + "' in column " + column.label + " to a date");
                }
            default:
                throw notConvertible(column, "date");
        }
    }

    static LocalDateTime localDateTime(Page p, int c, int r, ColumnInfo column) throws SQLException {
        if (hasZone(column)) {
            return zoned(p, c, r, column).local;
        }
        switch (p.encoding(c)) {
            case Page.TIMESTAMP:
                return localDateTime(p.timestampMicros(c, r));
            case Page.DATE:
                return LocalDate.ofEpochDay(p.date(c, r)).atStartOfDay();
            case Page.TEXT:
                String text = p.text(c, r).trim();
                try {
                    return LocalDateTime.parse(text.replace(' ', 'T'));
                } catch (DateTimeParseException e) {
                    throw Errors.conversion("Cannot convert '" + abbreviate(text) + "' in column " + column.label + " to a timestamp");
                }
            default:
                throw notConvertible(column, "timestamp");
        }
    }

    static LocalTime localTime(Page p, int c, int r, ColumnInfo column) throws SQLException {
        if (hasZone(column)) {
            return zoned(p, c, r, column).local.toLocalTime();
        }
        switch (p.encoding(c)) {
            case Page.TIMESTAMP:
                return localDateTime(p.timestampMicros(c, r)).toLocalTime();
            case Page.TEXT:
                if (column.jdbcType == Types.TIME_WITH_TIMEZONE) {
                    // The time as written; its offset is what getObject's OffsetTime adds.
                    return offsetTime(p, c, r, column).toLocalTime();
                }
                String text = p.text(c, r).trim();
                try {
                    return LocalTime.parse(text);
                } catch (DateTimeParseException e) {
                    throw Errors.conversion("Cannot convert '" + abbreviate(text) + "' in column " + column.label + " to a time");
                }
            default:
                throw notConvertible(column, "time");
        }
    }

    /** A {@code time with time zone} from Athena's text ({@code 12:34:56.789+05:30}). */
    static OffsetTime offsetTime(Page p, int c, int r, ColumnInfo column) throws SQLException {
        if (p.encoding(c) != Page.TEXT) {
            throw notConvertible(column, "time with time zone");
        }
        String text = p.text(c, r).trim();
        try {
            return OffsetTime.parse(text);
        } catch (DateTimeParseException e) {
            throw Errors.conversion("Cannot convert '" + abbreviate(text) + "' in column " + column.label
                    + " to a time with time zone");
        }
    }

    static LocalDateTime localDateTime(long micros) {
        long seconds = Math.floorDiv(micros, 1_000_000L);
        int nanos = (int) Math.floorMod(micros, 1_000_000L) * 1000;
        return LocalDateTime.ofEpochSecond(seconds, nanos, ZoneOffset.UTC);
    }

    /** Athena's text form: {@code 2024-01-31 12:34:56.789} with as many fraction digits as it sent. */
    static String formatTimestamp(LocalDateTime t, int fractionDigits) {
        StringBuilder s = new StringBuilder(32);
        s.append(t.toLocalDate().toString()).append(' ');
        pad(s, t.getHour(), 2).append(':');
        pad(s, t.getMinute(), 2).append(':');
        pad(s, t.getSecond(), 2);
        if (fractionDigits > 0) {
            String micros = Integer.toString(1_000_000 + t.getNano() / 1000).substring(1);
            s.append('.').append(micros, 0, Math.min(fractionDigits, 6));
        }
        return s.toString();
    }

    private static StringBuilder pad(StringBuilder s, int value, int width) {
        String text = Integer.toString(value);
        for (int i = text.length(); i < width; i++) {
            s.append('0');
        }
        return s.append(text);
    }

    /**
     * Athena's varbinary text ({@code 68 65 6c}) back to bytes: pairs of hex digits separated by
     * spaces, as the core's page encoder reads them; IllegalArgumentException for anything else.
     */
    static byte[] parseHexPairs(String text) {
        byte[] out = new byte[(text.length() + 1) / 3 + 1];
        int n = 0;
        int i = 0;
        while (i < text.length()) {
            if (text.charAt(i) == ' ') {
                i++;
                continue;
            }
            int high = i + 1 < text.length() ? Character.digit(text.charAt(i), 16) : -1;
            int low = high >= 0 ? Character.digit(text.charAt(i + 1), 16) : -1;
            if (low < 0 || (i + 2 < text.length() && text.charAt(i + 2) != ' ')) {
                throw new IllegalArgumentException("not hex pairs separated by spaces");
            }
            if (n == out.length) {
                out = java.util.Arrays.copyOf(out, out.length * 2);
            }
            out[n++] = (byte) (high << 4 | low);
            i += 2;
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /**
     * A time of day as java.sql.Time, with its milliseconds ({@code Time.valueOf(LocalTime)} drops
     * them): that time on 1970-01-01 in {@code zone}.
     */
    static java.sql.Time time(LocalTime time, java.time.ZoneId zone) {
        return new java.sql.Time(time.atDate(LocalDate.ofEpochDay(0)).atZone(zone).toInstant().toEpochMilli());
    }

    /** Athena's varbinary text form: lower-case hex pairs separated by spaces. */
    static String hexPairs(byte[] bytes) {
        char[] digits = "0123456789abcdef".toCharArray();
        StringBuilder s = new StringBuilder(bytes.length * 3);
        for (int i = 0; i < bytes.length; i++) {
            if (i > 0) {
                s.append(' ');
            }
            s.append(digits[(bytes[i] >> 4) & 0xf]).append(digits[bytes[i] & 0xf]);
        }
        return s.toString();
    }

    private static SQLException notConvertible(ColumnInfo column, String target) {
        return Errors.conversion("Column " + column.label + " of type " + column.athenaType + " cannot be read as " + target);
    }

    private static String abbreviate(String text) {
        return abbreviate(text, 40);
    }

    private static String abbreviate(String text, int max) {
        return text.length() > max ? text.substring(0, max) + "..." : text;
    }
}
