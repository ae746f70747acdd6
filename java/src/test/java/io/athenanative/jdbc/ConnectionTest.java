package io.athenanative.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Sign-in, validation of connection strings, concurrency and metadata. */
class ConnectionTest {
    private static LocalAthena athena;

    @BeforeAll
    static void start() throws Exception {
        athena = LocalAthena.shared();
    }

    @Test
    void wrongSecretIsAClearAuthenticationError() {
        String url = "jdbc:athena://Region=us-east-1;AthenaEndpoint=" + athena.endpoint() + ";User=test;Password=not-the-secret";
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url));
        assertTrue(e instanceof SQLInvalidAuthorizationSpecException, e.getClass().getName());
        assertEquals("28000", e.getSQLState());
        assertTrue(e.getMessage().contains("InvalidSignatureException"), e.getMessage());
        assertFalse(e.getMessage().contains("not-the-secret"), "no secret in the message");
    }

    @Test
    void unknownAccessKeyIsAClearAuthenticationError() {
        String url = "jdbc:athena://Region=us-east-1;AthenaEndpoint=" + athena.endpoint() + ";User=nobody;Password=x";
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url));
        assertEquals("28000", e.getSQLState());
        assertTrue(e.getMessage().contains("UnrecognizedClientException"), e.getMessage());
    }

    @Test
    void anEndpointNobodyListensOnIsATransientConnectionError() throws Exception {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        String url = "jdbc:athena://Region=us-east-1;AthenaEndpoint=http://127.0.0.1:" + port + ";User=test;Password=test;NumRetries=0";
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url));
        assertTrue(e instanceof java.sql.SQLTransientConnectionException, e.getClass().getName() + ": " + e.getMessage());
        assertEquals("08S01", e.getSQLState());
        assertTrue(e.getMessage().contains("GetWorkGroup"), e.getMessage());
    }

    @Test
    void everyProblemOfAConnectionStringIsReportedAtOnce() {
        String url = "jdbc:athena://Regoin=us-east-1;FetchSize=-3;LogLevel=LOUD;ResultFetcher=Fast;"
                + "AthenaEndpoint=ftp://x;Password=hunter2;broken";
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url));
        String m = e.getMessage();
        assertEquals("08001", e.getSQLState());
        for (String expected : new String[] {"Regoin", "did you mean Region", "FetchSize", "LogLevel", "ResultFetcher",
                "AthenaEndpoint", "after Password", "User is required"}) {
            assertTrue(m.contains(expected), "missing " + expected + " in " + m);
        }
        assertFalse(m.contains("hunter2"), "no secret in the message");
        // After a secret, the segment may be the rest of the password (';' outside braces): never quoted.
        assertFalse(m.contains("broken"), "no part of a secret in the message");
    }

    @Test
    void propertiesMergeWithTheUrlAndMustAgree() throws SQLException {
        Properties info = new Properties();
        info.setProperty("user", "test");
        info.setProperty("password", "test");
        info.setProperty("Schema", "default");
        String url = "jdbc:athena://Region=us-east-1;AthenaEndpoint=" + athena.endpoint();
        try (Connection c = DriverManager.getConnection(url, info)) {
            assertEquals("default", c.getSchema());
            assertEquals("AwsDataCatalog", c.getCatalog());
        }
        info.setProperty("Region", "eu-west-1");
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url, info));
        assertTrue(e.getMessage().contains("Region is given twice"), e.getMessage());
    }

    @Test
    void anEndpointThatRefusesConnectionsIsAClearErrorNotAHang() throws Exception {
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        String url = "jdbc:athena://Region=us-east-1;AthenaEndpoint=http://127.0.0.1:" + closed + ";User=test;Password=test";
        long started = System.nanoTime();
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url));
        assertTrue(System.nanoTime() - started < 30_000_000_000L, "the refusal came back quickly");
        assertEquals("08S01", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains("could not reach the endpoint"), e.getMessage());
        assertTrue(e.getMessage().contains("GetWorkGroup"), e.getMessage());
    }

    @Test
    void notYetBuiltFeaturesAreRefusedNotIgnored() {
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(athena.url("UseResultsetStreaming=1")));
        assertEquals("0A000", e.getSQLState());
        assertTrue(e.getMessage().contains("UseResultsetStreaming is not supported yet"), e.getMessage());
    }

    @Test
    void eightThreadsWithTheirOwnConnections() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Long>> results = new ArrayList<Future<Long>>();
            for (int t = 0; t < 8; t++) {
                final int n = 2000 + t * 500;
                results.add(pool.submit(new Callable<Long>() {
                    @Override
                    public Long call() throws Exception {
                        try (Connection c = DriverManager.getConnection(athena.url());
                             Statement s = c.createStatement();
                             ResultSet rs = s.executeQuery("SELECT value FROM range(" + n + ")")) {
                            long sum = 0;
                            while (rs.next()) {
                                sum += rs.getLong(1);
                            }
                            return sum;
                        }
                    }
                }));
            }
            for (int t = 0; t < 8; t++) {
                long n = 2000 + t * 500;
                assertEquals(n * (n - 1) / 2, (long) results.get(t).get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void connectionStateAndValidity() throws SQLException {
        Connection c = DriverManager.getConnection(athena.url("WorkGroup=primary;Catalog=AwsDataCatalog;Database=default"));
        assertTrue(c.isValid(5));
        assertTrue(c.getAutoCommit());
        c.setReadOnly(true);
        assertTrue(c.isReadOnly());
        c.setNetworkTimeout(Runnable::run, 30_000);
        assertEquals(30_000, c.getNetworkTimeout());
        c.setSchema("default");
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM cities")) {
            assertTrue(rs.next());
            assertTrue(rs.getLong(1) > 0);
        }
        assertFalse(c.toString().contains("test"), "toString shows no keys");
        c.close();
        c.close();
        assertFalse(c.isValid(1));
        assertEquals("08003", assertThrows(SQLException.class, c::createStatement).getSQLState());
    }

    @Test
    void databaseMetaDataListsCatalogsSchemasTablesAndColumns() throws SQLException {
        try (Connection c = DriverManager.getConnection(athena.url())) {
            DatabaseMetaData md = c.getMetaData();
            assertEquals("Amazon Athena", md.getDatabaseProductName());
            assertEquals("\"", md.getIdentifierQuoteString());
            assertEquals(set("AwsDataCatalog"), column(md.getCatalogs(), "TABLE_CAT"));
            assertTrue(column(md.getSchemas(), "TABLE_SCHEM").contains("default"));
            assertEquals(set("cities"), column(md.getTables("AwsDataCatalog", "default", "cit%", null), "TABLE_NAME"));
            assertEquals(set("TABLE", "VIEW"), column(md.getTableTypes(), "TABLE_TYPE"));
            try (ResultSet rs = md.getColumns("AwsDataCatalog", "default", "cities", "%")) {
                List<String> names = new ArrayList<String>();
                while (rs.next()) {
                    names.add(rs.getString("COLUMN_NAME"));
                    assertEquals(names.size(), rs.getInt("ORDINAL_POSITION"));
                    assertTrue(rs.getString("TYPE_NAME").length() > 0);
                    if (rs.getString("COLUMN_NAME").equals("population")) {
                        assertEquals(java.sql.Types.BIGINT, rs.getInt("DATA_TYPE"));
                    }
                }
                assertTrue(names.contains("name") && names.contains("population"), names.toString());
            }
            assertTrue(column(md.getTypeInfo(), "TYPE_NAME").contains("varchar"));
        }
    }

    private static Set<String> set(String... values) {
        Set<String> s = new HashSet<String>();
        for (String v : values) {
            s.add(v);
        }
        return s;
    }

    private static Set<String> column(ResultSet rs, String label) throws SQLException {
        Set<String> values = new HashSet<String>();
        try {
            while (rs.next()) {
                values.add(rs.getString(label));
            }
        } finally {
            rs.close();
        }
        return values;
    }
}
