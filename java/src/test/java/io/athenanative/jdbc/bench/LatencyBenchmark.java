package io.athenanative.jdbc.bench;

import io.athenanative.jdbc.LocalAthena;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Does decoding starve the network? One connection's {@code SELECT 1} latency (executeQuery, next, close)
 * measured alone, then while R other connections of the same JVM read large results (each its own thread,
 * reading {@link ReadOnce#SQL} again and again through the S3 fetcher, which parses CSV and encodes pages).
 * All connections share the driver's runtime, so CPU work on its I/O workers would delay the probe's HTTP
 * calls. Run with {@code gradle benchLatency} (-Preaders=8 -Prows=300000 -Psamples=60).
 */
public final class LatencyBenchmark {
    private LatencyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int readers = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        long rows = args.length > 1 ? Long.parseLong(args[1]) : 300_000;
        int samples = args.length > 2 ? Integer.parseInt(args[2]) : 60;
        try (LocalAthena athena = LocalAthena.start()) {
            // Polls every 5 ms, so the probe's latency is mostly the driver's and athena-local's own.
            String probeUrl = athena.url("MinQueryExecutionPollingIntervalMillis=5;MaxQueryExecutionPollingIntervalMillis=5");
            String readerUrl = athena.url("S3Endpoint=" + athena.endpoint() + ";ResultFetcher=S3");
            try (Connection probe = DriverManager.getConnection(probeUrl)) {
                probe(probe, 10);
                double[] alone = probe(probe, samples);
                AtomicBoolean stop = new AtomicBoolean();
                AtomicLong rowsRead = new AtomicLong();
                AtomicLong reads = new AtomicLong();
                List<Thread> threads = new ArrayList<Thread>();
                List<Throwable> failures = new ArrayList<Throwable>();
                for (int i = 0; i < readers; i++) {
                    Thread t = new Thread(() -> {
                        try (Connection c = DriverManager.getConnection(readerUrl); Statement s = c.createStatement()) {
                            while (!stop.get()) {
                                try (ResultSet rs = s.executeQuery(ReadOnce.SQL.replace("ROWS", Long.toString(rows)))) {
                                    while (!stop.get() && rs.next()) {
                                        rowsRead.incrementAndGet();
                                    }
                                }
                                reads.incrementAndGet();
                            }
                        } catch (Throwable e) {
                            synchronized (failures) {
                                failures.add(e);
                            }
                        }
                    }, "reader-" + i);
                    t.start();
                    threads.add(t);
                }
                // Let every reader get past its query and into its rows.
                long waitUntil = System.nanoTime() + 60_000_000_000L;
                while (rowsRead.get() < readers * 50_000L && System.nanoTime() < waitUntil) {
                    Thread.sleep(100);
                }
                long before = rowsRead.get();
                long started = System.nanoTime();
                double[] loaded = probe(probe, samples);
                double loadSeconds = (System.nanoTime() - started) / 1e9;
                long during = rowsRead.get() - before;
                stop.set(true);
                for (Thread t : threads) {
                    t.join(120_000);
                }
                if (!failures.isEmpty()) {
                    throw new IllegalStateException("a reader failed", failures.get(0));
                }
                System.out.printf("SELECT 1 latency on one connection, %d samples; %d CPUs; readers: %d connections"
                        + " reading %d rows x 8 columns each through the S3 fetcher, again and again%n%n",
                        samples, Runtime.getRuntime().availableProcessors(), readers, rows);
                System.out.println("| | p50 ms | p90 ms | p99 ms | max ms | reader rows/s |");
                System.out.println("|---|---:|---:|---:|---:|---:|");
                row("alone", alone, 0);
                row(readers + " readers", loaded, during / loadSeconds);
                System.out.printf("%nreads completed: %d; peak RSS %.0f MiB%n", reads.get(), ReadOnce.peakRssMib());
            }
        }
    }

    /** {@code n} SELECT 1 latencies in milliseconds, sorted. */
    private static double[] probe(Connection c, int n) throws Exception {
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
                if (!rs.next() || rs.getInt(1) != 1) {
                    throw new IllegalStateException("SELECT 1 did not answer 1");
                }
            }
            ms[i] = (System.nanoTime() - start) / 1e6;
            Thread.sleep(20);
        }
        Arrays.sort(ms);
        return ms;
    }

    private static void row(String name, double[] ms, double rowsPerSecond) {
        System.out.printf("| %s | %.1f | %.1f | %.1f | %.1f | %s |%n", name, at(ms, 0.5), at(ms, 0.9), at(ms, 0.99),
                ms[ms.length - 1], rowsPerSecond > 0 ? String.format("%.0f", rowsPerSecond) : "");
    }

    private static double at(double[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
    }
}
