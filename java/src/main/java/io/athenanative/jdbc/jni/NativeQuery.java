package io.athenanative.jdbc.jni;

import java.sql.SQLException;

/** Native query handles: start, wait for results, cancel from any thread. */
public final class NativeQuery {
    private NativeQuery() {
    }

    public static native long start(long connection, String sql, String catalog, String database, String[] parameters)
            throws SQLException;

    public static native String id(long handle) throws SQLException;

    /**
     * Blocks until the query ends; returns a result handle. A timeout or max rows of 0 means none; a fetch
     * size of 0 uses the connection's FetchSize.
     */
    public static native long awaitResults(long handle, long timeoutMillis, long maxRows, int fetchSize) throws SQLException;

    /** Statistics.DataScannedInBytes of the finished query, or -1. */
    public static native long dataScannedInBytes(long handle) throws SQLException;

    public static native void cancel(long handle) throws SQLException;

    public static native void close(long handle) throws SQLException;
}
