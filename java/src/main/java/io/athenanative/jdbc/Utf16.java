package io.athenanative.jdbc;

import java.sql.SQLException;

/**
 * Text crosses to the native core, and on to Athena, as UTF-8. A Java string with an unpaired UTF-16
 * surrogate has no UTF-8 form: JNI's conversion would replace it, and with it every other character
 * outside the Basic Multilingual Plane in the same string, so such text is refused (SQLState 22018)
 * before it leaves Java, naming where the surrogate is.
 */
final class Utf16 {
    private Utf16() {
    }

    /** The index of the first unpaired surrogate in {@code text}, or -1 when there is none. */
    static int unpairedSurrogate(CharSequence text) {
        int length = text.length();
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c < Character.MIN_SURROGATE || c > Character.MAX_SURROGATE) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
                continue;
            }
            return i;
        }
        return -1;
    }

    /** Refuses {@code text} (null passes) when it holds an unpaired surrogate; {@code what} names it. */
    static void check(String what, String text) throws SQLException {
        if (text == null) {
            return;
        }
        int at = unpairedSurrogate(text);
        if (at >= 0) {
            throw refused(what, text.charAt(at), "position " + (at + 1));
        }
    }

    /** A statement's SQL text and its execution parameters, as they are about to be sent. */
    static void check(String sql, String[] parameters) throws SQLException {
        check("The SQL text", sql);
        if (parameters != null) {
            for (int i = 0; i < parameters.length; i++) {
                if (parameters[i] != null && unpairedSurrogate(parameters[i]) >= 0) {
                    check("Execution parameter " + (i + 1), parameters[i]);
                }
            }
        }
    }

    /**
     * A PreparedStatement parameter as its SQL literal. For a quoted string literal the position is
     * counted in the value the application set (a doubled quote counts once).
     */
    static void checkParameter(int index, String literal) throws SQLException {
        if (literal == null) {
            return;
        }
        int at = unpairedSurrogate(literal);
        if (at < 0) {
            return;
        }
        String where;
        if (literal.startsWith("'")) {
            int position = 0;
            for (int i = 1; i <= at; i++) {
                position++;
                if (literal.charAt(i) == '\'' && i + 1 < at && literal.charAt(i + 1) == '\'') {
                    i++;
                }
            }
            where = "position " + position + " of its value";
        } else {
            where = "position " + (at + 1) + " of its SQL literal";
        }
        throw refused("Parameter " + index, literal.charAt(at), where);
    }

    private static SQLException refused(String what, char surrogate, String where) {
        return new SQLException(what + " holds an unpaired UTF-16 surrogate (\\u"
                + Integer.toHexString(surrogate).toUpperCase(java.util.Locale.ROOT) + ") at " + where
                + ": it has no UTF-8 form, so it cannot be sent to Athena", "22018");
    }
}
