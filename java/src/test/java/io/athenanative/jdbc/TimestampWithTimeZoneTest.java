package io.athenanative.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Athena's text of {@code timestamp with time zone} values read into wall clock, zone and instant. */
class TimestampWithTimeZoneTest {
    private static Instant instant(String text) {
        return TimestampWithTimeZone.parse(text).instant();
    }

    @Test
    void utcZoneIdsAndOffsetsGiveTheInstantTheTextNames() {
        Instant expected = Instant.parse("2024-01-31T12:34:56.789Z");
        assertEquals(expected, instant("2024-01-31 12:34:56.789 UTC"));
        assertEquals(expected, instant("2024-01-31 13:34:56.789 Europe/Paris"));
        assertEquals(expected, instant("2024-01-31 07:34:56.789 America/New_York"));
        assertEquals(expected, instant("2024-01-31 18:04:56.789 +05:30"));
        assertEquals(expected, instant("2024-01-31 09:34:56.789 -03:00"));
        assertEquals(expected, instant("2024-01-31 12:34:56.789 Z"));
        assertEquals(expected, instant("2024-01-31 12:34:56.789 GMT"));
        // Summer time: Paris is two hours ahead.
        assertEquals(Instant.parse("2024-07-01T10:00:00Z"), instant("2024-07-01 12:00:00.000 Europe/Paris"));
        // The fixed-offset ids java.time knows only as aliases.
        assertEquals(Instant.parse("2024-01-31T17:34:56.789Z"), instant("2024-01-31 12:34:56.789 EST"));
    }

    @Test
    void theZoneAndTheWallClockAreKeptAsWritten() {
        TimestampWithTimeZone paris = TimestampWithTimeZone.parse("2024-01-31 13:34:56.789 Europe/Paris");
        assertEquals(LocalDateTime.of(2024, 1, 31, 13, 34, 56, 789_000_000), paris.local);
        assertEquals(ZoneId.of("Europe/Paris"), paris.zone);
        assertEquals(ZoneId.of("Europe/Paris"), paris.zoned().getZone());
        assertEquals(OffsetDateTime.of(2024, 1, 31, 13, 34, 56, 789_000_000, ZoneOffset.ofHours(1)),
                paris.offsetDateTime());
        assertEquals("UTC", TimestampWithTimeZone.parse("2024-01-31 12:34:56.789 UTC").zoned().getZone().getId());
        assertEquals(ZoneOffset.ofHoursMinutes(5, 30), TimestampWithTimeZone.parse("2024-01-31 18:04:56.789 +05:30").zone);
    }

    @Test
    void fractionDigitsFromNoneToPicoseconds() {
        assertEquals(Instant.parse("2024-01-31T12:34:56Z"), instant("2024-01-31 12:34:56 UTC"));
        assertEquals(Instant.parse("2024-01-31T12:34:00Z"), instant("2024-01-31 12:34 UTC"));
        assertEquals(Instant.parse("2024-01-31T12:34:56.500Z"), instant("2024-01-31 12:34:56.5 UTC"));
        assertEquals(Instant.parse("2024-01-31T12:34:56.123456Z"), instant("2024-01-31 12:34:56.123456 UTC"));
        assertEquals(Instant.parse("2024-01-31T12:34:56.123456789Z"), instant("2024-01-31 12:34:56.123456789 UTC"));
        // Trino's timestamp(12): digits past nanoseconds are dropped.
        assertEquals(Instant.parse("2024-01-31T12:34:56.123456789Z"), instant("2024-01-31 12:34:56.123456789999 UTC"));
        assertEquals(Instant.parse("2024-01-31T12:34:56.789Z"), instant("  2024-01-31T12:34:56.789 UTC  "));
    }

    @Test
    void athenasWholeRangeFromYearOneTo9999() {
        assertEquals(LocalDateTime.of(1, 1, 1, 0, 0).toInstant(ZoneOffset.UTC), instant("0001-01-01 00:00:00.000 UTC"));
        // Year 1 in Paris: local mean time, +00:09:21 before 1911.
        assertEquals(LocalDateTime.of(1, 1, 1, 0, 0).atZone(ZoneId.of("Europe/Paris")).toInstant(),
                instant("0001-01-01 00:00:00.000 Europe/Paris"));
        assertEquals(Instant.parse("9999-12-31T23:59:59.999Z"), instant("9999-12-31 23:59:59.999 UTC"));
        assertEquals(Instant.parse("9999-12-31T18:29:59.999Z"), instant("9999-12-31 23:59:59.999 +05:30"));
        assertEquals(-62135596800000L, instant("0001-01-01 00:00:00 UTC").toEpochMilli());
        assertEquals(253402300799999L, instant("9999-12-31 23:59:59.999 UTC").toEpochMilli());
    }

    @Test
    void theRepeatedHourWhenClocksGoBackIsItsEarlierInstant() {
        // 02:30 in Paris on 2024-10-27 happens at 00:30 and at 01:30 UTC; the text cannot say which.
        assertEquals(Instant.parse("2024-10-27T00:30:00Z"), instant("2024-10-27 02:30:00.000 Europe/Paris"));
    }

    @Test
    void exactNestedValuesAreOffsetDateTimesAsAtTopLevel() throws Exception {
        // UNLOAD's JSON form of array(timestamp(3) with time zone): elements as getObject gives them.
        java.sql.Array array = (java.sql.Array) ComplexValues.fromJson(
                "[\"2024-01-31 13:34:56.789 Europe/Paris\",null]", "array(timestamp(3) with time zone)");
        assertEquals(java.sql.Types.TIMESTAMP_WITH_TIMEZONE, array.getBaseType());
        Object[] items = (Object[]) array.getArray();
        assertEquals(OffsetDateTime.parse("2024-01-31T13:34:56.789+01:00"), items[0]);
        assertEquals(null, items[1]);
        java.sql.SQLException bad = assertThrows(java.sql.SQLException.class,
                () -> ComplexValues.fromJson("[\"noon\"]", "array(timestamp with time zone)"));
        assertEquals("22018", bad.getSQLState());
    }

    @Test
    void malformedTextIsRefusedWithTheReason() {
        String[][] cases = {
            {"2024-01-31 12:34:56.789", "no time zone"},
            {"2024-01-31T12:34:56.789", "no time zone"},
            {"2024-01-31 12:34:56.789 Mars/Olympus", "unknown time zone 'Mars/Olympus'"},
            {"2024-13-31 12:34:56.789 UTC", "MonthOfYear"},
            {"2024-02-30 12:34:56.789 UTC", "FEBRUARY 30"},
            {"2024-01-31 24:00:00.000 UTC", "HourOfDay"},
            {"24-01-31 12:34:56.789 UTC", "digits for the year"},
            {"2024-01-31 12:34:56. UTC", "fraction"},
            {"2024-01-31 12:34:56.789x UTC", "after the time"},
            {"2024-01-31 UTC", "no time after the date"},
            {"hello UTC", "digits for the year"},
            {"", "no time zone"},
        };
        for (String[] c : cases) {
            DateTimeException e = assertThrows(DateTimeException.class, () -> TimestampWithTimeZone.parse(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[0] + ": " + e.getMessage());
        }
    }
}
