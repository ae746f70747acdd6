package io.athenanative.jdbc;

import static io.athenanative.jdbc.MetadataRows.rows;
import static io.athenanative.jdbc.MetadataRows.warnings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Metadata that survives a broken catalog or database, and columns for a principal denied Glue's table metadata:
 * athena-local with a federated catalog whose ListDatabases fails, a database whose table listing fails, a
 * database whose GetTableMetadata/ListTableMetadata are denied, and Glue's nested catalogs (an S3 Tables catalog, and
 * one whose namespaces cannot be listed).
 */
class MetadataSurvivalTest {
    /** The typed table, made the same in the plain and in the restricted database. */
    private static final String TYPED = "SELECT CAST(1 AS INTEGER) AS i, CAST(2 AS BIGINT) AS b, CAST('x' AS VARCHAR) AS v, "
            + "CAST(1.5 AS DECIMAL(10,2)) AS d, CAST(0.5 AS DOUBLE) AS f, ARRAY[CAST(1 AS INTEGER)] AS a, "
            + "named_struct('a', CAST(1 AS INTEGER), 'b', 'y') AS r, CAST('2024-01-02 03:04:05' AS TIMESTAMP) AS t, "
            + "DATE '2024-01-02' AS day, true AS ok";

    private static LocalAthena athena;
    private static File logs;
    private static Connection connection;

