package io.athenanative.jdbc.bench;

import io.athenanative.jdbc.AthenaStatement;
import io.athenanative.jdbc.LocalAthena;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * How soon does executeQuery return once Athena has finished? athena-local keeps each query RUNNING for
 * 0.2, 1, 10 and 60 s (a query_delay fault), and each sample is the time from the query's
 * CompletionDateTime to executeQuery returning, with GetQueryExecution calls per query; for the default
 * schedule and the one before it (100 ms doubling to 5 s). Then 64 connections each run a 10 s query at
 * once, and the call record gives GetQueryExecution calls per second (Athena's quota: 100 per second per
 * account), with the process's poll budget and without it. Run with {@code gradle benchPolling}
 * (-Psamples=4 -PlatencyMs=20).
 */
public final class PollingBenchmark {
    private static final long[] DURATIONS_MS = {200, 1_000, 10_000, 60_000};
    private static final String PREVIOUS = "MinQueryExecutionPollingIntervalMillis=100;"
            + "MaxQueryExecutionPollingIntervalMillis=5000;QueryExecutionPollingIntervalMultiplier=2";
    private static final String NO_BUDGET = "MaxQueryExecutionPollsPerSecond=10000";

    private PollingBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int samples = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int latency = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        try (LocalAthena athena = LocalAthena.start()) {
            athena.admin("PUT", "/_athena_local/latency", "{\"ms\": " + latency + "}");
            System.out.printf("athena-local answers each call after %d ms; %d queries at once per row%n%n", latency, samples);
            System.out.println("| schedule | query runs | completion to executeQuery returning (ms), each | median |"
                    + " GetQueryExecution calls per query |");
            System.out.println("|---|---:|---|---:|---:|");
            for (String[] schedule : new String[][] {{"default (50 ms x1.25 to 1 s)", ""},
                    {"previous (100 ms x2 to 5 s)", PREVIOUS}}) {
                for (long duration : DURATIONS_MS) {
                    lags(athena, schedule[0], athena.url(schedule[1]), duration, samples);
                }
            }
            System.out.println();
            System.out.println("| 64 queries of 10 s at once | GetQueryExecution calls | busiest second | mean per second while"
                    + " they ran |");
            System.out.println("|---|---:|---:|---:|");
            load(athena, "default (budget 50 per second)", athena.url(""));
            load(athena, "no budget (MaxQueryExecutionPollsPerSecond=10000)", athena.url(NO_BUDGET));
        }
    }

    /** One row: {@code samples} queries held RUNNING for {@code duration} ms, started at once. */
    private static void lags(LocalAthena athena, String name, String url, long duration, int samples) throws Exception {
        athena.admin("POST", "/_athena_local/faults", "{\"operation\": \"StartQueryExecution\", \"kind\": \"query_delay\","
                + " \"delay_ms\": " + duration + ", \"count\": " + samples + "}");
        athena.clearCalls();
        List<Ended> ends = runAtOnce(url, samples);
        long[] lags = new long[samples];
        for (int i = 0; i < samples; i++) {
            lags[i] = ends.get(i).returnedAt - completedAtMillis(athena, ends.get(i).id);
        }
        int polls = athena.callCount("GetQueryExecution");
        long[] sorted = lags.clone();
        Arrays.sort(sorted);
        System.out.printf("| %s | %.1f s | %s | %d | %.1f |%n", name, duration / 1000.0, Arrays.toString(lags),
                sorted[sorted.length / 2], polls / (double) samples);
    }

    /** A query's id and the epoch millis when its executeQuery returned. */
    private static final class Ended {
        final String id;
        final long returnedAt;

        Ended(String id, long returnedAt) {
            this.id = id;
            this.returnedAt = returnedAt;
        }
    }

    /** {@code queries} connections, each running one SELECT 1 from its own thread, all at once. */
    private static List<Ended> runAtOnce(final String url, int queries) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(queries);
        try {
            List<Future<Ended>> futures = new ArrayList<Future<Ended>>();
            for (int i = 0; i < queries; i++) {
                futures.add(pool.submit(new Callable<Ended>() {
                    @Override
                    public Ended call() throws Exception {
                        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                            ResultSet rs = s.executeQuery("SELECT 1");
                            long returned = System.currentTimeMillis();
                            rs.close();
                            return new Ended(s.unwrap(AthenaStatement.class).getQueryExecutionId(), returned);
                        }
                    }
                }));
            }
            List<Ended> out = new ArrayList<Ended>();
            for (Future<Ended> f : futures) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static long completedAtMillis(LocalAthena athena, String id) throws Exception {
        Map<?, ?> answer = (Map<?, ?>) LocalAthena.parseJson(athena.admin("GET", "/_athena_local/queries/" + id, null));
        Map<?, ?> status = (Map<?, ?>) ((Map<?, ?>) answer.get("queryExecution")).get("Status");
        return ((BigDecimal) status.get("CompletionDateTime")).movePointRight(3).longValue();
    }

    /** 64 queries of 10 s started at once; GetQueryExecution calls per second from the call record. */
    private static void load(LocalAthena athena, String name, String url) throws Exception {
        int queries = 64;
        athena.admin("POST", "/_athena_local/faults", "{\"operation\": \"StartQueryExecution\", \"kind\": \"query_delay\","
                + " \"delay_ms\": 10000, \"count\": " + queries + "}");
        athena.clearCalls();
        runAtOnce(url, queries);
        Map<Long, Integer> perSecond = new TreeMap<Long, Integer>();
        int total = 0;
        for (String call : athena.calls()) {
            if ("GetQueryExecution".equals(LocalAthena.jsonString(call, "operation"))) {
                long second = Instant.parse(LocalAthena.jsonString(call, "timestamp")).getEpochSecond();
                perSecond.merge(second, 1, Integer::sum);
                total++;
            }
        }
        int busiest = 0;
        for (int n : perSecond.values()) {
            busiest = Math.max(busiest, n);
        }
        System.out.printf("| %s | %d | %d | %.1f |%n", name, total, busiest, total / (double) Math.max(1, perSecond.size()));
    }
}
