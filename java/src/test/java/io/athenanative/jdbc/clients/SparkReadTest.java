package io.athenanative.jdbc.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * pyspark from PyPI (installed by tests/clients/setup.sh) reads a table through the driver jar with Spark's
 * JDBC source in local[2]: the whole table, a {@code query}, and the table over 4 partitions. Each read's
 * count and sum, as Spark aggregates them and as summed from the rows Spark fetched, equal the engine's.
 * The table has a {@code timestamp with time zone} column, which Spark reads as its TimestampType
 * through getTimestamp: each read's instants (their sum and least, in epoch milliseconds) are the ones
 * the table's query states.
 */
class SparkReadTest extends OwnAthena {
    private static final int ROWS = 20000;
    private static final String TABLE = "spark_orders";
    /**
     * The first row's instant in the {@code at} column, 2024-01-31 12:34:56 UTC (written
     * {@code 2024-01-31 13:34:56.000 Europe/Paris}); each row's is {@code id} days later.
     */
    private static final long FIRST_SECOND = 1706704496L;
    private static final Pattern RESULT = Pattern.compile(
            "RESULT \\{\"read\": \"(\\w+)\", \"count\": (\\d+), \"sum\": (\\d+), \"partitions\": (\\d+), "
                    + "\"collected\": (\\d+), \"collected_sum\": (\\d+), \"columns\": \\[([^\\]]*)\\], "
                    + "\"time_type\": \"(\\w+)\", \"time_millis_sum\": (\\d+), \"time_millis_min\": (\\d+)\\}");

    private static final String README_ENDPOINT = "http://127.0.0.1:8080";
    private static final String README_JAR = "build/libs/athena-native-jdbc-0.1.0.jar";
    private static final File WORK = new File("build/clients/spark").getAbsoluteFile();

    @BeforeAll
    static void makeSparksFolder() {
        assertTrue(WORK.isDirectory() || WORK.mkdirs(), WORK.toString());
    }

    @Test
    void sparkReadsTheTableAQueryAndFourPartitionsWithTheEnginesCountAndSum() throws Exception {
        long count;
        long sum;
        long queryCount;
        long querySum;
        long queryIdSum;
        long queryFirstId;
        try (Connection c = DriverManager.getConnection(athena.url()); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + TABLE + " AS SELECT value AS id, (value * 7919) % 1000 - 100 AS amount,"
                    + " from_unixtime(" + FIRST_SECOND + " + value * 86400, 'Europe/Paris') AS at FROM range(" + ROWS + ")");
            try (ResultSet rs = s.executeQuery("SELECT count(*), sum(amount), count(CASE WHEN amount >= 0 THEN 1 END),"
                    + " sum(CASE WHEN amount >= 0 THEN amount END), sum(CASE WHEN amount >= 0 THEN id END),"
                    + " min(CASE WHEN amount >= 0 THEN id END) FROM " + TABLE)) {
                assertTrue(rs.next());
                count = rs.getLong(1);
                sum = rs.getLong(2);
                queryCount = rs.getLong(3);
                querySum = rs.getLong(4);
                queryIdSum = rs.getLong(5);
                queryFirstId = rs.getLong(6);
            }
            try (ResultSet rs = s.executeQuery("SELECT at FROM " + TABLE + " WHERE id = 0")) {
                assertTrue(rs.next());
                assertEquals("2024-01-31 13:34:56.000 Europe/Paris", rs.getString(1), "the table's first instant");
            }
        }
        assertEquals(ROWS, count);
        assertTrue(queryCount > 0 && queryCount < ROWS, "the query option reads a proper subset");