    @BeforeAll
    static void start() throws Exception {
        String csv = new File("tests/data/cities.csv").getAbsolutePath().replace("\\", "\\\\");
        StringBuilder config = new StringBuilder();
        config.append("[[catalogs]]\nname = \"sales_connector\"\ntype = \"LAMBDA\"\n"
                + "list_error = \"Lambda function sales-connector failed: permission denied to the source\"\n");
        for (String database : new String[] {"plain", "finance", "restricted"}) {
            config.append("[[databases]]\nname = \"").append(database).append("\"\n");
            config.append("[[tables]]\ndatabase = \"").append(database).append("\"\nname = \"cities\"\nformat = \"csv\"\npath = \"")
                    .append(csv).append("\"\n");
        }
        config.append("[[database_rules]]\ndatabase = \"finance\"\nlist_error = \"the federated source was deleted\"\n");
        // Glue's nested catalogs: an S3 Tables catalog to browse, and one whose namespaces cannot be listed.
        config.append("[[nested_catalogs]]\nname = \"s3tablescatalog/sales\"\n");
        config.append("[[nested_catalogs]]\nname = \"s3tablescatalog/archive\"\n"
                + "list_error = \"Insufficient Lake Formation permission(s) on s3tablescatalog/archive\"\n");
        config.append("[[databases]]\ncatalog = \"s3tablescatalog/sales\"\nname = \"shop\"\n");
        config.append("[[tables]]\ncatalog = \"s3tablescatalog/sales\"\ndatabase = \"shop\"\nname = \"orders\"\n"
                + "format = \"csv\"\npath = \"").append(csv).append("\"\n");
        config.append("[[database_rules]]\ndatabase = \"restricted\"\ndeny_table_metadata = true\n");
        athena = LocalAthena.startWithConfig(config.toString());
        logs = Files.createTempDirectory("metadata-log").toFile();
        connection = DriverManager.getConnection(url("LogLevel=DEBUG;LogPath=" + logs.getAbsolutePath()));
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TABLE plain.typed AS " + TYPED);
            s.execute("CREATE TABLE restricted.typed AS " + TYPED);
        }
    }

    /** athena-local's URL, with Glue's nested catalogs listed by athena-local too. */
    private static String url(String extra) {
        return athena.url("GlueEndpoint=" + athena.endpoint() + (extra.isEmpty() ? "" : ";" + extra));
    }

    @AfterAll
    static void stop() throws SQLException {
        connection.close();
        athena.close();
    }

    @AfterEach
    void disarm() throws IOException {
        athena.admin("DELETE", "/_athena_local/faults", null);
    }

    private static boolean anyContains(List<String> texts, String... parts) {
        for (String text : texts) {
            boolean all = true;
            for (String part : parts) {
                all &= text.contains(part);
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    @Test
    void schemasSkipTheCatalogThatCannotBeListed() throws SQLException {
        try (ResultSet rs = connection.getMetaData().getSchemas()) {
            List<String> schemas = rows(rs, "TABLE_CATALOG", "TABLE_SCHEM");
            List<String> warnings = warnings(rs);
            assertTrue(schemas.contains("AwsDataCatalog|plain"), schemas.toString());
            assertTrue(schemas.contains("AwsDataCatalog|restricted"), schemas.toString());
            assertTrue(schemas.contains("s3tablescatalog/sales|shop"), schemas.toString());
            assertEquals(2, warnings.size(), warnings.toString());
            assertTrue(anyContains(warnings, "sales_connector", "Lambda function sales-connector failed"), warnings.toString());
            assertTrue(anyContains(warnings, "s3tablescatalog/archive", "Insufficient Lake Formation"), warnings.toString());
        }
    }

    @Test
    void tablesSkipTheBrokenCatalogAndDatabaseAndAnswerTheRest() throws SQLException {
        try (ResultSet rs = connection.getMetaData().getTables(null, null, "%", null)) {
            List<String> tables = rows(rs, "TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE");
            List<String> warnings = warnings(rs);
            assertTrue(tables.contains("AwsDataCatalog|plain|cities|TABLE"), tables.toString());
            assertTrue(tables.contains("AwsDataCatalog|restricted|cities|TABLE"), "denied: from information_schema " + tables);
            assertTrue(tables.contains("AwsDataCatalog|restricted|typed|TABLE"), tables.toString());
            assertFalse(anyContains(tables, "|finance|"), tables.toString());
            assertTrue(tables.contains("s3tablescatalog/sales|shop|orders|TABLE"), tables.toString());
            assertEquals(3, warnings.size(), warnings.toString());
            assertTrue(anyContains(warnings, "s3tablescatalog/archive", "Insufficient Lake Formation"), warnings.toString());
            assertTrue(anyContains(warnings, "catalog sales_connector", "Lambda function sales-connector failed"), warnings.toString());
            assertTrue(anyContains(warnings, "AwsDataCatalog.finance", "the federated source was deleted"), warnings.toString());
        }
    }

    @Test
    void columnsSkipTheBrokenOnesAndAnswerTheRest() throws SQLException {
        try (ResultSet rs = connection.getMetaData().getColumns(null, null, "cities", "%")) {
            List<String> columns = rows(rs, "TABLE_SCHEM", "COLUMN_NAME");
            List<String> warnings = warnings(rs);
            assertTrue(columns.contains("plain|name"), columns.toString());
            assertTrue(columns.contains("restricted|name"), columns.toString());
            assertFalse(anyContains(columns, "finance|"), columns.toString());
            assertTrue(anyContains(warnings, "sales_connector"), warnings.toString());
            assertTrue(anyContains(warnings, "finance", "the federated source was deleted"), warnings.toString());
        }
    }

    /** The same table read through GetTableMetadata (plain) and through information_schema (restricted). */
    @Test
    void aDeniedPrincipalGetsTheSameColumnsThroughInformationSchema() throws Exception {
        DatabaseMetaData md = connection.getMetaData();
        String[] labels = {"TABLE_NAME", "COLUMN_NAME", "DATA_TYPE", "TYPE_NAME", "COLUMN_SIZE", "DECIMAL_DIGITS",
            "NUM_PREC_RADIX", "ORDINAL_POSITION", "IS_NULLABLE"};
        List<String> normal;
        try (ResultSet rs = md.getColumns("AwsDataCatalog", "plain", "typed", null)) {
            normal = rows(rs, labels);
        }
        assertEquals(10, normal.size(), normal.toString());
        assertTrue(normal.contains("typed|a|2003|array<int>|null|null|null|6|YES"), normal.toString());
        try (ResultSet rs = md.getColumns("AwsDataCatalog", "restricted", "typed", null)) {
            assertEquals(normal, rows(rs, labels), "an exact name: GetTableMetadata denied");
            assertTrue(warnings(rs).isEmpty(), warnings(rs).toString());
        }
        try (ResultSet rs = md.getColumns("AwsDataCatalog", "restricted", "ty%", "%")) {
            assertEquals(normal, rows(rs, labels), "a pattern: ListTableMetadata denied");
        }
        String log = readAll(logs);
        assertTrue(log.contains("came from information_schema.columns"), log);
        assertTrue(log.contains("came from GetTableMetadata"), log);
    }

    @Test
    void anErrorThatIsNotAboutOneCatalogStillFails() throws Exception {
        athena.admin("POST", "/_athena_local/faults",
                "{\"operation\":\"ListDatabases\",\"kind\":\"internal_error\",\"count\":1000}");
        SQLException e = assertThrows(SQLException.class, () -> connection.getMetaData().getSchemas().close());
        assertEquals("08S01", e.getSQLState(), e.toString());
        assertTrue(e.getMessage().contains("ListDatabases"), e.getMessage());
        athena.admin("DELETE", "/_athena_local/faults", null);
        athena.admin("POST", "/_athena_local/faults",
                "{\"operation\":\"ListTableMetadata\",\"kind\":\"throttle\",\"count\":1000}");
        e = assertThrows(SQLException.class, () -> connection.getMetaData().getTables(null, "plain", "%", null).close());
        assertTrue(e.getMessage().contains("TooManyRequestsException"), e.getMessage());
    }

    private static String readAll(File folder) throws IOException {
        StringBuilder all = new StringBuilder();
        File[] files = folder.listFiles();
        if (files != null) {
            for (File f : files) {
                all.append(new String(Files.readAllBytes(f.toPath()), StandardCharsets.UTF_8));
            }
        }
        return all.toString();
    }

    /**
     * jOOQ's Meta from Maven Central, in its own JVM with the driver jar, walks every catalog, schema, table and
     * column (issue 20, item 8), the S3 Tables catalog's too: the broken catalogs and database cost it nothing but
     * their contents, and the restricted database's table has the columns and types of its open twin.
     */
    @Test
    void jooqMetaWalksTheWholeCatalog() throws Exception {
        io.athenanative.jdbc.clients.ClientProcess jooq = io.athenanative.jdbc.clients.ClientProcess.runJava("jooq",
                "athena.clients.jooq.classpath", new File("tests/clients/JooqMeta.java").getAbsolutePath(), 180,
                url(""));
        String out = jooq.output;
        assertEquals(0, jooq.exitCode, out);
        assertFalse(out.contains("Exception"), out);
        // jOOQ's Meta (open-source edition) folds catalogs into one unnamed catalog and asks getSchemas() for
        // every catalog's schemas: names are compared without the catalog.
        List<String> lines = new ArrayList<String>();
        for (String line : out.split("\n")) {
            lines.add(line.replaceFirst("^(schema|table|column) [^ .]*\\.", "$1 ."));
        }
        for (String schema : new String[] {"default", "plain", "finance", "restricted", "shop"}) {
            assertTrue(lines.contains("schema ." + schema), out);
        }
        assertTrue(lines.contains("table .plain.typed TABLE"), out);
        assertTrue(lines.contains("table .restricted.typed TABLE"), out);
        // The S3 Tables catalog's namespace and table, found through Glue's GetCatalogs.
        assertTrue(lines.contains("table .shop.orders TABLE"), out);
        assertTrue(lines.contains("column .shop.orders.population bigint -5"), out);
        List<String> open = new ArrayList<String>();
        List<String> restricted = new ArrayList<String>();
        for (String line : lines) {
            if (line.startsWith("column .plain.typed.")) {
                open.add(line.substring("column .plain.typed.".length()));
            } else if (line.startsWith("column .restricted.typed.")) {
                restricted.add(line.substring("column .restricted.typed.".length()));
            }
        }
        assertEquals(10, open.size(), out);
        // The restricted twin's columns came from information_schema, with the same names and types.
        assertEquals(open, restricted, out);
        assertTrue(open.contains("d decimal 3"), out);
        assertTrue(open.contains("i integer 4"), out);
        assertTrue(open.contains("t timestamp 93"), out);
        assertFalse(lines.contains("table .finance.cities TABLE"), "the broken database's tables cannot be listed: " + out);
    }
}
