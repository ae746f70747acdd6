package io.athenanative.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Faults athena-local injects on the result path: the rows read are exactly the rows of a fault-free
 * run, or an SQLException says what happened and names the query.
 */
class FaultTest {
    /** 20 GetQueryResults pages; values with quotes, commas and newlines. */
    static final String SQL = "SELECT value AS v, concat('row \"', CAST(value AS VARCHAR), '\", with\ncomma') AS s "
            + "FROM range(20000) ORDER BY v";

    /** Its own server: faults are armed server-wide. */
    @RegisterExtension
    static final LocalAthena athena = LocalAthena.perClass();
    private static String plain;

    @AfterEach
    void disarm() throws Exception {
        athena.admin("DELETE", "/_athena_local/faults", null);
    }

    private static void arm(String operation, String kind, int count, int delayMs) throws Exception {
        athena.admin("POST", "/_athena_local/faults", "{\"operation\":\"" + operation + "\",\"kind\":\"" + kind
                + "\",\"count\":" + count + ",\"delay_ms\":" + delayMs + "}");
    }

    private static int armedLeft() throws Exception {
        String list = athena.admin("GET", "/_athena_local/faults", null);
        return list.replaceAll("\\s", "").equals("[]") ? 0 : 1;
    }

    /** Reads SQL through the URL with the fault armed once the first page is in: mid-result. */
    private static String readWithFaultWhilePaging(String url, String kind, int count, int delayMs) throws Exception {
        List<String> lines = new ArrayList<String>();
        try (Connection c = DriverManager.getConnection(url);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(SQL)) {
            arm("GetQueryResults", kind, count, delayMs);
            while (rs.next()) {
                lines.add(rs.getLong(1) + "|" + rs.getString(2));
            }
        }
        assertEquals(0, armedLeft(), "every armed fault was met");
        return Checksums.sha256(lines);
    }

    @ParameterizedTest(name = "{0} x{1} while paging through GetQueryResults")
    @CsvSource({"throttle,8", "unavailable,8", "internal_error,8", "cut_body,4", "malformed,2"})
    void pagesSurviveFaults(String kind, int count) throws Exception {
        String viaFaults = readWithFaultWhilePaging(athena.url("ResultFetcher=GetQueryResults"), kind, count, 0);
        assertEquals(expectedPlain(), viaFaults, "the same rows as without faults");
    }

