package io.athenanative.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code Unload=true} never turns a valid SELECT into a failure: what UNLOAD cannot do (a column name twice,
 * a type Hive cannot store, CSE_KMS results, a bucket that cannot be listed or is in another Region) gives
 * the rows of the statement run as written, with the reason as an SQLWarning, and leaves no UNLOAD file
 * behind; a user's SQL error is reported once and not run again; a cancel while the statement runs again
 * as written stops that second query.
 */
class UnloadFallbackTest {
    private static Path storage;
    private static LocalAthena athena;

    /** Its own server, whose S3 storage folder the tests inspect for leftover UNLOAD files. */
    @BeforeAll
    static void start() throws IOException {
        // The sample configuration (its "cse" and "managed" workgroups too); athena-local's launcher
        // gives the server a storage folder of its own (--storage-dir).
        athena = LocalAthena.start();
        storage = athena.storageDir();
    }

    @AfterAll
    static void stop() {
        if (athena != null) {
            athena.close();
        }
    }

    @AfterEach
    void disarm() throws Exception {
        athena.admin("DELETE", "/_athena_local/faults", null);
    }

    private static String url(String extra) {
        return athena.url("S3Endpoint=" + athena.endpoint() + ";Unload=true" + (extra.isEmpty() ? "" : ";" + extra));
    }

    /** Every file athena-local holds under an UNLOAD prefix of the driver's, in any bucket. */
    private static List<String> unloadFiles() throws IOException {
        try (Stream<Path> files = Files.walk(storage)) {
            return files.filter(Files::isRegularFile)
                    .map(p -> storage.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> p.contains("athena-jdbc-unload/"))
                    .collect(Collectors.toList());
        }
    }

    /** The driver deletes after the last page, in the background: wait a little for it. */
    private static void assertNoUnloadFiles() throws Exception {
        List<String> left = unloadFiles();
        for (int i = 0; i < 100 && !left.isEmpty(); i++) {
            Thread.sleep(50);
            left = unloadFiles();
        }
        assertEquals(new ArrayList<String>(), left, "UNLOAD files left behind");
    }

