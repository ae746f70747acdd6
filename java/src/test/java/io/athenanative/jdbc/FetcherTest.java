package io.athenanative.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The result fetchers (GetQueryResults and S3) against athena-local's S3
 * endpoint: identical values, sizes, and every fallback of ResultFetcher=auto.
 */
class FetcherTest {
    /** Every type, and the values CSV gets wrong most easily. */
    static final String ALL_TYPES = "SELECT * FROM (VALUES "
            + "(1, CAST(1 AS TINYINT), CAST(2 AS SMALLINT), 3, CAST(4 AS BIGINT), CAST(1.5 AS REAL), CAST(2.25 AS DOUBLE), "
            + "DECIMAL '12.30', true, 'plain', DATE '2024-01-31', TIMESTAMP '2024-01-31 12:34:56.789', X'68656c6c6f'), "
            + "(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), "
            + "(3, CAST(-1 AS TINYINT), CAST(-2 AS SMALLINT), -3, CAST(-4 AS BIGINT), CAST(-0.5 AS REAL), CAST('1.0E300' AS DOUBLE), "
            + "DECIMAL '-0.05', false, '', DATE '1970-01-01', TIMESTAMP '1999-12-31 23:59:59.000', X''), "
            + "(4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'quote \"\" and \"\"\"\"', NULL, NULL, NULL), "
            + "(5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'comma, and\nnew line\r\nand \"quoted, \nfield\"', NULL, NULL, NULL), "
            + "(6, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'non-ASCII: é ß 中文 😀', NULL, NULL, NULL), "
            + "(7, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, ',', NULL, NULL, NULL), "
            + "(8, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '\"', NULL, NULL, NULL)"
            + ") AS t(id, ti, si, i, bi, r, d, dec, b, s, day, ts, bin)";

    private static LocalAthena athena;

    @BeforeAll
    static void start() throws IOException {
        athena = LocalAthena.shared();
    }

    static String s3(String extra) {
        return athena.url("S3Endpoint=" + athena.endpoint() + (extra.isEmpty() ? "" : ";" + extra));
    }

