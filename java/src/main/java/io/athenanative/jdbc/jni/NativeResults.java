package io.athenanative.jdbc.jni;

import java.nio.ByteBuffer;
import java.sql.SQLException;

/**
 * Native result handles: column metadata and one call per page.
 *
 * <p>A native entry point that fails raises an SQLException and returns a fallback value that Java
 * never sees. Should raising it fail too, the fallback is what Java gets: every fallback here is a
 * value no successful call returns (null, {@link #FILL_PAGE_FAILED}, Long.MIN_VALUE), never one that
 * could pass for an answer such as "end of the rows" or "the statement produced rows".
 */
public final class NativeResults {
    /** Fields per column in {@link #columns(long, long)}: name, label, Athena type, JDBC type, precision, scale, nullable. */
    public static final int COLUMN_FIELDS = 7;

    /** What {@link #fillPage} returns when it failed without raising an exception. */
    public static final int FILL_PAGE_FAILED = Integer.MIN_VALUE;

    private NativeResults() {
    }

    /**
     * The columns, {@link #COLUMN_FIELDS} strings each; null only when the call failed without raising
     * an exception. {@code connection}, when not 0, is the connection handle whose settings shape the
     * metadata (StringColumnLength).
     */
    public static native String[] columns(long handle, long connection) throws SQLException;

    /** Warnings about these rows (for example a table a metadata listing left out); null only as {@link #columns}. */
    public static native String[] warnings(long handle) throws SQLException;

    /** The update count, or -1 when the statement produced rows. */
    public static long updateCount(long handle) throws SQLException {
        long count = updateCount0(handle);
        if (count == Long.MIN_VALUE) {
            throw failedSilently("updateCount");
        }
        return count;
    }

    /** The update count, -1 for rows, or Long.MIN_VALUE when the call failed without raising an exception. */
    private static native long updateCount0(long handle) throws SQLException;

    /**
     * Fills {@code buffer} with the next page: its length, 0 at the end of the rows, or minus the capacity
     * needed (the page waits for the next call). {@link #FILL_PAGE_FAILED} (Integer.MIN_VALUE, which is none
     * of these) when the native reader failed and could not raise its exception: the caller must treat it as
     * an error, never as the end of the rows.
     */
    public static native int fillPage(long handle, ByteBuffer buffer) throws SQLException;

    public static native void close(long handle) throws SQLException;

    /** A result handle over an export's row groups, read through their presigned URLs (see AthenaExport). */
    public static native long readExport(String slicesJson, int fetchSize) throws SQLException;

    /** Fails the reader's current or next wait for a page (Statement.cancel() from another thread). */
    public static native void cancel(long handle) throws SQLException;

    /** The error for a native call that returned its failure sentinel without raising an exception. */
    public static SQLException failedSilently(String call) {
        return new SQLException("The native reader failed without raising an exception (NativeResults." + call
                + "); the rows read so far are not the whole result", "HY000");
    }
}
