package io.athenanative.jdbc.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.athenanative.jdbc.LocalAthena;
import io.athenanative.local.junit.AthenaLocal;
import java.io.File;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code athena} Spark source, driven by pyspark from PyPI in local[4] (tests/clients/spark_athena.py),
 * against athena-local: it gives the figures the engine states, Spark's JDBC source reads, and
 * {@code Unload=true} reads; it runs ONE UNLOAD (reading the table once) where the JDBC source partitioned
 * over 4 runs 4 queries reading it 4 times; the UNLOAD's row groups spread over the partitions; filters,
 * columns and LIMIT go into the UNLOAD's text; count() is a {@code SELECT count(*)}; nested and typed
 * columns arrive as Spark's types with their values; GetObject faults are ridden out; an expired URL, a
 * plan run again after its files went and a refused UNLOAD fail saying why; the files are gone after each
 * action and at exit; the password and the presigned URLs appear nowhere in what Spark printed.
 */
class SparkAthenaSourceTest {
    /** Four row groups of athena-local's 131072 rows: four partitions of equal bytes. */
    private static final int ROWS = 4 * 131072;
    private static final String BIG = "spark_big";
    private static final String NESTED = "spark_nested";
    /** athena-local's second key pair (tests/data/athena-local.toml), long enough to search output for. */
    private static final String USER = "AKIALOCALSECRETS01";
    private static final String PASSWORD = "local-secret-not-for-logs";
    private static final File WORK = new File("build/clients/spark-athena").getAbsoluteFile();
    private static final Pattern RESULT = Pattern.compile("^RESULT (\\{.*\\})$", Pattern.MULTILINE);
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private static Path storage;
    /** athena-local through its JUnit extension's API, which says where it keeps S3's objects. */
    private static AthenaLocal athena;
    /** Each read's RESULT, by name. */
    private static Map<String, Map<String, Object>> reads;
    private static String output;
    private static List<String> filesAfterExit;
    /** The engine's figures (SQL) and those read row by row with Unload=true, in the script's terms. */
    private static Map<String, Object> truth;
    private static Map<String, Object> unloadTruth;

    @BeforeAll
    static void runSpark() throws Exception {
        assertTrue(WORK.isDirectory() || WORK.mkdirs(), WORK.toString());
        athena = AthenaLocal.builder()
                .binary(Paths.get(System.getProperty("athena.local.binary", "target/release/athena-local")).toAbsolutePath())
                .configFile(Paths.get("tests/data/athena-local.toml").toAbsolutePath())
                .start();
        storage = athena.storageDir();

        String url = "jdbc:athena://Region=us-east-1;AthenaEndpoint=" + athena.endpoint() + ";S3Endpoint="
                + athena.endpoint();
        String keyed = url + ";User=" + USER + ";Password=" + PASSWORD;
        try (Connection c = DriverManager.getConnection(keyed); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + BIG + " AS SELECT value AS id, (value * 7919) % 1000 - 100 AS amount,"
                    + " CAST(CAST((value * 31) % 100000 AS decimal(12,0)) / 100 AS decimal(12,2)) AS price,"
                    + " concat('n', CAST(value AS varchar)) AS name,"
                    + " CAST(from_unixtime(1700000000 + value * 3600) AS date) AS day,"
                    + " CAST(from_unixtime(1700000000 + value * 61) AS timestamp) AS ts,"
                    + " CAST(value % 1000 AS double) / 1000 AS ratio, value % 3 = 0 AS flag FROM range(" + ROWS + ")");
            s.execute("CREATE TABLE " + NESTED + " AS SELECT id, CAST(id AS tinyint) AS tiny,"
                    + " CAST(id * 1000 AS smallint) AS small, CAST(id AS integer) AS n, CAST(id AS real) / 4 AS r4,"
                    + " CAST(id AS double) / 8 AS d8, id = 1 AS flag, CAST(id * 125 AS decimal(12,2)) / 100 AS price,"
                    + " CAST(from_unixtime(1706704496 + id * 86400) AS date) AS day,"
                    + " CAST(from_unixtime(1706704496 + id * 86400) AS timestamp) AS ts,"
                    + " to_utf8(concat('b', CAST(id AS varchar))) AS bin, concat('s', CAST(id AS varchar)) AS s,"
                    + " make_array(id, NULL, id + 1) AS ids, map(['a', 'b'], [CAST(id AS decimal(5,2)), NULL]) AS prices,"
                    + " named_struct('x', id, 'y', concat('y', CAST(id AS varchar)),"
                    + " 'at', CAST(from_unixtime(1706704496 + id) AS timestamp),"
                    + " 'days', make_array(CAST(from_unixtime(1706704496) AS date)), 'raw', to_utf8('r')) AS info"
                    + " FROM (SELECT value AS id FROM range(3))");
            truth = engineFigures(s);
        }
        unloadTruth = unloadFigures(keyed + ";Unload=true");

