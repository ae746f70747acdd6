package io.athenanative.local.junit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * A running athena-local: a local Athena (with S3, STS and IAM Identity Center) on a free loopback port,
 * as a child process that stops with {@link #close()} or, if the JVM dies, when its stdin closes.
 */
public final class AthenaLocal implements AutoCloseable {
    /** The access key athena-local accepts (its secret key is the same text). */
    public static final String ACCESS_KEY = "test";
    public static final String SECRET_KEY = "test";
    public static final String REGION = "us-east-1";
    private static final String ANNOUNCEMENT = "athena-local listening on ";

    private final Process process;
    private final String endpoint;
    private final Path workDir;

    private AthenaLocal(Process process, String endpoint, Path workDir) {
        this.process = process;
        this.endpoint = endpoint;
        this.workDir = workDir;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code http://127.0.0.1:PORT}: the endpoint of Athena, S3, STS and the rest, for AWS SDK clients. */
    public String endpoint() {
        return endpoint;
    }

    /** The folder holding the S3 buckets, one folder each (e.g. to look at files a query wrote). */
    public Path storageDir() {
        return workDir.resolve("s3");
    }

    public int port() {
        return Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
    }

    /** A JDBC URL of athena-native-jdbc for this server (Athena, S3 and Glue), with its keys. */
    public String jdbcUrl() {
        return "jdbc:athena://Region=" + REGION + ";AthenaEndpoint=" + endpoint + ";S3Endpoint=" + endpoint
                + ";GlueEndpoint=" + endpoint + ";User=" + ACCESS_KEY + ";Password=" + SECRET_KEY;
    }

    /** {@link #jdbcUrl()} with more {@code Key=Value;...} properties. */
    public String jdbcUrl(String moreProperties) {
        return moreProperties == null || moreProperties.isEmpty() ? jdbcUrl() : jdbcUrl() + ";" + moreProperties;
    }

    /** A DataSource of connections to this server (the driver must be on the classpath). */
    public DataSource dataSource() {
        return new UrlDataSource(jdbcUrl());
    }

    /**
     * A JWT from athena-local's test issuer, for the JWT and JWT_TIP sign-in flows (its issuer is in the
     * configuration's trusted identity providers). {@code claimsJson} is a JSON object that overrides the
     * default claims (or null); {@code signing} is {@code valid}, {@code wrong-key} or {@code none}.
     */
    public String mintToken(String claimsJson, String signing) throws IOException {
        String json = admin("POST", "/_athena_local/issuer/token",
                "{\"claims\":" + (claimsJson == null ? "{}" : claimsJson) + ",\"signing\":\"" + signing + "\"}");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"token\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
        if (!m.find()) {
            throw new IOException("athena-local minted no token: " + json);
        }
        return m.group(1);
    }

    /**
     * One call of athena-local's admin API (plain HTTP, unsigned, loopback only: the call record, faults,
     * the test issuer; see athena-local's README), its answer as text. A status of 400 or more is an
     * {@link IOException} with the answer.
     */
    public String admin(String method, String path, String body) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) new URL(endpoint + path).openConnection();
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

    public boolean isRunning() {
        return process.isAlive();
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
        }
        Binary.deleteTree(workDir);
    }

    /** What to serve: tables from CSV or Parquet files, or a whole configuration file. */
    public static final class Builder {
        private final List<String[]> tables = new ArrayList<String[]>();
        private Path configFile;
        private Path binary;
        private Path testCaOut;

        private Builder() {}

        /**
         * athena-local's own TOML configuration (workgroups, identities, tables; see its README) instead of
         * one made from {@link #table}.
         */
        public Builder configFile(Path toml) {
            this.configFile = toml;
            return this;
        }

        /** An athena-local executable to run instead of the one this jar carries. */
        public Builder binary(Path executable) {
            this.binary = executable;
            return this;
        }

        /**
         * Serves HTTPS with a certificate from a test CA made at start, whose PEM goes to {@code caOut}
         * (the driver's TrustedCerts).
         */
        public Builder httpsWithTestCa(Path caOut) {
            this.testCaOut = caOut;
            return this;
        }

        /**
         * A table of database {@code database} from {@code path}: a .csv file with a header line, a .parquet
         * file, or a folder of them. A path that is not a file is looked up as a classpath resource.
         */
        public Builder table(String database, String name, String path) {
            return table(database, name, path, "");
        }

        /** As {@link #table(String, String, String)}, in {@code format} ("csv" or "parquet"; "" by extension). */
        public Builder table(String database, String name, String path, String format) {
            if (!format.isEmpty() && !format.equals("csv") && !format.equals("parquet")) {
                throw new IllegalArgumentException("table " + name + ": format must be csv or parquet, not " + format);
            }
            tables.add(new String[] {database, name, path, format});
            return this;
        }

        /** A table of the database {@code default}. */
        public Builder table(String name, String path) {
            return table("default", name, path);
        }

        /** Starts the server; it is ready when this returns. */
        public AthenaLocal start() throws IOException {
            if (configFile != null && !tables.isEmpty()) {
                throw new IllegalStateException("with a configuration file, name the tables in it");
            }
            Path workDir = Files.createTempDirectory("athena-local-junit-");
            try {
                Path config = configFile;
                if (config == null) {
                    config = workDir.resolve("athena-local.toml");
                    Files.write(config, config(workDir).getBytes(StandardCharsets.UTF_8));
                }
                List<String> command = new ArrayList<String>();
                command.add((binary != null ? binary : Binary.path()).toString());
                command.add("--port");
                command.add("0");
                command.add("--config");
                command.add(config.toString());
                command.add("--storage-dir");
                command.add(workDir.resolve("s3").toString());
                command.add("--exit-on-stdin-close");
                if (testCaOut != null) {
                    command.add("--tls");
                    command.add("--tls-ca-out");
                    command.add(testCaOut.toString());
                }
                ProcessBuilder builder = new ProcessBuilder(command);
                builder.redirectError(ProcessBuilder.Redirect.INHERIT);
                Process process = builder.start();
                BufferedReader out = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                String line = out.readLine();
                if (line == null || !line.startsWith(ANNOUNCEMENT)) {
                    process.destroyForcibly();
                    throw new IOException("athena-local did not start (see its error output above); first line: " + line);
                }
                return new AthenaLocal(process, line.substring(ANNOUNCEMENT.length()).trim(), workDir);
            } catch (IOException | RuntimeException e) {
                Binary.deleteTree(workDir);
                throw e;
            }
        }

        private String config(Path workDir) throws IOException {
            StringBuilder toml = new StringBuilder();
            toml.append("region = ").append(quote(REGION)).append('\n');
            toml.append("[[credentials]]\naccess_key_id = ").append(quote(ACCESS_KEY))
                    .append("\nsecret_access_key = ").append(quote(SECRET_KEY)).append('\n');
            toml.append("[[workgroups]]\nname = \"primary\"\noutput_location = \"s3://athena-local-results/\"\n");
            Set<String> databases = new LinkedHashSet<String>();
            databases.add("default");
            for (String[] table : tables) {
                databases.add(table[0]);
            }
            for (String database : databases) {
                toml.append("[[databases]]\nname = ").append(quote(database)).append('\n');
            }
            int n = 0;
            for (String[] table : tables) {
                Path file = locate(table[2], workDir.resolve("table-" + n++));
                String lower = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
                String format = !table[3].isEmpty() ? table[3]
                        : lower.endsWith(".parquet") || (Files.isDirectory(file) && hasParquet(file))
                        ? "parquet" : "csv";
                toml.append("[[tables]]\ndatabase = ").append(quote(table[0])).append("\nname = ")
                        .append(quote(table[1])).append("\nformat = ").append(quote(format)).append("\npath = ")
                        .append(quote(file.toAbsolutePath().toString())).append('\n');
            }
            return toml.toString();
        }

        private static boolean hasParquet(Path dir) throws IOException {
            try (java.util.stream.Stream<Path> files = Files.list(dir)) {
                return files.anyMatch(f -> f.toString().toLowerCase(java.util.Locale.ROOT).endsWith(".parquet"));
            }
        }

        /** A file path, or a classpath resource (copied out of a jar when it is in one). */
        private static Path locate(String path, Path copyDir) throws IOException {
            Path file = Paths.get(path);
            if (Files.exists(file)) {
                return file;
            }
            String resource = path.startsWith("/") ? path.substring(1) : path;
            URL url = Thread.currentThread().getContextClassLoader().getResource(resource);
            if (url == null) {
                throw new IOException("table file " + path + " is neither a file nor a classpath resource");
            }
            if ("file".equals(url.getProtocol())) {
                try {
                    return Paths.get(url.toURI());
                } catch (URISyntaxException e) {
                    throw new IOException("table file " + path + ": " + e.getMessage(), e);
                }
            }
            Files.createDirectories(copyDir);
            Path copy = copyDir.resolve(Paths.get(resource).getFileName().toString());
            try (InputStream in = url.openStream()) {
                Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            }
            return copy;
        }

        private static String quote(String text) {
            StringBuilder quoted = new StringBuilder("\"");
            for (char c : text.toCharArray()) {
                if (c == '"' || c == '\\') {
                    quoted.append('\\').append(c);
                } else if (c < 0x20) {
                    quoted.append(String.format("\\u%04x", (int) c));
                } else {
                    quoted.append(c);
                }
            }
            return quoted.append('"').toString();
        }
    }
}
