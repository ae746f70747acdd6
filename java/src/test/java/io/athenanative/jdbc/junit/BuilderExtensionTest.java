package io.athenanative.jdbc.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.athenanative.jdbc.ChildProcess;
import io.athenanative.local.junit.AthenaLocal;
import io.athenanative.local.junit.AthenaLocalExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.stream.Stream;
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
    void parquetTablesByExtensionOrByFormat() throws Exception {
        Path copy = Files.createTempDirectory("parquet-table").resolve("cities.parquet");
        Path folder;
        long cities;
        try (AthenaLocal source = AthenaLocal.builder().table("cities", "tests/data/cities.csv").start();
                Connection c = DriverManager.getConnection(source.jdbcUrl());
                Statement s = c.createStatement()) {
            cities = count(s, "cities");
            s.execute("UNLOAD (SELECT * FROM cities) TO 's3://athena-local-results/export/' WITH (format = 'PARQUET')");
            folder = Files.createTempDirectory("parquet-folder");
            try (Stream<Path> files = Files.list(source.storageDir().resolve("athena-local-results/export"))) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Files.copy(file, folder.resolve(file.getFileName()));
                    Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        try (AthenaLocal target = AthenaLocal.builder().table("by_extension", copy.toString())
                        .table("default", "by_format", folder.toString(), "parquet").start();
                Connection c = DriverManager.getConnection(target.jdbcUrl());
                Statement s = c.createStatement()) {
            assertTrue(cities > 0);
            assertEquals(cities, count(s, "by_extension"));
            assertEquals(cities, count(s, "by_format"));
        }
    }

    private static long count(Statement s, String table) throws Exception {
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            assertTrue(rs.next());
            return rs.getLong(1);
        }
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