    @Test
    void tenSecondsOfDroppedConnectionsWhilePagingAreRiddenOut() throws Exception {
        long started;
        List<String> lines = new ArrayList<String>();
        try (Connection c = DriverManager.getConnection(athena.url("ResultFetcher=GetQueryResults"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(SQL)) {
            // Every page call's answer is cut off for ten seconds, with the default retry settings.
            athena.admin("POST", "/_athena_local/faults",
                    "{\"operation\":\"GetQueryResults\",\"kind\":\"cut_body\",\"for_ms\":10000}");
            started = System.nanoTime();
            while (rs.next()) {
                lines.add(rs.getLong(1) + "|" + rs.getString(2));
            }
        }
        assertTrue(System.nanoTime() - started >= 10_000_000_000L, "the outage was met");
        assertEquals(expectedPlain(), Checksums.sha256(lines), "the same rows as without the outage");
    }

    @Test
    void aStalledPageIsRetriedAfterTheNetworkTimeout() throws Exception {
        String viaFaults = readWithFaultWhilePaging(
                athena.url("ResultFetcher=GetQueryResults;NetworkTimeoutMillis=1000"), "delay", 2, 5000);
        assertEquals(expectedPlain(), viaFaults);
    }

    /** The fault-free rows in the form readWithFaultWhilePaging digests them. */
    private static synchronized String expectedPlain() throws Exception {
        if (plain == null) {
            List<String> lines = new ArrayList<String>();
            try (Connection c = DriverManager.getConnection(athena.url("ResultFetcher=GetQueryResults"));
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery(SQL)) {
                while (rs.next()) {
                    lines.add(rs.getLong(1) + "|" + rs.getString(2));
                }
            }
            assertEquals(20000, lines.size());
            plain = Checksums.sha256(lines);
        }
        return plain;
    }

    @Test
    void aPageThatNeverParsesIsAnErrorNamingTheQuery() throws Exception {
        try (Connection c = DriverManager.getConnection(athena.url("ResultFetcher=GetQueryResults"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(SQL)) {
            String id = s.unwrap(AthenaStatement.class).getQueryExecutionId();
            arm("GetQueryResults", "malformed", 50, 0);
            SQLException e = readUntilItFails(rs);
            assertTrue(e.getMessage().contains("not readable"), e.getMessage());
            assertTrue(e.getMessage().contains(id), e.getMessage());
        }
    }

    @Test
    void withRetriesOffThrottlingWhilePagingIsATransientError() throws Exception {
        try (Connection c = DriverManager.getConnection(athena.url("ResultFetcher=GetQueryResults;NumRetries=0"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(SQL)) {
            String id = s.unwrap(AthenaStatement.class).getQueryExecutionId();
            arm("GetQueryResults", "unavailable", 50, 0);
            SQLException e = readUntilItFails(rs);
            assertEquals("08S01", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("ServiceUnavailableException"), e.getMessage());
            assertTrue(e.getMessage().contains(id), e.getMessage());
        }
    }

    @ParameterizedTest(name = "{1} x{2} on {0}")
    @CsvSource({"S3,throttle,6", "S3,unavailable,6", "S3,cut_body,3", "S3,malformed,2", "UNLOAD,cut_body,3",
            "UNLOAD,unavailable,6"})
    void s3ReadsSurviveFaults(String fetcher, String kind, int count) throws Exception {
        String setting = fetcher.equals("UNLOAD") ? "Unload=true" : "ResultFetcher=S3";
        String url = athena.url("S3Endpoint=" + athena.endpoint() + ";" + setting);
        String sql = SQL.replace(" ORDER BY v", "");
        String clean = FetcherTest.checksum(url, sql, new long[1]);
        arm("GetObject", kind, count, 0);
        long[] rows = new long[1];
        String viaFaults = FetcherTest.checksum(url, sql, rows);
        assertEquals(0, armedLeft(), "every armed fault was met");
        assertEquals(20000, rows[0]);
        assertEquals(clean, viaFaults, "the same rows as without faults");
        assertEquals(clean, FetcherTest.checksum(athena.url("ResultFetcher=GetQueryResults"), sql, rows));
    }

    @Test
    void theQueryTimeoutBoundsTheWaitForAPage() throws Exception {
        try (Connection c = DriverManager.getConnection(athena.url("ResultFetcher=GetQueryResults"));
             Statement s = c.createStatement()) {
            s.setQueryTimeout(1);
            try (ResultSet rs = s.executeQuery(SQL.replace("20000", "200000"))) {
                String id = s.unwrap(AthenaStatement.class).getQueryExecutionId();
                arm("GetQueryResults", "delay", 1, 4000);
                long started = System.nanoTime();
                SQLException e = readUntilItFails(rs);
                assertTrue(e instanceof SQLTimeoutException, e.toString());
                assertTrue(System.nanoTime() - started < 3_500_000_000L, "the wait ended at the query timeout");
                assertEquals("HYT00", e.getSQLState());
                assertTrue(e.getMessage().contains(id), e.getMessage());
            }
        }
    }

    @Test
    void aCancelInterruptsAWaitForAPage() throws Exception {
        try (Connection c = DriverManager.getConnection(athena.url("ResultFetcher=GetQueryResults"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(SQL)) {
            String id = s.unwrap(AthenaStatement.class).getQueryExecutionId();
            arm("GetQueryResults", "delay", 1, 20000);
            Thread canceller = new Thread(() -> {
                try {
                    Thread.sleep(1000);
                    s.cancel();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            canceller.start();
            long started = System.nanoTime();
            SQLException e = readUntilItFails(rs);
            canceller.join();
            assertTrue(System.nanoTime() - started < 10_000_000_000L, "the wait for the stalled page ended at the cancel");
            assertEquals("57014", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains(id), e.getMessage());
        }
    }

    @Test
    void theLoginTimeoutBoundsConnecting() throws Exception {
        arm("GetWorkGroup", "delay", 1, 5000);
        DriverManager.setLoginTimeout(1);
        try {
            long started = System.nanoTime();
            SQLTimeoutException e = assertThrows(SQLTimeoutException.class,
                    () -> DriverManager.getConnection(athena.url()).close());
            assertTrue(System.nanoTime() - started < 4_000_000_000L, "connecting stopped at the login timeout");
            assertEquals("HYT00", e.getSQLState());
            assertTrue(e.getMessage().contains("login timeout"), e.getMessage());
        } finally {
            DriverManager.setLoginTimeout(0);
        }
        try (Connection c = DriverManager.getConnection(athena.url())) {
            assertTrue(c.isValid(5), "connecting works again without the timeout");
        }
    }

    /** Reads to the end, which must not come: the SQLException that stopped the reading. */
    private static SQLException readUntilItFails(ResultSet rs) {
        return assertThrows(SQLException.class, () -> {
            while (rs.next()) {
                rs.getString(2);
            }
        });
    }
}
