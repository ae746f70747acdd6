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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Spark's JDBC source (one partition, four) against the {@code athena} source (four partitions) on one
 * table of ROWS x 8 columns, athena-local answering each call after LATENCY ms: seconds, Athena queries
 * run, table bytes read and athena-local's engine time, as a markdown table. The three reads take turns
 * for ROUNDS rounds in one Spark session, so none alone gets the cold JVM; each read's figure is its
 * fastest round, with every round listed. pyspark comes from tests/clients/setup.sh.
 */
public final class SparkBenchmark {
    private static final Pattern RESULT = Pattern.compile("RESULT \\{\"round\": (\\d+), \"read\": \"([^\"]+)\", "
            + "\"seconds\": ([0-9.]+), \"engine\": ([0-9.]+), \"queries\": (\\d+), \"scanned\": (\\d+), "
            + "\"partitions\": (\\d+)\\}");

    private SparkBenchmark() {
    }

    /** One read's rounds: the fastest, and each in order. */
    private static final class Read {
        final List<Double> seconds = new ArrayList<Double>();
        double best = Double.MAX_VALUE;
        double bestEngine;
        String queries;
        String scanned;
        String partitions;

        void add(double s, double engine, String q, String b, String p) {
            seconds.add(s);
            if (s < best) {
                best = s;
                bestEngine = engine;
            }
            queries = q;
            scanned = b;
            partitions = p;
        }
    }

    public static void main(String[] args) throws Exception {
        String rows = args.length > 0 ? args[0] : "10000000";
        int latency = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        // More connection properties for every read, e.g. MaxQueryExecutionPollingIntervalMillis=500.
        String extra = args.length > 2 && !args[2].isEmpty() ? ";" + args[2] : "";
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
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
            command.add(Integer.toString(rounds));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            Map<String, String> environment = builder.environment();
            environment.put("JAVA_HOME", System.getProperty("java.home"));
            environment.put("SPARK_LOCAL_IP", "127.0.0.1");
            Process spark = builder.start();
            Map<String, Read> reads = new LinkedHashMap<String, Read>();
            StringBuilder log = new StringBuilder();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(spark.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    Matcher m = RESULT.matcher(line);
                    if (m.find()) {
                        System.err.println("round " + m.group(1) + ": " + m.group(2) + " " + m.group(3) + " s");
                        Read read = reads.get(m.group(2));
                        if (read == null) {
                            read = new Read();
                            reads.put(m.group(2), read);
                        }
                        read.add(Double.parseDouble(m.group(3)), Double.parseDouble(m.group(4)), m.group(5), m.group(6),
                                m.group(7));
                    } else {
                        log.append(line).append('\n');
                    }
                }
            }
            if (spark.waitFor() != 0) {
                System.err.println(log);
                throw new IllegalStateException("pyspark exited with " + spark.exitValue());
            }
            System.out.printf("%s rows x 8 columns; athena-local answers each call after %d ms; Spark local[4] on %d cores;"
                    + " fastest of %d rounds%s%n%n", rows, latency, Runtime.getRuntime().availableProcessors(), rounds,
                    extra.isEmpty() ? "" : "; properties " + extra.substring(1));
            System.out.println("| read | seconds | of which Athena's engine | every round | Athena queries | table bytes read"
                    + " | partitions |");
            System.out.println("|---|---:|---:|---|---:|---:|---:|");
            double fastestJdbc = Double.MAX_VALUE;
            double athenaSource = 0;
            for (Map.Entry<String, Read> e : reads.entrySet()) {
                Read r = e.getValue();
                System.out.printf("| %s | %.2f | %.2f | %s | %s | %s | %s |%n", e.getKey(), r.best, r.bestEngine, r.seconds,
                        r.queries, r.scanned, r.partitions);
                if (e.getKey().startsWith("JDBC")) {
                    fastestJdbc = Math.min(fastestJdbc, r.best);
                } else {
                    athenaSource = r.best;
                }
            }
            if (athenaSource > 0 && fastestJdbc < Double.MAX_VALUE) {
                System.out.printf("%nathena source: %.2fx as fast as the faster JDBC read%n", fastestJdbc / athenaSource);
            }
        }
    }
}
