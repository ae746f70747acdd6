package io.athenanative.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Network faults measured from outside, through a real TCP proxy between the driver and athena-local: a
 * connection whose answers stall for ever ends with a clear error within the documented bound (never a hang),
 * and the short blips a pool meets at start-up (resets, answers cut short, 500s, throttling) are ridden out.
 */
class StallProxyTest {
    /** 20 GetQueryResults pages. */
    private static final String SQL = "SELECT value AS v, concat('row ', CAST(value AS VARCHAR)) AS s FROM range(20000)";
    /** Small bounds, so that a stall ends in seconds: 1 s without a byte, 4 s for a call with its retries. */
    private static final String FAST = "SocketTimeout=1000;CallTimeoutMillis=4000";

    /** Its own server: faults are armed server-wide. */
    @RegisterExtension
    static final LocalAthena athena = LocalAthena.perClass();

    private FaultProxy proxy;

    @BeforeEach
    void open() throws Exception {
        proxy = FaultProxy.to(athena.port());
    }

    @AfterEach
    void closeAndDisarm() throws Exception {
        proxy.close();
        athena.admin("DELETE", "/_athena_local/faults", null);
    }

    private String viaProxy(String extra) {
        return "jdbc:athena://Region=us-east-1;AthenaEndpoint=" + proxy.endpoint() + ";User=test;Password=test"
                + (extra.isEmpty() ? "" : ";" + extra);
    }

    private static double secondsSince(long started) {
        return (System.nanoTime() - started) / 1e9;
    }

    /** The error a user sees names what stalled and the setting that bounds it. */
    private static void assertClearStallError(SQLException e, String operation) {
        String m = e.getMessage();
        assertTrue(e.getSQLState().equals("08S01") || e.getSQLState().equals("HYT00"), e.getSQLState() + ": " + m);
        assertTrue(m.contains(operation), "names " + operation + ": " + m);
        assertTrue(m.contains("CallTimeoutMillis") || m.contains("SocketTimeout"), "names the bounding setting: " + m);
    }

    @ParameterizedTest(name = "answers stall after {0} bytes")
    @ValueSource(ints = {0, 40})
    void aStallAtConnectIsAClearErrorWithinTheCallTimeout(int answerBytes) {
        proxy.stall(answerBytes);
        long started = System.nanoTime();
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(viaProxy(FAST)).close());
        double seconds = secondsSince(started);
        assertTrue(seconds < 8, "ended near CallTimeoutMillis=4000, not later: " + seconds + " s");
        assertClearStallError(e, "GetWorkGroup");
    }

    /**
     * THE ONE SLOW TEST (about 60 s): default settings, as a user gets them. A connection whose answers stall
     * for ever at connect ends with a clear error within the documented 60 s (CallTimeoutMillis), where it
     * used to wait 60 s per attempt times the attempts.
     */
    @Test
    void withDefaultSettingsAStallAtConnectEndsWithinSixtySeconds() {
        proxy.stall(0);
        long started = System.nanoTime();
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(viaProxy("")).close());
        double seconds = secondsSince(started);
        assertTrue(seconds <= 65, "a stall at connect ends within the default 60 s: " + seconds + " s");
        assertClearStallError(e, "GetWorkGroup");
    }

    @ParameterizedTest(name = "answers stall after {0} bytes")
    @ValueSource(ints = {0, 300})
    void aStallInTheMiddleOfAResultIsAClearError(int answerBytes) throws Exception {
        try (Connection c = DriverManager.getConnection(viaProxy("ResultFetcher=GetQueryResults;" + FAST));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(SQL)) {
            String id = s.unwrap(AthenaStatement.class).getQueryExecutionId();
            assertTrue(rs.next());
            proxy.stall(answerBytes);
            long started = System.nanoTime();
            SQLException e = assertThrows(SQLException.class, () -> {
                while (rs.next()) {
                    rs.getString(2);
                }
            });
            double seconds = secondsSince(started);
            assertTrue(seconds < 10, "ended near CallTimeoutMillis=4000, not later: " + seconds + " s");
            assertClearStallError(e, "GetQueryResults");
            assertTrue(e.getMessage().contains(id), e.getMessage());
        }
    }

    @Test
    void aStalledResultFileIsAClearError() throws Exception {
        // Athena's API answers; the S3 endpoint, behind the proxy, stalls.
        String url = athena.url("ResultFetcher=S3;S3Endpoint=" + proxy.endpoint() + ";" + FAST);
        proxy.stall(0);
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            long started = System.nanoTime();
            SQLException e = assertThrows(SQLException.class, () -> {
                try (ResultSet rs = s.executeQuery(SQL)) {
                    while (rs.next()) {
                        rs.getString(2);
                    }
                }
            });
            double seconds = secondsSince(started);
            assertTrue(seconds < 12, "ended near CallTimeoutMillis=4000, not later: " + seconds + " s");
            assertClearStallError(e, "GetObject");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"throttle", "throttling"})
    void threeThrottlesInARowOfStartQueryExecutionAreRiddenOut(String kind) throws Exception {
        try (Connection c = DriverManager.getConnection(athena.url()); Statement s = c.createStatement()) {
            athena.admin("POST", "/_athena_local/faults",
                    "{\"operation\":\"StartQueryExecution\",\"kind\":\"" + kind + "\",\"count\":3}");
            try (ResultSet rs = s.executeQuery("SELECT 42")) {
                assertTrue(rs.next());
                assertEquals(42, rs.getInt(1));
            }
            assertEquals("[]", athena.admin("GET", "/_athena_local/faults", null).replaceAll("\\s", ""),
                    "the three throttles were met");
        }
    }

    @Test
    void resetsAtConnectForThreeSecondsAreRiddenOut() throws Exception {
        proxy.resetFor(3000);
        long started = System.nanoTime();
        try (Connection c = DriverManager.getConnection(viaProxy(""))) {
            assertTrue(secondsSince(started) >= 2.5, "the resets were met");
            assertTrue(proxy.resets() >= 3, "resets: " + proxy.resets());
            assertTrue(c.isValid(5));
        }
    }

    @Test
    void answersCutShortAtConnectForThreeSecondsAreRiddenOut() throws Exception {
        proxy.cutFor(3000, 60);
        long started = System.nanoTime();
        try (Connection c = DriverManager.getConnection(viaProxy(""))) {
            assertTrue(secondsSince(started) >= 2.5, "the cut answers were met");
            assertTrue(c.isValid(5));
        }
    }

    @Test
    void http500sFromGetWorkGroupForThreeSecondsAreRiddenOut() throws Exception {
        athena.admin("POST", "/_athena_local/faults",
                "{\"operation\":\"GetWorkGroup\",\"kind\":\"internal_error\",\"for_ms\":3000}");
        long started = System.nanoTime();
        try (Connection c = DriverManager.getConnection(viaProxy(""))) {
            assertTrue(secondsSince(started) >= 2.5, "the 500s were met");
            assertTrue(c.isValid(5));
        }
    }
}
