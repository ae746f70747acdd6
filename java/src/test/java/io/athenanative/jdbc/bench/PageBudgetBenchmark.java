package io.athenanative.jdbc.bench;

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
 * Wide rows against the page byte budget: each fetcher reads {@code SELECT value, repeat('x', 100000) FROM
 * range(N)} (20,000 rows: 2 GB of values) in its own JVM started with -Xmx256m, and the JVM's peak RSS is
 * printed. Run with {@code gradle benchPageBudget} (-Prows=20000 -Pbudget=4194304 -Pfetchers=...).
 */
public final class PageBudgetBenchmark {
    static final String SQL = "SELECT value, repeat('x', 100000) AS pad FROM range(ROWS)";

    private PageBudgetBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String rows = args.length > 0 ? args[0] : "20000";
        String budget = args.length > 1 ? args[1] : "default";
        String[] modes = (args.length > 2 ? args[2] : "GetQueryResults,S3,UNLOAD").split(",");
        try (LocalAthena athena = LocalAthena.start()) {
            System.out.printf("%s rows of 100,000 bytes (%.1f GB); PageByteBudget %s; each read in its own JVM (-Xmx256m)%n%n",
                    rows, Long.parseLong(rows) * 100_000 / 1e9, budget);
            System.out.println("| fetcher | rows | seconds | MB/s | peak RSS MiB |");
            System.out.println("|---|---:|---:|---:|---:|");
            for (String mode : modes) {
                String setting = mode.equals("UNLOAD") ? "Unload=true" : "ResultFetcher=" + mode;
                String url = athena.url("S3Endpoint=" + athena.endpoint() + ";" + setting
                        + (budget.equals("default") ? "" : ";PageByteBudget=" + budget));
                String[] r = child(url, rows);
                double seconds = Double.parseDouble(r[2]);
                System.out.printf("| %s | %s | %.1f | %.0f | %s |%n", mode, r[1], seconds,
                        Long.parseLong(r[3]) / 1e6 / seconds, r[4]);
            }
        }
    }

    /** Runs {@link ReadWide} in a child JVM; the fields of its RESULT line. */
    static String[] child(String url, String rows) throws Exception {
        List<String> command = new ArrayList<String>();
        command.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(ReadWide.class.getName());
        command.add(url);
        command.add(rows);
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
            throw new IllegalStateException(url + " failed:\n" + output);
        }
        return result.split(" ");
    }

    /** The child: one read; prints RESULT rows seconds bytes peak-RSS-MiB. */
    public static final class ReadWide {
        private ReadWide() {
        }

        public static void main(String[] args) throws Exception {
            long rows = 0;
            long bytes = 0;
            long start = System.nanoTime();
            try (Connection c = DriverManager.getConnection(args[0]);
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery(SQL.replace("ROWS", args[1]))) {
                while (rs.next()) {
                    rows++;
                    bytes += rs.getString(2).length();
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("RESULT %d %.3f %d %.1f%n", rows, seconds, bytes, ReadOnce.peakRssMib());
        }
    }
}
