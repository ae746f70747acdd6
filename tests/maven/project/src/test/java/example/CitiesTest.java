package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

@AthenaLocalTest(tables = @AthenaLocalTable(name = "cities", path = "cities.csv"))
class CitiesTest {
    @Test
    void largestCity(DataSource dataSource) throws Exception {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT name FROM cities ORDER BY population DESC LIMIT 1")) {
            assertTrue(rs.next());
            assertEquals("Tokyo", rs.getString(1));
        }
    }

    @Test
    void resultsReadFromS3(AthenaLocal athena) throws Exception {
        try (Connection c = DriverManager.getConnection(athena.jdbcUrl("ResultFetcher=S3"));
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT sum(population) FROM cities")) {
            assertTrue(rs.next());
            assertEquals(47_400_000L, rs.getLong(1));
        }
    }
}
