package io.athenanative.jdbc;

import static io.athenanative.jdbc.MetadataRows.warnings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What DBeaver, DataGrip and SchemaCrawler ask of a driver: metadata, URLs, official names, escapes. */
class ToolMetadataTest {
    private static LocalAthena athena;
    private static Connection connection;

    @BeforeAll
    static void connect() throws Exception {
        athena = LocalAthena.shared();
        connection = DriverManager.getConnection(athena.url());
    }

    @AfterAll
    static void close() throws SQLException {
        connection.close();
    }

    private static List<String> labels(ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        List<String> labels = new ArrayList<String>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            labels.add(md.getColumnLabel(i));
        }
        return labels;
    }

    private static void assertEmpty(ResultSet rs, String... firstColumns) throws SQLException {
        try {
            List<String> labels = labels(rs);
            assertEquals(Arrays.asList(firstColumns), labels.subList(0, firstColumns.length), labels.toString());
            assertFalse(rs.next());
        } finally {
            rs.close();
        }
    }

    @Test
    void metadataAthenaLacksIsEmptyAndCorrectlyShaped() throws SQLException {
        DatabaseMetaData md = connection.getMetaData();
        assertEmpty(md.getPrimaryKeys(null, "default", "cities"), "TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME", "COLUMN_NAME", "KEY_SEQ", "PK_NAME");
        assertEmpty(md.getImportedKeys(null, "default", "cities"), "PKTABLE_CAT", "PKTABLE_SCHEM", "PKTABLE_NAME", "PKCOLUMN_NAME",
                "FKTABLE_CAT", "FKTABLE_SCHEM", "FKTABLE_NAME", "FKCOLUMN_NAME", "KEY_SEQ", "UPDATE_RULE", "DELETE_RULE", "FK_NAME",
                "PK_NAME", "DEFERRABILITY");
        assertEmpty(md.getExportedKeys(null, "default", "cities"), "PKTABLE_CAT");
        assertEmpty(md.getCrossReference(null, "default", "cities", null, "default", "cities"), "PKTABLE_CAT");
        assertEmpty(md.getIndexInfo(null, "default", "cities", false, true), "TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME", "NON_UNIQUE",
                "INDEX_QUALIFIER", "INDEX_NAME", "TYPE", "ORDINAL_POSITION", "COLUMN_NAME", "ASC_OR_DESC", "CARDINALITY", "PAGES",
                "FILTER_CONDITION");
        assertEmpty(md.getProcedures(null, null, "%"), "PROCEDURE_CAT", "PROCEDURE_SCHEM", "PROCEDURE_NAME");
        assertEmpty(md.getProcedureColumns(null, null, "%", "%"), "PROCEDURE_CAT");
        assertEmpty(md.getFunctions(null, null, "%"), "FUNCTION_CAT", "FUNCTION_SCHEM", "FUNCTION_NAME", "REMARKS", "FUNCTION_TYPE",
                "SPECIFIC_NAME");
        assertEmpty(md.getFunctionColumns(null, null, "%", "%"), "FUNCTION_CAT");
        assertEmpty(md.getTablePrivileges(null, "default", "%"), "TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME", "GRANTOR", "GRANTEE",
                "PRIVILEGE", "IS_GRANTABLE");
        assertEmpty(md.getColumnPrivileges(null, "default", "cities", "%"), "TABLE_CAT");
        assertEmpty(md.getBestRowIdentifier(null, "default", "cities", DatabaseMetaData.bestRowSession, true), "SCOPE", "COLUMN_NAME");
        assertEmpty(md.getVersionColumns(null, "default", "cities"), "SCOPE");
        assertEmpty(md.getUDTs(null, null, "%", null), "TYPE_CAT");
        assertEmpty(md.getSuperTypes(null, null, "%"), "TYPE_CAT");
        assertEmpty(md.getSuperTables(null, null, "%"), "TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME", "SUPERTABLE_NAME");
        assertEmpty(md.getAttributes(null, null, "%", "%"), "TYPE_CAT");
        assertEmpty(md.getClientInfoProperties(), "NAME", "MAX_LEN", "DEFAULT_VALUE", "DESCRIPTION");
        assertEmpty(md.getPseudoColumns(null, "default", "cities", "%"), "TABLE_CAT");
        try (ResultSet keys = md.getPrimaryKeys(null, "default", "cities")) {
            assertEquals(java.sql.Types.SMALLINT, keys.getMetaData().getColumnType(5));
        }
    }

    @Test
    void theUrlIsShownWithSecretsMasked() throws SQLException {
        String shown = connection.getMetaData().getURL();
        assertNotNull(shown);
        assertEquals("jdbc:athena://Region=us-east-1;AthenaEndpoint=" + athena.endpoint() + ";User=test;Password=****", shown);
    }

    @Test
    void officialDriverSettingsWithoutEffectAreWarningsNotErrors() throws SQLException {
        String url = athena.url("MetadataRetrievalMethod=ProxyAPI;ConnectionTest=false;S3OutputLocation=s3://athena-local-results/x/");
        try (Connection c = DriverManager.getConnection(url)) {
            SQLWarning warning = c.getWarnings();
            assertNotNull(warning, "accepted without effect must be said");
            List<String> texts = new ArrayList<String>();
            for (SQLWarning w = warning; w != null; w = w.getNextWarning()) {
                texts.add(w.getMessage());
                assertEquals("01000", w.getSQLState());
            }
            assertEquals(2, texts.size(), texts.toString());
            assertTrue(texts.get(0).contains("ConnectionTest") || texts.get(1).contains("ConnectionTest"), texts.toString());
            assertTrue(texts.toString().contains("MetadataRetrievalMethod"), texts.toString());
            c.clearWarnings();
            assertNull(c.getWarnings());
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
                assertTrue(rs.next());
            }
        }
    }

    @Test
    void flowsNotBuiltAreNamedAndUnknownKeysStayErrors() {
        SQLException sageMaker = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                "jdbc:athena://Region=us-east-1;CredentialsProvider=SageMakerIam;DataZoneDomainId=dzd_1"));
        assertTrue(sageMaker instanceof SQLFeatureNotSupportedException, sageMaker.getClass().getName());
        assertEquals("0A000", sageMaker.getSQLState());
        assertTrue(sageMaker.getMessage().contains("SageMakerIam"), sageMaker.getMessage());
        SQLException typo = assertThrows(SQLException.class, () -> DriverManager.getConnection(athena.url("MetadataRetrivalMethod=x")));
        assertEquals("08001", typo.getSQLState());
        assertTrue(typo.getMessage().contains("did you mean MetadataRetrievalMethod"), typo.getMessage());
    }

    @Test
    void jdbcEscapesAreTranslatedByDefault() throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT {fn ucase('abc')} AS u, {d '2024-01-31'} AS d, {ts '2024-01-31 12:34:56'} AS ts, "
                     + "'{d not an escape}' AS literal, {fn ifnull(NULL, 'x')} AS n")) {
            assertTrue(rs.next());
            assertEquals("ABC", rs.getString("U"));
            assertEquals(java.sql.Date.valueOf("2024-01-31"), rs.getDate("d"));
            assertEquals(java.sql.Timestamp.valueOf("2024-01-31 12:34:56"), rs.getTimestamp("ts"));
            assertEquals("{d not an escape}", rs.getString("literal"));
            assertEquals("x", rs.getString("n"));
        }
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT c.name FROM {oj cities c LEFT OUTER JOIN cities d ON c.id = d.id} "
                     + "WHERE c.name NOT LIKE '%\\_%' {escape '\\'} AND c.name LIKE 'Os%' ORDER BY c.name {limit 5}")) {
            assertTrue(rs.next());
            assertEquals("Oslo", rs.getString(1));
            assertFalse(rs.next());
        }
        assertEquals("SELECT upper(x) FROM t OFFSET 2 LIMIT 10", connection.nativeSQL("SELECT {fn UCASE(x)} FROM t {limit 10 offset 2}"));
        SQLException call = assertThrows(SQLException.class, () -> connection.nativeSQL("{call proc(?)}"));
        assertEquals("0A000", call.getSQLState());
        try (Statement s = connection.createStatement()) {
            s.setEscapeProcessing(false);
            assertThrows(SQLException.class, () -> s.executeQuery("SELECT {fn ucase('abc')}"));
        }
    }

    @Test
    void columnsOfOneTableAreOneCall() throws Exception {
        DatabaseMetaData md = connection.getMetaData();
        athena.clearCalls();
        try (ResultSet rs = md.getColumns("AwsDataCatalog", "default", "cities", null)) {
            int n = 0;
            while (rs.next()) {
                assertEquals("cities", rs.getString("TABLE_NAME"));
                n++;
            }
            assertEquals(5, n);
            assertEquals(6, rs.findColumn("type_name"), "findColumn ignores case");
        }
        assertEquals(1, athena.callCount("GetTableMetadata"));
        assertEquals(0, athena.callCount("ListTableMetadata"));
        try (ResultSet rs = md.getColumns("AwsDataCatalog", "default", "cities", "name")) {
            assertTrue(rs.next());
            assertEquals("varchar", rs.getString("TYPE_NAME"), "the name getTypeInfo lists, not Glue's 'string'");
            assertEquals(java.sql.Types.VARCHAR, rs.getInt("DATA_TYPE"));
        }
        assertEquals("test", md.getUserName());
        assertTrue(connection.getTypeMap().isEmpty());
        assertEquals(0, athena.callCount("ListDatabases"));
        try (ResultSet rs = md.getTables("AwsDataCatalog", "default", "nope", null)) {
            assertFalse(rs.next(), "an unknown table is an empty answer");
        }
    }

    @Test
    void complexColumnsKeepTheirFullTypeName() throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TABLE complex_columns AS SELECT ARRAY[1, 2] AS a, MAP(ARRAY['k'], ARRAY[1]) AS m, "
                    + "named_struct('x', 1, 'y', 'a') AS r");
        }
        try (ResultSet rs = connection.getMetaData().getColumns(null, "default", "complex_columns", null)) {
            List<String> types = new ArrayList<String>();
            List<Integer> jdbcTypes = new ArrayList<Integer>();
            while (rs.next()) {
                types.add(rs.getString("TYPE_NAME"));
                jdbcTypes.add(rs.getInt("DATA_TYPE"));
            }
            // The same JDBC types the columns have in a query's ResultSetMetaData.
            assertEquals(java.util.Arrays.asList(java.sql.Types.ARRAY, java.sql.Types.OTHER, java.sql.Types.STRUCT), jdbcTypes);
            assertEquals(3, types.size(), types.toString());
            assertTrue(types.get(0).startsWith("array<"), types.toString());
            assertTrue(types.get(1).startsWith("map<"), types.toString());
            assertTrue(types.get(2).startsWith("struct<x:"), types.toString());
        } finally {
            try (Statement s = connection.createStatement()) {
                s.execute("DROP TABLE complex_columns");
            }
        }
    }

    /** athena-local with the test credentials and the given database and tables (TOML), from a temporary file. */
    private static LocalAthena startWith(String database, String tables) throws IOException {
        return LocalAthena.startWithConfig("[[databases]]\nname = \"" + database + "\"\n" + tables);
    }

    private static String csvTable(String database, String name, String extra) {
        String csv = new File("tests/data/cities.csv").getAbsolutePath().replace("\\", "\\\\");
        return "[[tables]]\ndatabase = \"" + database + "\"\nname = \"" + name + "\"\nformat = \"csv\"\npath = \"" + csv + "\"\n"
                + extra;
    }

    /** A Glue catalog of 2,000 tables, as in metabase PR #82565: one table's columns must not list them all. */
    @Test
    void twoThousandTablesOneDescribedByName() throws Exception {
        StringBuilder tables = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            tables.append(csvTable("wide", String.format("t%04d", i), ""));
        }
        try (LocalAthena wide = startWith("wide", tables.toString());
             Connection c = DriverManager.getConnection(wide.url("Database=wide;GlueEndpoint=" + wide.endpoint()))) {
            DatabaseMetaData md = c.getMetaData();
            wide.clearCalls();
            try (ResultSet rs = md.getColumns(null, "wide", "t1234", "%")) {
                int n = 0;
                while (rs.next()) {
                    assertEquals("t1234", rs.getString("TABLE_NAME"));
                    n++;
                }
                assertEquals(5, n);
            }
            int describe = wide.callCount("GetTableMetadata");
            System.out.println("getColumns(null, wide, t1234, %) on 2000 tables: GetTableMetadata=" + describe
                    + " ListTableMetadata=" + wide.callCount("ListTableMetadata") + " ListDataCatalogs="
                    + wide.callCount("ListDataCatalogs") + " ListDatabases=" + wide.callCount("ListDatabases"));
            assertEquals(1, describe);
            assertEquals(0, wide.callCount("ListTableMetadata"));
            assertEquals(0, wide.callCount("ListDatabases"));
            wide.clearCalls();
            try (ResultSet rs = md.getTables(null, "wide", "t12%", null)) {
                int n = 0;
                while (rs.next()) {
                    assertTrue(rs.getString("TABLE_NAME").startsWith("t12"));
                    n++;
                }
                assertEquals(100, n);
            }
            System.out.println("getTables(null, wide, t12%) on 2000 tables: ListTableMetadata=" + wide.callCount("ListTableMetadata"));
            assertEquals(2, wide.callCount("ListTableMetadata"), "the Expression filter narrows the listing to 100 tables, 2 pages of 50");
            try (ResultSet rs = md.getTables(null, "wide", "%", null)) {
                int n = 0;
                while (rs.next()) {
                    n++;
                }
                assertEquals(2000, n);
            }
            // What a BI tool's column sync costs: every column of every table of every catalog.
            wide.clearCalls();
            int columns = 0;
            try (ResultSet rs = md.getColumns(null, null, "%", "%")) {
                while (rs.next()) {
                    columns++;
                }
            }
            int calls = wide.calls().size();
            System.out.println("getColumns(null, null, %, %) on 2000 tables: " + columns + " columns, " + calls
                    + " AWS calls: ListDataCatalogs=" + wide.callCount("ListDataCatalogs") + " GetCatalogs="
                    + wide.callCount("GetCatalogs") + " ListDatabases="
                    + wide.callCount("ListDatabases") + " ListTableMetadata=" + wide.callCount("ListTableMetadata")
                    + " GetTableMetadata=" + wide.callCount("GetTableMetadata"));
            assertEquals(2000 * 5, columns);
            assertEquals(0, wide.callCount("GetTableMetadata"), "listed pages carry the columns");
            assertEquals(1, wide.callCount("GetCatalogs"), "Glue's nested catalogs: one recursive listing");
            assertTrue(wide.callCount("ListTableMetadata") <= 41, "40 pages of 50 tables, and the empty default database");
        }
    }

    @Test
    void aTableThatCannotBeDescribedIsLeftOutWithAWarning() throws Exception {
        String tables = csvTable("mixed", "alpha", "") + csvTable("mixed", "broken", "describe_error = \"connector failed\"\n")
                + csvTable("mixed", "gamma", "");
        try (LocalAthena mixed = startWith("mixed", tables);
             Connection c = DriverManager.getConnection(mixed.url("Database=mixed"))) {
            DatabaseMetaData md = c.getMetaData();
            try (ResultSet rs = md.getColumns(null, "mixed", "broken", null)) {
                assertFalse(rs.next());
                assertEquals(1, warnings(rs).size(), warnings(rs).toString());
                assertTrue(warnings(rs).get(0).contains("mixed.broken"), warnings(rs).toString());
                assertTrue(warnings(rs).get(0).contains("connector failed"), warnings(rs).toString());
            }
            try (ResultSet rs = md.getTables(null, "mixed", "%", null)) {
                List<String> names = new ArrayList<String>();
                while (rs.next()) {
                    names.add(rs.getString("TABLE_NAME"));
                }
                assertEquals(Arrays.asList("alpha", "gamma"), names);
                assertEquals(1, warnings(rs).size(), warnings(rs).toString());
                assertTrue(warnings(rs).get(0).contains("mixed.broken"), warnings(rs).toString());
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM broken")) {
                assertTrue(rs.next());
                assertEquals(8, rs.getLong(1), "the table itself still answers queries");
            }
        }
    }
}
