package io.athenanative.jdbc.bench;

import io.athenanative.jdbc.LocalAthena;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * Rows per second reading N rows x 8 mixed columns through ResultSet from
 * athena-local (GetQueryResults over loopback). Run with {@code gradle bench}.
 */
public final class ReadBenchmark {
    private ReadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        long rows = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000L;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String sql = "SELECT value AS id, CAST(value % 100 AS INTEGER) AS small, CAST(value AS DOUBLE) / 3 AS ratio, "
                + "value % 2 = 0 AS even, CAST(value AS VARCHAR) AS label, DATE '2024-01-01' AS day, "
                + "CAST(value AS DECIMAL(18,2)) AS amount, TIMESTAMP '2024-01-31 12:34:56.789' AS ts FROM range(" + rows + ")";
        try (LocalAthena athena = LocalAthena.start(); Connection c = DriverManager.getConnection(athena.url())) {
            for (int run = 1; run <= runs; run++) {
                long start = System.nanoTime();
                long count = 0;
                long checksum = 0;
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                    while (rs.next()) {
                        checksum += rs.getLong(1) + rs.getInt(2) + (long) rs.getDouble(3) + (rs.getBoolean(4) ? 1 : 0)
                                + rs.getString(5).length() + rs.getDate(6).getTime() % 7 + rs.getBigDecimal(7).scale()
                                + rs.getTimestamp(8).getNanos() % 3;
                        count++;
                    }
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("run %d: %d rows x 8 columns in %.2f s = %.0f rows/s (checksum %d)%n", run, count, seconds,
                        count / seconds, checksum);
            }
        }
    }
}
