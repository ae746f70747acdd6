package io.athenanative.jdbc.bench;

import io.athenanative.jdbc.AthenaStatement;
import io.athenanative.jdbc.LocalAthena;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The fetchers against athena-local with a per-call latency: rows/s, client
 * CPU seconds and peak RSS for GetQueryResults, S3 and UNLOAD, each read in
 * its own JVM; then, without latency, the driver's GetQueryResults page rate
 * against a client that does no decoding. Run with {@code gradle benchFetchers}.
 */
public final class FetcherBenchmark {

    private FetcherBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        // "none" skips the fetcher table (for the page rate alone, e.g. against another athena-local build).
        String[] sizes = args.length > 0 && args[0].equals("none") ? new String[0]
                : (args.length > 0 ? args[0] : "1000000,10000000").split(",");
        int latency = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        String[] modes = (args.length > 2 ? args[2] : "GetQueryResults,S3,UNLOAD").split(",");
        try (LocalAthena athena = LocalAthena.start()) {
            // Only set when wanted, so an athena-local without the setting can be measured too.
            if (latency > 0) {
                athena.admin("PUT", "/_athena_local/latency", "{\"ms\": " + latency + "}");
            }
            System.out.printf("athena-local, %d ms per call; 8 columns; each read in its own JVM (-Xmx1g)%n%n", latency);
            System.out.println("| rows | fetcher | seconds | rows/s | client CPU s | peak RSS MiB |");
            System.out.println("|---:|---|---:|---:|---:|---:|");
            for (String size : sizes) {
                for (String mode : modes) {
                    String[] r = child(athena, mode, size);
                    double seconds = Double.parseDouble(r[2]);
                    System.out.printf("| %s | %s | %.2f | %.0f | %s | %s |%n", size, mode, seconds,
                            Long.parseLong(r[1]) / seconds, r[3], r[4]);
                }
            }
            if (latency > 0) {
                athena.admin("PUT", "/_athena_local/latency", "{\"ms\": 0}");
            }
            pageRate(athena);
        }
    }

    /** Runs ReadOnce in a child JVM; returns the fields of its RESULT line. */
    static String[] child(LocalAthena athena, String mode, String rows) throws Exception {
        return child(athena, mode, rows, 1);
    }

    /** As above, reading {@code reads} times in the one JVM and reporting the last read. */
    static String[] child(LocalAthena athena, String mode, String rows, int reads) throws Exception {
        String setting = mode.equals("UNLOAD") ? "Unload=true" : "ResultFetcher=" + mode;
        String url = athena.url("S3Endpoint=" + athena.endpoint() + ";" + setting);
        List<String> command = new ArrayList<String>();
        command.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        command.add("-Xmx1g");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(ReadOnce.class.getName());
        command.add(url);
        command.add(rows);
        command.add(Integer.toString(reads));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String result = null;
        StringBuilder output = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                output.append(line).append('\n');
                if (line.startsWith("RESULT ")) {
                    result = line;
                }
            }
        }
        if (p.waitFor() != 0 || result == null) {
            throw new IllegalStateException(mode + " " + rows + " failed:\n" + output);
        }
        return result.split(" ");
    }

    /**
     * GetQueryResults pages/s without latency: the driver, then a no-decode client, on 1,000,000 rows;
     * for each the fastest of three reads after one that warms the JIT.
     */
    static void pageRate(LocalAthena athena) throws Exception {
        String[] driver = child(athena, "GetQueryResults", "1000000", 4);
        double driverPages = 1001 / Double.parseDouble(driver[6]);
        String id;
        try (Connection c = DriverManager.getConnection(athena.url("ResultFetcher=GetQueryResults"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(ReadOnce.SQL.replace("ROWS", "1000000"))) {
            id = s.unwrap(AthenaStatement.class).getQueryExecutionId();
            // Only the query id is wanted here; the raw client reads its pages.
            rs.next();
        }
        RawPages raw = new RawPages(athena.endpoint());
        raw.readAll(id);
        double rawPages = 0;
        for (int i = 0; i < 3; i++) {
            long start = System.nanoTime();
            int pages = raw.readAll(id);
            rawPages = Math.max(rawPages, pages / ((System.nanoTime() - start) / 1e9));
        }
        System.out.printf("%nGetQueryResults without latency, 1,000,000 rows x 8 columns (1001 pages):%n");
        System.out.printf("  driver (decodes every value through ResultSet): %.0f pages/s%n", driverPages);
        System.out.printf("  client that does no decoding:                   %.0f pages/s%n", rawPages);
        System.out.printf("  driver / no-decode client:                      %.2f%n", driverPages / rawPages);
    }
}
