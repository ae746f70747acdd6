package io.athenanative.jdbc.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * One measured read in its own JVM, so peak RSS is this read's alone: runs
 * {@link #SQL} for N rows through the given URL and prints one RESULT line
 * (rows, seconds from executeQuery to the last row, client CPU seconds, peak
 * RSS in MiB, checksum, seconds after executeQuery returned).
 */
public final class ReadOnce {
    /** 8 mixed columns. No ORDER BY, so UNLOAD mode applies. */
    static final String SQL = "SELECT value AS id, CAST(value % 100 AS INTEGER) AS small, CAST(value AS DOUBLE) / 3 AS ratio, "
            + "value % 2 = 0 AS even, CAST(value AS VARCHAR) AS label, DATE '2024-01-01' AS day, "
            + "CAST(value AS DECIMAL(18,2)) AS amount, TIMESTAMP '2024-01-31 12:34:56.789' AS ts FROM range(ROWS)";

    private ReadOnce() {
    }

    /**
     * Arguments: URL, rows, and optionally how many times to read. With more than one read the first
     * only warms the JIT and the fastest of the others is reported.
     */
    public static void main(String[] args) throws Exception {
        String url = args[0];
        long rows = Long.parseLong(args[1]);
        int reads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            String best = read(s, rows);
            for (int i = 1; i < reads; i++) {
                String result = read(s, rows);
                if (i == 1 || readSeconds(result) < readSeconds(best)) {
                    best = result;
                }
            }
            System.out.println(best);
        }
    }

    private static double readSeconds(String result) {
        String[] fields = result.split(" ");
        return Double.parseDouble(fields[fields.length - 1]);
    }

    private static String read(Statement s, long rows) throws Exception {
        double cpuBefore = cpuSeconds();
        long start = System.nanoTime();
        long count = 0;
        long checksum = 0;
        long readStart;
        try (ResultSet rs = s.executeQuery(SQL.replace("ROWS", Long.toString(rows)))) {
            readStart = System.nanoTime();
            while (rs.next()) {
                checksum += rs.getLong(1) + rs.getInt(2) + (long) rs.getDouble(3) + (rs.getBoolean(4) ? 1 : 0)
                        + rs.getString(5).length() + rs.getDate(6).getTime() % 7 + rs.getBigDecimal(7).longValue()
                        + rs.getTimestamp(8).getNanos() % 3;
                count++;
            }
        }
        long end = System.nanoTime();
        double seconds = (end - start) / 1e9;
        double readSeconds = (end - readStart) / 1e9;
        return String.format("RESULT %d %.3f %.3f %.1f %d %.3f", count, seconds, cpuSeconds() - cpuBefore,
                peakRssMib(), checksum, readSeconds);
    }

    /** User plus system CPU of this process (all threads, Rust's included), from /proc. */
    static double cpuSeconds() throws IOException {
        String stat = new String(Files.readAllBytes(Paths.get("/proc/self/stat")), StandardCharsets.US_ASCII);
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
    }

    /** VmHWM: the process's peak resident set. */
    static double peakRssMib() throws IOException {
        return statusMib("VmHWM:");
    }

    /** VmRSS: the process's resident set now. */
    static double currentRssMib() throws IOException {
        return statusMib("VmRSS:");
    }

    private static double statusMib(String field) throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"), StandardCharsets.US_ASCII)) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return -1;
    }
}
