package io.athenanative.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Time;
import java.sql.Types;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The answers JDBC asks for on Athena's real output: cursor position, classes, sizes, races, text, failures. */
class JdbcAnswersTest {
    private static LocalAthena athena;
    private static Connection connection;

    @BeforeAll
    static void connect() throws Exception {
        athena = LocalAthena.shared();
        connection = DriverManager.getConnection(athena.url());
    }

    @AfterAll
    static void close() throws SQLException {
        connection.close();
    }

    // 1. isBeforeFirst

    @Test
    void isBeforeFirstIsFalseWhenThereAreNoRows() throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT value FROM range(3) WHERE value > 10")) {
            assertFalse(rs.isBeforeFirst(), "an empty result has no position before a first row");
            assertFalse(rs.isAfterLast());
            assertFalse(rs.next());
            assertFalse(rs.isBeforeFirst());
            assertFalse(rs.isAfterLast(), "JDBC: false when the result has no rows");
        }
        ResultSet none = connection.getMetaData().getProcedures(null, null, "%");
        assertFalse(none.isBeforeFirst(), "an empty metadata result");
        none.close();
    }

    @Test
    void isBeforeFirstPeeksWithoutMovingTheCursor() throws SQLException {
        // One row a page: the first page holds only the header, so the peek reads on to the next.
        try (Connection c = DriverManager.getConnection(athena.url("ResultFetcher=GetQueryResults;FetchSize=1"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT value FROM range(3) ORDER BY value")) {
            assertTrue(rs.isBeforeFirst());
            assertTrue(rs.isBeforeFirst(), "asking twice moves nothing");
            assertEquals(0, rs.getRow());
            assertThrows(SQLException.class, () -> rs.getLong(1), "not on a row yet");
            List<Long> values = new ArrayList<Long>();
            while (rs.next()) {
                assertFalse(rs.isBeforeFirst());
                values.add(rs.getLong(1));
            }
            assertEquals(java.util.Arrays.asList(0L, 1L, 2L), values);
            assertTrue(rs.isAfterLast());
        }
    }

    // 2. getColumnClassName agrees with getObject

    /** One value of each Athena type athena-local can produce, with the Athena type name expected. */
    static final String EVERY_TYPE = "SELECT true AS b, CAST(1 AS TINYINT) AS ti, CAST(2 AS SMALLINT) AS si, CAST(3 AS INTEGER) AS i, "
            + "CAST(4 AS BIGINT) AS bi, CAST(1.5 AS REAL) AS r, CAST(2.25 AS DOUBLE) AS d, DECIMAL '12.30' AS dec, "
            + "'text' AS v, X'6869' AS bin, DATE '2024-01-31' AS dt, CAST('12:34:56.789' AS TIME) AS t, "
            + "TIMESTAMP '2024-01-31 12:34:56.789' AS ts, make_array(1, 2) AS a, map(['a', 'b'], [1, 2]) AS m, "
            + "named_struct('x', 1, 'y', 'a') AS rw, json_parse('{\"a\":1}') AS j, INTERVAL '1' DAY AS iv, "
            + "arrow_cast(TIMESTAMP '2024-01-31 12:34:56', 'Timestamp(Microsecond, Some(\"UTC\"))') AS tz";

    /** Every column's class name is the class of its value; {@code expectedTypes} are among the type names (or prefixes of them). */
    static void classNamesMatchValues(String url, String sql, String... expectedTypes) throws Exception {
        try (Connection c = DriverManager.getConnection(url);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            assertTrue(rs.next());
            List<String> types = new ArrayList<String>();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                types.add(md.getColumnTypeName(i));
                Object value = rs.getObject(i);
                String className = md.getColumnClassName(i);
                String where = md.getColumnLabel(i) + " " + md.getColumnTypeName(i) + ": class name " + className
                        + ", value " + (value == null ? null : value.getClass().getName());
                assertTrue(value != null, where);
                assertTrue(Class.forName(className).isInstance(value), where);
            }
            for (String expected : expectedTypes) {
                boolean found = types.contains(expected);
                for (String type : types) {
                    found |= expected.endsWith("(") && type.startsWith(expected);
                }
                assertTrue(found, expected + " among " + types);
            }
        }
    }

    @Test
    void columnClassNamesAreTheClassesOfTheValues() throws Exception {
        classNamesMatchValues(athena.url(), EVERY_TYPE, "boolean", "tinyint", "smallint", "integer", "bigint", "real",
                "double", "decimal", "varchar", "varbinary", "date", "time", "timestamp", "array", "map", "row", "json",
                "interval day to second", "timestamp with time zone");
    }

    @Test
    void columnClassNamesAreTheClassesOfExactNestedValues() throws Exception {
        // UNLOAD: arrays, maps and rows arrive with their element types, as Java values.
        String url = athena.url("S3Endpoint=" + athena.endpoint() + ";Unload=true");
        classNamesMatchValues(url, "SELECT make_array(1, 2) AS a, map(['a', 'b'], [1, 2]) AS m, "
                + "named_struct('x', 1, 'y', 'a') AS rw, 'text' AS v, X'6869' AS bin, DECIMAL '12.30' AS dec, "
                + "DATE '2024-01-31' AS dt, TIMESTAMP '2024-01-31 12:34:56.789' AS ts",
                "array(", "map(", "row(");
    }

    // 3. sort order and catalog position

    @Test
    void nullsSortLastAndTheCatalogComesFirst() throws SQLException {
        DatabaseMetaData md = connection.getMetaData();
        assertTrue(md.isCatalogAtStart(), "catalog.schema.table");
        assertTrue(md.nullsAreSortedAtEnd(), "Athena sorts NULLS LAST by default, in either direction");
        assertFalse(md.nullsAreSortedHigh());
        assertFalse(md.nullsAreSortedLow());
        assertFalse(md.nullsAreSortedAtStart());
        // Athena (Trino) puts NULLs last in descending order too; athena-local (DataFusion) does so
        // only in ascending order, so that is what is checked here.
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT v FROM (VALUES (2), (NULL), (1)) AS t(v) ORDER BY v")) {
            List<Object> order = new ArrayList<Object>();
            while (rs.next()) {
                order.add(rs.getObject(1));
            }
            assertNull(order.get(2), "NULL last: " + order);
        }
    }

    // 4. time keeps its milliseconds

    @Test
    void timeKeepsItsMilliseconds() throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT CAST('12:34:56.789' AS TIME) AS t, TIMESTAMP '2024-01-31 12:34:56.789' AS ts")) {
            assertTrue(rs.next());
            assertEquals(Types.TIME, rs.getMetaData().getColumnType(1));
            Time expected = new Time(Time.valueOf("12:34:56").getTime() + 789);
            assertEquals(expected, rs.getTime(1));
            assertEquals(expected, rs.getObject(1));
            assertEquals(expected, rs.getTime(1, null));
            assertEquals(expected, rs.getObject(1, Time.class));
            assertEquals(LocalTime.of(12, 34, 56, 789_000_000), rs.getObject(1, LocalTime.class));
            assertEquals(expected, rs.getTime(2), "the time of a timestamp keeps them too");
        }
    }

    // 5. StringColumnLength

    @Test
    void unboundedVarcharReportsTheStringColumnLength() throws SQLException {
        String sql = "SELECT 'text' AS v, CAST(1 AS INTEGER) AS i";
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            assertEquals("varchar", md.getColumnTypeName(1));
            assertEquals(255, md.getPrecision(1), "the official drivers' default");
            assertEquals(255, md.getColumnDisplaySize(1));
            assertEquals(10, md.getPrecision(2), "other types keep theirs");
        }
        try (Connection c = DriverManager.getConnection(athena.url("StringColumnLength=4000"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            assertEquals(4000, rs.getMetaData().getPrecision(1));
            assertEquals(4000, rs.getMetaData().getColumnDisplaySize(1));
            assertNull(c.getWarnings(), "StringColumnLength has an effect, so no warning");
        }
    }

    // 6. isValid answers from a recent success

    @Test
    void isValidDoesNotCallAwsAfterARecentSuccess() throws Exception {
        Connection c = DriverManager.getConnection(athena.url());
        try {
            athena.clearCalls();
            assertTrue(c.isValid(5));
            assertTrue(c.isValid(5));
            assertTrue(athena.calls().size() <= 1, "two isValid in a row: " + athena.calls());
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
                assertTrue(rs.next());
            }
            athena.clearCalls();
            assertTrue(c.isValid(5));
            assertEquals(0, athena.calls().size(), "isValid after a query: " + athena.calls());
            // Long after the last answer: one call, then none again.
            c.unwrap(AthenaConnection.class).athenaAnsweredAt(System.nanoTime() - AthenaConnection.VALID_WITHOUT_CALL_NANOS);
            athena.clearCalls();
            assertTrue(c.isValid(5));
            assertTrue(c.isValid(5));
            assertEquals(1, athena.callCount("GetWorkGroup"), "isValid after a quiet spell: " + athena.calls());
            // A metadata listing is an answer too.
            c.unwrap(AthenaConnection.class).athenaAnsweredAt(System.nanoTime() - AthenaConnection.VALID_WITHOUT_CALL_NANOS);
            c.getMetaData().getCatalogs().close();
            athena.clearCalls();
            assertTrue(c.isValid(5));
            assertEquals(0, athena.callCount("GetWorkGroup"), "isValid after a listing: " + athena.calls());
        } finally {
            c.close();
        }
        assertFalse(c.isValid(5), "false once closed");
    }

    // 7. closing from another thread

    private static void readWhileClosing(boolean closeStatement, int attempt) throws Exception {
        Statement s = connection.createStatement();
        final ResultSet rs = s.executeQuery("SELECT value, CAST(value AS VARCHAR) AS t FROM range(100000)");
        final AtomicReference<Throwable> wrong = new AtomicReference<Throwable>();
        Thread reader = new Thread(() -> {
            try {
                while (rs.next()) {
                    rs.getLong(1);
                    rs.getString(2);
                    rs.getObject(1);
                    rs.getBytes(2);
                }
            } catch (SQLException expected) {
                // Any SQLState: the reader learns its rows are gone.
            } catch (Throwable t) {
                wrong.set(t);
            }
        });
        reader.start();
        Thread.sleep(attempt % 4);
        if (closeStatement) {
            s.close();
        } else {
            rs.close();
        }
        reader.join(60_000);
        assertFalse(reader.isAlive(), "the reader ends once its result set is closed");
        s.close();
        if (wrong.get() != null) {
            throw new AssertionError("attempt " + attempt + ": the reader got " + wrong.get(), wrong.get());
        }
    }

    @Test
    void closingTheResultSetFromAnotherThreadGivesTheReaderAnSqlException() throws Exception {
        for (int i = 0; i < 50; i++) {
            readWhileClosing(false, i);
        }
    }

    @Test
    void closingTheStatementFromAnotherThreadGivesTheReaderAnSqlException() throws Exception {
        for (int i = 0; i < 50; i++) {
            readWhileClosing(true, i);
        }
    }

    // 8. metadata results close with their connection

    @Test
    void metadataResultsCloseWithTheirConnection() throws Exception {
        Connection c = DriverManager.getConnection(athena.url());
        DatabaseMetaData md = c.getMetaData();
        ResultSet catalogs = md.getCatalogs();
        ResultSet types = md.getTypeInfo();
        ResultSet read = md.getTableTypes();
        while (read.next()) {
            read.getString(1);
        }
        c.close();
        for (ResultSet rs : new ResultSet[] {catalogs, types, read}) {
            assertTrue(rs.isClosed());
            assertThrows(SQLException.class, rs::next);
        }
    }

    // 9. unpaired surrogates

    @Test
    void sqlTextWithAnUnpairedSurrogateIsRefused() throws SQLException {
        try (Statement s = connection.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.executeQuery("SELECT 'a\uD800b' AS v"));
            assertEquals("22018", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("position 10"), e.getMessage());
            SQLException low = assertThrows(SQLException.class, () -> s.executeQuery("SELECT '\uDC00' AS v"));
            assertEquals("22018", low.getSQLState(), low.getMessage());
            // Paired surrogates and NUL-free non-ASCII text arrive untouched.
            try (ResultSet rs = s.executeQuery("SELECT 'é 中文 \uD83D\uDE00' AS v")) {
                assertTrue(rs.next());
                assertEquals("é 中文 \uD83D\uDE00", rs.getString(1));
            }
        }
    }

    @Test
    void aParameterWithAnUnpairedSurrogateIsRefused() throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT ? AS v, ? AS w")) {
            ps.setString(1, "ok \uD83D\uDE00");
            SQLException e = assertThrows(SQLException.class, () -> {
                ps.setString(2, "x\uDBFF");
                ps.executeQuery();
            });
            assertEquals("22018", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("arameter 2"), e.getMessage());
            ps.setString(2, "fine");
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertEquals("ok \uD83D\uDE00", rs.getString(1));
                assertEquals("fine", rs.getString(2));
            }
        }
    }

    @Test
    void metadataPatternsWithAnUnpairedSurrogateAreRefused() throws SQLException {
        SQLException e = assertThrows(SQLException.class,
                () -> connection.getMetaData().getTables(null, null, "t\uD800%", null).close());
        assertEquals("22018", e.getSQLState(), e.getMessage());
        SQLException schema = assertThrows(SQLException.class, () -> connection.setSchema("s\uDC00"));
        assertEquals("22018", schema.getSQLState(), schema.getMessage());
    }

    // 10. one varbinary value that is not hex

    /** A page as rust/core/src/page.rs writes it: one TEXT column (encoding 6) of these values. */
    static Page textPage(String... values) throws SQLException {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        int[] offsets = new int[values.length + 1];
        for (int i = 0; i < values.length; i++) {
            byte[] bytes = values[i].getBytes(StandardCharsets.UTF_8);
            data.write(bytes, 0, bytes.length);
            offsets[i + 1] = data.size();
        }
        int bitmap = (values.length + 7) / 8;
        int body = bitmap + 4 * offsets.length + data.size();
        ByteBuffer b = ByteBuffer.allocateDirect(12 + 8 + body).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'A').put((byte) 'T').put((byte) 'H').put((byte) 'P').putShort((short) 1).putShort((short) 1)
                .putInt(values.length);
        b.put((byte) Page.TEXT).put((byte) 0).putShort((short) 0).putInt(body);
        b.put(new byte[bitmap]);
        for (int o : offsets) {
            b.putInt(o);
        }
        b.put(data.toByteArray());
        return new Page(b, b.position());
    }

    @Test
    void aVarbinaryValueThatIsNotHexFailsAloneTheOthersKeepTheirBytes() throws SQLException {
        // The core sends a varbinary column whose values are not all hex pairs as Athena's text.
        Page page = textPage("68 69", "not hex", "", "ff 00");
        ColumnInfo column = new ColumnInfo("bin", "bin", "varbinary", Types.VARBINARY, 0, 0, 1);
        assertArrayEquals(new byte[] {0x68, 0x69}, Values.bytes(page, 0, 0, column));
        SQLException e = assertThrows(SQLException.class, () -> Values.bytes(page, 0, 1, column));
        assertEquals("22018", e.getSQLState(), e.getMessage());
        assertEquals("not hex", Values.string(page, 0, 1, column), "its text is still there");
        assertArrayEquals(new byte[0], Values.bytes(page, 0, 2, column));
        assertArrayEquals(new byte[] {(byte) 0xff, 0x00}, Values.bytes(page, 0, 3, column));
        // A varchar column's bytes stay its UTF-8.
        ColumnInfo text = new ColumnInfo("v", "v", "varchar", Types.VARCHAR, 0, 0, 1);
        assertArrayEquals("68 69".getBytes(StandardCharsets.UTF_8), Values.bytes(page, 0, 0, text));
    }

    // 11. a failure that raised nothing is never the end of the rows

    @Test
    void theFailureSentinelOfFillPageIsAnErrorNotTheEnd() throws SQLException {
        assertEquals(Integer.MIN_VALUE, io.athenanative.jdbc.jni.NativeResults.FILL_PAGE_FAILED);
        SQLException e = assertThrows(SQLException.class,
                () -> AthenaResultSet.checkedPageLength(io.athenanative.jdbc.jni.NativeResults.FILL_PAGE_FAILED));
        assertEquals("HY000", e.getSQLState());
        assertTrue(e.getMessage().contains("without raising an exception"), e.getMessage());
        assertEquals(0, AthenaResultSet.checkedPageLength(0), "the end of the rows");
        assertEquals(-4096, AthenaResultSet.checkedPageLength(-4096), "a larger buffer needed");
        assertEquals(100, AthenaResultSet.checkedPageLength(100));
    }
}
