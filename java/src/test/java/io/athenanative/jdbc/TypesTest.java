package io.athenanative.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Date;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every Athena type read through every getter that applies, against athena-local. */
class TypesTest {
    private static Connection connection;

    @BeforeAll
    static void connect() throws Exception {
        connection = DriverManager.getConnection(LocalAthena.shared().url());
    }

    @AfterAll
    static void close() throws SQLException {
        connection.close();
    }

    private static ResultSet one(Statement s, String select) throws SQLException {
        ResultSet rs = s.executeQuery(select);
        assertTrue(rs.next(), "one row expected");
        return rs;
    }

    @Test
    void integersReadThroughEveryNumericGetter() throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet rs = one(s, "SELECT CAST(-5 AS TINYINT) t, CAST(300 AS SMALLINT) sm, CAST(70000 AS INTEGER) i, CAST(9000000000 AS BIGINT) b")) {
            ResultSetMetaData md = rs.getMetaData();
            assertEquals("tinyint", md.getColumnTypeName(1));
            assertEquals(Types.TINYINT, md.getColumnType(1));
            assertEquals("smallint", md.getColumnTypeName(2));
            assertEquals("integer", md.getColumnTypeName(3));
            assertEquals(Types.INTEGER, md.getColumnType(3));
            assertEquals("bigint", md.getColumnTypeName(4));
            assertEquals(Types.BIGINT, md.getColumnType(4));
            assertEquals(-5, rs.getByte(1));
            assertEquals(-5, rs.getShort(1));
            assertEquals(-5, rs.getInt("t"));
            assertEquals(-5L, rs.getLong(1));
            assertEquals(300, rs.getShort(2));
            assertThrows(SQLException.class, () -> rs.getByte(2), "300 does not fit a byte");
            assertEquals(70000, rs.getInt(3));
            assertEquals(70000.0, rs.getDouble(3));
            assertEquals(new BigDecimal(70000), rs.getBigDecimal(3));
            assertEquals("70000", rs.getString(3));
            assertEquals(9000000000L, rs.getLong(4));
            assertEquals(9.0E9f, rs.getFloat(4));
            assertThrows(SQLException.class, () -> rs.getInt(4), "9e9 does not fit an int");
            assertEquals(Integer.valueOf(-5), rs.getObject(1));
            assertEquals(Long.valueOf(9000000000L), rs.getObject(4));
            assertEquals(Long.class.getName(), md.getColumnClassName(4));
            assertFalse(rs.wasNull());
            assertThrows(SQLException.class, () -> rs.getDate(3));
        }
    }

    @Test
    void floatingPointAndDecimal() throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet rs = one(s, "SELECT CAST(1.5 AS REAL) r, CAST(2.25 AS DOUBLE) d, CAST(12.3 AS DECIMAL(10,2)) dec")) {
            ResultSetMetaData md = rs.getMetaData();
            assertEquals(Types.REAL, md.getColumnType(1));
            assertEquals(Types.DOUBLE, md.getColumnType(2));
            assertEquals(Types.DECIMAL, md.getColumnType(3));
            assertEquals("decimal", md.getColumnTypeName(3));
            assertEquals(10, md.getPrecision(3));
            assertEquals(2, md.getScale(3));
            assertEquals(1.5f, rs.getFloat(1));
            assertEquals(Float.valueOf(1.5f), rs.getObject(1));
            assertEquals(2.25, rs.getDouble(2));
            assertEquals(Double.valueOf(2.25), rs.getObject(2));
            assertEquals("2.25", rs.getString(2));
            assertEquals(2, rs.getInt(2), "truncates as JDBC allows");
            assertEquals(new BigDecimal("12.30"), rs.getBigDecimal(3));
            assertEquals("12.30", rs.getString(3));
            assertEquals(12.3, rs.getDouble(3));
            assertEquals(12L, rs.getLong(3));
            assertEquals(new BigDecimal("12.30"), rs.getObject(3));
        }
    }

    @Test
    void booleanStringsAndBinary() throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet rs = one(s, "SELECT true b, 'héllo' v, '' e, from_hex('68656c6c6f') bin")) {
            ResultSetMetaData md = rs.getMetaData();
            assertEquals(Types.BOOLEAN, md.getColumnType(1));
            assertEquals(Types.VARCHAR, md.getColumnType(2));
            assertEquals(Types.VARBINARY, md.getColumnType(4));
            assertTrue(rs.getBoolean(1));
            assertEquals(Boolean.TRUE, rs.getObject(1));
            assertEquals("true", rs.getString(1));
            assertEquals(1, rs.getInt(1));
            assertEquals("héllo", rs.getString(2));
            assertEquals("héllo", rs.getNString(2));
            assertArrayEquals("héllo".getBytes(StandardCharsets.UTF_8), rs.getBytes(2));
            assertEquals("", rs.getString(3));
            assertFalse(rs.wasNull(), "an empty string is not NULL");
            assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), rs.getBytes(4));
            assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), (byte[]) rs.getObject(4));
            assertEquals("68 65 6c 6c 6f", rs.getString(4));
            assertThrows(SQLException.class, () -> rs.getInt(2));
        }
    }

    @Test
    void datesAndTimestamps() throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet rs = one(s, "SELECT DATE '2024-01-31' d, TIMESTAMP '2024-01-31 12:34:56.789' ts")) {
            ResultSetMetaData md = rs.getMetaData();
            assertEquals(Types.DATE, md.getColumnType(1));
            assertEquals(Types.TIMESTAMP, md.getColumnType(2));
            assertEquals(Date.valueOf("2024-01-31"), rs.getDate(1));
            assertEquals("2024-01-31", rs.getString(1));
            assertEquals(LocalDate.of(2024, 1, 31), rs.getObject(1, LocalDate.class));
            assertEquals(Timestamp.valueOf("2024-01-31 00:00:00"), rs.getTimestamp(1));
            assertEquals(Timestamp.valueOf("2024-01-31 12:34:56.789"), rs.getTimestamp(2));
            assertEquals("2024-01-31 12:34:56.789", rs.getString(2));
            assertEquals(LocalDateTime.of(2024, 1, 31, 12, 34, 56, 789_000_000), rs.getObject(2, LocalDateTime.class));
            assertEquals(Date.valueOf("2024-01-31"), rs.getDate(2));
            // With its milliseconds, as getTime(i, cal) gives it (JdbcAnswersTest.timeKeepsItsMilliseconds).
            assertEquals(new java.sql.Time(java.sql.Time.valueOf("12:34:56").getTime() + 789), rs.getTime(2));
            assertEquals(Timestamp.valueOf("2024-01-31 12:34:56.789"), rs.getObject(2));
        }
    }

    @Test
    void nestedTypesAndJsonArriveInAthenaTextForm() throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet rs = one(s, "SELECT make_array(1, 2) a, map(['a', 'b'], [1, 2]) m, named_struct('x', 1, 'y', 'a') r, json_parse('{\"a\":1}') j")) {
            ResultSetMetaData md = rs.getMetaData();
            assertEquals("array", md.getColumnTypeName(1));
            assertEquals("map", md.getColumnTypeName(2));
            assertEquals("row", md.getColumnTypeName(3));
            assertEquals("json", md.getColumnTypeName(4));
            assertEquals(Types.ARRAY, md.getColumnType(1));
            assertEquals(Types.OTHER, md.getColumnType(2));
            assertEquals(Types.STRUCT, md.getColumnType(3));
            assertEquals("[1, 2]", rs.getString(1));
            assertEquals("{a=1, b=2}", rs.getString(2));
            assertEquals("{x=1, y=a}", rs.getString(3));
            assertEquals("{\"a\":1}", rs.getString(4));
            // From the text form: an array of strings (element types are not in ColumnInfo).
            java.sql.Array a = (java.sql.Array) rs.getObject(1);
            assertEquals(java.util.Arrays.asList("1", "2"), java.util.Arrays.asList((Object[]) a.getArray()));
            assertEquals("varchar", rs.getArray(1).getBaseTypeName());
            assertEquals("{a=1, b=2}", rs.getObject(2));
            assertThrows(SQLException.class, () -> rs.getArray(2));
        }
    }

    @Test
    void nullIsNotAnEmptyString() throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet rs = one(s, "SELECT CAST(NULL AS VARCHAR) n, '' e, CAST(NULL AS INTEGER) i, CAST(NULL AS DOUBLE) d, "
                     + "CAST(NULL AS BOOLEAN) b, CAST(NULL AS DATE) dt, CAST(NULL AS TIMESTAMP) ts")) {
            assertNull(rs.getString(1));
            assertTrue(rs.wasNull());
            assertEquals("", rs.getString(2));
            assertFalse(rs.wasNull());
            assertEquals(0, rs.getInt(3));
            assertTrue(rs.wasNull());
            assertNull(rs.getObject(3));
            assertNull(rs.getObject(3, Integer.class));
            assertEquals(0.0, rs.getDouble(4));
            assertTrue(rs.wasNull());
            assertFalse(rs.getBoolean(5));
            assertTrue(rs.wasNull());
            assertNull(rs.getDate(6));
            assertNull(rs.getTimestamp(7));
            assertNull(rs.getBigDecimal(3));
        }
    }
}
