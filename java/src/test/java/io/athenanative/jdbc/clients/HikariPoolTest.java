package io.athenanative.jdbc.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.athenanative.jdbc.AthenaConnection;
import io.athenanative.jdbc.LocalAthena;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** HikariCP from Maven Central: 8 threads share a pool of 4 connections, every answer is checked. */
class HikariPoolTest {
    private static final int THREADS = 8;
    private static final int POOL = 4;
    private static final int QUERIES_PER_THREAD = 6;

    private static LocalAthena athena;

    @BeforeAll
    static void start() throws Exception {
        athena = LocalAthena.shared();
    }

    @Test
    void eightThreadsOverAPoolOfFour() throws Exception {
        HikariConfig config = new HikariConfig();
        config.setDriverClassName("io.athenanative.jdbc.AthenaDriver");
        config.setJdbcUrl(athena.url());
        config.setMaximumPoolSize(POOL);
        config.setMinimumIdle(POOL);
        config.setConnectionTimeout(60_000);
        config.setPoolName("athena-clients-test");
        final Set<AthenaConnection> physical = Collections.synchronizedSet(
                Collections.newSetFromMap(new IdentityHashMap<AthenaConnection, Boolean>()));
        HikariDataSource pool = new HikariDataSource(config);
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        try {
            final HikariDataSource source = pool;
            final CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<Future<Integer>>();
            for (int t = 0; t < THREADS; t++) {
                final int thread = t;
                results.add(threads.submit(new Callable<Integer>() {
                    @Override
                    public Integer call() throws Exception {
                        go.await();
                        int checked = 0;
                        for (int q = 0; q < QUERIES_PER_THREAD; q++) {
                            long n = 1000 + thread * 100 + q * 7;
                            try (Connection c = source.getConnection();
                                    PreparedStatement s = c.prepareStatement(
                                            "SELECT count(*), sum(value), max(value) FROM range(?) WHERE value % ? = 0")) {
                                physical.add(c.unwrap(AthenaConnection.class));
                                long step = 1 + (thread + q) % 3;
                                s.setLong(1, n);
                                s.setLong(2, step);
                                try (ResultSet rs = s.executeQuery()) {
                                    assertTrue(rs.next());
                                    long count = (n + step - 1) / step;
                                    long max = (count - 1) * step;
                                    assertEquals(count, rs.getLong(1), "count for n=" + n + ", step=" + step);
                                    assertEquals(step * (count - 1) * count / 2, rs.getLong(2), "sum for n=" + n);
                                    assertEquals(max, rs.getLong(3), "max for n=" + n);
                                    assertFalse(rs.next());
                                }
                                try (Statement plain = c.createStatement();
                                        ResultSet rs = plain.executeQuery(
                                                "SELECT name FROM cities WHERE id = " + (1 + (thread + q) % 8))) {
                                    assertTrue(rs.next());
                                    assertFalse(rs.getString(1).isEmpty());
                                }
                            }
                            checked++;
                        }
                        return checked;
                    }
                }));
            }
            go.countDown();
            int total = 0;
            for (Future<Integer> result : results) {
                total += result.get(120, TimeUnit.SECONDS);
            }
            assertEquals(THREADS * QUERIES_PER_THREAD, total);
            assertTrue(pool.getHikariPoolMXBean().getTotalConnections() <= POOL);
            assertTrue(!physical.isEmpty() && physical.size() <= POOL, "physical connections: " + physical.size());
            for (AthenaConnection c : physical) {
                assertFalse(c.isClosed(), "a pooled connection stays open while the pool lives");
            }
        } finally {
            threads.shutdownNow();
            assertTrue(threads.awaitTermination(30, TimeUnit.SECONDS));
            pool.close();
        }
        assertTrue(pool.isClosed());
        for (AthenaConnection c : physical) {
            assertTrue(c.isClosed(), "closing the pool closes the driver's connections");
        }
    }
}
