package io.athenanative.jdbc.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SchemaCrawler's command line from Maven Central, in its own JVM with the driver jar on its classpath,
 * crawls two databases at the maximum info level (tables, columns, keys, indexes, privileges, ...) and
 * writes its text report.
 */
class SchemaCrawlerTest extends OwnAthena {

    @BeforeAll
    static void createASecondDatabase() throws Exception {
        try (Connection c = DriverManager.getConnection(athena.url()); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA crawl_sales");
            s.execute("CREATE TABLE crawl_sales.orders AS SELECT value AS order_id, 'city-' || CAST(value % 8 AS VARCHAR)"
                    + " AS city, CAST(value * 1.5 AS DOUBLE) AS total FROM range(10)");
            s.execute("CREATE VIEW crawl_sales.big_orders AS SELECT order_id, total FROM crawl_sales.orders"
                    + " WHERE total > 5");
        }
    }

    @Test
    void aFullCrawlOfTwoDatabases() throws Exception {
        File report = File.createTempFile("schemacrawler-", ".txt");
        try {
            ClientProcess crawl = ClientProcess.runJava("schemacrawler", "athena.clients.schemacrawler.classpath",
                    "schemacrawler.Main", 180, "--url=" + urlWithoutKeys(), "--user=test", "--password=test",
                    "--info-level=maximum", "--routines=.*", "--sequences=.*", "--synonyms=.*", "--log-level=WARNING",
                    "--command=details", "--output-format=text", "--output-file=" + report.getAbsolutePath());
            String text = new String(Files.readAllBytes(report.toPath()), StandardCharsets.UTF_8);
            assertEquals(0, crawl.exitCode, crawl.output + "\n" + text);
            // SchemaCrawler logs every metadata call that fails and goes on: there must be none.
            String log = crawl.output;
            assertFalse(log.contains("WARNING") || log.contains("SEVERE") || log.contains("Exception"), crawl.output);
            // Each table or view is a heading with its fully qualified name and kind, then its columns and types
            // (under the names getTypeInfo lists, so no column looks like a user-defined type).
            assertTable(text, "\"AwsDataCatalog\".\"default\".cities", "[table]",
                    "id bigint", "name varchar", "country varchar", "population bigint", "founded date");
            assertTable(text, "\"AwsDataCatalog\".crawl_sales.orders", "[table]",
                    "order_id bigint", "city varchar", "total double");
            assertFalse(text.contains("[user defined data type]"), text);
            assertTable(text, "\"AwsDataCatalog\".crawl_sales.big_orders", "[view]", "order_id bigint", "total double");
            // The data types come from getTypeInfo.
            assertTrue(Pattern.compile("(?m)^varchar\\s+\\[data type\\]").matcher(text).find(), text);
        } finally {
            Files.deleteIfExists(report.toPath());
        }
    }

    private static void assertTable(String text, String name, String kind, String... columns) {
        Matcher heading = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\s+" + Pattern.quote(kind) + "[ \\t]*$").matcher(text);
        assertTrue(heading.find(), name + " " + kind + " in\n" + text);
        int next = text.indexOf("\n\n\n", heading.end());
        String section = next < 0 ? text.substring(heading.end()) : text.substring(heading.end(), next);
        for (String column : columns) {
            String[] nameAndType = column.split(" ");
            assertTrue(Pattern.compile("(?m)^  " + nameAndType[0] + "\\s+" + Pattern.quote(nameAndType[1]) + "\\b")
                    .matcher(section).find(), column + " in\n" + section);
        }
    }
}
