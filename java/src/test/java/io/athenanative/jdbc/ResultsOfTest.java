package io.athenanative.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Reading a finished query's results again without running it (issue 20, item 6). */
class ResultsOfTest {
    @RegisterExtension
    static final LocalAthena athena = LocalAthena.perClass();

    private static List<String> names(ResultSet rs) throws SQLException {
        List<String> out = new ArrayList<String>();
        while (rs.next()) {
            out.add(rs.getInt(1) + " " + rs.getString(2));
        }
        return out;
    }

    private static String ran(String url, String sql, List<String> rows) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rows.addAll(names(rs));
            return s.unwrap(AthenaStatement.class).getQueryExecutionId();
        }
    }

    @Test
    void aFinishedQuerysRowsAgainWithoutRunningIt() throws Exception {
        for (String fetcher : new String[] {"GetQueryResults", "S3"}) {
            String url = athena.url("ResultFetcher=" + fetcher + ";S3Endpoint=" + athena.endpoint());
            List<String> first = new ArrayList<String>();
            String id = ran(url, "SELECT id, name FROM cities ORDER BY id", first);
            athena.clearCalls();
            try (Connection other = DriverManager.getConnection(url)) {
                ResultSet rs = other.unwrap(AthenaConnection.class).resultsOf(id);
                assertEquals(first, names(rs), fetcher);
                Statement statement = rs.getStatement();
                AthenaStatement athenaStatement = statement.unwrap(AthenaStatement.class);
                assertEquals(id, athenaStatement.getQueryExecutionId());
                assertEquals("SUCCEEDED", athenaStatement.getQueryStatistics().getState());
                assertTrue(athenaStatement.getDataScannedInBytes() > 0);
                rs.close();
                assertTrue(statement.isClosed(), "the statement closes with its rows");
            }
            assertEquals(0, athena.callCount("StartQueryExecution"), "nothing ran again (" + fetcher + ")");
        }
    }

    @Test
    void aFailedQueryGivesAthenasError() throws Exception {
        String id;
        try (Connection c = DriverManager.getConnection(athena.url()); Statement s = c.createStatement()) {
            assertThrows(SQLException.class, () -> s.executeQuery("SELECT no_such_column FROM cities"));
            id = s.unwrap(AthenaStatement.class).getQueryExecutionId();
        }
        try (Connection c = DriverManager.getConnection(athena.url())) {
            SQLException e = assertThrows(SQLException.class, () -> c.unwrap(AthenaConnection.class).resultsOf(id));
            assertEquals("42000", e.getSQLState());
            assertTrue(e.getMessage().contains("no_such_column"), e.getMessage());
            assertTrue(e.getMessage().contains(id), e.getMessage());
        }
    }

    @Test
    void aRunningOrCancelledQueryHasNoResultsYet() throws Exception {
        try (Connection c = DriverManager.getConnection(athena.url()); Statement running = c.createStatement();
             Connection reader = DriverManager.getConnection(athena.url())) {
            athena.admin("POST", "/_athena_local/faults",
                    "{\"operation\": \"StartQueryExecution\", \"kind\": \"query_delay\", \"delay_ms\": 60000}");
            AtomicReference<Throwable> outcome = new AtomicReference<Throwable>();
            Thread thread = new Thread(() -> {
                try {
                    running.executeQuery("SELECT * FROM cities");
                } catch (Throwable t) {
                    outcome.set(t);
                }
            });
            thread.start();
            String id = null;
            for (int i = 0; i < 500 && id == null; i++) {
                id = running.unwrap(AthenaStatement.class).getQueryExecutionId();
                Thread.sleep(10);
            }
            assertNotNull(id, "the query started");
            final String runningId = id;
            SQLException e = assertThrows(SQLException.class,
                    () -> reader.unwrap(AthenaConnection.class).resultsOf(runningId));
            assertTrue(e.getMessage().contains("is still"), e.getMessage());
            assertTrue(e.getMessage().contains(runningId), e.getMessage());
            running.cancel();
            thread.join(30_000);
            assertFalse(thread.isAlive());
            assertNotNull(outcome.get(), "the cancelled query failed its statement");
            e = assertThrows(SQLException.class, () -> reader.unwrap(AthenaConnection.class).resultsOf(runningId));
            assertTrue(e.getMessage().contains("was cancelled"), e.getMessage());
        }
    }

    @Test
    void unknownIdsAndGoneResultsAreClearErrors() throws Exception {
        try (Connection c = DriverManager.getConnection(athena.url())) {
            AthenaConnection connection = c.unwrap(AthenaConnection.class);
            SQLException e = assertThrows(SQLException.class,
                    () -> connection.resultsOf("00000000-0000-0000-0000-000000000000"));
            assertTrue(e.getMessage().contains("00000000-0000-0000-0000-000000000000"), e.getMessage());
            assertThrows(SQLException.class, () -> connection.resultsOf(" "));
        }
        // The result file deleted (expired by a lifecycle rule): Athena has nothing to read.
        String url = athena.url("S3Endpoint=" + athena.endpoint());
        String id = ran(url, "SELECT id, name FROM cities", new ArrayList<String>());
        try (Stream<Path> files = Files.walk(athena.storageDir())) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (p.getFileName().toString().startsWith(id)) {
                    Files.delete(p);
                }
            }
        }
        try (Connection c = DriverManager.getConnection(url)) {
            SQLException e = assertThrows(SQLException.class, () -> {
                try (ResultSet rs = c.unwrap(AthenaConnection.class).resultsOf(id)) {
                    names(rs);
                }
            });
            assertTrue(e.getMessage().contains(id), e.getMessage());
            assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        }
    }
}
