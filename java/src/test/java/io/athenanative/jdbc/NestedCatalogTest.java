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
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Glue's nested catalogs (issue 20, item 1): S3 Tables' {@code s3tablescatalog/BUCKET} catalogs, which Athena's
 * ListDataCatalogs does not list, found with Glue's GetCatalogs and browsed, set and named in queries like
 * Athena's own. athena-local holds a nested catalog with a table of the same name as one of AwsDataCatalog (other
 * rows), and a nested catalog whose namespaces cannot be listed.
 */
class NestedCatalogTest {
    private static final String SALES = "s3tablescatalog/sales";
    private static final String ARCHIVE = "s3tablescatalog/archive";

    private static LocalAthena athena;
    private static Connection connection;

    @BeforeAll
    static void start() throws Exception {
        String cities = new File("tests/data/cities.csv").getAbsolutePath().replace("\\", "\\\\");
        File stores = File.createTempFile("nested-stores-", ".csv");
        stores.deleteOnExit();
        Files.write(stores.toPath(), "id,city\n1,Lyon\n2,Nantes\n".getBytes(StandardCharsets.UTF_8));
        String config = "[[databases]]\nname = \"plain\"\n"
                + "[[tables]]\ndatabase = \"plain\"\nname = \"cities\"\nformat = \"csv\"\npath = \"" + cities + "\"\n"
                + "[[nested_catalogs]]\nname = \"" + SALES + "\"\n"
                + "[[nested_catalogs]]\nname = \"" + ARCHIVE + "\"\n"
                + "list_error = \"Insufficient Lake Formation permission(s) on s3tablescatalog/archive\"\n"
                + "[[databases]]\ncatalog = \"" + SALES + "\"\nname = \"shop\"\n"
                + "[[tables]]\ncatalog = \"" + SALES + "\"\ndatabase = \"shop\"\nname = \"cities\"\nformat = \"csv\"\n"
                + "path = \"" + stores.getAbsolutePath().replace("\\", "\\\\") + "\"\n";
        athena = LocalAthena.startWithConfig(config);
        connection = DriverManager.getConnection(glueUrl(""));
    }

