package io.athenanative.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Date;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Time;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Calendar;
import java.util.TimeZone;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code timestamp with time zone} read as a timestamp, against athena-local: the instant through the
 * java.sql getters, OffsetDateTime from getObject, the zone and wall clock through java.time classes,
 * Athena's text from getString. Expected values are computed here from what each query states.
 */
class TimeZoneTest {
    private static final Instant INSTANT = Instant.parse("2024-01-31T12:34:56.789Z");
    /**
     * The instant above in a zone. A plain timestamp is first made a UTC one, so the value is the same
     * whether AT TIME ZONE on a plain timestamp reads it in the session zone (UTC, as Athena) or not.
     */
    private static final String IN_UTC = "(TIMESTAMP '2024-01-31 12:34:56.789' AT TIME ZONE 'UTC')";
    private static final String[] ZONES = {"UTC", "America/New_York", "Europe/Paris", "Asia/Kolkata", "+05:30",
        "-03:00"};
    private static final DateTimeFormatter ATHENA_TEXT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    private static Connection connection;

    @BeforeAll
    static void connect() throws Exception {
        connection = DriverManager.getConnection(LocalAthena.shared().url());
    }

    @AfterAll
    static void close() throws SQLException {
        connection.close();
    }

    private static Calendar calendar(String zone) {
        return Calendar.getInstance(TimeZone.getTimeZone(zone));
    }

