package io.athenanative.jdbc.signin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.athenanative.jdbc.LocalAthena;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * The person at the desk of the browser tests: the driver starts tests/browser/browse.mjs (through BROWSER, set
 * by 'gradle junitTest'), which reads what the person does next from the control file and writes one JSON line
 * per run to the browser log. Each step gets a new tag, so a browser still closing from an earlier step is not
 * counted as one of this step's runs.
 */
final class BrowserPerson {
    private final Path control;
    private final Path log;
    private volatile String tag = "";

    private BrowserPerson(Path control, Path log) {
        this.control = control;
        this.log = log;
    }

    /** The person at the browser that 'gradle junitTest' sets up. */
    static BrowserPerson atTheDesk() {
        assertNotNull(System.getenv("BROWSER"),
                "run through 'gradle junitTest', which sets BROWSER to tests/browser/browse.mjs");
        return new BrowserPerson(Paths.get(System.getenv("ATHENA_TEST_BROWSER_CONTROL")),
                Paths.get(System.getenv("ATHENA_TEST_BROWSER_LOG")));
    }

    /**
     * What the person does next (login, deny, ignore, ...) as {@code user}; with a {@code site}, at that
     * identity provider's pages (tests/browser/sites/SITE.mjs). {@code fields} are further name, value pairs
     * the site reads (a password, a callback, a response to post); a pair whose value is null is left out.
     */
    void next(String mode, String user, String site, String... fields) throws IOException {
        assertEquals(0, fields.length % 2, "fields come in name, value pairs");
        tag = UUID.randomUUID().toString();
        StringBuilder json = new StringBuilder("{");
        field(json, "mode", mode);
        field(json, "user", user);
        field(json, "test", tag);
        if (site != null) {
            field(json, "site", site);
        }
        for (int i = 0; i < fields.length; i += 2) {
            if (fields[i + 1] != null) {
                field(json, fields[i], fields[i + 1]);
            }
        }
        Files.write(control, json.append('}').toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void field(StringBuilder json, String name, String value) {
        json.append(json.length() > 1 ? "," : "").append('"').append(name).append("\":\"")
                .append(value.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
    }

    /**
     * This step's browser runs (one JSON line each) once {@code expected} of them are written (the browser may
     * still be closing when the driver has answered), or what is there after 20 seconds.
     */
    List<String> runs(int expected) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + 20000;
        List<String> runs = runs();
        while (runs.size() < expected && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
            runs = runs();
        }
        return runs;
    }

    /** This step's browser runs written so far. */
    List<String> runs() throws IOException {
        if (!Files.exists(log)) {
            return Collections.emptyList();
        }
        List<String> runs = new ArrayList<String>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            if (tag.equals(Identity.jsonString(line, "test"))) {
                runs.add(line);
            }
        }
        return runs;
    }

    /** A connection to {@code url} (signing in when it must) runs a query. */
    static void assertQueries(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url)) {
            assertTrue(JwtSignInTest.cityCount(c) > 0);
        }
    }

    /** A second connection to {@code url} queries with what the first left: no browser opens again. */
    void assertQueriesAgainWithoutTheBrowser(LocalAthena server, String url) throws Exception {
        Identity.clearCalls(server);
        assertQueries(url);
        assertEquals(1, runs().size(), "the second connection started the browser");
    }

    /**
     * A process of its own with {@code home} as its home signs in at {@code url} (a file cache on) through the
     * browser, once: the one file it leaves in the cache.
     */
    Path signInInNewJvm(Path home, String url) throws Exception {
        FileCacheTest.connectInNewJvm(home, url);
        assertEquals(1, runs(1).size());
        File[] files = FileCacheTest.cacheFolder(home).toFile().listFiles();
        assertEquals(1, files.length);
        return files[0].toPath();
    }

    /** Another process with the same {@code home} connects at {@code url} with the cached sign-in, no browser. */
    void assertNewJvmSkipsTheBrowser(LocalAthena server, Path home, String url) throws Exception {
        Identity.clearCalls(server);
        FileCacheTest.connectInNewJvm(home, url);
        assertEquals(1, runs().size(), "another process started the browser");
    }

    /**
     * While another socket listens on the callback's {@code port} (0: any free one), a connection at the URL
     * {@code url} gives for that port fails at once (08001) naming {@code setting} and the port, and no
     * browser opens.
     */
    void assertTakenPortIsNamed(int port, IntFunction<String> url, String setting) throws Exception {
        try (ServerSocket taken = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            int at = taken.getLocalPort();
            SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url.apply(at)));
            assertEquals("08001", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains(setting + " " + at), e.getMessage());
            assertTrue(e.getMessage().contains("already in use"), e.getMessage());
        }
        // A browser the driver wrongly started would log its run a moment later.
        Thread.sleep(500);
        assertEquals(0, runs().size(), "the browser was started although the port was taken");
    }

    /**
     * Nobody finishes signing in at {@code url}, whose IdpResponseTimeout is {@code seconds}: the connection
     * fails with a SQLTimeoutException naming IdpResponseTimeout after that long, and frees the callback's
     * {@code port}. The failure, for what else it should say.
     */
    static SQLException assertTimesOut(String url, int seconds, int port) throws IOException {
        long started = System.nanoTime();
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url));
        assertTrue(e instanceof SQLTimeoutException, e.getClass() + ": " + e.getMessage());
        assertTrue(e.getMessage().contains("IdpResponseTimeout"), e.getMessage());
        assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) >= seconds);
        assertFree(port, "the callback's port is free again");
        return e;
    }

    /** A loopback port nothing listens on now: a test signing in on its own shares no sign-in by accident. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    /** Fails unless {@code port} can be listened on again (the driver freed its listener). */
    static void assertFree(int port, String message) throws IOException {
        try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            assertEquals(port, again.getLocalPort(), message);
        }
    }

    /** The city counts of {@code connections} connections to {@code url} opened at the same time. */
    static List<Long> cityCountsTogether(final String url, int connections, long timeoutSeconds) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        try {
            List<Future<Long>> counts = new ArrayList<Future<Long>>();
            for (int i = 0; i < connections; i++) {
                counts.add(pool.submit(() -> {
                    try (Connection c = DriverManager.getConnection(url)) {
                        return JwtSignInTest.cityCount(c);
                    }
                }));
            }
            List<Long> done = new ArrayList<Long>();
            for (Future<Long> count : counts) {
                done.add(count.get(timeoutSeconds, TimeUnit.SECONDS));
            }
            return done;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * While a sign-in at {@code url} (whose callback is on {@code port}, with nobody signing in) waits, its
     * listener is on 127.0.0.1 only; then it times out.
     */
    static void assertCallbackListensOnLoopbackOnly(final String url, int port) throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<SQLException> signIn = pool.submit(() -> {
                try {
                    DriverManager.getConnection(url).close();
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            List<String> listeners = new ArrayList<String>();
            long deadline = System.currentTimeMillis() + 5000;
            while (listeners.isEmpty() && System.currentTimeMillis() < deadline) {
                listeners = ListeningSockets.on(port);
                Thread.sleep(50);
            }
            assertEquals(Collections.singletonList("127.0.0.1"), listeners);
            assertTrue(signIn.get(30, TimeUnit.SECONDS) instanceof SQLTimeoutException);
        } finally {
            pool.shutdownNow();
        }
    }
}
