package io.athenanative.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Date;
import java.sql.DriverManager;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** PreparedStatement against athena-local: typed literals, ExecutionParameters, batches. */
class PreparedStatementTest {
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

    private static Object selectOne(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            assertTrue(rs.next());
            Object value = rs.getObject(1);
            assertFalse(rs.next());
            return value;
        }
    }

    @Test
    void everySetterSendsATypedLiteral() throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT ? AS v")) {
            ps.setString(1, "it's \"quoted\"; -- not a comment ?");
            assertEquals("it's \"quoted\"; -- not a comment ?", selectOne(ps));
            ps.setLong(1, 9_000_000_000L);
            assertEquals(9_000_000_000L, ((Number) selectOne(ps)).longValue());
            ps.setInt(1, -42);
            assertEquals(-42L, ((Number) selectOne(ps)).longValue());
            ps.setDouble(1, 2.5);
            assertEquals(2.5, ((Number) selectOne(ps)).doubleValue());
            ps.setFloat(1, 1.5f);
            assertEquals(1.5, ((Number) selectOne(ps)).doubleValue());
            ps.setBigDecimal(1, new BigDecimal("12.30"));
            assertEquals(new BigDecimal("12.30"), selectOne(ps));
            ps.setBoolean(1, true);
            assertEquals(Boolean.TRUE, selectOne(ps));
            ps.setDate(1, Date.valueOf("2024-01-31"));
            assertEquals(Date.valueOf("2024-01-31"), selectOne(ps));
            ps.setTimestamp(1, Timestamp.valueOf("2024-01-31 12:34:56.789"));
            assertEquals(Timestamp.valueOf("2024-01-31 12:34:56.789"), selectOne(ps));
            ps.setBytes(1, "hello".getBytes(StandardCharsets.UTF_8));
            assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), (byte[]) selectOne(ps));
            ps.setNull(1, Types.VARCHAR);
            assertNull(selectOne(ps));
            ps.setObject(1, LocalDate.of(2020, 2, 29));
            assertEquals(Date.valueOf("2020-02-29"), selectOne(ps));
            ps.setObject(1, LocalDateTime.of(2020, 2, 29, 1, 2, 3));
            assertEquals(Timestamp.valueOf("2020-02-29 01:02:03"), selectOne(ps));
            ps.setObject(1, "17", Types.INTEGER);
            assertEquals(17L, ((Number) selectOne(ps)).longValue());
            ps.setObject(1, 3, Types.VARCHAR);
            assertEquals("3", selectOne(ps));
            ps.setObject(1, "2021-05-06", Types.DATE);
            assertEquals(Date.valueOf("2021-05-06"), selectOne(ps));
            SQLException bad = assertThrows(SQLException.class, () -> ps.setObject(1, "x1", Types.BIGINT));
            assertEquals("22018", bad.getSQLState());
        }
    }

    @Test
    void placeholdersInLiteralsAndCommentsAreNotParameters() throws Exception {
        String sql = "SELECT '?' AS q, \"name\" AS n, ? AS v -- what?\n FROM cities /* ? */ WHERE name = ? ORDER BY name";
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            assertEquals(2, ps.getParameterMetaData().getParameterCount());
            ps.setInt(1, 7);
            ps.setString(2, "Paris");
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertEquals("?", rs.getString("q"));
                assertEquals("Paris", rs.getString("n"));
                assertEquals(7, rs.getInt("v"));
                assertFalse(rs.next());
            }
            // Athena takes a ? only in a WHERE clause: the select list's value is written in, the WHERE's is sent.
            String execution = athena.admin("GET", "/_athena_local/queries/" + ps.unwrap(AthenaStatement.class).getQueryExecutionId(), null);
            assertTrue(execution.contains("AS n, 7 AS v"), execution);
            assertTrue(execution.contains("WHERE name = ?"), execution);
            assertTrue(execution.replaceAll("\\s", "").contains("\"ExecutionParameters\":[\"'Paris'\"]"), execution);
        }
    }

    @Test
    void anUnsetParameterIsNamedAndClearParametersUnsetsAll() throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT name FROM cities WHERE name = ? OR name = ?")) {
            ps.setString(1, "Paris");
            SQLException e = assertThrows(SQLException.class, ps::executeQuery);
            assertEquals("07001", e.getSQLState());
            assertTrue(e.getMessage().contains("parameter 2"), e.getMessage());
            ps.setString(2, "Berlin");
            ps.clearParameters();
            e = assertThrows(SQLException.class, ps::executeQuery);
            assertTrue(e.getMessage().contains("parameter 1"), e.getMessage());
            SQLException range = assertThrows(SQLException.class, () -> ps.setInt(3, 1));
            assertEquals("07009", range.getSQLState());
        }
    }

    @Test
    void reExecutesWithNewValuesAsExecutionParameters() throws Exception {
        try (PreparedStatement ps = connection.prepareStatement("SELECT count(*) FROM cities WHERE name = ?")) {
            assertNull(ps.getMetaData(), "no metadata before the statement ran");
            ps.setString(1, "Paris");
            assertEquals(1L, ((Number) selectOne(ps)).longValue());
            assertNotNull(ps.getMetaData());
            assertEquals(1, ps.getMetaData().getColumnCount());
            ps.setString(1, "Atlantis");
            assertEquals(0L, ((Number) selectOne(ps)).longValue());
            String id = ps.unwrap(AthenaStatement.class).getQueryExecutionId();
            String execution = athena.admin("GET", "/_athena_local/queries/" + id, null);
            assertTrue(execution.replaceAll("\\s", "").contains("\"ExecutionParameters\":[\"'Atlantis'\"]"), execution);
            assertTrue(execution.contains("name = ?"), "the text keeps its placeholder: " + execution);
        }
    }

    @Test
    void statementsThatCannotTakeExecutionParametersGetTheLiteralsInTheirText() throws Exception {
        try (PreparedStatement ps = connection.prepareStatement("CREATE VIEW paris_only AS SELECT name FROM cities WHERE name = ?")) {
            ps.setString(1, "Par'is");
            ps.executeUpdate();
            String id = ps.unwrap(AthenaStatement.class).getQueryExecutionId();
            String execution = athena.admin("GET", "/_athena_local/queries/" + id, null);
            assertTrue(execution.contains("name = 'Par''is'"), execution);
            assertFalse(execution.contains("ExecutionParameters"), execution);
        } finally {
            try (Statement s = connection.createStatement()) {
                s.execute("DROP VIEW IF EXISTS paris_only");
            }
        }
    }

    @Test
    void parameterMetaDataReportsCountAndBoundTypes() throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT ? , ?")) {
            ps.setLong(1, 1);
            ParameterMetaData md = ps.getParameterMetaData();
            assertEquals(2, md.getParameterCount());
            assertEquals(Types.BIGINT, md.getParameterType(1));
            assertEquals(Types.OTHER, md.getParameterType(2));
            assertEquals(ParameterMetaData.parameterModeIn, md.getParameterMode(2));
        }
    }

    @Test
    void aBatchOfInsertsIsOneMultiRowInsert() throws Exception {
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TABLE batch_target AS SELECT CAST(0 AS BIGINT) AS id, 'seed' AS label");
        }
        try (PreparedStatement ps = connection.prepareStatement("INSERT INTO batch_target (id, label) VALUES (?, ?)")) {
            athena.clearCalls();
            for (int i = 1; i <= 3; i++) {
                ps.setLong(1, i);
                ps.setString(2, "row " + i + " 'q'");
                ps.addBatch();
            }
            assertArrayEquals(new int[] {1, 1, 1}, ps.executeBatch());
            assertEquals(1, athena.callCount("StartQueryExecution"), "one query for the whole batch");
            assertArrayEquals(new int[0], ps.executeBatch(), "the batch is emptied");
        }
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, label FROM batch_target ORDER BY id")) {
            assertTrue(rs.next());
            assertEquals("seed", rs.getString(2));
            for (int i = 1; i <= 3; i++) {
                assertTrue(rs.next());
                assertEquals(i, rs.getLong(1));
                assertEquals("row " + i + " 'q'", rs.getString(2));
            }
            assertFalse(rs.next());
        } finally {
            try (Statement s = connection.createStatement()) {
                s.execute("DROP TABLE batch_target");
            }
        }
    }

    @Test
    void aBatchIsSplitBelowAthenasQueryTextLimitInBytes() throws Exception {
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TABLE batch_wide AS SELECT 'x' AS label");
        }
        StringBuilder wide = new StringBuilder();
        for (int i = 0; i < 60_000; i++) {
            wide.append('\u00e9');
        }
        try (PreparedStatement ps = connection.prepareStatement("INSERT INTO batch_wide VALUES (?)")) {
            athena.clearCalls();
            for (int i = 0; i < 3; i++) {
                ps.setString(1, wide.toString() + i);
                ps.addBatch();
            }
            // 120 KB of UTF-8 a row (60,000 characters): two rows fit under the limit, three do not.
            assertArrayEquals(new int[] {1, 1, 1}, ps.executeBatch());
            assertEquals(2, athena.callCount("StartQueryExecution"));
        }
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*), sum(length(label)) FROM batch_wide")) {
            assertTrue(rs.next());
            assertEquals(4, rs.getLong(1));
            assertEquals(1 + 3 * 60_001, rs.getLong(2));
        } finally {
            try (Statement s = connection.createStatement()) {
                s.execute("DROP TABLE batch_wide");
            }
        }
    }

    @Test
    void hiveDdlRefusesAValueItWouldReadDifferently() throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("ALTER TABLE cities ADD PARTITION (country = ?)")) {
            ps.setString(1, "O'Brien\\");
            SQLException e = assertThrows(SQLException.class, ps::execute);
            assertEquals("22018", e.getSQLState());
            assertTrue(e.getMessage().contains("Parameter 1"), e.getMessage());
            assertNull(ps.unwrap(AthenaStatement.class).getQueryExecutionId(), "nothing was sent");
        }
    }

    @Test
    void aStatementBatchRunsEachStatement() throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.addBatch("CREATE TABLE batch_two AS SELECT 1 AS x");
            s.addBatch("INSERT INTO batch_two VALUES (2), (3)");
            int[] counts = s.executeBatch();
            assertEquals(2, counts.length);
            assertEquals(2, counts[1]);
            try (ResultSet rs = s.executeQuery("SELECT sum(x) FROM batch_two")) {
                assertTrue(rs.next());
                assertEquals(6, rs.getLong(1));
            }
            s.execute("DROP TABLE batch_two");
        }
    }

    @Test
    void sparksSchemaProbeAndTextMethodsOfAPreparedStatement() throws SQLException {
        String probe = "SELECT * FROM (SELECT name, population FROM cities) SPARK_GEN_SUBQ WHERE 1=0";
        try (PreparedStatement ps = connection.prepareStatement(probe, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)) {
            ps.setFetchSize(100);
            ps.setQueryTimeout(60);
            try (ResultSet rs = ps.executeQuery()) {
                assertEquals(2, rs.getMetaData().getColumnCount());
                assertEquals("name", rs.getMetaData().getColumnName(1));
                assertFalse(rs.next());
            }
            assertThrows(SQLException.class, () -> ps.executeQuery("SELECT 1"));
            assertThrows(SQLException.class, () -> ps.addBatch("SELECT 1"));
        }
    }

    @Test
    void dataScannedIsReachableAfterExecution() throws SQLException {
        try (Statement s = connection.createStatement()) {
            AthenaStatement athenaStatement = s.unwrap(AthenaStatement.class);
            assertEquals(-1, athenaStatement.getDataScannedInBytes());
            try (ResultSet rs = s.executeQuery("SELECT * FROM cities")) {
                assertTrue(rs.next());
            }
            assertTrue(athenaStatement.getDataScannedInBytes() > 0, "bytes: " + athenaStatement.getDataScannedInBytes());
            assertNotNull(athenaStatement.getQueryExecutionId());
        }
    }
}
