package io.athenanative.jdbc.jni;

import java.sql.SQLException;

/** The property registry and URL rules, owned by the Rust core. */
public final class NativeDriver {
    /** Fields per property in {@link #propertyInfo()}: name, default, description, choices, secret. */
    public static final int PROPERTY_FIELDS = 5;

    private NativeDriver() {
    }

    public static native String[] propertyInfo();

    public static native String[] urlPrefixes();

    /** Open native handles, for tests of leaks: connections, queries, result sets. */
    public static long[] openHandleCounts() throws SQLException {
        NativeLibrary.ensureLoaded();
        return openHandles();
    }

    private static native long[] openHandles() throws SQLException;

    /** The URL with the value of every secret property replaced by ****. */
    public static native String maskedUrl(String url) throws SQLException;
}
