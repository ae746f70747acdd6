package io.athenanative.jdbc.signin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Load through a real pool: 64 threads × 100 queries over HikariCP with JWT_TIP sign-in. No errors,
 * one token exchange for the whole run, and no native handle left once the pool is closed.
 */
class LoadTest {
    private static final int THREADS = 64;
    private static final int QUERIES = 100;
    private static final int POOL = 16;

    @RegisterExtension
    static final LocalAthena athena = LocalAthena.perClass();

    @Test
    void sixtyFourThreadsOverAPoolWithOneTokenExchange() throws Exception {
        String token = Identity.mint(athena);
        Identity.clearCalls(athena);
        long[] before = NativeDriver.openHandleCounts();
        HikariConfig config = new HikariConfig();
        config.setDriverClassName("io.athenanative.jdbc.AthenaDriver");
        config.setJdbcUrl(Identity.tipUrl(athena, token,
                "CustomerIdcApplicationArn=" + Identity.APPLICATION + ";AccessRoleArn=" + Identity.ACCESS_ROLE
                        + ";MinQueryExecutionPollingIntervalMillis=5"));
        config.setMaximumPoolSize(POOL);
        config.setConnectionTimeout(120_000);
        config.setPoolName("athena-load-test");
        HikariDataSource pool = new HikariDataSource(config);
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        AtomicInteger errors = new AtomicInteger();
        List<Throwable> firstErrors = new ArrayList<Throwable>();
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> runs = new ArrayList<Future<Integer>>();
            for (int t = 0; t < THREADS; t++) {
                final int thread = t;
                runs.add(threads.submit(() -> {
                    go.await();
                    int done = 0;
                    for (int q = 0; q < QUERIES; q++) {
                        long n = thread * 1000L + q;
                        try (Connection c = pool.getConnection();
                             Statement s = c.createStatement();
                             ResultSet rs = s.executeQuery("SELECT " + n + " AS n, 'row ' || CAST(" + n + " AS VARCHAR) AS t")) {
                            if (!rs.next() || rs.getLong(1) != n || !rs.getString(2).equals("row " + n) || rs.next()) {
                                throw new AssertionError("wrong answer for " + n);
                            }
                            done++;
                        } catch (Exception | AssertionError e) {
                            if (errors.incrementAndGet() <= 3) {
                                synchronized (firstErrors) {
                                    firstErrors.add(e);
                                }
                            }
                        }
                    }
                    return done;
                }));
            }
            go.countDown();
            int total = 0;
            for (Future<Integer> run : runs) {
                total += run.get(10, TimeUnit.MINUTES);
            }
            assertEquals(0, errors.get(), "errors, the first: " + firstErrors);
            assertEquals(THREADS * QUERIES, total);
        } finally {
            threads.shutdownNow();
            pool.close();
        }
        assertEquals(1, Identity.count(athena, "CreateTokenWithIAM"), "one token exchange for the whole run");
        long[] after = NativeDriver.openHandleCounts();
        // Result sets of the run were all closed; connections and queries are back where they were.
        assertTrue(after[0] == before[0] && after[1] == before[1] && after[2] <= before[2],
                "before " + Arrays.toString(before) + ", after " + Arrays.toString(after));
    }
}
