package io.athenanative.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A query's statistics, the progress monitor, the scan cap and the cost warning (issue 20, items 4 and 5). */
class QueryStatisticsTest {
    @RegisterExtension
    static final LocalAthena athena = LocalAthena.perClass();

    /** The next SELECT stays RUNNING this long, its bytes scanned growing meanwhile. */
    private static void holdNextQuery(long millis) throws Exception {
        athena.admin("POST", "/_athena_local/faults",
                "{\"operation\": \"StartQueryExecution\", \"kind\": \"query_delay\", \"delay_ms\": " + millis + "}");
    }

    private static String serverState(String id) throws Exception {
        return LocalAthena.jsonString(athena.admin("GET", "/_athena_local/queries/" + id, null), "state");
    }

    @Test
    void theLastQuerysStatisticsAreWhole() throws Exception {
        try (Connection c = DriverManager.getConnection(athena.url()); Statement s = c.createStatement()) {
            AthenaStatement statement = s.unwrap(AthenaStatement.class);
            assertNull(statement.getQueryStatistics(), "no query yet");
            try (ResultSet rs = s.executeQuery("SELECT * FROM cities")) {
                assertTrue(rs.next());
            }
            AthenaQueryStatistics stats = statement.getQueryStatistics();
            assertNotNull(stats);
            assertEquals(statement.getQueryExecutionId(), stats.getQueryExecutionId());
            assertEquals("SUCCEEDED", stats.getState());
            assertTrue(stats.getDataScannedInBytes() > 0, stats.toString());
            assertEquals(statement.getDataScannedInBytes(), stats.getDataScannedInBytes());
            assertTrue(stats.getEngineExecutionTimeMillis() >= 0, stats.toString());
            assertTrue(stats.getQueryQueueTimeMillis() >= 0, stats.toString());
            assertTrue(stats.getTotalExecutionTimeMillis() >= stats.getEngineExecutionTimeMillis(), stats.toString());
            assertFalse(stats.isResultReused());
            assertTrue(stats.toString().contains(stats.getQueryExecutionId()), stats.toString());
        }
    }

    @Test
    void theProgressMonitorHearsEachPollOnTheStatementsThread() throws Exception {
        try (Connection c = DriverManager.getConnection(athena.url()); Statement s = c.createStatement()) {
            AthenaStatement statement = s.unwrap(AthenaStatement.class);
            List<AthenaQueryStatistics> heard = new ArrayList<AthenaQueryStatistics>();
            List<Thread> threads = new ArrayList<Thread>();
            statement.setProgressMonitor(stats -> {
                heard.add(stats);
                threads.add(Thread.currentThread());
            });
            holdNextQuery(1500);
            try (ResultSet rs = s.executeQuery("SELECT name FROM cities")) {
                assertTrue(rs.next());
            }
            assertTrue(heard.size() >= 3, heard.toString());
            assertTrue(heard.stream().anyMatch(h -> h.getState().equals("RUNNING")), heard.toString());
            AthenaQueryStatistics last = heard.get(heard.size() - 1);
            assertEquals("SUCCEEDED", last.getState());
            assertEquals(statement.getDataScannedInBytes(), last.getDataScannedInBytes());
            long before = -1;
            for (AthenaQueryStatistics h : heard) {
                assertEquals(statement.getQueryExecutionId(), h.getQueryExecutionId());
                assertTrue(h.getDataScannedInBytes() >= before, "bytes scanned only grow: " + heard);
                before = h.getDataScannedInBytes();
            }
            // Running figures: some poll saw part of the bytes.
            assertTrue(heard.stream().anyMatch(h -> h.getState().equals("RUNNING") && h.getDataScannedInBytes() > 0
                    && h.getDataScannedInBytes() < last.getDataScannedInBytes()), heard.toString());
            for (Thread t : threads) {
                assertSame(Thread.currentThread(), t);
            }
            // Removed, it hears no more.
            statement.setProgressMonitor(null);
            int count = heard.size();
            s.executeQuery("SELECT 1").close();
            assertEquals(count, heard.size());
        }
    }

