package io.athenanative.jdbc.jni;

import java.sql.SQLException;

/** Native connection handles: open, validate, close, and metadata result handles. */
public final class NativeConnection {
    private NativeConnection() {
    }

    /** {@code loginTimeoutSeconds}: DriverManager's login timeout, 0 for none. */
    public static native long open(String url, String[] keys, String[] values, int loginTimeoutSeconds) throws SQLException;

    public static native void close(long handle) throws SQLException;

    public static native boolean isValid(long handle, int timeoutSeconds) throws SQLException;

    /** catalog, database, workgroup, region, user name ("" when none). */
    public static native String[] settings(long handle) throws SQLException;

    /** Bounds each later AWS call attempt; 0 removes the bound. */
    public static native void setNetworkTimeout(long handle, int millis) throws SQLException;

    public static native long catalogs(long handle) throws SQLException;

    public static native long schemas(long handle, String catalog, String schemaPattern) throws SQLException;

    public static native long tables(long handle, String catalog, String schemaPattern, String tablePattern, String[] types)
            throws SQLException;

    public static native long columns(long handle, String catalog, String schemaPattern, String tablePattern, String columnPattern)
            throws SQLException;

    public static native long tableTypes() throws SQLException;

    /** An empty result shaped like DatabaseMetaData's get{kind}, for metadata Athena has none of. */
    public static native long emptyResult(String kind) throws SQLException;

    /** Warnings about the connection string (properties accepted without effect). */
    public static native String[] warnings(long handle) throws SQLException;

    public static native long typeInfo() throws SQLException;

    /** Runs an UNLOAD of {@code select} for parallel readers; its plan as JSON (see AthenaExport). */
    public static native String exportUnload(long handle, String select, String catalog, String database, int urlSeconds)
            throws SQLException;

    /** Deletes the objects under an export's prefix. */
    public static native void deleteExport(long handle, String prefix) throws SQLException;
}