        ClientProcess spark = pyspark("pyspark", new File("tests/clients/spark_read.py").getAbsolutePath(),
                // Spark's JDBC source knows no TIMESTAMP_WITH_TIMEZONE (2014): the property reports TIMESTAMP.
                ClientProcess.property("athena.driver.jar"), athena.url("TimestampWithTimeZoneAsTimestamp=true"), TABLE,
                "id", "amount", Integer.toString(ROWS), "at");
        assertEquals(0, spark.exitCode, spark.output);
        Map<String, long[]> reads = new LinkedHashMap<String, long[]>();
        Matcher m = RESULT.matcher(spark.output);
        while (m.find()) {
            reads.put(m.group(1), new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                    Long.parseLong(m.group(4)), Long.parseLong(m.group(5)), Long.parseLong(m.group(6)),
                    Long.parseLong(m.group(9)), Long.parseLong(m.group(10))});
            assertEquals("\"id\", \"amount\", \"at\"", m.group(7), "columns of " + m.group(1));
            assertEquals("timestamp", m.group(8), "Spark's type of the timestamp with time zone in " + m.group(1));
        }
        assertEquals(Arrays.asList("plain", "query", "partitioned"), Arrays.asList(reads.keySet().toArray()),
                spark.output);
        long idSum = (long) ROWS * (ROWS - 1) / 2;
        assertRead("plain", reads.get("plain"), count, sum, 1, instantsMillis(count, idSum), instantsMillis(1, 0));
        assertRead("query", reads.get("query"), queryCount, querySum, 1, instantsMillis(queryCount, queryIdSum),
                instantsMillis(1, queryFirstId));
        assertRead("partitioned", reads.get("partitioned"), count, sum, 4, instantsMillis(count, idSum),
                instantsMillis(1, 0));
    }

    /** The sum of the rows' instants in epoch milliseconds: each is FIRST_SECOND plus id days. */
    private static long instantsMillis(long rows, long idSum) {
        return (rows * FIRST_SECOND + idSum * 86400) * 1000;
    }

    @Test
    void theReadmeSnippetWorksAsWritten() throws Exception {
        String readme = new String(Files.readAllBytes(Paths.get("README.md")), StandardCharsets.UTF_8);
        int section = readme.indexOf("\n## Using the driver\n");
        int start = readme.indexOf("```python\n", section);
        assertTrue(section >= 0 && start >= 0, "README.md has a Spark read under Using the driver");
        String snippet = readme.substring(start + 10, readme.indexOf("```", start + 10));
        assertTrue(snippet.contains(README_ENDPOINT) && snippet.contains(README_JAR), snippet);
        File script = new File(WORK, "readme_snippet.py");
        Files.write(script.toPath(), snippet.replace(README_ENDPOINT, athena.endpoint())
                .replace(README_JAR, ClientProcess.property("athena.driver.jar")).getBytes(StandardCharsets.UTF_8));
        ClientProcess spark = pyspark("pyspark README snippet", script.getAbsolutePath());
        assertEquals(0, spark.exitCode, spark.output);
        // Its show() prints the population of each country, one city each in cities.csv.
        String[][] expected = {{"Austria", "2005760"}, {"France", "2102650"}, {"Germany", "3878100"},
                {"Italy", "2748109"}, {"Netherlands", "931298"}, {"Norway", "717710"}, {"Portugal", "548703"},
                {"Spain", "3332035"}};
        for (String[] row : expected) {
            assertTrue(Pattern.compile("\\|\\s*" + row[0] + "\\|\\s*" + row[1] + "\\|").matcher(spark.output).find(),
                    row[0] + " " + row[1] + " in\n" + spark.output);
        }
    }

    /** Runs the venv's python (tests/clients/setup.sh) with {@code arguments}, Spark's files under build/. */
    private static ClientProcess pyspark(String name, String... arguments) throws Exception {
        String python = new File(System.getProperty("athena.clients.python", "build/clients/venv/bin/python"))
                .getAbsolutePath();
        assertTrue(new File(python).canExecute(), python + " is missing: run tests/clients/setup.sh (./tests/run does)");
        Map<String, String> environment = new HashMap<String, String>();
        environment.put("JAVA_HOME", System.getProperty("java.home"));
        environment.put("SPARK_LOCAL_IP", "127.0.0.1");
        environment.put("SPARK_LOCAL_DIRS", WORK.getAbsolutePath());
        environment.put("PYSPARK_PYTHON", python);
        List<String> command = new ArrayList<String>();
        command.add(python);
        command.addAll(Arrays.asList(arguments));
        return ClientProcess.run(name, command, WORK, environment, 300);
    }

    private static void assertRead(String read, long[] got, long count, long sum, int partitions, long instants,
            long firstInstant) {
        assertEquals(count, got[0], read + ": Spark's count");
        assertEquals(sum, got[1], read + ": Spark's sum");
        assertEquals(partitions, got[2], read + ": partitions");
        assertEquals(count, got[3], read + ": rows fetched");
        assertEquals(sum, got[4], read + ": sum of the rows fetched");
        assertEquals(instants, got[5], read + ": sum of the instants Spark read, in epoch milliseconds");
        assertEquals(firstInstant, got[6], read + ": the first instant, in epoch milliseconds");
    }
}
