package io.athenanative.jdbc;

import io.athenanative.jdbc.jni.NativeConnection;
import io.athenanative.jdbc.jni.NativeLibrary;
import io.athenanative.jdbc.jni.NativeResults;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * One {@code UNLOAD} of a SELECT to Parquet files, for readers in other processes that must not sign in
 * (Spark's executors): the signed-in side runs {@link #unload}, hands {@link ExportSlice}s out, and
 * {@link #delete}s the prefix when done; each reader calls {@link #read} with its slices and gets the rows
 * through the driver's own Parquet reader (ranged GETs on presigned URLs, the driver's retries and exact
 * types).
 */
public final class AthenaExport {
    private final String queryExecutionId;
    private final String prefix;
    private final long dataScannedBytes;
    private final long expiresAtMillis;
    private final List<ExportFile> files;

    private AthenaExport(String queryExecutionId, String prefix, long dataScannedBytes, long expiresAtMillis,
            List<ExportFile> files) {
        this.queryExecutionId = queryExecutionId;
        this.prefix = prefix;
        this.dataScannedBytes = dataScannedBytes;
        this.expiresAtMillis = expiresAtMillis;
        this.files = Collections.unmodifiableList(files);
    }

    /**
     * Runs {@code UNLOAD (select) TO '<output location>/athena-jdbc-unload/<uuid>/' WITH (format = 'PARQUET')}
     * on {@code connection} and returns its files, each with a presigned GET URL valid for {@code urlSeconds}
     * (or until the connection's credentials expire, whichever is first). A failed UNLOAD is an SQLException
     * with Athena's message and the QueryExecutionId; so are CSE_KMS results, which this reader cannot
     * decrypt, and a connection with no output location.
     */
    public static AthenaExport unload(Connection connection, String select, int urlSeconds) throws SQLException {
        AthenaConnection athena = athena(connection);
        Utf16.check("The SELECT", select);
        if (urlSeconds < 1 || urlSeconds > 7 * 24 * 3600) {
            throw Errors.invalidArgument("The URLs' lifetime must be 1 to 604800 seconds (SigV4's limit), not "
                    + urlSeconds);
        }
        String json = NativeConnection.exportUnload(athena.handle(), select, athena.getCatalog(), athena.getSchema(),
                urlSeconds);
        athena.athenaAnswered();
        return parse(json);
    }

    /** Deletes every object under {@code prefix} (an export's {@link #prefix()}). */
    public static void delete(Connection connection, String prefix) throws SQLException {
        AthenaConnection athena = athena(connection);
        NativeConnection.deleteExport(athena.handle(), prefix);
    }

    /**
     * The rows of {@code slices}, in order, read without a connection or credentials (the URLs are the
     * access). {@code fetchSize} rows per page, 0 for the reader's default. An expired URL, or a file
     * deleted since (a stage retried after its action ended), is an SQLException saying so. Dates and
     * timestamps inside arrays, maps and rows come as LocalDate and LocalDateTime (exact whatever the JVM's
     * zone), the rest as a query's ResultSet gives them.
     */
    public static ResultSet read(List<ExportSlice> slices, int fetchSize) throws SQLException {
        NativeLibrary.ensureLoaded();
        StringBuilder json = new StringBuilder("[");
        for (ExportSlice slice : slices) {
            if (json.length() > 1) {
                json.append(',');
            }
            ExportFile file = slice.file();
            json.append("{\"queryExecutionId\":");
            quote(json, file.queryExecutionId());
            json.append(",\"location\":");
            quote(json, file.location());
            json.append(",\"url\":");
            quote(json, file.url());
            json.append(",\"size\":").append(file.size());
            json.append(",\"from\":").append(slice.from()).append(",\"to\":").append(slice.to()).append('}');
        }
        json.append(']');
        return new AthenaResultSet(NativeResults.readExport(json.toString(), Math.max(0, fetchSize)));
    }

    private static AthenaConnection athena(Connection connection) throws SQLException {
        if (connection == null || !connection.isWrapperFor(AthenaConnection.class)) {
            throw Errors.invalidArgument("An export needs a connection of this driver (jdbc:athena://...)");
        }
        AthenaConnection athena = connection.unwrap(AthenaConnection.class);
        athena.checkOpen();
        return athena;
    }

    private static void quote(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }

    @SuppressWarnings("unchecked")
    private static AthenaExport parse(String json) throws SQLException {
        Map<String, Object> plan = (Map<String, Object>) Json.parse(json);
        String id = (String) plan.get("queryExecutionId");
        List<ExportFile> files = new ArrayList<ExportFile>();
        for (Object entry : (List<Object>) plan.get("files")) {
            Map<String, Object> file = (Map<String, Object>) entry;
            List<Object> groups = (List<Object>) file.get("rowGroups");
            long[] rows = new long[groups.size()];
            long[] bytes = new long[groups.size()];
            for (int i = 0; i < rows.length; i++) {
                List<Object> group = (List<Object>) groups.get(i);
                rows[i] = number(group.get(0));
                bytes[i] = number(group.get(1));
            }
            files.add(new ExportFile(id, (String) file.get("location"), number(file.get("size")), rows, bytes,
                    (String) file.get("url")));
        }
        return new AthenaExport(id, (String) plan.get("prefix"),
                number(plan.get("dataScannedBytes")), number(plan.get("expiresAtMillis")), files);
    }

    private static long number(Object value) {
        return Long.parseLong(value.toString());
    }

    /** The UNLOAD's QueryExecutionId. */
    public String queryExecutionId() {
        return queryExecutionId;
    }

    /** {@code s3://bucket/.../athena-jdbc-unload/<uuid>/}: what {@link #delete} deletes. */
    public String prefix() {
        return prefix;
    }

    /** Athena's DataScannedInBytes for the UNLOAD. */
    public long dataScannedBytes() {
        return dataScannedBytes;
    }

    /** When the files' URLs stop working, in epoch milliseconds. */
    public long expiresAtMillis() {
        return expiresAtMillis;
    }

    /** The files the UNLOAD's manifest lists, in its order; empty when the SELECT had no rows. */
    public List<ExportFile> files() {
        return files;
    }

    @Override
    public String toString() {
        return "UNLOAD " + queryExecutionId + " to " + prefix + " (" + files.size() + " files)";
    }
}
