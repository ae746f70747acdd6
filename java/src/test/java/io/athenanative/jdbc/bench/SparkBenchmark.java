package io.athenanative.jdbc.bench;

import io.athenanative.jdbc.LocalAthena;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Spark's JDBC source (one partition, four) against the {@code athena} source (four partitions) on one
 * table of ROWS x 8 columns, athena-local answering each call after LATENCY ms: seconds, Athena queries
 * run, and table bytes read, as a markdown table. pyspark comes from tests/clients/setup.sh.
 */
public final class SparkBenchmark {
    private static final Pattern RESULT = Pattern.compile("RESULT \\{\"read\": \"([^\"]+)\", \"seconds\": ([0-9.]+), "
            + "\"queries\": (\\d+), \"scanned\": (\\d+), \"partitions\": (\\d+)\\}");

    private SparkBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String rows = args.length > 0 ? args[0] : "10000000";
        int latency = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        // More connection properties for every read, e.g. MaxQueryExecutionPollingIntervalMillis=500.
        String extra = args.length > 2 && !args[2].isEmpty() ? ";" + args[2] : "";
        String python = new File("build/clients/venv/bin/python").getAbsolutePath();
        try (LocalAthena athena = LocalAthena.start()) {
            String url = athena.url("S3Endpoint=" + athena.endpoint() + extra);
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE bench AS " + ReadOnce.SQL.replace("ROWS", rows));
            }
            athena.admin("PUT", "/_athena_local/latency", "{\"ms\": " + latency + "}");
            List<String> command = new ArrayList<String>();
            command.add(python);
            command.add(new File("tests/clients/spark_bench.py").getAbsolutePath());
            command.add(System.getProperty("athena.driver.jar"));
            command.add(System.getProperty("athena.spark.jar"));
            command.add(url);
            command.add(athena.endpoint());
            command.add("bench");
            command.add(rows);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            Map<String, String> environment = builder.environment();
            environment.put("JAVA_HOME", System.getProperty("java.home"));
            environment.put("SPARK_LOCAL_IP", "127.0.0.1");
            Process spark = builder.start();
            System.out.printf("%s rows x 8 columns; athena-local answers each call after %d ms; Spark local[4] on %d cores%s%n%n",
                    rows, latency, Runtime.getRuntime().availableProcessors(),
                    extra.isEmpty() ? "" : "; properties " + extra.substring(1));
            System.out.println("| read | seconds | Athena queries | table bytes read | partitions |");
            System.out.println("|---|---:|---:|---:|---:|");
            StringBuilder log = new StringBuilder();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(spark.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    Matcher m = RESULT.matcher(line);
                    if (m.find()) {
                        System.out.printf("| %s | %s | %s | %s | %s |%n", m.group(1), m.group(2), m.group(3), m.group(4),
                                m.group(5));
                    } else {
                        log.append(line).append('\n');
                    }
                }
            }
            if (spark.waitFor() != 0) {
                System.err.println(log);
                throw new IllegalStateException("pyspark exited with " + spark.exitValue());
            }
        }
    }
}
