package io.athenanative.jdbc;

import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLWarning;

/** Errors raised by the Java facade itself; errors from the core arrive already typed. */
final class Errors {
    private Errors() {
    }

    static SQLFeatureNotSupportedException unsupported(String what) {
        return new SQLFeatureNotSupportedException(what + " is not supported by the Athena driver", "0A000");
    }

    static SQLException closed(String what) {
        return new SQLException("The " + what + " is closed", "HY010");
    }

    static SQLException invalidArgument(String message) {
        return new SQLException(message, "HY024");
    }

    static SQLException conversion(String message) {
        return new SQLException(message, "22018");
    }

    /** The core's warning texts as a JDBC warning chain (SQLState 01000), or null when there are none. */
    static SQLWarning warnings(String[] messages) {
        SQLWarning first = null;
        for (String message : messages) {
            SQLWarning warning = new SQLWarning(message, "01000");
            if (first == null) {
                first = warning;
            } else {
                first.setNextWarning(warning);
            }
        }
        return first;
    }

    static SQLException outOfRange(String message) {
        return new SQLException(message, "22003");
    }
}
