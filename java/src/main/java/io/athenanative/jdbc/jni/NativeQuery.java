package io.athenanative.jdbc.jni;

import java.sql.SQLException;

/** Native query handles: start, wait for results, cancel from any thread. */
public final class NativeQuery {
    private NativeQuery() {
    }

    public static native long start(long connection, String sql, String catalog, String database, String[] parameters)
            throws SQLException;

    /**
     * A handle to an earlier query of the connection's account, to read its results without running it;
     * refused while it is queued or running, or when it was cancelled.
     */
    public static native long existing(long connection, String queryExecutionId) throws SQLException;

    public static native String id(long handle) throws SQLException;

    /**
     * Blocks until the query ends; returns a result handle. A timeout or max rows of 0 means none; a fetch
     * size of 0 uses the connection's FetchSize. A non-null {@code monitor} has its
     * {@code boolean report(String state, long[] statistics)} called after each poll, on this thread; its
     * false stops the query.
     */
    public static native long awaitResults(long handle, long timeoutMillis, long maxRows, int fetchSize, Object monitor)
            throws SQLException;

    /**
     * The last poll's statistics: data scanned (bytes), engine execution, queue, planning, service
     * pre-processing, service processing and total time (ms), result reused (1 or 0); -1 where unknown.
     */
    public static native long[] statistics(long handle) throws SQLException;

    /** The last poll's state: QUEUED, RUNNING, SUCCEEDED, FAILED or CANCELLED. */
    public static native String state(long handle) throws SQLException;

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