    /**
     * SHA-256 over every value as getString and getObject give it, NULLs marked;
     * rows are sorted first, as UNLOAD promises no order.
     */
    static String checksum(String url, String sql, long[] rowCount) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        java.util.List<String> lines = new java.util.ArrayList<String>();
        try (Connection c = DriverManager.getConnection(url);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                digest.update((md.getColumnLabel(i) + ":" + md.getColumnTypeName(i) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            while (rs.next()) {
                StringBuilder line = new StringBuilder();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    Object o = rs.getObject(i);
                    String text = rs.getString(i);
                    String shown = o == null ? "<NULL>"
                            : o instanceof byte[] ? java.util.Arrays.toString((byte[]) o) + "|" + text
                            : o.getClass().getName() + "=" + o + "|" + text;
                    line.append(shown).append('\u0000');
                }
                lines.add(line.toString());
            }
        }
        java.util.Collections.sort(lines);
        for (String line : lines) {
            digest.update((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
        rowCount[0] = lines.size();
        StringBuilder hex = new StringBuilder();
        for (byte b : digest.digest()) {
            hex.append(String.format("%02x", b));
        }
        return hex.toString();
    }

    @Test
    void fetchersReturnIdenticalValuesForEveryType() throws Exception {
        long[] apiRows = new long[1];
        long[] s3Rows = new long[1];
        long[] unloadRows = new long[1];
        String api = checksum(athena.url("ResultFetcher=GetQueryResults"), ALL_TYPES, apiRows);
        // One row a page: every row after the first is read from a later page's raw JSON.
        long[] pagedRows = new long[1];
        athena.clearCalls();
        String paged = checksum(athena.url("ResultFetcher=GetQueryResults;FetchSize=1"), ALL_TYPES, pagedRows);
        assertEquals(9, athena.callCount("GetQueryResults"), "a page for the header and each row");
        assertEquals(api, paged, "later pages give the same values as the first");
        assertEquals(apiRows[0], pagedRows[0]);
        athena.clearCalls();
        String viaS3 = checksum(s3("ResultFetcher=S3"), ALL_TYPES, s3Rows);
        assertTrue(athena.callCount("GetObject") >= 1, "rows came from the S3 file");
        assertEquals(1, athena.callCount("GetQueryResults"), "only the ColumnInfo page came from the API");
        athena.clearCalls();
        String viaUnload = checksum(s3("Unload=true"), ALL_TYPES, unloadRows);
        assertEquals(0, athena.callCount("GetQueryResults"), "UNLOAD rows come from Parquet files");
        assertEquals(8, apiRows[0]);
        assertEquals(apiRows[0], s3Rows[0]);
        assertEquals(apiRows[0], unloadRows[0]);
        assertEquals(api, viaS3, "S3 and GetQueryResults give the same values");
        assertEquals(api, viaUnload, "UNLOAD and GetQueryResults give the same values");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 1_000_001})
    void unloadReadsEveryRowAndDeletesItsFiles(int size) throws Exception {
        athena.clearCalls();
        String id;
        try (Connection c = DriverManager.getConnection(s3("Unload=true"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT value AS v, CAST(value AS VARCHAR) AS t FROM range(" + size + ")")) {
            id = s.unwrap(AthenaStatement.class).getQueryExecutionId();
            // An UNLOAD of no rows writes no files; the columns still come (from the query run as written).
            assertEquals(2, rs.getMetaData().getColumnCount());
            assertEquals("t", rs.getMetaData().getColumnLabel(2));
            long count = 0;
            long sum = 0;
            while (rs.next()) {
                assertEquals(Long.toString(rs.getLong(1)), rs.getString(2));
                sum += rs.getLong(1);
                count++;
            }
            assertEquals(size, count);
            assertEquals((long) size * (size - 1) / 2, sum);
        }
        // The manifest, each file's footer, then each row group with its own ranged GET: athena-local
        // writes files of 1,000,000 rows in row groups of 131,072, so 1,000,001 rows are 8 + 1 row groups.
        // No rows: the manifest, then the CSV of the query run as written.
        int expectedGets = size == 0 ? 2 : size == 1 ? 3 : 1 + 2 + 9;
        assertEquals(expectedGets, athena.callCount("GetObject"), "row groups fetched one by one");
        String execution = athena.admin("GET", "/_athena_local/queries/" + id, null);
        assertTrue(execution.contains("UNLOAD ("), execution);
        String prefix = execution.replaceAll("(?s).*TO '(s3://[^']+)'.*", "$1");
        assertTrue(prefix.contains("/athena-jdbc-unload/"), prefix);
        // The files are deleted once read (in the background, after the last page).
        for (int i = 0; i < 100 && athena.callCount("ListObjectsV2") == 0; i++) {
            Thread.sleep(50);
        }
        for (int i = 0; i < 20 && size > 0 && athena.callCount("DeleteObjects") == 0; i++) {
            Thread.sleep(50);
        }
        assertEquals(size == 0 ? 0 : 1, athena.callCount("DeleteObjects"), "the UNLOAD prefix is cleaned up");
        if (size == 0) {
            assertEquals(1, athena.callCount("GetQueryResults"), "the query as written gave the columns");
        }
    }

    @Test
    void unloadKeepsTheOrderOfATopLevelOrderBy() throws Exception {
        try (Connection c = DriverManager.getConnection(s3("Unload=true"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT value FROM range(3000000) ORDER BY value DESC")) {
            String id = s.unwrap(AthenaStatement.class).getQueryExecutionId();
            assertFalse(athena.admin("GET", "/_athena_local/queries/" + id, null).contains("UNLOAD"),
                    "an ordered query runs as written");
            long expected = 2_999_999;
            while (rs.next()) {
                assertEquals(expected--, rs.getLong(1));
            }
            assertEquals(-1, expected);
        }
    }

    static final String NESTED = "SELECT ARRAY[1, 2, NULL] AS a, MAP(['k1', 'k2'], [1.5, 2.5]) AS m, "
            + "named_struct('x', 1, 'y', 'a, b') AS r, ARRAY['x, y', 'z'] AS s";

    /** UNLOAD gives arrays, maps and rows exactly; getString matches GetQueryResults' text. */
    @Test
    void unloadGivesExactNestedValues() throws Exception {
        String[] apiText = new String[4];
        try (Connection c = DriverManager.getConnection(athena.url("ResultFetcher=GetQueryResults"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(NESTED)) {
            assertTrue(rs.next());
            for (int i = 0; i < 4; i++) {
                apiText[i] = rs.getString(i + 1);
            }
            assertEquals(java.sql.Types.ARRAY, rs.getMetaData().getColumnType(1));
            // The text form does not say where "x, y" ends: documented ambiguity.
            assertEquals(java.util.Arrays.asList("1", "2", null), java.util.Arrays.asList((Object[]) rs.getArray(1).getArray()));
            assertEquals(3, ((Object[]) rs.getArray(4).getArray()).length);
        }
        try (Connection c = DriverManager.getConnection(s3("Unload=true"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(NESTED)) {
            assertTrue(rs.next());
            for (int i = 0; i < 4; i++) {
                assertEquals(apiText[i], rs.getString(i + 1), "getString of column " + (i + 1));
            }
            ResultSetMetaData md = rs.getMetaData();
            // athena-local types integer literals as bigint.
            assertEquals("array(bigint)", md.getColumnTypeName(1));
            assertEquals(java.sql.Types.ARRAY, md.getColumnType(1));
            assertEquals(java.sql.Types.STRUCT, md.getColumnType(3));
            java.sql.Array a = rs.getArray(1);
            assertEquals("bigint", a.getBaseTypeName());
            assertEquals(java.sql.Types.BIGINT, a.getBaseType());
            assertEquals(java.util.Arrays.asList(1L, 2L, null), java.util.Arrays.asList((Object[]) a.getArray()));
            java.util.Map<?, ?> m = rs.getObject(2, java.util.Map.class);
            // 1.5 is a decimal literal, as in Athena.
            assertEquals(new java.math.BigDecimal("1.5"), m.get("k1"));
            assertEquals(new java.math.BigDecimal("2.5"), m.get("k2"));
            java.sql.Struct r = rs.getObject(3, java.sql.Struct.class);
            assertEquals(java.util.Arrays.asList(1L, "a, b"), java.util.Arrays.asList(r.getAttributes()));
            assertEquals(java.util.Arrays.asList("x, y", "z"), java.util.Arrays.asList((Object[]) rs.getArray(4).getArray()));
            assertThrows(SQLException.class, () -> rs.getArray(3));
        }
    }

    @Test
    void unloadLeavesOtherStatementsAlone() throws Exception {
        try (Connection c = DriverManager.getConnection(s3("Unload=true"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW TABLES")) {
            assertTrue(rs.next());
        }
    }

    @Test
    void nullIsNotTheEmptyString() throws Exception {
        try (Connection c = DriverManager.getConnection(s3("ResultFetcher=S3"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT s FROM (VALUES (1, ''), (2, NULL), (3, '\"\"')) AS t(id, s) ORDER BY id")) {
            assertTrue(rs.next());
            assertEquals("", rs.getString(1));
            assertFalse(rs.wasNull());
            assertTrue(rs.next());
            assertEquals(null, rs.getString(1));
            assertTrue(rs.wasNull());
            assertTrue(rs.next());
            assertEquals("\"\"", rs.getString(1));
            assertFalse(rs.next());
        }
    }

    /** Long quoted values with commas and newlines, so block boundaries fall inside them. */
    @ParameterizedTest
    @ValueSource(strings = {"S3:0", "S3:1", "S3:1000001", "GetQueryResults:0", "GetQueryResults:1", "GetQueryResults:1000001"})
    void sizesReadThroughEachFetcher(String fetcherAndSize) throws Exception {
        String fetcher = fetcherAndSize.split(":")[0];
        int size = Integer.parseInt(fetcherAndSize.split(":")[1]);
        String sql = "SELECT value AS v, concat('row \"', CAST(value AS VARCHAR), '\", with\ncomma ', repeat('x', CAST(value % 50 AS INT))) AS s "
                + "FROM range(" + size + ") ORDER BY v";
        athena.clearCalls();
        // The smallest block size the property allows, so a 1,000,001-row file spans several blocks.
        try (Connection c = DriverManager.getConnection(s3("ResultFetcher=" + fetcher + ";S3ResultBlockSize=10485760"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            long expected = 0;
            while (rs.next()) {
                assertEquals(expected, rs.getLong(1), "rows in order, none lost or repeated");
                String text = rs.getString(2);
                assertTrue(text.startsWith("row \"" + expected + "\", with\ncomma "), text);
                assertEquals((int) (expected % 50), text.length() - ("row \"" + expected + "\", with\ncomma ").length());
                expected++;
            }
            assertEquals(size, expected);
        }
        int gets = athena.callCount("GetObject");
        if (fetcher.equals("S3")) {
            assertTrue(size < 1_000_000 ? gets == 1 : gets > 2, "ranged GETs: " + gets);
        } else {
            assertEquals(0, gets);
            assertEquals(size / 1000 + 1, athena.callCount("GetQueryResults"), "1000 rows a page, header included");
        }
    }

    @Test
    void maxRowsStopsEarlyOnS3() throws Exception {
        try (Connection c = DriverManager.getConnection(s3("ResultFetcher=S3"));
             Statement s = c.createStatement()) {
            s.setMaxRows(1234);
            s.setFetchSize(100);
            try (ResultSet rs = s.executeQuery("SELECT value FROM range(50000)")) {
                int n = 0;
                while (rs.next()) {
                    n++;
                }
                assertEquals(1234, n);
            }
        }
    }

    @Test
    void statementsWithoutCsvUseTheApiUnderS3() throws Exception {
        try (Connection c = DriverManager.getConnection(s3("ResultFetcher=S3"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW TABLES")) {
            assertTrue(rs.next());
        }
    }

    /** Under auto, each unreadable case falls back silently and says why at DEBUG. */
    @ParameterizedTest
    @ValueSource(strings = {"managed", "cse", "denied"})
    void autoFallsBackWhenS3IsUnreadable(String workgroup) throws Exception {
        File logs = Files.createTempDirectory("fetcher-log").toFile();
        athena.clearCalls();
        try (Connection c = DriverManager.getConnection(
                s3("WorkGroup=" + workgroup + ";LogLevel=DEBUG;LogPath=" + logs.getAbsolutePath()));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT value FROM range(2500) ORDER BY value")) {
            long n = 0;
            while (rs.next()) {
                assertEquals(n, rs.getLong(1));
                n++;
            }
            assertEquals(2500, n);
        }
        assertEquals(3, athena.callCount("GetQueryResults"), "all rows came from the API");
        assertEquals(workgroup.equals("denied") ? 1 : 0, athena.callCount("GetObject"));
        String log = readAll(logs);
        assertTrue(log.contains("reading with GetQueryResults: the S3 result file is not readable"), log);
    }

    @Test
    void autoReadsS3WhenReadable() throws Exception {
        File logs = Files.createTempDirectory("fetcher-log").toFile();
        athena.clearCalls();
        try (Connection c = DriverManager.getConnection(s3("LogLevel=DEBUG;LogPath=" + logs.getAbsolutePath()));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT value FROM range(2500)")) {
            int n = 0;
            while (rs.next()) {
                n++;
            }
            assertEquals(2500, n);
        }
        assertEquals(1, athena.callCount("GetQueryResults"));
        assertEquals(1, athena.callCount("GetObject"));
        assertTrue(readAll(logs).contains("reading with S3 (Auto)"));
    }

    @Test
    void accessDeniedUnderS3IsAClearError() throws Exception {
        try (Connection c = DriverManager.getConnection(s3("ResultFetcher=S3;WorkGroup=denied"));
             Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.executeQuery("SELECT 1"));
            assertTrue(e.getMessage().contains("ResultFetcher=S3 cannot read the query's result file"), e.getMessage());
            assertTrue(e.getMessage().contains("AccessDenied"), e.getMessage());
            assertTrue(e.getMessage().contains("QueryExecutionId"), e.getMessage());
            assertEquals("28000", e.getSQLState());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"managed:Athena-managed storage", "cse:CSE_KMS"})
    void unreadableUnderS3IsAClearError(String workgroupAndReason) throws Exception {
        String[] parts = workgroupAndReason.split(":");
        try (Connection c = DriverManager.getConnection(s3("ResultFetcher=S3;WorkGroup=" + parts[0]));
             Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.executeQuery("SELECT 1"));
            assertTrue(e.getMessage().contains(parts[1]), e.getMessage());
            assertTrue(e.getMessage().contains("ResultFetcher=auto falls back"), e.getMessage());
        }
    }

    @Test
    void customAthenaEndpointWithoutS3EndpointNamesTheProperty() throws Exception {
        try (Connection c = DriverManager.getConnection(athena.url("ResultFetcher=S3"));
             Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.executeQuery("SELECT 1"));
            assertTrue(e.getMessage().contains("S3Endpoint is not set"), e.getMessage());
        }
        // auto quietly uses the API.
        try (Connection c = DriverManager.getConnection(athena.url());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT 1")) {
            assertTrue(rs.next());
        }
    }

    @Test
    void odbcNamesChooseTheFetcher() throws Exception {
        athena.clearCalls();
        try (Connection c = DriverManager.getConnection(s3("EnableS3Fetcher=0"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT 1")) {
            assertTrue(rs.next());
        }
        assertEquals(0, athena.callCount("GetObject"));
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(s3("EnableS3Fetcher=0;ResultFetcher=S3")));
        assertTrue(e.getMessage().contains("EnableS3Fetcher contradicts ResultFetcher"), e.getMessage());
    }

    static String readAll(File folder) throws IOException {
        StringBuilder text = new StringBuilder();
        File[] files = folder.listFiles();
        if (files != null) {
            for (File f : files) {
                text.append(new String(Files.readAllBytes(f.toPath()), StandardCharsets.UTF_8));
            }
        }
        return text.toString();
    }
}