    /** The rows of {@code sql}, each as its columns' texts joined with '|', and the warnings' texts. */
    private static List<String> rows(String url, String sql, List<String> warnings) throws SQLException {
        List<String> rows = new ArrayList<String>();
        try (Connection c = DriverManager.getConnection(url);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= columns; i++) {
                    row.append(i > 1 ? "|" : "").append(rs.getString(i));
                }
                rows.add(row.toString());
            }
            for (SQLWarning w = rs.getWarnings(); w != null; w = w.getNextWarning()) {
                warnings.add(w.getMessage());
            }
        }
        rows.sort(null);
        return rows;
    }

    private static List<String> expected(String sql) throws SQLException {
        return rows(athena.url("ResultFetcher=GetQueryResults"), sql, new ArrayList<String>());
    }

    private static String joined(List<String> warnings) {
        return String.join("\n", warnings);
    }

    static final String DUPLICATE_NAMES =
            "SELECT a.name, b.name FROM cities a JOIN cities b ON a.id = b.id";

    @Test
    void duplicateColumnNamesRunAsWritten() throws Exception {
        athena.clearCalls();
        List<String> warnings = new ArrayList<String>();
        List<String> rows = rows(url(""), DUPLICATE_NAMES, warnings);
        assertEquals(expected(DUPLICATE_NAMES), rows);
        assertEquals(8, rows.size());
        assertTrue(rows.contains("Paris|Paris"), rows.toString());
        assertEquals(1, warnings.size(), joined(warnings));
        assertTrue(warnings.get(0).contains("Column name 'name' specified more than once"), joined(warnings));
        assertTrue(warnings.get(0).contains("ran as written"), joined(warnings));
        // The UNLOAD, then the statement as written (the comparison's query is not counted: cleared above).
        assertTrue(athena.callCount("StartQueryExecution") >= 2);
        assertNoUnloadFiles();
    }

    /** Types UNLOAD's Hive writer refuses: time, timestamp with time zone, an interval. */
    @ParameterizedTest
    @ValueSource(strings = {
        "CAST('12:34:56' AS TIME)",
        "from_unixtime(0, 'Europe/Paris')",
        "INTERVAL '2' DAY"})
    void typesHiveCannotStoreRunAsWritten(String expression) throws Exception {
        String sql = "SELECT id, " + expression + " AS v FROM cities";
        List<String> warnings = new ArrayList<String>();
        List<String> rows = rows(url(""), sql, warnings);
        assertEquals(expected(sql), rows);
        assertEquals(8, rows.size());
        assertEquals(1, warnings.size(), joined(warnings));
        assertTrue(warnings.get(0).contains("Unsupported Hive type"), joined(warnings));
        assertNoUnloadFiles();
    }

    /** Known at connect from the workgroup's configuration: no UNLOAD runs at all. */
    @Test
    void clientSideEncryptedResultsRunAsWritten() throws Exception {
        String sql = "SELECT id, name FROM cities";
        athena.clearCalls();
        List<String> warnings = new ArrayList<String>();
        List<String> rows = rows(url("WorkGroup=cse"), sql, warnings);
        assertEquals(1, athena.callCount("StartQueryExecution"), "one query: the statement as written");
        assertEquals(expected(sql), rows);
        assertEquals(1, warnings.size(), joined(warnings));
        assertTrue(warnings.get(0).contains("CSE_KMS"), joined(warnings));
        assertNoUnloadFiles();
    }

    /** Without s3:ListBucket the written files cannot be checked against the manifest. */
    @Test
    void aBucketThatCannotBeListedRunsAsWritten() throws Exception {
        String sql = "SELECT id, name FROM cities";
        List<String> warnings = new ArrayList<String>();
        List<String> rows = rows(url("WorkGroup=nolist"), sql, warnings);
        assertEquals(expected(sql), rows);
        assertEquals(1, warnings.size(), joined(warnings));
        assertTrue(warnings.get(0).contains("AccessDenied"), joined(warnings));
        // The UNLOAD wrote its files; they are deleted by the names the manifest gives.
        assertTrue(athena.callCount("DeleteObjects") >= 1);
        assertNoUnloadFiles();
    }

    /**
     * A bucket in another Region answers 301 with its Region: the driver reads the UNLOAD's files there
     * (nothing is lost, so there is no warning and no second query), then deletes them there.
     */
    @Test
    void aBucketInAnotherRegionIsReadThere() throws Exception {
        String sql = "SELECT id, name FROM cities";
        athena.clearCalls();
        List<String> warnings = new ArrayList<String>();
        List<String> rows = rows(url("WorkGroup=elsewhere"), sql, warnings);
        assertEquals(1, athena.callCount("StartQueryExecution"), "the UNLOAD alone");
        assertEquals(0, athena.callCount("GetQueryResults"), "rows from the UNLOAD's Parquet files");
        assertEquals(expected(sql), rows);
        assertEquals(new ArrayList<String>(), warnings);
        assertNoUnloadFiles();
    }

    @Test
    void aUserSqlErrorIsReportedOnceAndNotRunAgain() throws Exception {
        athena.clearCalls();
        try (Connection c = DriverManager.getConnection(url(""));
             Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class,
                    () -> s.executeQuery("SELECT no_such_column FROM cities"));
            assertTrue(e.getMessage().contains("no_such_column"), e.getMessage());
            String id = s.unwrap(AthenaStatement.class).getQueryExecutionId();
            assertNotNull(id);
            assertTrue(e.getMessage().contains(id), e.getMessage());
        }
        assertEquals(1, athena.callCount("StartQueryExecution"), "the failed UNLOAD is not run again");
        assertNoUnloadFiles();
    }

    /** The statement's second run (as written) is stopped on the server by a cancel, not left running. */
    @Test
    void aCancelDuringTheRunAsWrittenStopsIt() throws Exception {
        // Both the UNLOAD (refused: a column name twice) and its run as written stay RUNNING 2 s.
        athena.admin("POST", "/_athena_local/faults",
                "{\"operation\":\"StartQueryExecution\",\"kind\":\"query_delay\",\"count\":2,\"delay_ms\":2000}");
        athena.clearCalls();
        try (Connection c = DriverManager.getConnection(url(""));
             Statement s = c.createStatement()) {
            AtomicReference<Throwable> outcome = new AtomicReference<Throwable>();
            Thread runner = new Thread(() -> {
                try {
                    s.executeQuery(DUPLICATE_NAMES).close();
                } catch (Throwable t) {
                    outcome.set(t);
                }
            });
            runner.start();
            for (int i = 0; i < 200 && athena.callCount("StartQueryExecution") < 2; i++) {
                Thread.sleep(25);
            }
            assertEquals(2, athena.callCount("StartQueryExecution"), "the run as written started");
            long cancelledAt = System.nanoTime();
            s.cancel();
            runner.join(10_000);
            long waitedMs = (System.nanoTime() - cancelledAt) / 1_000_000;
            assertTrue(waitedMs < 1500, "the cancel ended the wait at once, not after the query: " + waitedMs + " ms");
            assertNotNull(outcome.get(), "the cancelled statement fails");
            assertTrue(outcome.get() instanceof SQLException, String.valueOf(outcome.get()));
        }
        // One StopQueryExecution for the (finished) UNLOAD from cancel(), one for the run as written.
        for (int i = 0; i < 100 && athena.callCount("StopQueryExecution") < 2; i++) {
            Thread.sleep(20);
        }
        assertEquals(2, athena.callCount("StopQueryExecution"), "the run as written was stopped");
        assertNoUnloadFiles();
    }

    /** Queries UNLOAD can write are still unloaded, with no warning. */
    @Test
    void anOrdinarySelectIsStillUnloaded() throws Exception {
        String sql = "SELECT id, name FROM cities";
        athena.clearCalls();
        List<String> warnings = new ArrayList<String>();
        List<String> rows = rows(url(""), sql, warnings);
        assertEquals(1, athena.callCount("StartQueryExecution"));
        assertEquals(0, athena.callCount("GetQueryResults"));
        assertEquals(expected(sql), rows);
        assertNull(warnings.isEmpty() ? null : joined(warnings));
        assertNoUnloadFiles();
    }
}
