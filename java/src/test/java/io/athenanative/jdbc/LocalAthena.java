package io.athenanative.jdbc;

import io.athenanative.local.junit.AthenaLocal;
import java.io.IOException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An athena-local server of this build, started through athena-local's JUnit extension (a real child
 * process on a free port that exits when its stdin closes), with the admin API the driver's tests use.
 */
public final class LocalAthena implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
    private static LocalAthena shared;

    /** Set at start; for a {@link #perClass()} server, when its test class begins. */
    private AthenaLocal server;

    private LocalAthena(AthenaLocal server) {
        this.server = server;
    }

    /**
     * A server of its own for a test class, started before its tests and stopped after them:
     * {@code @RegisterExtension static final LocalAthena athena = LocalAthena.perClass();}
     */
    public static LocalAthena perClass() {
        return new LocalAthena(null);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        server = builder(System.getProperty("athena.local.config", "tests/data/athena-local.toml")).start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /** One server for the whole test run. */
    public static synchronized LocalAthena shared() throws IOException {
        if (shared == null) {
            shared = start();
            final LocalAthena server = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        }
        return shared;
    }

    public static LocalAthena start() throws IOException {
        return start(System.getProperty("athena.local.config", "tests/data/athena-local.toml"));
    }

    /** A server with its own configuration file. */
    public static LocalAthena start(String config) throws IOException {
        return new LocalAthena(builder(config).start());
    }

    /**
     * A server configured by {@code toml} (athena-local's TOML, without credentials), written to a temporary file
     * after athena-local's default test keys (User=test, Password=test).
     */
    public static LocalAthena startWithConfig(String toml) throws IOException {
        java.io.File file = java.io.File.createTempFile("athena-local-", ".toml");
        file.deleteOnExit();
        String config = "[[credentials]]\naccess_key_id = \"test\"\nsecret_access_key = \"test\"\n" + toml;
        java.nio.file.Files.write(file.toPath(), config.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return start(file.getPath());
    }

    /**
     * A server on HTTPS with a certificate signed by a test CA it makes at start, whose PEM it writes to
     * {@code caOut}. (The admin helpers below speak plain HTTP: they are for the other servers.)
     */
    public static LocalAthena startTls(java.nio.file.Path caOut) throws IOException {
        return new LocalAthena(builder(System.getProperty("athena.local.config", "tests/data/athena-local.toml"))
                .httpsWithTestCa(caOut).start());
    }

    /** athena-local's JUnit extension's builder, with the binary of this build and a configuration file. */
    private static AthenaLocal.Builder builder(String config) {
        String binary = System.getProperty("athena.local.binary", "target/release/athena-local");
        return AthenaLocal.builder().binary(Paths.get(binary).toAbsolutePath()).configFile(Paths.get(config));
    }

    /** The folder athena-local keeps its S3 objects in, one folder per bucket. */
    public java.nio.file.Path storageDir() {
        return server.storageDir();
    }

    public int port() {
        return server.port();
    }

    public String endpoint() {
        return server.endpoint();
    }

    /** A URL with athena-local's default keys; {@code extra} is appended as more Key=Value pairs. */
    public String url(String extra) {
        return "jdbc:athena://Region=us-east-1;AthenaEndpoint=" + endpoint() + ";User=test;Password=test"
                + (extra == null || extra.isEmpty() ? "" : ";" + extra);
    }

    public String url() {
        return url("");
    }

    /** A JWT from athena-local's built-in test issuer: {@link AthenaLocal#mintToken}. */
    public String mintToken(String claims, String signing) throws IOException {
        return server.mintToken(claims, signing);
    }

    /** One call of athena-local's admin API: {@link AthenaLocal#admin}. */
    public String admin(String method, String path, String body) throws IOException {
        return server.admin(method, path, body);
    }

    public void clearCalls() throws IOException {
        admin("DELETE", "/_athena_local/calls", null);
    }

    /** The call record, one JSON object text per call, oldest first. */
    public List<String> calls() throws IOException {
        String json = admin("GET", "/_athena_local/calls", null);
        List<String> calls = new ArrayList<String>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{[^{}]*\\}").matcher(json);
        while (m.find()) {
            calls.add(m.group());
        }
        return calls;
    }

    /** How many recorded calls were {@code operation} (e.g. GetTableMetadata). */
    public int callCount(String operation) throws IOException {
        int n = 0;
        for (String call : calls()) {
            if (operation.equals(jsonString(call, "operation"))) {
                n++;
            }
        }
        return n;
    }

    /**
     * JSON as the driver reads it ({@link Json}): maps, lists, strings, Booleans, nulls, and numbers as
     * BigDecimal.
     */
    public static Object parseJson(String json) throws java.sql.SQLException {
        return withDecimals(Json.parse(json));
    }

    private static Object withDecimals(Object value) {
        if (value instanceof Json.Number) {
            return new java.math.BigDecimal(value.toString());
        }
        if (value instanceof java.util.List) {
            List<Object> out = new ArrayList<Object>();
            for (Object item : (List<?>) value) {
                out.add(withDecimals(item));
            }
            return out;
        }
        if (value instanceof java.util.Map) {
            java.util.Map<String, Object> out = new java.util.LinkedHashMap<String, Object>();
            for (java.util.Map.Entry<?, ?> e : ((java.util.Map<?, ?>) value).entrySet()) {
                out.put((String) e.getKey(), withDecimals(e.getValue()));
            }
            return out;
        }
        return value;
    }

    /** A string field of a flat JSON object, or null. */
    public static String jsonString(String json, String key) {
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("\"" + java.util.regex.Pattern.quote(key) + "\"\\s*:\\s*\"((?:[^\"\\\\]++|\\\\.)*+)\"").matcher(json);
        return m.find() ? m.group(1) : null;
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
