package io.athenanative.jdbc.jni;

import io.athenanative.jdbc.AthenaDriver;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Loads the driver's native library as a tool does (a driver call that needs it, here the property list, which
 * reaches no network) and prints what happened: for NativeLibraryTest's JVMs.
 */
public final class NativeProbe {
    private NativeProbe() {
    }

    public static void main(String[] args) {
        try {
            new AthenaDriver().getPropertyInfo("jdbc:athena://Region=us-east-1", new Properties());
            System.out.println("loaded " + NativeLibrary.platform());
        } catch (SQLException e) {
            System.out.println("SQLException " + e.getSQLState() + ": " + e.getMessage());
        }
    }
}
