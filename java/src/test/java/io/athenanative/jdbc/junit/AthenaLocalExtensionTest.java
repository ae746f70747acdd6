package io.athenanative.jdbc.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.athenanative.local.junit.AthenaLocal;
import io.athenanative.local.junit.AthenaLocalTable;
import io.athenanative.local.junit.AthenaLocalTest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * athena-local's JUnit 5 extension as a user's test uses it: the annotation names a table, test methods get
 * the server and a DataSource. The binary comes out of the extension's jar.
 */
@AthenaLocalTest(tables = @AthenaLocalTable(name = "cities", path = "tests/data/cities.csv"))
class AthenaLocalExtensionTest {
    private final AthenaLocal fromConstructor;

    AthenaLocalExtensionTest(AthenaLocal athena) {
        this.fromConstructor = athena;
    }

    @Test
    void aQueryThroughTheDataSource(DataSource dataSource) throws Exception {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT name FROM cities WHERE country = 'France' ORDER BY name")) {
            assertTrue(rs.next());
            assertEquals("Paris", rs.getString(1));
        }
    }

    @Test
    void oneServerForTheClass(AthenaLocal athena) throws Exception {
        assertSame(fromConstructor, athena);
        assertTrue(athena.isRunning());
        assertTrue(athena.endpoint().startsWith("http://127.0.0.1:"), athena.endpoint());
        try (Connection c = DriverManager.getConnection(athena.jdbcUrl("ResultFetcher=S3"));
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM cities")) {
            assertTrue(rs.next());
            assertTrue(rs.getLong(1) > 0);
        }
    }
}
