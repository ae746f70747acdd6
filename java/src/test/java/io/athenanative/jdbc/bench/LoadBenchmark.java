package io.athenanative.jdbc.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.athenanative.jdbc.LocalAthena;
import io.athenanative.jdbc.jni.NativeDriver;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * N queries from T threads through a HikariCP pool of 16 against athena-local: queries/s, errors, and this
 * JVM's resident memory after each tenth of the run, to show it stays flat. Run with {@code gradle benchLoad}.
 */
public final class LoadBenchmark {
    private LoadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int queries = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        try (LocalAthena athena = LocalAthena.start()) {
            HikariConfig config = new HikariConfig();
            config.setDriverClassName("io.athenanative.jdbc.AthenaDriver");
            config.setJdbcUrl(athena.url("MinQueryExecutionPollingIntervalMillis=5"));
            config.setMaximumPoolSize(16);
            config.setConnectionTimeout(120_000);
            AtomicLong next = new AtomicLong();
            AtomicInteger errors = new AtomicInteger();
            long started = System.nanoTime();
            System.out.printf("%d queries from %d threads over a pool of 16%n", queries, threads);
            System.out.printf("| queries done | RSS MiB | native handles (connections, queries, result sets) |%n|---:|---:|---|%n");
            System.out.printf("| 0 | %.1f | %s |%n", ReadOnce.currentRssMib(), Arrays.toString(NativeDriver.openHandleCounts()));
            try (HikariDataSource pool = new HikariDataSource(config)) {
                ExecutorService workers = Executors.newFixedThreadPool(threads);
                List<Future<?>> runs = new ArrayList<Future<?>>();
                for (int t = 0; t < threads; t++) {
                    runs.add(workers.submit(() -> {
                        long n;
                        while ((n = next.getAndIncrement()) < queries) {
                            try (Connection c = pool.getConnection();
                                 Statement s = c.createStatement();
                                 ResultSet rs = s.executeQuery("SELECT " + n + " AS n")) {
                                if (!rs.next() || rs.getLong(1) != n) {
                                    errors.incrementAndGet();
                                }
                            } catch (Exception e) {
                                errors.incrementAndGet();
                            }
                            if ((n + 1) % (queries / 10) == 0) {
                                System.out.printf("| %d | %.1f | %s |%n", n + 1, ReadOnce.currentRssMib(),
                                        Arrays.toString(NativeDriver.openHandleCounts()));
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> run : runs) {
                    run.get(30, TimeUnit.MINUTES);
                }
                workers.shutdown();
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("%n%.0f queries/s, %d errors; after closing the pool: handles %s, RSS %.1f MiB, peak %.1f MiB%n",
                    queries / seconds, errors.get(), Arrays.toString(NativeDriver.openHandleCounts()),
                    ReadOnce.currentRssMib(), ReadOnce.peakRssMib());
        }
    }
}
