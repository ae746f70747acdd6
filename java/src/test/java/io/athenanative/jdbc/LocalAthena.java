package io.athenanative.jdbc;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An athena-local server started as a real child process on a free port. It exits
 * when its stdin closes, so a crashed test JVM leaves no server behind.
 */
public final class LocalAthena implements AutoCloseable {
    private static LocalAthena shared;

    private final Process process;
    private final int port;
    private final String scheme;

    private LocalAthena(Process process, int port, String scheme) {
        this.process = process;
        this.port = port;
        this.scheme = scheme;
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
        return launch(config, "http");
    }

    /**
     * A server on HTTPS with a certificate signed by a test CA it makes at start, whose PEM it writes to
     * {@code caOut}. (The admin helpers below speak plain HTTP: they are for the other servers.)
     */
    public static LocalAthena startTls(java.nio.file.Path caOut) throws IOException {
        return launch(System.getProperty("athena.local.config", "tests/data/athena-local.toml"), "https",
                "--tls", "--tls-ca-out", caOut.toString());
    }

    private static LocalAthena launch(String config, String scheme, String... extra) throws IOException {
        String binary = System.getProperty("athena.local.binary", "target/release/athena-local");
        List<String> command = new ArrayList<String>();
        command.add(new File(binary).getAbsolutePath());
        command.add("--port");
        command.add("0");
        command.add("--config");
        command.add(config);
        command.add("--exit-on-stdin-close");
        command.addAll(java.util.Arrays.asList(extra));
        ChildProcess.Started started = ChildProcess.start(new ProcessBuilder(command),
                "athena-local listening on " + scheme + "://127.0.0.1:");
        return new LocalAthena(started.process, Integer.parseInt(started.announced), scheme);
    }

    public int port() {
        return port;
    }

    public String endpoint() {
        return scheme + "://127.0.0.1:" + port;
    }

    /** A URL with athena-local's default keys; {@code extra} is appended as more Key=Value pairs. */
    public String url(String extra) {
        return "jdbc:athena://Region=us-east-1;AthenaEndpoint=" + endpoint() + ";User=test;Password=test"
                + (extra == null || extra.isEmpty() ? "" : ";" + extra);
    }

    public String url() {
        return url("");
    }

    /**
     * A JWT from athena-local's built-in test issuer; {@code claims} (a JSON object, or null)
     * overrides the defaults, {@code signing} is valid, wrong-key or none.
     */
    public String mintToken(String claims, String signing) throws IOException {
        String body = "{\"claims\":" + (claims == null ? "{}" : claims) + ",\"signing\":\"" + signing + "\"}";
        String json = admin("POST", "/_athena_local/issuer/token", body);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"token\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
        if (!m.find()) {
            throw new IOException("athena-local minted no token: " + json);
        }
        return m.group(1);
    }

    /** GET on an admin path (unsigned, loopback only), as text. */
    public String admin(String method, String path, String body) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) new URL(endpoint() + path).openConnection();
        connection.setRequestMethod(method);
        if (body != null) {
            connection.setDoOutput(true);
            connection.setRequestProperty("Content-Type", "application/json");
            try (OutputStream o = connection.getOutputStream()) {
                o.write(body.getBytes(StandardCharsets.UTF_8));
            }
        }
        int status = connection.getResponseCode();
        InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream();
        StringBuilder text = new StringBuilder();
        if (in != null) {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    text.append(line).append('\n');
                }
            }
        }
        if (status >= 400) {
            throw new IOException(method + " " + path + " answered " + status + ": " + text);
        }
        return text.toString();
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

    /** A string field of a flat JSON object, or null. */
    public static String jsonString(String json, String key) {
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("\"" + java.util.regex.Pattern.quote(key) + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        return m.find() ? m.group(1) : null;
    }

    @Override
    public void close() {
        ChildProcess.stop(process);
    }
}
