package io.athenanative.jdbc;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/**
 * A value of Athena's {@code timestamp with time zone} read from its text form: the wall clock as
 * written and the zone it is written in, {@code 2024-01-31 12:34:56.789 UTC},
 * {@code 2024-01-31 13:34:56.789 Europe/Paris}, {@code 2024-01-31 18:04:56.789 +05:30}.
 *
 * <p>The text gives a zone id, not an offset, so in the hour that repeats when clocks go back the
 * text names two instants; the earlier one is taken ({@link ZonedDateTime#ofLocal}), as java.time
 * does for any such wall clock.
 */
final class TimestampWithTimeZone {
    /** The date and time as written, in {@link #zone}. */
    final LocalDateTime local;
    /** The zone as written: a region ({@code Europe/Paris}), {@code UTC}, or an offset ({@code +05:30}). */
    final ZoneId zone;

    private TimestampWithTimeZone(LocalDateTime local, ZoneId zone) {
        this.local = local;
        this.zone = zone;
    }

    /**
     * Reads {@code yyyy-MM-dd HH:mm[:ss[.fraction]] ZONE} (a {@code T} between date and time is
     * accepted too). The year has four digits or more, the fraction up to 12 digits (Trino's
     * picoseconds; digits past the ninth are dropped). DateTimeException says what is wrong.
     */
    static TimestampWithTimeZone parse(String text) {
        String t = text.trim();
        int space = t.lastIndexOf(' ');
        // Zone ids begin with a letter, offsets with a sign: a digit there is the time, with no zone after it.
        if (space < 0 || Character.isDigit(t.charAt(space + 1))) {
            throw new DateTimeException("no time zone after the date and time");
        }
        return new TimestampWithTimeZone(localDateTime(t.substring(0, space).trim()), zone(t.substring(space + 1)));
    }

    ZonedDateTime zoned() {
        return ZonedDateTime.ofLocal(local, zone, null);
    }

    OffsetDateTime offsetDateTime() {
        return zoned().toOffsetDateTime();
    }

    Instant instant() {
        return zoned().toInstant();
    }

    /**
     * Region ids, {@code UTC}/{@code GMT}/{@code Z} and offsets as java.time reads them; the
     * three-letter ids Trino still knows ({@code EST}, {@code MST}, {@code HST}) as the fixed offsets
     * they stand for (java.time's {@link ZoneId#SHORT_IDS}).
     */
    private static ZoneId zone(String id) {
        try {
            return ZoneId.of(id);
        } catch (DateTimeException e) {
            String alias = ZoneId.SHORT_IDS.get(id);
            if (alias != null) {
                return ZoneId.of(alias);
            }
            throw new DateTimeException("unknown time zone '" + id + "'");
        }
    }

    private static LocalDateTime localDateTime(String s) {
        Cursor at = new Cursor(s);
        boolean negative = at.skip('-');
        if (!negative) {
            at.skip('+');
        }
        long year = at.digits(4, 9, "year");
        at.expect('-', "'-' after the year");
        int month = (int) at.digits(2, 2, "month");
        at.expect('-', "'-' after the month");
        int day = (int) at.digits(2, 2, "day");
        if (!at.skip(' ') && !at.skip('T')) {
            throw new DateTimeException("no time after the date");
        }
        int hour = (int) at.digits(2, 2, "hour");
        at.expect(':', "':' after the hour");
        int minute = (int) at.digits(2, 2, "minute");
        int second = 0;
        int nanos = 0;
        if (at.skip(':')) {
            second = (int) at.digits(2, 2, "second");
            if (at.skip('.')) {
                int start = at.position;
                at.digits(1, 12, "fraction of a second");
                String fraction = s.substring(start, Math.min(at.position, start + 9));
                nanos = Integer.parseInt(fraction);
                for (int i = fraction.length(); i < 9; i++) {
                    nanos *= 10;
                }
            }
        }
        if (at.position != s.length()) {
            throw new DateTimeException("unexpected '" + s.substring(at.position) + "' after the time");
        }
        // LocalDateTime.of checks the ranges (month 1..12, day of that month, hour 0..23...).
        return LocalDateTime.of((int) (negative ? -year : year), month, day, hour, minute, second, nanos);
    }

    /** A position in the text being read. */
    private static final class Cursor {
        private final String s;
        int position;

        Cursor(String s) {
            this.s = s;
        }

        boolean skip(char c) {
            if (position < s.length() && s.charAt(position) == c) {
                position++;
                return true;
            }
            return false;
        }

        void expect(char c, String what) {
            if (!skip(c)) {
                throw new DateTimeException("expected " + what);
            }
        }

        /** min..max ASCII digits as a number. */
        long digits(int min, int max, String what) {
            long value = 0;
            int start = position;
            while (position < s.length() && position - start < max) {
                char c = s.charAt(position);
                if (c < '0' || c > '9') {
                    break;
                }
                value = value * 10 + (c - '0');
                position++;
            }
            if (position - start < min) {
                throw new DateTimeException("expected " + min + (min == max ? "" : " or more") + " digits for the " + what);
            }
            return value;
        }
    }
}
