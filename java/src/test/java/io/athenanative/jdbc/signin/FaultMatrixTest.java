package io.athenanative.jdbc.signin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.athenanative.jdbc.AthenaStatement;
import io.athenanative.jdbc.Checksums;
import io.athenanative.jdbc.LocalAthena;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every fault athena-local injects, on every operation a sign-in, a query and its result read use: the
 * rows are exactly those of a fault-free run, or an SQLException says what happened (and names the
 * query once there is one). The outcome table is printed at the end for the release notes.
 */
class FaultMatrixTest {
    /** Three GetQueryResults pages; values with quotes, commas and newlines. */
    private static final String SQL =
            "SELECT value AS v, concat('row \"', CAST(value AS VARCHAR), '\", with\ncomma') AS s FROM range(2500)";

    private static LocalAthena athena;
    private static final List<String> table = Collections.synchronizedList(new ArrayList<String>());

    /** How each fault is armed: kind, count, delay, and the settings it needs. */
    private enum Fault {
        THROTTLE("throttle", 2, 0, ""),
        THROTTLING("throttling", 2, 0, ""),
        HTTP_500("internal_error", 2, 0, ""),
        HTTP_503("unavailable", 2, 0, ""),
        CUT_BODY("cut_body", 2, 0, ""),
        MALFORMED("malformed", 1, 0, ""),
        SLOW("delay", 1, 500, ""),
        STALL("delay", 1, 4000, "NetworkTimeoutMillis=1000");

        final String kind;
        final int count;
        final int delayMs;
        final String settings;

        Fault(String kind, int count, int delayMs, String settings) {
            this.kind = kind;
            this.count = count;
            this.delayMs = delayMs;
            this.settings = settings;
        }

        /**
         * Whether an error is the right outcome: an answer lost on the way from CreateTokenWithIAM
         * cannot be asked for again, since Identity Center accepts each JWT once.
         */
        boolean mayFail(String operation) {
            return operation.equals("CreateTokenWithIAM") && (this == MALFORMED || this == CUT_BODY);
        }
    }

    /** A sign-in flow with a result fetcher: what the user connects with. */
    private enum Journey {
        JWT_GET_QUERY_RESULTS, JWT_TIP_S3, KEYS_UNLOAD;

        String url(String extra) throws Exception {
            String s3 = "S3Endpoint=" + athena.endpoint();
            switch (this) {
                case JWT_GET_QUERY_RESULTS:
                    return Identity.jwtUrl(athena, Identity.mint(athena), join("ResultFetcher=GetQueryResults", extra));
                case JWT_TIP_S3:
                    return Identity.tipUrl(athena, Identity.mint(athena), join("ResultFetcher=S3;" + s3, extra));
                default:
                    return athena.url(join("Unload=true;" + s3, extra));
            }
        }

        private static String join(String a, String b) {
            return b.isEmpty() ? a : a + ";" + b;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        athena = LocalAthena.start();
    }

    @AfterAll
    static void stop() {
        athena.close();
        List<String> rows = new ArrayList<String>(table);
        Collections.sort(rows);
        StringBuilder out = new StringBuilder("| journey | operation | fault | outcome |\n|---|---|---|---|\n");
        for (String row : rows) {
            out.append(row).append('\n');
        }
        System.out.println("Fault matrix:\n" + out);
    }

    @TestFactory
    Stream<DynamicContainer> everyFaultOnEveryOperation() throws Exception {
        List<DynamicContainer> journeys = new ArrayList<DynamicContainer>();
        for (Journey journey : Journey.values()) {
            athena.clearCalls();
            long[] rows = new long[1];
            String clean = read(journey.url(""), rows, new String[1]);
            assertEquals(2500, rows[0]);
            List<DynamicTest> tests = new ArrayList<DynamicTest>();
            for (String operation : operations()) {
                for (Fault fault : Fault.values()) {
                    tests.add(DynamicTest.dynamicTest(operation + " " + fault,
                            () -> scenario(journey, operation, fault, clean)));
                }
            }
            journeys.add(DynamicContainer.dynamicContainer(journey.name(), tests));
        }
        return journeys.stream();
    }

    /** The operations the last run called, in order of first call. */
    private static Set<String> operations() throws Exception {
        Set<String> operations = new LinkedHashSet<String>();
        for (String call : athena.calls()) {
            operations.add(LocalAthena.jsonString(call, "operation"));
        }
        assertFalse(operations.isEmpty());
        return operations;
    }

    private static void scenario(Journey journey, String operation, Fault fault, String clean) throws Exception {
        athena.admin("DELETE", "/_athena_local/faults", null);
        athena.admin("POST", "/_athena_local/faults", "{\"operation\":\"" + operation + "\",\"kind\":\""
                + fault.kind + "\",\"count\":" + fault.count + ",\"delay_ms\":" + fault.delayMs + "}");
        long[] rows = new long[1];
        String[] queryId = new String[1];
        String outcome;
        try {
            String got = read(journey.url(fault.settings), rows, queryId);
            if (!got.equals(clean) || rows[0] != 2500) {
                record(journey, operation, fault, "WRONG ROWS (" + rows[0] + ")");
                fail("different rows without an error: " + rows[0]);
            }
            outcome = "same rows";
        } catch (SQLException e) {
            String message = String.valueOf(e.getMessage());
            outcome = "SQLException " + e.getSQLState() + ": " + message.replace('\n', ' ').replace("|", "\\|");
            record(journey, operation, fault, outcome);
            assertNotNull(e.getSQLState(), message);
            if (queryId[0] != null) {
                assertTrue(message.contains(queryId[0]), "the error names query " + queryId[0] + ": " + message);
            }
            assertTrue(fault.mayFail(operation), "a " + fault + " on " + operation + " is retried: " + message);
            return;
        } finally {
            String left = athena.admin("GET", "/_athena_local/faults", null).replaceAll("\\s", "");
            athena.admin("DELETE", "/_athena_local/faults", null);
            assertEquals("[]", left, "the fault was met");
        }
        record(journey, operation, fault, outcome);
    }

    private static void record(Journey journey, String operation, Fault fault, String outcome) {
        table.add("| " + journey + " | " + operation + " | " + fault + " | " + outcome + " |");
    }

    /** SHA-256 of the rows in sorted order; the query's id goes to queryId as soon as it is known. */
    private static String read(String url, long[] rowCount, String[] queryId) throws Exception {
        List<String> lines = new ArrayList<String>();
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery(SQL)) {
                queryId[0] = s.unwrap(AthenaStatement.class).getQueryExecutionId();
                while (rs.next()) {
                    lines.add(rs.getLong(1) + "|" + rs.getString(2));
                }
            } catch (SQLException e) {
                queryId[0] = s.unwrap(AthenaStatement.class).getQueryExecutionId();
                throw e;
            }
        }
        Collections.sort(lines);
        rowCount[0] = lines.size();
        return Checksums.sha256(lines);
    }
}
