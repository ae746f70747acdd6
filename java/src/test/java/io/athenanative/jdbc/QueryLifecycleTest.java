package io.athenanative.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLSyntaxErrorException;
import java.sql.SQLTimeoutException;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Failures, cancellation, timeouts and statement semantics, checked on the server too. */
class QueryLifecycleTest {
    /** Runs for minutes in DataFusion (no statistics shortcut), so only a stop ends it early. */
    static final String SLOW_QUERY = "SELECT sum(value % 7) FROM range(1, 100000000000)";

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

    private String serverState(String queryExecutionId) throws Exception {
        String json = athena.admin("GET", "/_athena_local/queries/" + queryExecutionId, null);
        int at = json.indexOf("\"state\"");
        assertTrue(at >= 0, json);
        int start = json.indexOf('"', json.indexOf(':', at) + 1) + 1;
        return json.substring(start, json.indexOf('"', start));
    }

    @Test
    void failingQueryCarriesAthenasMessageAndTheQueryExecutionId() throws Exception {
        try (Statement s = connection.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.executeQuery("SELECT no_such_column FROM cities"));
            assertTrue(e instanceof SQLSyntaxErrorException, e.getClass().getName());
            assertEquals("42000", e.getSQLState());
            assertTrue(e.getMessage().contains("no_such_column"), e.getMessage());
            String id = s.unwrap(AthenaStatement.class).getQueryExecutionId();
            assertNotNull(id);
            assertTrue(e.getMessage().contains("QueryExecutionId: " + id), e.getMessage());
            assertEquals("FAILED", serverState(id));
        }
    }

    @Test
    void cancelFromAnotherThreadStopsTheQueryOnTheServer() throws Exception {
        try (Statement s = connection.createStatement()) {
            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<Throwable> outcome = new AtomicReference<Throwable>();
            Thread runner = new Thread(() -> {
                try {
                    started.countDown();
                    s.executeQuery(SLOW_QUERY);
                } catch (Throwable t) {
                    outcome.set(t);
                }
            });
            runner.start();
            assertTrue(started.await(10, TimeUnit.SECONDS));
            String id = null;
            for (int i = 0; i < 200 && id == null; i++) {
                Thread.sleep(50);
                id = s.unwrap(AthenaStatement.class).getQueryExecutionId();
            }
            assertNotNull(id, "the query started");
            s.cancel();
            runner.join(30_000);
            assertFalse(runner.isAlive(), "the waiting thread returned");
            assertTrue(outcome.get() instanceof SQLException, String.valueOf(outcome.get()));
            SQLException e = (SQLException) outcome.get();
            assertEquals("57014", e.getSQLState());
            assertTrue(e.getMessage().contains(id), e.getMessage());
            assertEquals("CANCELLED", serverState(id));
        }
    }

    /**
     * One cancel at a random instant from 1 to 40 ms after execute begins (while the query is being
     * started, just started, or polled), on 4 threads at once: each must stop the query on the server.
     */
    @Test
    void cancelAtAnyInstantStopsTheQuery() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            java.util.List<java.util.concurrent.Future<String>> runs = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                runs.add(pool.submit(() -> {
                    java.util.Random random = new java.util.Random();
                    StringBuilder report = new StringBuilder();
                    for (int i = 0; i < 10; i++) {
                        try (Statement s = connection.createStatement()) {
                            s.setQueryTimeout(20);
                            int delayMicros = 1000 + random.nextInt(39_000);
                            java.util.concurrent.Future<?> canceller = cancelLater(pool, s, delayMicros);
                            SQLException e = assertThrows(SQLException.class, () -> s.executeQuery(SLOW_QUERY));
                            canceller.get(10, TimeUnit.SECONDS);
                            assertEquals("57014", e.getSQLState(), "cancel after " + delayMicros + " us: " + e.getMessage());
                            String id = s.unwrap(AthenaStatement.class).getQueryExecutionId();
                            assertNotNull(id);
                            assertEquals("CANCELLED", serverState(id), "cancel after " + delayMicros + " us");
                            report.append(delayMicros).append(' ');
                        }
                    }
                    return report.toString();
                }));
            }
            for (java.util.concurrent.Future<String> run : runs) {
                assertFalse(run.get(120, TimeUnit.SECONDS).isEmpty());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void cancelWhileReadingEndsTheRowsWithAnError() throws Exception {
        try (Connection c = DriverManager.getConnection(athena.url("ResultFetcher=GetQueryResults"));
                Statement s = c.createStatement()) {
            s.setFetchSize(1000);
            ResultSet rs = s.executeQuery("SELECT value FROM range(200000) ORDER BY value");
            String id = s.unwrap(AthenaStatement.class).getQueryExecutionId();
            long rows = 0;
            while (rows < 1500 && rs.next()) {
                rows++;
            }
            s.cancel();
            SQLException e = assertThrows(SQLException.class, rs::next);
            assertEquals("57014", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains(id), e.getMessage());
            assertFalse(rs.next(), "no rows after the cancel");
            rs.close();
            assertTrue(s.executeQuery("SELECT 1").next(), "the statement runs again after a cancel");
        }
    }

    /** Cancels at random instants from execute to the end of the rows: all the rows, or a 57014, never fewer. */
    @Test
    void cancelAtAnyInstantOfTheReadGivesAllRowsOrAnError() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        java.util.concurrent.atomic.AtomicInteger whileReading = new java.util.concurrent.atomic.AtomicInteger();
        try (Connection c = DriverManager.getConnection(athena.url("ResultFetcher=GetQueryResults"))) {
            java.util.List<java.util.concurrent.Future<?>> runs = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                runs.add(pool.submit(() -> {
                    java.util.Random random = new java.util.Random();
                    for (int i = 0; i < 10; i++) {
                        try (Statement s = c.createStatement()) {
                            int delayMicros = random.nextInt(150_000);
                            java.util.concurrent.Future<?> canceller = cancelLater(pool, s, delayMicros);
                            long rows = 0;
                            long sum = 0;
                            boolean executed = false;
                            try (ResultSet rs = s.executeQuery("SELECT value FROM range(20000)")) {
                                executed = true;
                                while (rs.next()) {
                                    sum += rs.getLong(1);
                                    rows++;
                                }
                                assertEquals(20000, rows, "without an error, every row");
                                assertEquals(19999L * 20000 / 2, sum);
                            } catch (SQLException e) {
                                assertEquals("57014", e.getSQLState(), "cancel after " + delayMicros + " us: " + e.getMessage());
                                String id = s.unwrap(AthenaStatement.class).getQueryExecutionId();
                                if (id != null) {
                                    assertTrue(e.getMessage().contains(id), e.getMessage());
                                }
                                if (executed) {
                                    whileReading.incrementAndGet();
                                }
                            }
                            canceller.get(10, TimeUnit.SECONDS);
                        }
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> run : runs) {
                run.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(whileReading.get() > 0, "some cancels came while rows were read");
    }

    /** Cancels {@code s} from a thread of the pool {@code delayMicros} from now. */
    private static java.util.concurrent.Future<?> cancelLater(java.util.concurrent.ExecutorService pool, Statement s,
            int delayMicros) {
        long at = System.nanoTime() + delayMicros * 1000L;
        return pool.submit(() -> {
            TimeUnit.NANOSECONDS.sleep(Math.max(0, at - System.nanoTime()));
            s.cancel();
            return null;
        });
    }

    @Test
    void queryTimeoutStopsTheQueryOnTheServer() throws Exception {
        try (Statement s = connection.createStatement()) {
            s.setQueryTimeout(1);
            SQLTimeoutException e = assertThrows(SQLTimeoutException.class, () -> s.executeQuery(SLOW_QUERY));
            assertEquals("HYT00", e.getSQLState());
            String id = s.unwrap(AthenaStatement.class).getQueryExecutionId();
            assertTrue(e.getMessage().contains(id), e.getMessage());
            assertEquals("CANCELLED", serverState(id));
        }
    }

    @Test
    void ddlGivesAnUpdateCountAndSelectGivesRows() throws SQLException {
        try (Statement s = connection.createStatement()) {
            assertFalse(s.execute("CREATE VIEW lifecycle_v AS SELECT 1 AS x"));
            assertEquals(0, s.getUpdateCount());
            assertNull(s.getResultSet());
            assertTrue(s.execute("SELECT 1"));
            ResultSet rs = s.getResultSet();
            assertNotNull(rs);
            assertEquals(-1, s.getUpdateCount());
            assertFalse(s.getMoreResults());
            assertTrue(rs.isClosed(), "getMoreResults closes the current result");
            assertNull(s.getResultSet());
            assertEquals(-1, s.getUpdateCount());
            assertEquals(0, s.executeUpdate("DROP VIEW lifecycle_v"));
            assertThrows(SQLException.class, () -> s.executeUpdate("SELECT 1"));
        }
    }

    @Test
    void closedObjectsRefuseWork() throws SQLException {
        Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT 1");
        s.close();
        s.close();
        assertTrue(rs.isClosed(), "closing a statement closes its result set");
        SQLException e = assertThrows(SQLException.class, () -> s.executeQuery("SELECT 1"));
        assertEquals("HY010", e.getSQLState());
        assertThrows(SQLException.class, rs::next);
    }

    @Test
    void unsupportedFeaturesSaySo() throws SQLException {
        assertThrows(SQLFeatureNotSupportedException.class, () -> connection.prepareCall("x"));
        assertThrows(SQLFeatureNotSupportedException.class, () -> connection.setAutoCommit(false));
        assertThrows(SQLFeatureNotSupportedException.class, () -> connection.createStatement(ResultSet.TYPE_SCROLL_INSENSITIVE, ResultSet.CONCUR_READ_ONLY));
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
            assertTrue(rs.next());
            assertThrows(SQLFeatureNotSupportedException.class, () -> rs.updateInt(1, 2));
            assertThrows(SQLFeatureNotSupportedException.class, rs::previous);
            assertThrows(SQLFeatureNotSupportedException.class, () -> s.executeUpdate("SELECT 1", new int[] {1}));
        }
        assertThrows(SQLFeatureNotSupportedException.class, () -> connection.prepareStatement("SELECT 1", new String[] {"id"}));
        assertTrue(connection.getAutoCommit());
        assertThrows(SQLException.class, connection::commit);
    }
}
