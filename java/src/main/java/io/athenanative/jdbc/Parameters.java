package io.athenanative.jdbc;

import java.sql.SQLException;
import java.sql.Types;
import java.util.Arrays;

/** The values bound to a prepared statement's placeholders, each kept as its SQL literal and JDBC type. */
final class Parameters {
    private final String[] literals;
    private final int[] types;

    Parameters(int count) {
        literals = new String[count];
        types = new int[count];
        Arrays.fill(types, Types.OTHER);
    }

    private Parameters(String[] literals, int[] types) {
        this.literals = literals;
        this.types = types;
    }

    int count() {
        return literals.length;
    }

    void set(int index, String literal, int sqlType) throws SQLException {
        if (index < 1 || index > literals.length) {
            throw new SQLException("Parameter index " + index + " is out of range: the statement has " + literals.length
                    + " parameter" + (literals.length == 1 ? "" : "s"), "07009");
        }
        literals[index - 1] = literal;
        types[index - 1] = sqlType;
    }

    void clear() {
        Arrays.fill(literals, null);
        Arrays.fill(types, Types.OTHER);
    }

    /** The JDBC type of the value bound at {@code index}, or OTHER when none is. */
    int type(int index) throws SQLException {
        check(index);
        return types[index - 1];
    }

    void check(int index) throws SQLException {
        if (index < 1 || index > literals.length) {
            throw new SQLException("Parameter index " + index + " is out of range 1.." + literals.length, "07009");
        }
    }

    /** The literals in order; an unset parameter is an error naming its index. */
    String[] literals() throws SQLException {
        for (int i = 0; i < literals.length; i++) {
            if (literals[i] == null) {
                throw new SQLException("No value specified for parameter " + (i + 1)
                        + " (of " + literals.length + "); call a setXxx method or setNull for it", "07001");
            }
        }
        return literals.clone();
    }

    Parameters copy() {
        return new Parameters(literals.clone(), types.clone());
    }
}
