package io.athenanative.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Result pages are cut by bytes (PageByteBudget) as well as rows, so wide rows are read in memory the JVM's
 * limits allow: the native pages and the direct buffer Java copies each page into stay near the budget.
 */
class PageBudgetTest {
    /** 100 KB a row, as in the report: 600 rows are 60 MB, one page of them far more than the JVMs below allow. */
    static final String WIDE = "SELECT value, repeat('x', 100000) AS pad FROM range(ROWS)";

    private static LocalAthena athena;

    @BeforeAll
    static void start() throws IOException {
        athena = LocalAthena.shared();
    }

    static String url(String fetcher, String extra) {
        String setting = fetcher.equals("UNLOAD") ? "Unload=true" : "ResultFetcher=" + fetcher;
        return athena.url("S3Endpoint=" + athena.endpoint() + ";" + setting + (extra.isEmpty() ? "" : ";" + extra));
    }

    /**
     * The report's case: the default fetcher and the default budget in a JVM whose direct memory (the page
     * buffer's) is 16 MiB. Before pages were cut by bytes, its one 60 MB page was an OutOfMemoryError.
     */
    @Test
    void wideRowsReadWithTheDefaultsInASmallJvm() throws Exception {
        String output = readInChild(athena.url("S3Endpoint=" + athena.endpoint()), 600, "-Xmx64m",
                "-XX:MaxDirectMemorySize=16m");
        assertTrue(output.contains("rows 600 bytes 60000000"), output);
    }

    /** Every fetcher honours the budget: 1 MiB pages fit a 4 MiB direct memory, 16 MiB of rows do not. */
    @ParameterizedTest
    @ValueSource(strings = {"GetQueryResults", "S3", "UNLOAD"})
    void everyFetcherCutsPagesAtTheBudget(String fetcher) throws Exception {
        String output = readInChild(url(fetcher, "PageByteBudget=1048576"), 600, "-Xmx64m",
                "-XX:MaxDirectMemorySize=4m");
        assertTrue(output.contains("rows 600 bytes 60000000"), output);
    }

    /** A row larger than the budget is not an error: it travels alone, whole. */
    @ParameterizedTest
    @ValueSource(strings = {"GetQueryResults", "S3", "UNLOAD"})
    void aRowLargerThanTheBudgetTravelsAlone(String fetcher) throws Exception {
        try (Connection c = DriverManager.getConnection(url(fetcher, "PageByteBudget=65536"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(WIDE.replace("ROWS", "7"))) {
            List<Long> values = new ArrayList<Long>();
            while (rs.next()) {
                values.add(rs.getLong(1));
                assertEquals(100_000, rs.getString(2).length());
                assertTrue(rs.getString(2).startsWith("xxx"));
            }
            values.sort(null);
            assertEquals("[0, 1, 2, 3, 4, 5, 6]", values.toString());
        }
    }

    /** Max rows still ends the rows exactly when pages are cut by bytes. */
    @ParameterizedTest
    @ValueSource(strings = {"GetQueryResults", "S3", "UNLOAD"})
    void maxRowsHoldsAcrossBytePages(String fetcher) throws Exception {
        try (Connection c = DriverManager.getConnection(url(fetcher, "PageByteBudget=65536"));
             Statement s = c.createStatement()) {
            s.setMaxRows(5);
            try (ResultSet rs = s.executeQuery(WIDE.replace("ROWS", "12"))) {
                int rows = 0;
                while (rs.next()) {
                    rows++;
                }
                assertEquals(5, rows);
            }
        }
    }

    @Test
    void badBudgetsAreRefusedNamingTheProperty() {
        for (String bad : new String[] {"12", "abc", "2147483648", "-1"}) {
            SQLException e = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(athena.url("PageByteBudget=" + bad)).close(), bad);
            assertEquals("08001", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("PageByteBudget must be a whole number from 65536 to 1073741824"),
                    e.getMessage());
        }
    }

    /** A fetch size beyond 1,000,000 rows is taken as 1,000,000 (getFetchSize says so) and reads as usual. */
    @Test
    void hugeFetchSizesAreCapped() throws Exception {
        try (Connection c = DriverManager.getConnection(athena.url()); Statement s = c.createStatement()) {
            s.setFetchSize(Integer.MAX_VALUE);
            assertEquals(1_000_000, s.getFetchSize());
            s.setFetchSize(500);
            assertEquals(500, s.getFetchSize());
            s.setFetchSize(Integer.MAX_VALUE);
            try (ResultSet rs = s.executeQuery("SELECT value FROM range(2500)")) {
                long sum = 0;
                while (rs.next()) {
                    sum += rs.getLong(1);
                }
                assertEquals(2499L * 2500 / 2, sum);
            }
            assertThrows(SQLException.class, () -> s.setFetchSize(-1));
        }
    }

    /** Reads WIDE for {@code rows} rows in a child JVM with {@code jvmOptions}; its output. */
    static String readInChild(String url, int rows, String... jvmOptions) throws Exception {
        List<String> command = new ArrayList<String>();
        command.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        for (String option : jvmOptions) {
            command.add(option);
        }
        command.add("-cp");
        command.add(System.getProperty("athena.test.classpath"));
        command.add(ReadWide.class.getName());
        command.add(url);
        command.add(Integer.toString(rows));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        for (int n; (n = p.getInputStream().read(buffer)) > 0; ) {
            out.write(buffer, 0, n);
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM did not finish");
        String output = new String(out.toByteArray(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), output);
        assertFalse(output.contains("OutOfMemoryError"), output);
        return output;
    }

    /** The child: reads WIDE through the URL and prints the rows and the bytes of their second column. */
    public static final class ReadWide {
        private ReadWide() {
        }

        public static void main(String[] args) throws Exception {
            long rows = 0;
            long bytes = 0;
            try (Connection c = DriverManager.getConnection(args[0]);
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery(WIDE.replace("ROWS", args[1]))) {
                while (rs.next()) {
                    rows++;
                    bytes += rs.getString(2).length();
                }
            }
            System.out.println("rows " + rows + " bytes " + bytes);
        }
    }
}
