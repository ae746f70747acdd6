package io.athenanative.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link AthenaExport}: one UNLOAD on the signed-in side, its row groups read elsewhere through presigned URLs
 * with no connection, the prefix deleted after. Every row comes back exactly once whatever the slicing; a
 * failed UNLOAD names Athena's message and the QueryExecutionId; an expired URL and a deleted file say what
 * happened and what to do; transient GetObject failures are ridden out; no URL shows in toString.
 */
class AthenaExportTest {
    /** Three row groups of athena-local's 131072 rows and a part of one. */
    private static final int ROWS = 300000;
    private static Path storage;
    private static LocalAthena athena;

    @BeforeAll
    static void start() throws Exception {
        // The sample configuration (its "cse" and "managed" workgroups too); athena-local's launcher
        // gives the server a storage folder of its own (--storage-dir).
        athena = LocalAthena.start();
        storage = athena.storageDir();
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE export_rows AS SELECT value AS id, CAST(value AS decimal(12,2)) / 100 AS amount,"
                    + " concat('row ', CAST(value AS varchar)) AS label FROM range(" + ROWS + ")");
        }
    }

    @AfterAll
    static void stop() {
        if (athena != null) {
            athena.close();
        }
    }

    @AfterEach
    void disarm() throws Exception {
        athena.admin("DELETE", "/_athena_local/faults", null);
    }

    private static Connection connect() throws SQLException {
        return DriverManager.getConnection(athena.url("S3Endpoint=" + athena.endpoint()));
    }

    private static List<String> exportFiles() throws IOException {
        try (Stream<Path> files = Files.walk(storage)) {
            return files.filter(Files::isRegularFile).map(Path::toString)
                    .filter(p -> p.contains("athena-jdbc-unload")).collect(Collectors.toList());
        }
    }

    /** Each row group a slice of its own, read in reverse order: the rows are the table's, each once. */
    @Test
    void rowGroupsReadAsSeparateSlicesGiveEveryRowOnce() throws Exception {
        try (Connection c = connect()) {
            AthenaExport export = AthenaExport.unload(c, "SELECT id, amount, label FROM export_rows", 600);
            try {
                long rows = 0;
                List<ExportSlice> slices = new ArrayList<ExportSlice>();
                for (ExportFile file : export.files()) {
                    for (int g = 0; g < file.rowGroupCount(); g++) {
                        slices.add(file.slice(g, g + 1));
                        rows += file.rowGroupRows(g);
                    }
                }
                assertEquals(ROWS, rows, "the row groups' rows");
                assertTrue(slices.size() >= 3, "several row groups: " + export.files());
                assertEquals(export.files().size(), exportFiles().size(), "the files, in S3");
                assertTrue(export.expiresAtMillis() > System.currentTimeMillis() + 500000, "600 s from now");
                Collections.reverse(slices);
                long count = 0;
                long idSum = 0;
                BigDecimal amountSum = BigDecimal.ZERO;
                for (ExportSlice slice : slices) {
                    long sliceRows = 0;
                    try (ResultSet rs = AthenaExport.read(Collections.singletonList(slice), 0)) {
                        assertEquals("decimal", rs.getMetaData().getColumnTypeName(2).replaceAll("\\(.*", ""));
                        while (rs.next()) {
                            long id = rs.getLong(1);
                            idSum += id;
                            amountSum = amountSum.add(rs.getBigDecimal(2));
                            assertEquals("row " + id, rs.getString(3));
                            sliceRows++;
                        }
                    }
                    assertEquals(slice.rows(), sliceRows, slice.toString());
                    count += sliceRows;
                }
                long expected = (long) ROWS * (ROWS - 1) / 2;
                assertEquals(ROWS, count);
                assertEquals(expected, idSum);
                assertEquals(BigDecimal.valueOf(expected).movePointLeft(2), amountSum.stripTrailingZeros()
                        .setScale(2));
            } finally {
                AthenaExport.delete(c, export.prefix());
            }
            assertEquals(new ArrayList<String>(), exportFiles(), "nothing left under the prefix");
        }
    }

    /** One read of all slices at once, through two transient GetObject failures. */
    @Test
    void getObjectFailuresAreRiddenOut() throws Exception {
        try (Connection c = connect()) {
            AthenaExport export = AthenaExport.unload(c, "SELECT id FROM export_rows WHERE id < 200000", 600);
            try {
                List<ExportSlice> slices = new ArrayList<ExportSlice>();
                for (ExportFile file : export.files()) {
                    slices.add(file.slice(0, file.rowGroupCount()));
                }
                athena.admin("POST", "/_athena_local/faults",
                        "{\"operation\":\"GetObject\",\"kind\":\"internal_error\",\"count\":2,\"delay_ms\":0}");
                athena.clearCalls();
                long count = 0;
                try (ResultSet rs = AthenaExport.read(slices, 1000)) {
                    while (rs.next()) {
                        count++;
                    }
                }
                assertEquals(200000, count);
                assertTrue(athena.calls().stream().filter(call -> call.contains("\"GetObject\"")
                        && call.contains("\"status\":500")).count() >= 1, "a fault was met");
            } finally {
                AthenaExport.delete(c, export.prefix());
            }
        }
    }

    @Test
    void aFailedUnloadNamesAthenasMessageAndTheQuery() throws Exception {
        try (Connection c = connect()) {
            SQLException e = assertThrows(SQLException.class,
                    () -> AthenaExport.unload(c, "SELECT no_such_column FROM export_rows", 600));
            assertTrue(e.getMessage().contains("no_such_column"), e.getMessage());
            assertTrue(e.getMessage().contains("[QueryExecutionId: "), e.getMessage());
        }
        assertEquals(new ArrayList<String>(), exportFiles());
    }

    /** Known at connect from the workgroup: no UNLOAD runs whose files could not be read back. */
    @ParameterizedTest
    @ValueSource(strings = {"cse:CSE_KMS", "managed:Athena-managed storage"})
    void clientSideEncryptionAndManagedStorageAreRefusedWithTheReason(String workgroupAndReason) throws Exception {
        String[] parts = workgroupAndReason.split(":");
        try (Connection c = DriverManager.getConnection(athena.url("S3Endpoint=" + athena.endpoint() + ";WorkGroup="
                + parts[0]))) {
            athena.clearCalls();
            SQLException e = assertThrows(SQLException.class,
                    () -> AthenaExport.unload(c, "SELECT id FROM export_rows", 600));
            assertEquals("0A000", e.getSQLState());
            assertTrue(e.getMessage().contains(parts[1]), e.getMessage());
            assertEquals(0, athena.callCount("StartQueryExecution"), "nothing ran");
        }
    }

    @Test
    void anExpiredUrlAndADeletedFileSayWhatToDo() throws Exception {
        try (Connection c = connect()) {
            AthenaExport shortLived = AthenaExport.unload(c, "SELECT id FROM export_rows WHERE id < 10", 1);
            ExportFile file = shortLived.files().get(0);
            Thread.sleep(2500);
            SQLException expired = assertThrows(SQLException.class, () -> drain(file));
            assertTrue(expired.getMessage().contains("expired"), expired.getMessage());
            assertTrue(expired.getMessage().contains("urlExpirySeconds"), expired.getMessage());
            assertTrue(expired.getMessage().contains(shortLived.queryExecutionId()), expired.getMessage());
            AthenaExport.delete(c, shortLived.prefix());

            AthenaExport deleted = AthenaExport.unload(c, "SELECT id FROM export_rows WHERE id < 10", 600);
            AthenaExport.delete(c, deleted.prefix());
            SQLException gone = assertThrows(SQLException.class, () -> drain(deleted.files().get(0)));
            assertTrue(gone.getMessage().contains("no longer exists"), gone.getMessage());
            assertTrue(gone.getMessage().contains("run the action again"), gone.getMessage());
        }
    }

    private static void drain(ExportFile file) throws SQLException {
        try (ResultSet rs = AthenaExport.read(Collections.singletonList(file.slice(0, file.rowGroupCount())), 0)) {
            while (rs.next()) {
                rs.getLong(1);
            }
        }
    }

    /** In a JVM whose zone skips 02:00-03:00 that night, a nested timestamp at 02:30 still reads as 02:30. */
    @Test
    void nestedDatesAndTimestampsAreJavaTimeValues() throws Exception {
        java.util.TimeZone zone = java.util.TimeZone.getDefault();
        try (Connection c = connect()) {
            java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone("Europe/Paris"));
            AthenaExport export = AthenaExport.unload(c, "SELECT ARRAY[TIMESTAMP '2024-03-31 02:30:00.123'] AS a,"
                    + " MAP(ARRAY['d'], ARRAY[DATE '2024-03-31']) AS m", 600);
            try {
                ExportFile file = export.files().get(0);
                try (ResultSet rs = AthenaExport.read(Collections.singletonList(file.slice(0, 1)), 0)) {
                    assertTrue(rs.next());
                    Object[] stamps = (Object[]) rs.getArray(1).getArray();
                    assertEquals(java.time.LocalDateTime.of(2024, 3, 31, 2, 30, 0, 123000000), stamps[0]);
                    assertEquals(java.time.LocalDate.of(2024, 3, 31), ((java.util.Map<?, ?>) rs.getObject(2)).get("d"));
                }
            } finally {
                AthenaExport.delete(c, export.prefix());
            }
        } finally {
            java.util.TimeZone.setDefault(zone);
        }
    }

    /** The presigned URLs travel inside the serialized slices (executors need them) but never in toString. */
    @Test
    void urlsNeverShowInToString() throws Exception {
        try (Connection c = connect()) {
            AthenaExport export = AthenaExport.unload(c, "SELECT id FROM export_rows WHERE id < 10", 600);
            try {
                ExportFile file = export.files().get(0);
                ExportSlice slice = file.slice(0, 1);
                for (String text : new String[] {export.toString(), file.toString(), slice.toString()}) {
                    assertFalse(text.contains("X-Amz") || text.contains("http"), text);
                }
                assertTrue(file.toString().startsWith("s3://"), file.toString());
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                    out.writeObject(slice);
                }
                String serialized = new String(bytes.toByteArray(), StandardCharsets.ISO_8859_1);
                assertTrue(serialized.contains("X-Amz-Signature"), "the URL is what an executor reads with");
                assertFalse(serialized.contains(LocalAthena.class.getSimpleName()) || serialized.contains("jdbc:athena"),
                        "no JDBC URL in a slice");
            } finally {
                AthenaExport.delete(c, export.prefix());
            }
        }
    }
}