    /** athena-local's URL with Glue on athena-local too, as a custom AthenaEndpoint needs. */
    private static String glueUrl(String extra) {
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

    private static List<String> query(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<String> rows = new ArrayList<String>();
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    row.append(i == 1 ? "" : "|").append(rs.getString(i));
                }
                rows.add(row.toString());
            }
            return rows;
        }
    }

    @Test
    void getCatalogsListsAthenasCatalogsAndGluesNestedOnes() throws Exception {
        athena.clearCalls();
        try (ResultSet rs = connection.getMetaData().getCatalogs()) {
            // Sorted; the container s3tablescatalog holds catalogs, not databases, and is not one to browse.
            assertEquals(Arrays.asList("AwsDataCatalog", ARCHIVE, SALES), rows(rs, "TABLE_CAT"));
            assertTrue(warnings(rs).isEmpty(), warnings(rs).toString());
        }
        assertEquals(1, athena.callCount("ListDataCatalogs"));
        assertEquals(1, athena.callCount("GetCatalogs"), "one recursive GetCatalogs: " + athena.calls());
    }

    @Test
    void aNestedCatalogIsBrowsedLikeAthenasOwn() throws SQLException {
        DatabaseMetaData md = connection.getMetaData();
        try (ResultSet rs = md.getSchemas(SALES, null)) {
            assertEquals(Arrays.asList("shop|" + SALES), rows(rs, "TABLE_SCHEM", "TABLE_CATALOG"));
        }
        try (ResultSet rs = md.getColumns(SALES, "shop", "cities", null)) {
            assertEquals(Arrays.asList(SALES + "|shop|cities|id|1", SALES + "|shop|cities|city|2"),
                    rows(rs, "TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME", "COLUMN_NAME", "ORDINAL_POSITION"));
        }
        // Every catalog: the nested catalog's table beside AwsDataCatalog's, and the catalog that cannot be
        // listed left out with a warning that names it and why.
        try (ResultSet rs = md.getTables(null, null, "cities", null)) {
            List<String> tables = rows(rs, "TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE");
            assertEquals(Arrays.asList("AwsDataCatalog|plain|cities|TABLE", SALES + "|shop|cities|TABLE"), tables);
            List<String> warnings = warnings(rs);
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).contains(ARCHIVE) && warnings.get(0).contains("Insufficient Lake Formation"),
                    warnings.toString());
        }
    }

    @Test
    void setCatalogAndThreePartNamesReachTheNestedCatalog() throws SQLException {
        try (Connection c = DriverManager.getConnection(glueUrl(""))) {
            c.setCatalog(SALES);
            c.setSchema("shop");
            assertEquals(SALES, c.getCatalog());
            assertEquals(Arrays.asList("1|Lyon", "2|Nantes"), query(c, "SELECT id, city FROM cities ORDER BY id"));
            c.setCatalog("AwsDataCatalog");
            c.setSchema("plain");
            assertEquals(Arrays.asList("Paris"), query(c, "SELECT name FROM cities WHERE id = 1"));
            assertEquals(Arrays.asList("Nantes"),
                    query(c, "SELECT city FROM \"" + SALES + "\".shop.cities WHERE id = 2"));
            // One query over both catalogs.
            assertEquals(Arrays.asList("Paris|Lyon", "Berlin|Nantes"),
                    query(c, "SELECT p.name, s.city FROM AwsDataCatalog.plain.cities p JOIN \"" + SALES
                            + "\".shop.cities s ON p.id = s.id ORDER BY p.id"));
            assertEquals(Arrays.asList("cities"), query(c, "SELECT table_name FROM \"" + SALES
                    + "\".information_schema.tables WHERE table_schema = 'shop'"));
        }
        // The Catalog and Database properties of the URL.
        try (Connection c = DriverManager.getConnection(glueUrl("Catalog=" + SALES + ";Database=shop"))) {
            assertEquals(SALES, c.getCatalog());
            assertEquals(Arrays.asList("2"), query(c, "SELECT count(*) FROM cities"));
        }
    }

    @Test
    void anUnknownNestedCatalogIsAClearError() throws SQLException {
        try (Connection c = DriverManager.getConnection(glueUrl(""))) {
            c.setCatalog("s3tablescatalog/nope");
            SQLException e = assertThrows(SQLException.class, () -> query(c, "SELECT 1"));
            assertTrue(e.getMessage().contains("s3tablescatalog/nope"), e.getMessage());
            assertTrue(e.getMessage().contains("QueryExecutionId"), e.getMessage());
        }
    }

    @Test
    void aGlueListingThatIsRefusedLeavesOutTheNestedCatalogsWithAWarning() throws Exception {
        athena.admin("POST", "/_athena_local/faults",
                "{\"operation\":\"GetCatalogs\",\"kind\":\"access_denied\",\"count\":1000}");
        try (ResultSet rs = connection.getMetaData().getCatalogs()) {
            assertEquals(Arrays.asList("AwsDataCatalog"), rows(rs, "TABLE_CAT"));
            List<String> warnings = warnings(rs);
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).contains("GetCatalogs") && warnings.get(0).contains("AccessDeniedException"),
                    warnings.toString());
        }
        try (ResultSet rs = connection.getMetaData().getTables(null, null, "cities", null)) {
            assertEquals(Arrays.asList("AwsDataCatalog|plain|cities|TABLE"), rows(rs, "TABLE_CAT", "TABLE_SCHEM",
                    "TABLE_NAME", "TABLE_TYPE"));
            assertFalse(warnings(rs).isEmpty());
        }
        // The nested catalog is still reachable by name.
        try (ResultSet rs = connection.getMetaData().getTables(SALES, "shop", "%", null)) {
            assertEquals(Arrays.asList(SALES + "|shop|cities"), rows(rs, "TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME"));
        }
    }

    @Test
    void withoutGlueOnlyAthenasCatalogsAreListedAndGlueIsNotCalled() throws Exception {
        for (String url : new String[] {glueUrl("GlueCatalogs=false"), athena.url()}) {
            athena.clearCalls();
            try (Connection c = DriverManager.getConnection(url); ResultSet rs = c.getMetaData().getCatalogs()) {
                assertEquals(Arrays.asList("AwsDataCatalog"), rows(rs, "TABLE_CAT"), url);
                assertTrue(warnings(rs).isEmpty(), url);
            }
            assertEquals(0, athena.callCount("GetCatalogs"), url);
        }
    }
}