        ClientProcess spark = pyspark("pyspark athena source", new File("tests/clients/spark_athena.py").getAbsolutePath(),
                ClientProcess.property("athena.driver.jar"), ClientProcess.property("athena.spark.jar"), url,
                athena.endpoint(), storage.toString(), BIG, Integer.toString(ROWS), NESTED, USER, PASSWORD);
        output = spark.output;
        Files.write(new File(WORK, "spark_athena.log").toPath(), output.getBytes(StandardCharsets.UTF_8));
        assertEquals(0, spark.exitCode, output);
        reads = new LinkedHashMap<String, Map<String, Object>>();
        Matcher m = RESULT.matcher(output);
        while (m.find()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> read = (Map<String, Object>) LocalAthena.parseJson(m.group(1));
            reads.put((String) read.get("read"), read);
        }
        assertEquals(Arrays.asList("jdbc", "athena", "pushdown", "count", "limit", "empty", "query", "nested", "nested_query", "faults",
                "explain", "expired", "again", "cached", "refused", "workgroups", "end"), new ArrayList<String>(reads.keySet()), output);
        filesAfterExit = unloadFiles();
    }

    @AfterAll
    static void stop() {
        if (athena != null) {
            athena.close();
            athena = null;
        }
    }

    /** The big table's figures as Athena computes them, and the other reads' expected answers. */
    private static Map<String, Object> engineFigures(Statement s) throws Exception {
        Map<String, Object> figures = new LinkedHashMap<String, Object>();
        try (ResultSet rs = s.executeQuery("SELECT count(*), sum(id), sum(amount), sum(price), min(day), max(day),"
                + " min(ts), max(ts), sum(length(name)), sum(CASE WHEN flag THEN 1 ELSE 0 END), min(ratio), max(ratio)"
                + " FROM " + BIG)) {
            assertTrue(rs.next());
            figures.put("count", rs.getLong(1));
            figures.put("sum_id", rs.getLong(2));
            figures.put("sum_amount", rs.getLong(3));
            figures.put("sum_price", rs.getBigDecimal(4).toPlainString());
            figures.put("min_day", rs.getString(5));
            figures.put("max_day", rs.getString(6));
            figures.put("min_ts", rs.getObject(7, LocalDateTime.class).format(SECONDS));
            figures.put("max_ts", rs.getObject(8, LocalDateTime.class).format(SECONDS));
            figures.put("name_chars", rs.getLong(9));
            figures.put("flags", rs.getLong(10));
            figures.put("min_ratio", rs.getDouble(11));
            figures.put("max_ratio", rs.getDouble(12));
        }
        try (ResultSet rs = s.executeQuery("SELECT count(*), sum(amount) FROM " + BIG
                + " WHERE amount >= 0 AND starts_with(name, 'n1') AND ratio > 0.5")) {
            assertTrue(rs.next());
            figures.put("pushdown_count", rs.getLong(1));
            figures.put("pushdown_sum", rs.getLong(2));
        }
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + BIG + " WHERE amount >= 0")) {
            assertTrue(rs.next());
            figures.put("count_filtered", rs.getLong(1));
        }
        try (ResultSet rs = s.executeQuery("SELECT count(*), sum(amount), sum(id), min(id) FROM " + BIG
                + " WHERE id < 1000 AND amount >= 0")) {
            assertTrue(rs.next());
            long n = rs.getLong(1);
            figures.put("query_count", n);
            figures.put("query_sum", rs.getLong(2));
            // The rows' instants in epoch milliseconds: 2024-01-31 12:34:56 UTC plus id days.
            figures.put("query_millis", (n * 1706704496L + rs.getLong(3) * 86400L) * 1000L);
            figures.put("query_first", (1706704496L + rs.getLong(4) * 86400L) * 1000L);
        }
        return figures;
    }

    /** The big table's figures from its rows read with Unload=true, as a user of the driver would. */
    private static Map<String, Object> unloadFigures(String url) throws Exception {
        long count = 0;
        long sumId = 0;
        long sumAmount = 0;
        BigDecimal sumPrice = BigDecimal.ZERO;
        LocalDate minDay = LocalDate.MAX;
        LocalDate maxDay = LocalDate.MIN;
        LocalDateTime minTs = LocalDateTime.MAX;
        LocalDateTime maxTs = LocalDateTime.MIN;
        long nameChars = 0;
        long flags = 0;
        double minRatio = Double.MAX_VALUE;
        double maxRatio = -Double.MAX_VALUE;
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, amount, price, name, day, ts, ratio, flag FROM " + BIG)) {
            while (rs.next()) {
                count++;
                sumId += rs.getLong(1);
                sumAmount += rs.getLong(2);
                sumPrice = sumPrice.add(rs.getBigDecimal(3));
                nameChars += rs.getString(4).length();
                LocalDate day = rs.getObject(5, LocalDate.class);
                minDay = day.isBefore(minDay) ? day : minDay;
                maxDay = day.isAfter(maxDay) ? day : maxDay;
                LocalDateTime ts = rs.getObject(6, LocalDateTime.class);
                minTs = ts.isBefore(minTs) ? ts : minTs;
                maxTs = ts.isAfter(maxTs) ? ts : maxTs;
                minRatio = Math.min(minRatio, rs.getDouble(7));
                maxRatio = Math.max(maxRatio, rs.getDouble(7));
                flags += rs.getBoolean(8) ? 1 : 0;
            }
        }
        Map<String, Object> figures = new LinkedHashMap<String, Object>();
        figures.put("count", count);
        figures.put("sum_id", sumId);
        figures.put("sum_amount", sumAmount);
        figures.put("sum_price", sumPrice.toPlainString());
        figures.put("min_day", minDay.toString());
        figures.put("max_day", maxDay.toString());
        figures.put("min_ts", minTs.format(SECONDS));
        figures.put("max_ts", maxTs.format(SECONDS));
        figures.put("name_chars", nameChars);
        figures.put("flags", flags);
        figures.put("min_ratio", minRatio);
        figures.put("max_ratio", maxRatio);
        return figures;
    }

    /** A read's figures in the engine's terms: numbers as longs and doubles, the rest as text. */
    private static Map<String, Object> figures(Map<String, Object> read) {
        Map<String, Object> out = new LinkedHashMap<String, Object>();
        for (String key : unloadTruth.keySet()) {
            Object value = read.get(key);
            assertNotNull(value, key + " of " + read);
            out.put(key, key.endsWith("ratio") ? Double.valueOf(value.toString())
                    : value instanceof BigDecimal ? Long.valueOf(((BigDecimal) value).longValueExact()) : value);
        }
        return out;
    }

    private static Map<String, Object> read(String name) {
        Map<String, Object> read = reads.get(name);
        assertNotNull(read, name + " in\n" + output);
        return read;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> queries(String name) {
        return (List<Map<String, Object>>) read(name).get("queries");
    }

    private static long number(Object value) {
        return ((BigDecimal) value).longValueExact();
    }

    /** The SELECT of an UNLOAD athena-local ran (its text with whitespace runs as one space). */
    private static String unloaded(Map<String, Object> query) {
        Matcher m = Pattern.compile("^UNLOAD \\( (.*) \\) TO '[^']*' WITH \\(.*\\)$").matcher(query.get("query").toString());
        assertTrue(m.matches(), "an UNLOAD: " + query);
        return m.group(1);
    }

    /** The table bytes a query read from {@link #BIG}, from athena-local's record. */
    @SuppressWarnings("unchecked")
    private static long bigBytes(Map<String, Object> query) {
        long bytes = 0;
        for (Map<String, Object> table : (List<Map<String, Object>>) query.get("tables")) {
            if (table.get("table").toString().toLowerCase().endsWith(BIG)) {
                bytes += number(table.get("bytes"));
            }
        }
        return bytes;
    }

    @Test
    void theAthenaSourceGivesTheFiguresOfTheEngineTheJdbcSourceAndUnload() {
        Map<String, Object> engine = new LinkedHashMap<String, Object>();
        for (String key : unloadTruth.keySet()) {
            engine.put(key, truth.get(key));
        }
        assertEquals(engine, unloadTruth, "Unload=true reads the engine's rows");
        assertEquals(engine, figures(read("jdbc")), "Spark's JDBC source");
        assertEquals(engine, figures(read("athena")), "the athena source");
        @SuppressWarnings("unchecked")
        Map<String, Object> types = (Map<String, Object>) read("athena").get("types");
        assertEquals("{id=bigint, amount=bigint, price=decimal(12,2), name=string, day=date, ts=timestamp_ntz,"
                + " ratio=double, flag=boolean}", types.toString());
    }

    @Test
    void oneUnloadReadsTheTableOnceWhereTheJdbcSourceRanFourQueries() {
        // Spark's JDBC source probes the schema (WHERE 1=0, no data read), then each partition reads the table.
        List<Map<String, Object>> jdbc = queries("jdbc");
        assertEquals(5, jdbc.size(), "the JDBC source over 4 partitions: " + jdbc);
        long jdbcBytes = 0;
        int reading = 0;
        for (Map<String, Object> q : jdbc) {
            assertTrue(q.get("query").toString().startsWith("SELECT"), q.toString());
            jdbcBytes += bigBytes(q);
            reading += bigBytes(q) > 0 ? 1 : 0;
        }
        assertEquals(4, reading, jdbc.toString());
        List<Map<String, Object>> athenaQueries = queries("athena");
        assertEquals(1, athenaQueries.size(), "the athena source: " + athenaQueries);
        Map<String, Object> unload = athenaQueries.get(0);
        assertEquals("SELECT \"id\", \"amount\", \"price\", \"name\", \"day\", \"ts\", \"ratio\", \"flag\" FROM " + BIG,
                unloaded(unload));
        assertEquals("SUCCEEDED", unload.get("state"));
        long once = bigBytes(unload);
        assertTrue(once > 0, unload.toString());
        assertEquals(4 * once, jdbcBytes, "the JDBC source read the table 4 times, the athena source once");
    }

    @Test
    void theRowGroupsSpreadOverFourPartitions() {
        @SuppressWarnings("unchecked")
        List<Object> rows = (List<Object>) read("athena").get("partition_rows");
        assertEquals(4, rows.size(), rows.toString());
        for (Object partition : rows) {
            assertEquals(131072L, number(partition), "a row group each: " + rows);
        }
    }

    @Test
    void filtersColumnsAndLimitGoIntoTheUnload() {
        assertEquals(truth.get("pushdown_count"), number(read("pushdown").get("count")));
        assertEquals(truth.get("pushdown_sum"), number(read("pushdown").get("sum")));
        List<Map<String, Object>> pushed = queries("pushdown");
        assertEquals(1, pushed.size(), pushed.toString());
        String sql = unloaded(pushed.get(0));
        // The double's comparison stays in Spark (NaN); the columns are those Spark needs.
        assertTrue(sql.startsWith("SELECT \"amount\", \"ratio\" FROM " + BIG + " WHERE "), sql);
        assertTrue(sql.contains("\"amount\" >= 0") && sql.contains("starts_with(\"name\", 'n1')")
                && sql.contains("\"ratio\" IS NOT NULL"), sql);
        assertFalse(sql.contains("0.5"), sql);

        assertEquals(5L, number(read("limit").get("count")));
        List<Map<String, Object>> limited = queries("limit");
        assertEquals(1, limited.size(), limited.toString());
        assertEquals("SELECT \"id\" FROM " + BIG + " LIMIT 5", unloaded(limited.get(0)));
    }

    @Test
    void aReadOfNoRowsHasNoPartitions() {
        assertEquals(0L, number(read("empty").get("count")));
        assertEquals(0L, number(read("empty").get("partitions")));
        List<Map<String, Object>> ran = queries("empty");
        assertEquals(1, ran.size(), ran.toString());
        assertTrue(unloaded(ran.get(0)).endsWith(" WHERE \"id\" IS NOT NULL AND \"id\" < 0"), ran.toString());
    }

    @Test
    void countRunsASelectCountAndNoUnload() {
        assertEquals(truth.get("count"), number(read("count").get("count")));
        assertEquals(truth.get("count_filtered"), number(read("count").get("count_filtered")));
        List<Map<String, Object>> ran = queries("count");
        assertEquals(2, ran.size(), ran.toString());
        assertEquals("SELECT count(*) FROM " + BIG, ran.get(0).get("query"));
        String filtered = ran.get(1).get("query").toString();
        assertTrue(filtered.startsWith("SELECT count(*) FROM " + BIG + " WHERE ") && filtered.contains("\"amount\" >= 0"),
                filtered);
    }

    @Test
    void aQuerysTimestampWithTimeZoneIsReadAsItsInstant() {
        Map<String, Object> q = read("query");
        assertEquals(truth.get("query_count"), number(q.get("count")));
        assertEquals(truth.get("query_sum"), number(q.get("sum")));
        assertEquals(truth.get("query_millis"), number(q.get("millis")));
        assertEquals(truth.get("query_first"), number(q.get("first")));
        assertEquals("{id=bigint, amount=bigint, at=timestamp}", q.get("types").toString());
        List<Map<String, Object>> ran = queries("query");
        assertEquals(2, ran.size(), "the LIMIT 0 probe and the UNLOAD: " + ran);
        assertTrue(ran.get(0).get("query").toString().endsWith(") t LIMIT 0"), ran.toString());
        assertEquals(0, bigBytes(ran.get(0)), "the probe reads nothing: " + ran);
        // The columns the aggregation needs: id only filtered inside the query.
        assertTrue(unloaded(ran.get(1)).startsWith("SELECT \"amount\", CAST(\"at\" AT TIME ZONE 'UTC' AS timestamp)"
                + " AS \"at\" FROM ( SELECT id, amount,"), ran.toString());
    }

    @Test
    void nestedAndTypedColumnsArriveAsSparksTypes() {
        Map<String, Object> nested = read("nested");
        assertEquals("{id=bigint, tiny=tinyint, small=smallint, n=int, r4=float, d8=double, flag=boolean,"
                + " price=decimal(16,6), day=date, ts=timestamp_ntz, bin=binary, s=string, ids=array<bigint>,"
                + " prices=map<string,decimal(5,2)>,"
                + " info=struct<x:bigint,y:string,at:timestamp_ntz,days:array<date>,raw:binary>}",
                nested.get("types").toString());
        List<String> expected = new ArrayList<String>();
        for (int id = 0; id < 3; id++) {
            String day = LocalDate.of(2024, 1, 31).plusDays(id).toString();
            expected.add("{\"id\":" + id + ",\"tiny\":" + id + ",\"small\":" + id * 1000 + ",\"n\":" + id
                    + ",\"r4\":" + id / 4.0 + ",\"d8\":" + id / 8.0 + ",\"flag\":" + (id == 1)
                    + ",\"price\":" + new BigDecimal(id * 125).movePointLeft(2).setScale(6)
                    + ",\"day\":\"" + day + "\",\"ts\":\"" + day + "T12:34:56.000\""
                    + ",\"bin\":\"" + java.util.Base64.getEncoder().encodeToString(("b" + id).getBytes(StandardCharsets.UTF_8))
                    + "\",\"s\":\"s" + id + "\",\"ids\":[" + id + ",null," + (id + 1) + "]"
                    + ",\"prices\":{\"a\":" + id + ".00,\"b\":null}"
                    + ",\"info\":{\"x\":" + id + ",\"y\":\"y" + id + "\",\"at\":\"2024-01-31T12:34:5" + (6 + id) + ".000\""
                    + ",\"days\":[\"2024-01-31\"],\"raw\":\"cg==\"}}");
        }
        assertEquals(expected, nested.get("rows"));
        assertEquals(1, queries("nested").size(), queries("nested").toString());
        // Through a query, Athena's result metadata says only array, map and row: typeof() gives the rest.
        Map<String, Object> viaQuery = read("nested_query");
        assertEquals(nested.get("types"), viaQuery.get("types"));
        assertEquals(expected, viaQuery.get("rows"));
        List<String> ran = new ArrayList<String>();
        for (Map<String, Object> query : queries("nested_query")) {
            ran.add(String.valueOf(query.get("query")));
        }
        assertEquals(3, ran.size(), "the LIMIT 0 probe, the typeof() probe, the UNLOAD: " + ran);
        assertTrue(ran.get(1).contains("typeof("), ran.toString());
        assertTrue(ran.get(2).startsWith("UNLOAD"), ran.toString());
    }

    @Test
    void getObjectFaultsAreRiddenOut() throws Exception {
        Map<String, Object> faulted = read("faults");
        assertEquals(0L, number(faulted.get("faults_left")), "both faults were met");
        assertEquals(figures(read("athena")), figures(faulted));
        assertEquals(1, queries("faults").size(), queries("faults").toString());
    }

    @Test
    void failuresSayWhatHappenedAndWhatToDo() {
        String expired = (String) read("expired").get("error");
        assertNotNull(expired, "reading after the URLs expired failed");
        assertTrue(expired.contains("expired") && expired.contains("urlExpirySeconds"), expired);

        String again = (String) read("again").get("error");
        assertEquals(1000L, number(read("again").get("count")));
        assertNotNull(again, "the plan run again after its action ended failed");
        assertTrue(again.contains("no longer exists") && again.contains("spark.read"), again);

        assertEquals("[1000, 1000, 499500]", read("cached").get("counts").toString(),
                "a cached DataFrame's actions after the first read the cache");
        assertEquals(1, queries("cached").size(), "one UNLOAD fills the cache: " + queries("cached"));

        String refused = (String) read("refused").get("error");
        assertNotNull(refused, "the UNLOAD of a column that does not exist failed");
        List<Map<String, Object>> ran = queries("refused");
        assertEquals(1, ran.size(), ran.toString());
        assertEquals("FAILED", ran.get(0).get("state"));
        assertTrue(refused.contains("no_such_column") && refused.contains("QueryExecutionId"), refused);

        Map<String, Object> workgroups = read("workgroups");
        String cse = (String) workgroups.get("cse");
        assertNotNull(cse, "a workgroup whose results are encrypted client-side is refused");
        assertTrue(cse.contains("CSE_KMS"), cse);
        assertEquals(new ArrayList<Object>(), queries("workgroups"), "no UNLOAD ran");
    }

    @Test
    void theFilesGoWhenTheActionEndsAndTheRestAtExit() throws Exception {
        assertEquals(0L, number(read("athena").get("files_left")), "the action's files, once it ended");
        // Plans made without an action (explain, df.rdd) keep their files until the JVM exits.
        assertTrue(number(read("end").get("files_left_before_exit")) > 0, "files of the expired read's plan");
        assertEquals(new ArrayList<String>(), filesAfterExit, "UNLOAD files left after Spark exited");
    }

    @Test
    void noSecretAppearsInWhatSparkPrinted() {
        assertTrue(output.contains("athena " + BIG), "explain shows the scan:\n" + output);
        assertFalse(output.contains(PASSWORD), "the password");
        for (String presigned : new String[] {"X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token"}) {
            assertFalse(output.contains(presigned), "a presigned URL (" + presigned + ")");
        }
        assertTrue(output.contains("\"amount\" > 990"), "explain shows the pushed filter:\n" + output);
    }

    @Test
    void theReadmeExamplesRunAsWritten() throws Exception {
        String readme = new String(Files.readAllBytes(Paths.get("README.md")), StandardCharsets.UTF_8);
        int section = readme.indexOf("\n### Spark at scale\n");
        assertTrue(section >= 0, "README.md has a section Spark at scale");
        String endpoint = "http://127.0.0.1:8080";
        String driverJar = "build/libs/athena-native-jdbc-0.1.0.jar";
        String sparkJar = "spark/build/libs/athena-native-spark-0.1.0.jar";

        String python = snippet(readme, section, "```python\n");
        assertTrue(python.contains(endpoint) && python.contains(driverJar) && python.contains(sparkJar), python);
        File script = new File(WORK, "readme_at_scale.py");
        Files.write(script.toPath(), localise(python, endpoint, driverJar, sparkJar).getBytes(StandardCharsets.UTF_8));
        ClientProcess py = pyspark("pyspark README at scale", script.getAbsolutePath());
        assertEquals(0, py.exitCode, py.output);
        assertCitiesShown(py.output);

        String scala = snippet(readme, section, "```scala\n");
        assertTrue(scala.contains(endpoint), scala);
        File scalaFile = new File(WORK, "readme_at_scale.scala");
        Files.write(scalaFile.toPath(), localise(scala, endpoint, driverJar, sparkJar).getBytes(StandardCharsets.UTF_8));
        String shell = snippet(readme, section, "```sh\n").trim();
        assertTrue(shell.startsWith("spark-shell ") && shell.contains(driverJar) && shell.contains(sparkJar), shell);
        List<String> command = new ArrayList<String>();
        command.add(new File(new File(sparkHome(), "bin"), "spark-shell").getAbsolutePath());
        for (String word : shell.substring("spark-shell ".length()).split("\\s+")) {
            command.add(word.equals(driverJar + "," + sparkJar)
                    ? ClientProcess.property("athena.driver.jar") + "," + ClientProcess.property("athena.spark.jar")
                    : word);
        }
        command.add("-I");
        command.add(scalaFile.getAbsolutePath());
        ClientProcess sh = ClientProcess.run("spark-shell README at scale", command, WORK, sparkEnvironment(), 300);
        assertEquals(0, sh.exitCode, sh.output);
        assertCitiesShown(sh.output);
    }

    private static String snippet(String readme, int section, String fence) {
        int next = readme.indexOf("\n### ", section + 1);
        int start = readme.indexOf(fence, section);
        assertTrue(start >= 0 && (next < 0 || start < next), fence.trim() + " in Spark at scale");
        return readme.substring(start + fence.length(), readme.indexOf("```", start + fence.length()));
    }

    private static String localise(String snippet, String endpoint, String driverJar, String sparkJar) {
        return snippet.replace(endpoint, athena.endpoint())
                .replace(driverJar, ClientProcess.property("athena.driver.jar"))
                .replace(sparkJar, ClientProcess.property("athena.spark.jar"));
    }

    /** The snippets show each country's population, one city each in cities.csv. */
    private static void assertCitiesShown(String shown) {
        String[][] expected = {{"Austria", "2005760"}, {"France", "2102650"}, {"Germany", "3878100"},
                {"Italy", "2748109"}, {"Netherlands", "931298"}, {"Norway", "717710"}, {"Portugal", "548703"},
                {"Spain", "3332035"}};
        for (String[] row : expected) {
            assertTrue(Pattern.compile("\\|\\s*" + row[0] + "\\|\\s*" + row[1] + "\\|").matcher(shown).find(),
                    row[0] + " " + row[1] + " in\n" + shown);
        }
    }

    /** Every file athena-local holds under an UNLOAD prefix, in any bucket. */
    private static List<String> unloadFiles() throws IOException {
        try (Stream<Path> files = Files.walk(storage)) {
            return files.filter(Files::isRegularFile)
                    .map(p -> storage.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> p.contains("athena-jdbc-unload/"))
                    .collect(Collectors.toList());
        }
    }

    private static File python() {
        File python = new File(System.getProperty("athena.clients.python", "build/clients/venv/bin/python"))
                .getAbsoluteFile();
        assertTrue(python.canExecute(), python + " is missing: run tests/clients/setup.sh (./tests/run does)");
        return python;
    }

    /** pyspark's folder in the venv (its bin/spark-shell runs Scala). */
    private static File sparkHome() throws IOException {
        File lib = new File(python().getParentFile().getParentFile(), "lib");
        try (Stream<Path> found = Files.list(lib.toPath())) {
            for (Path p : (Iterable<Path>) found::iterator) {
                File home = p.resolve("site-packages/pyspark").toFile();
                if (home.isDirectory()) {
                    return home;
                }
            }
        }
        throw new IOException("no pyspark under " + lib);
    }

    private static Map<String, String> sparkEnvironment() {
        Map<String, String> environment = new HashMap<String, String>();
        environment.put("JAVA_HOME", System.getProperty("java.home"));
        environment.put("SPARK_LOCAL_IP", "127.0.0.1");
        environment.put("SPARK_LOCAL_DIRS", WORK.getAbsolutePath());
        environment.put("PYSPARK_PYTHON", python().getAbsolutePath());
        return environment;
    }

    private static ClientProcess pyspark(String name, String... arguments) throws Exception {
        List<String> command = new ArrayList<String>();
        command.add(python().getAbsolutePath());
        command.addAll(Arrays.asList(arguments));
        return ClientProcess.run(name, command, WORK, sparkEnvironment(), 600);
    }

}
