package io.athenanative.jdbc.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** sqlline from Maven Central, in its own JVM with the driver jar on its classpath, runs a script. */
class SqllineTest extends OwnAthena {
    @Test
    void dbinfoTablesAndAQuery() throws Exception {
        File script = File.createTempFile("sqlline-", ".sql");
        try {
            Files.write(script.toPath(), Arrays.asList(
                    "!dbinfo",
                    "!tables",
                    "SELECT name, population FROM cities WHERE country = 'France' ORDER BY name;",
                    "!quit"), StandardCharsets.UTF_8);
            // Without a terminal sqlline's width is 0, which would cut every table to nothing: --maxWidth.
            ClientProcess sqlline = ClientProcess.runJava("sqlline", "athena.clients.sqlline.classpath",
                    "sqlline.SqlLine", 120, "-d", "io.athenanative.jdbc.AthenaDriver", "-u", urlWithoutKeys(),
                    "-n", "test", "-p", "test", "--color=false", "--outputformat=table", "--maxWidth=200",
                    "--run=" + script.getAbsolutePath());
            String out = sqlline.output;
            assertEquals(0, sqlline.exitCode, out);
            assertFalse(out.contains("Error:") || out.contains("Exception"), out);
            // !dbinfo prints each DatabaseMetaData value next to its method name.
            assertTrue(Pattern.compile("getDatabaseProductName\\s+Amazon Athena").matcher(out).find(), out);
            assertTrue(Pattern.compile("getDriverName\\s+\\S").matcher(out).find(), out);
            assertTrue(Pattern.compile("getIdentifierQuoteString\\s+\"").matcher(out).find(), out);
            // !tables lists default.cities as a TABLE.
            assertTrue(Pattern.compile("\\|\\s*AwsDataCatalog\\s*\\|\\s*default\\s*\\|\\s*cities\\s*\\|\\s*TABLE\\s*\\|")
                    .matcher(out).find(), out);
            // The query's rows, in sqlline's table format.
            assertTrue(Pattern.compile("\\|\\s*Paris\\s*\\|\\s*2102650\\s*\\|").matcher(out).find(), out);
        } finally {
            Files.deleteIfExists(script.toPath());
        }
    }
}