    @Test
    void everyGetterReadsTheInstantInZoneIdsAndOffsets() throws SQLException {
        StringBuilder select = new StringBuilder("SELECT ");
        for (int i = 0; i < ZONES.length; i++) {
            select.append(i == 0 ? "" : ", ").append(IN_UTC).append(" AT TIME ZONE '").append(ZONES[i]).append("' AS z")
                    .append(i);
        }
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(select.toString())) {
            assertTrue(rs.next());
            ResultSetMetaData md = rs.getMetaData();
            Calendar tokyo = calendar("Asia/Tokyo");
            for (int i = 0; i < ZONES.length; i++) {
                int column = i + 1;
                ZoneId zone = ZoneId.of(ZONES[i]);
                ZonedDateTime expected = INSTANT.atZone(zone);
                String where = ZONES[i];
                assertEquals(Types.TIMESTAMP_WITH_TIMEZONE, md.getColumnType(column), where);
                assertTrue(md.getColumnTypeName(column).matches("timestamp(\\(\\d+\\))? with time zone"),
                        md.getColumnTypeName(column));
                assertEquals(OffsetDateTime.class.getName(), md.getColumnClassName(column), where);

                assertEquals(expected.format(ATHENA_TEXT) + " " + ZONES[i], rs.getString(column), where);
                assertEquals(INSTANT.toEpochMilli(), rs.getTimestamp(column).getTime(), where);
                assertEquals(789_000_000, rs.getTimestamp(column).getNanos(), where);
                assertEquals(INSTANT.toEpochMilli(), rs.getTimestamp(column, tokyo).getTime(),
                        where + ": the value names its zone, the calendar does not move it");
                assertEquals(INSTANT.toEpochMilli(), rs.getTimestamp("z" + i).getTime(), where);
                assertEquals(INSTANT.toEpochMilli(), rs.getObject(column, Timestamp.class).getTime(), where);

                Object value = rs.getObject(column);
                assertEquals(OffsetDateTime.class, value.getClass(), where);
                assertEquals(expected.toOffsetDateTime(), value, where);
                assertEquals(expected.toOffsetDateTime(), rs.getObject(column, OffsetDateTime.class), where);
                assertEquals(expected, rs.getObject(column, ZonedDateTime.class), where);
                assertEquals(ZONES[i], rs.getObject(column, ZonedDateTime.class).getZone().getId(), where);
                assertEquals(INSTANT, rs.getObject(column, Instant.class), where);
                assertEquals(expected.toLocalDateTime(), rs.getObject(column, LocalDateTime.class),
                        where + ": the wall clock as written");
                assertEquals(expected.toLocalDate(), rs.getObject(column, LocalDate.class), where);
                assertEquals(expected.toLocalTime(), rs.getObject(column, LocalTime.class), where);
                assertEquals(rs.getString(column), rs.getObject(column, String.class), where);

                // java.sql dates and times: those of the instant, in the calendar's zone or the JVM's.
                assertEquals(LocalDate.of(2024, 1, 31).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli(),
                        rs.getDate(column, calendar("UTC")).getTime(), where);
                assertEquals(LocalDate.of(2024, 1, 31).atStartOfDay(ZoneId.of("Asia/Tokyo")).toInstant().toEpochMilli(),
                        rs.getDate(column, tokyo).getTime(), where);
                assertEquals(Instant.parse("1970-01-01T12:34:56.789Z").toEpochMilli(),
                        rs.getTime(column, calendar("UTC")).getTime(), where);
                ZonedDateTime inJvmZone = INSTANT.atZone(ZoneId.systemDefault());
                assertEquals(Date.valueOf(inJvmZone.toLocalDate()), rs.getDate(column), where);
                assertEquals(inJvmZone.toLocalTime().toSecondOfDay(), rs.getTime(column).toLocalTime().toSecondOfDay(),
                        where);
                assertEquals(Date.valueOf(inJvmZone.toLocalDate()), rs.getObject(column, Date.class), where);
                assertEquals(rs.getTime(column), rs.getObject(column, Time.class), where);
                assertFalse(rs.wasNull());
            }
        }
    }

    @Test
    void fromUnixtimeInAZoneIsThatInstant() throws SQLException {
        long seconds = INSTANT.getEpochSecond();
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT from_unixtime(" + seconds + ", 'Europe/Paris') AS paris")) {
            assertTrue(rs.next());
            assertEquals(Types.TIMESTAMP_WITH_TIMEZONE, rs.getMetaData().getColumnType(1));
            assertEquals("2024-01-31 13:34:56.000 Europe/Paris", rs.getString(1));
            assertEquals(seconds * 1000, rs.getTimestamp(1).getTime());
            assertEquals(OffsetDateTime.of(2024, 1, 31, 13, 34, 56, 0, ZoneOffset.ofHours(1)), rs.getObject(1));
            assertEquals(ZonedDateTime.of(2024, 1, 31, 13, 34, 56, 0, ZoneId.of("Europe/Paris")),
                    rs.getObject(1, ZonedDateTime.class));
        }
    }

    @Test
    void nullIsNullThroughEveryGetter() throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT CAST(NULL AS TIMESTAMP) AT TIME ZONE 'UTC' AS nothing")) {
            assertTrue(rs.next());
            assertEquals(Types.TIMESTAMP_WITH_TIMEZONE, rs.getMetaData().getColumnType(1));
            assertNull(rs.getTimestamp(1));
            assertTrue(rs.wasNull());
            assertNull(rs.getTimestamp(1, calendar("UTC")));
            assertNull(rs.getDate(1));
            assertNull(rs.getTime(1));
            assertNull(rs.getObject(1));
            assertNull(rs.getObject(1, OffsetDateTime.class));
            assertNull(rs.getObject(1, ZonedDateTime.class));
            assertNull(rs.getObject(1, Instant.class));
            assertNull(rs.getObject(1, LocalDateTime.class));
            assertNull(rs.getString(1));
        }
    }

    @Test
    void textThatIsNoTimestampWithTimeZoneIs22018NamingColumnAndValue() throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT 'half past noon Mars/Olympus' AS note,"
                     + " TIMESTAMP '2024-01-31 12:34:56.789' AS plain")) {
            assertTrue(rs.next());
            SQLException e = assertThrows(SQLException.class, () -> rs.getObject(1, OffsetDateTime.class));
            assertEquals("22018", e.getSQLState());
            assertTrue(e.getMessage().contains("note") && e.getMessage().contains("half past noon Mars/Olympus"),
                    e.getMessage());
            // A plain timestamp names no zone: it has no instant of its own to give.
            SQLException plain = assertThrows(SQLException.class, () -> rs.getObject(2, Instant.class));
            assertEquals("22018", plain.getSQLState());
            assertTrue(plain.getMessage().contains("plain"), plain.getMessage());
            assertEquals(Timestamp.valueOf("2024-01-31 12:34:56.789"), rs.getTimestamp(2), "plain timestamps unchanged");
        }
    }

    @Test
    void nestedValuesKeepAthenasText() throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT ARRAY[" + IN_UTC + "] AS a")) {
            assertTrue(rs.next());
            assertEquals("[2024-01-31 12:34:56.789 UTC]", rs.getString(1));
            Object[] items = (Object[]) rs.getArray(1).getArray();
            assertEquals("2024-01-31 12:34:56.789 UTC", items[0]);
        }
    }

    /** Athena's now() and current_timestamp are {@code timestamp with time zone} in the session zone, UTC. */
    @Test
    void nowAndCurrentTimestampAreTheInstantOfTheQuery() throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT now() AS n, current_timestamp AS c")) {
            assertTrue(rs.next());
            for (int column = 1; column <= 2; column++) {
                assertEquals(Types.TIMESTAMP_WITH_TIMEZONE, rs.getMetaData().getColumnType(column),
                        rs.getMetaData().getColumnTypeName(column));
                long drift = Math.abs(rs.getTimestamp(column).getTime() - System.currentTimeMillis());
                assertTrue(drift < 60_000, rs.getString(column) + " is " + drift + " ms from now");
                assertTrue(rs.getString(column).endsWith(" UTC"), rs.getString(column));
            }
        }
    }
    /** For clients without TIMESTAMP_WITH_TIMEZONE (Spark's JDBC source): TIMESTAMP, the same instant. */
    @Test
    void timestampWithTimeZoneAsTimestampReportsTimestampAndKeepsTheInstant() throws Exception {
        String sql = "SELECT " + IN_UTC + " AT TIME ZONE 'Europe/Paris' AS z";
        try (Connection c = DriverManager.getConnection(LocalAthena.shared().url("TimestampWithTimeZoneAsTimestamp=true"));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next());
            ResultSetMetaData md = rs.getMetaData();
            assertEquals(Types.TIMESTAMP, md.getColumnType(1));
            assertEquals("timestamp with time zone", md.getColumnTypeName(1));
            assertEquals(Timestamp.class.getName(), md.getColumnClassName(1));
            assertEquals(INSTANT.toEpochMilli(), rs.getTimestamp(1).getTime());
            assertEquals(INSTANT.toEpochMilli(), ((Timestamp) rs.getObject(1)).getTime());
            assertEquals("2024-01-31 13:34:56.789 Europe/Paris", rs.getString(1));
            assertEquals(ZoneId.of("Europe/Paris"), rs.getObject(1, ZonedDateTime.class).getZone());
        }
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertEquals(Types.TIMESTAMP_WITH_TIMEZONE, rs.getMetaData().getColumnType(1), "the default");
        }
    }

    @Test
    void timeWithTimeZoneIsAnOffsetTime() throws Exception {
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT TIME '12:34:56.789 +05:30' AS t, TIME '01:02:03.004' AS plain")) {
            assertTrue(rs.next());
            ResultSetMetaData md = rs.getMetaData();
            assertEquals(Types.TIME_WITH_TIMEZONE, md.getColumnType(1));
            assertEquals("time with time zone", md.getColumnTypeName(1));
            assertEquals(java.time.OffsetTime.class.getName(), md.getColumnClassName(1));
            java.time.OffsetTime expected = java.time.OffsetTime.of(12, 34, 56, 789_000_000, ZoneOffset.ofHoursMinutes(5, 30));
            assertEquals(expected, rs.getObject(1));
            assertEquals(expected, rs.getObject(1, java.time.OffsetTime.class));
            assertEquals("12:34:56.789+05:30", rs.getString(1));
            assertEquals(LocalTime.of(12, 34, 56, 789_000_000), rs.getObject(1, LocalTime.class), "as written");
            assertEquals(Types.TIME, md.getColumnType(2));
            assertEquals(LocalTime.of(1, 2, 3, 4_000_000), rs.getObject(2, LocalTime.class));
        }
    }
}