    @Test
    void aMonitorThatRunsAQueryOfItsOwnGetsAClearError() throws Exception {
        try (Connection c = DriverManager.getConnection(athena.url()); Statement s = c.createStatement();
             Statement other = c.createStatement()) {
            List<String> refused = new ArrayList<String>();
            s.unwrap(AthenaStatement.class).setProgressMonitor(stats -> {
                try {
                    other.executeQuery("SELECT 1");
                } catch (SQLException e) {
                    refused.add(e.getSQLState() + " " + e.getMessage());
                }
            });
            try (ResultSet rs = s.executeQuery("SELECT name FROM cities")) {
                assertTrue(rs.next(), "the statement itself is unharmed");
            }
            assertFalse(refused.isEmpty());
            assertTrue(refused.get(0).startsWith("HY010 "), refused.toString());
            assertTrue(refused.get(0).contains("another thread"), refused.toString());
        }
    }

    @Test
    void aMonitorThatThrowsStopsTheQuery() throws Exception {
        try (Connection c = DriverManager.getConnection(athena.url()); Statement s = c.createStatement()) {
            AthenaStatement statement = s.unwrap(AthenaStatement.class);
            IllegalStateException enough = new IllegalStateException("enough");
            statement.setProgressMonitor(stats -> {
                if (stats.getState().equals("RUNNING")) {
                    throw enough;
                }
            });
            holdNextQuery(30_000);
            SQLException e = assertThrows(SQLException.class, () -> s.executeQuery("SELECT * FROM cities"));
            assertEquals("57014", e.getSQLState());
            assertSame(enough, e.getCause());
            assertTrue(e.getMessage().contains("progress monitor"), e.getMessage());
            assertTrue(e.getMessage().contains(statement.getQueryExecutionId()), e.getMessage());
            assertEquals("CANCELLED", serverState(statement.getQueryExecutionId()));
        }
    }

    @Test
    void theScanCapStopsAQueryThatScansMore() throws Exception {
        try (Connection c = DriverManager.getConnection(athena.url("MaxBytesScannedPerQuery=100"));
             Statement s = c.createStatement()) {
            AthenaStatement statement = s.unwrap(AthenaStatement.class);
            // cities.csv is some 300 bytes, read whole: held 6 s, the running figure passes 100 after about 2 s.
            holdNextQuery(6_000);
            SQLException e = assertThrows(SQLException.class, () -> s.executeQuery("SELECT * FROM cities"));
            String id = statement.getQueryExecutionId();
            assertEquals("57014", e.getSQLState());
            assertTrue(e.getMessage().contains("MaxBytesScannedPerQuery (100)"), e.getMessage());
            assertTrue(e.getMessage().contains(id), e.getMessage());
            AthenaQueryStatistics stats = statement.getQueryStatistics();
            assertTrue(e.getMessage().contains("scanned " + stats.getDataScannedInBytes() + " bytes"), e.getMessage());
            assertTrue(stats.getDataScannedInBytes() > 100, stats.toString());
            assertEquals("CANCELLED", serverState(id));
        }
    }

    @Test
    void aQueryThatFinishedOverTheCapGivesItsRowsWithAWarning() throws Exception {
        try (Connection c = DriverManager.getConnection(athena.url("MaxBytesScannedPerQuery=100"));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM cities")) {
            assertTrue(rs.next());
            SQLWarning w = rs.getWarnings();
            assertNotNull(w);
            assertTrue(w.getMessage().contains("more than MaxBytesScannedPerQuery (100)"), w.getMessage());
        }
        // Under the cap, no warning.
        try (Connection c = DriverManager.getConnection(athena.url("MaxBytesScannedPerQuery=1000000"));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM cities")) {
            assertNull(rs.getWarnings());
        }
    }

    @Test
    void theCostWarningSaysWhatAthenaBills() throws Exception {
        try (Connection c = DriverManager.getConnection(athena.url("ScanCostWarning=true;PricePerTerabyteScanned=5"));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM cities")) {
            long scanned = s.unwrap(AthenaStatement.class).getDataScannedInBytes();
            SQLWarning w = rs.getWarnings();
            assertNotNull(w);
            assertTrue(w.getMessage().contains("scanned " + scanned + " bytes"), w.getMessage());
            // Under 10 MB: Athena bills 10 MB, 10/2^20 TB at 5 per TB.
            assertTrue(w.getMessage().contains("bills 10485760 bytes"), w.getMessage());
            assertTrue(w.getMessage().contains("costs 0.000048"), w.getMessage());
        }
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(athena.url("PricePerTerabyteScanned=5")));
        assertTrue(e.getMessage().contains("PricePerTerabyteScanned"), e.getMessage());
    }
}
