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

    /**
     * Marks the query cancelled and wakes the thread waiting for it, without a network call; returns a
     * handle of its own to the query for {@link #stop(long)} (which closes it), usable after
     * {@link #close(long)} of {@code handle}.
     */
    public static native long cancel(long handle) throws SQLException;

    /** StopQueryExecution on Athena for a handle {@link #cancel(long)} returned; closes that handle. */
    public static native void stop(long cancelHandle) throws SQLException;

    public static native void close(long handle) throws SQLException;
}
