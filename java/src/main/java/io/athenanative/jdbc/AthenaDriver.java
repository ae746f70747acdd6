package io.athenanative.jdbc;

import io.athenanative.jdbc.jni.NativeCleaner;
import io.athenanative.jdbc.jni.NativeConnection;
import io.athenanative.jdbc.jni.NativeDriver;
import io.athenanative.jdbc.jni.NativeLibrary;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.logging.Logger;

/** The JDBC entry point: {@code jdbc:athena://Key=Value;...} (also {@code jdbc:awsathena://}). */
public final class AthenaDriver implements Driver {
    /** Also checked against the Rust core's list by a test, so the two cannot drift. */
    static final String[] URL_PREFIXES = {"jdbc:athena://", "jdbc:awsathena://"};
    public static final int MAJOR_VERSION = 0;
    public static final int MINOR_VERSION = 1;

    static {
        try {
            DriverManager.registerDriver(new AthenaDriver());
        } catch (SQLException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) {
            return null;
        }
        NativeLibrary.ensureLoaded();
        List<String> keys = new ArrayList<String>();
        List<String> values = new ArrayList<String>();
        if (info != null) {
            for (String key : info.stringPropertyNames()) {
                keys.add(key);
                values.add(info.getProperty(key));
            }
        }
        long handle = NativeConnection.open(url, keys.toArray(new String[0]), values.toArray(new String[0]),
                DriverManager.getLoginTimeout());
        return new AthenaConnection(handle, url);
    }

    @Override
    public boolean acceptsURL(String url) {
        if (url == null) {
            return false;
        }
        String lower = url.trim().toLowerCase(Locale.ROOT);
        for (String prefix : URL_PREFIXES) {
            if (lower.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) throws SQLException {
        NativeLibrary.ensureLoaded();
        String[] flat = NativeDriver.propertyInfo();
        int fields = NativeDriver.PROPERTY_FIELDS;
        DriverPropertyInfo[] result = new DriverPropertyInfo[flat.length / fields];
        for (int i = 0; i < result.length; i++) {
            int at = i * fields;
            boolean secret = Boolean.parseBoolean(flat[at + 4]);
            String given = info == null ? null : lookup(info, flat[at]);
            // A secret's value is never echoed back, not even the one the user gave.
            String value = secret ? null : given != null ? given : flat[at + 1].isEmpty() ? null : flat[at + 1];
            DriverPropertyInfo property = new DriverPropertyInfo(flat[at], value);
            property.description = flat[at + 2];
            property.choices = flat[at + 3].isEmpty() ? null : flat[at + 3].split("\\|");
            property.required = false;
            result[i] = property;
        }
        return result;
    }

    private static String lookup(Properties info, String name) {
        for (String key : info.stringPropertyNames()) {
            if (key.equalsIgnoreCase(name)) {
                return info.getProperty(key);
            }
        }
        return null;
    }

    @Override
    public int getMajorVersion() {
        return MAJOR_VERSION;
    }

    @Override
    public int getMinorVersion() {
        return MINOR_VERSION;
    }

    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() {
        // Only warnings about objects left unclosed go here; the driver's own log is LogLevel/LogPath.
        return NativeCleaner.LOG;
    }
}
