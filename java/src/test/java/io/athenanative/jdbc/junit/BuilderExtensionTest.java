package io.athenanative.jdbc.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.athenanative.jdbc.ChildProcess;
import io.athenanative.local.junit.AthenaLocal;
import io.athenanative.local.junit.AthenaLocalExtension;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The extension registered with a builder: tables in other databases, from a file and a classpath resource. */
class BuilderExtensionTest {
    @RegisterExtension
    static AthenaLocalExtension athena = new AthenaLocalExtension(AthenaLocal.builder()
            .table("geo", "cities", "tests/data/cities.csv")
            .table("travel", "airports", "tables/airports.csv"));

    @Test
    void tablesFromAFileAndAClasspathResourceInTheirOwnDatabases(DataSource dataSource) throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM geo.cities")) {
                assertTrue(rs.next());
                assertTrue(rs.getLong(1) > 0);
            }
            try (ResultSet rs = s.executeQuery("SELECT city FROM travel.airports WHERE code = 'MAD'")) {
                assertTrue(rs.next());
                assertEquals("Madrid", rs.getString(1));
            }
        }
    }

    @Test
    void aServerOfAJvmThatDiesStopsToo() throws Exception {
        String java = System.getProperty("java.home") + "/bin/java";
        // The binary built here, not another copy out of the jar that the halted JVM could not delete.
        ProcessBuilder child = new ProcessBuilder(java, "-cp", System.getProperty("athena.test.classpath"),
                "-Dathena.local.junit.binary=" + System.getProperty("athena.local.binary"),
                StartThenHalt.class.getName());
        ChildProcess.Started started = ChildProcess.start(child, "endpoint ");
        String endpoint = started.announced;
        assertEquals(0, started.process.waitFor(), "the child JVM halted");
        long deadline = System.currentTimeMillis() + 10_000;
        while (ServerScopeTest.listening(endpoint) && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        assertFalse(ServerScopeTest.listening(endpoint), "athena-local outlived the JVM that started it");
    }

    @Test
    void aMissingTableFileIsNamed() {
        IOException e = assertThrows(IOException.class,
                () -> AthenaLocal.builder().table("t", "no/such/file.csv").start().close());
        assertTrue(e.getMessage().contains("no/such/file.csv"), e.getMessage());
    }

    /** Starts athena-local, says where, and halts without closing it: no shutdown hook runs. */
    public static final class StartThenHalt {
        public static void main(String[] args) throws Exception {
            AthenaLocal server = AthenaLocal.builder().start();
            System.out.println("endpoint " + server.endpoint());
            System.out.flush();
            Runtime.getRuntime().halt(0);
        }
    }
}
