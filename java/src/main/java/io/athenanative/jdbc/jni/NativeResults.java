package io.athenanative.jdbc.jni;

import java.nio.ByteBuffer;
import java.sql.SQLException;

/** Native result handles: column metadata and one call per page. */
public final class NativeResults {
    /** Fields per column in {@link #columns(long)}: name, label, Athena type, JDBC type, precision, scale, nullable. */
    public static final int COLUMN_FIELDS = 7;

    private NativeResults() {
    }

    public static native String[] columns(long handle) throws SQLException;

    /** Warnings about these rows (for example a table a metadata listing left out). */
    public static native String[] warnings(long handle) throws SQLException;

    /** The update count, or -1 when the statement produced rows. */
    public static native long updateCount(long handle) throws SQLException;

    /** Fills {@code buffer} with the next page: its length, 0 at the end, or minus the capacity needed. */
    public static native int fillPage(long handle, ByteBuffer buffer) throws SQLException;

    public static native void close(long handle) throws SQLException;

    /** Fails the reader's current or next wait for a page (Statement.cancel() from another thread). */
    public static native void cancel(long handle) throws SQLException;
}
