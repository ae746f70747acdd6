package io.athenanative.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Cancel and the query timeout at the instants where they used to be lost or late: while a poll is
 * stalled, while StopQueryExecution is slow to answer, and while the results are being opened.
 */
class CancelWindowsTest {
    /** Its own server: faults are armed server-wide. */
    @RegisterExtension
    static final LocalAthena athena = LocalAthena.perClass();

    @AfterEach
    void disarm() throws Exception {
        athena.admin("DELETE", "/_athena_local/faults", null);
    }

    private static void arm(String operation, String kind, int delayMs) throws Exception {
        athena.admin("POST", "/_athena_local/faults", "{\"operation\":\"" + operation + "\",\"kind\":\"" + kind
                + "\",\"count\":1,\"delay_ms\":" + delayMs + "}");
    }

    /** Runs SQL on another thread; the outcome (null, or what it threw) and when it came. */
    private static final class Runner extends Thread {
        final AtomicReference<Throwable> outcome = new AtomicReference<Throwable>();
        final AtomicLong endedAt = new AtomicLong();
        private final Statement statement;
        private final String sql;

        Runner(Statement statement, String sql) {
            this.statement = statement;
            this.sql = sql;
        }

        @Override
        public void run() {
            try {
                statement.executeQuery(sql).close();
            } catch (Throwable t) {
                outcome.set(t);
            } finally {
                endedAt.set(System.nanoTime());
            }
        }

        String awaitQueryId() throws Exception {
            String id = null;
            for (int i = 0; i < 400 && id == null; i++) {
                Thread.sleep(25);
                id = statement.unwrap(AthenaStatement.class).getQueryExecutionId();
            }
            assertNotNull(id, "the query started");
            return id;
        }

        SQLException failure() throws InterruptedException {
            join(60_000);
            assertFalse(isAlive(), "the executing thread returned");
            assertTrue(outcome.get() instanceof SQLException, String.valueOf(outcome.get()));
            return (SQLException) outcome.get();
        }
    }

    @Test
    void theQueryTimeoutEndsAStalledPoll() throws Exception {
        try (Connection c = DriverManager.getConnection(athena.url()); Statement s = c.createStatement()) {
            arm("StartQueryExecution", "query_delay", 60_000);
            // The first poll's answer stalls for 30 s: the 2 s timeout must not wait for it.
            arm("GetQueryExecution", "delay", 30_000);
            s.setQueryTimeout(2);
            long started = System.nanoTime();
            Runner runner = new Runner(s, "SELECT 1");
            runner.start();
            SQLException e = runner.failure();
            assertEquals("HYT00", e.getSQLState(), e.getMessage());
            assertTrue(runner.endedAt.get() - started < 10_000_000_000L,
                    "the timeout ended the stalled poll, after " + (runner.endedAt.get() - started) / 1_000_000 + " ms");
        }
    }

    @Test
    void aCancelEndsTheWaitWithoutWaitingForStopQueryExecution() throws Exception {
        try (Connection c = DriverManager.getConnection(athena.url()); Statement s = c.createStatement()) {
            arm("StartQueryExecution", "query_delay", 60_000);
            arm("StopQueryExecution", "delay", 8_000);
            Runner runner = new Runner(s, "SELECT 1");
            runner.start();
            String id = runner.awaitQueryId();
            long cancelled = System.nanoTime();
            s.cancel();
            SQLException e = runner.failure();
            assertEquals("57014", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains(id), e.getMessage());
            assertTrue(runner.endedAt.get() < cancelled + 4_000_000_000L,
                    "the executing thread failed before StopQueryExecution answered");
            assertTrue(System.nanoTime() - cancelled >= 7_000_000_000L, "cancel() returned once Athena answered");
        }
    }

    @Test
    void aCancelWhileTheResultsOpenEndsTheWait() throws Exception {
        try (Connection c = DriverManager.getConnection(athena.url("ResultFetcher=GetQueryResults"));
             Statement s = c.createStatement()) {
            // The query ends at once; its first page takes 30 s.
            arm("GetQueryResults", "delay", 30_000);
            Runner runner = new Runner(s, "SELECT value FROM range(10)");
            runner.start();
            String id = runner.awaitQueryId();
            Thread.sleep(1500);
            long cancelled = System.nanoTime();
            s.cancel();
            SQLException e = runner.failure();
            assertEquals("57014", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains(id), e.getMessage());
            assertTrue(runner.endedAt.get() - cancelled < 10_000_000_000L,
                    "the cancel ended the wait for the first page");
        }
    }
}
