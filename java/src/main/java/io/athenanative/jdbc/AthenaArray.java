package io.athenanative.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Map;

/** An Athena array value: its elements already converted, read-only. */
final class AthenaArray implements java.sql.Array {
    private final String baseTypeName;
    private final int baseType;
    private final Object[] elements;

    AthenaArray(String baseTypeName, int baseType, Object[] elements) {
        this.baseTypeName = baseTypeName;
        this.baseType = baseType;
        this.elements = elements;
    }

    @Override
    public String getBaseTypeName() {
        return baseTypeName;
    }

    @Override
    public int getBaseType() {
        return baseType;
    }

    @Override
    public Object getArray() {
        return elements.clone();
    }

    @Override
    public Object getArray(Map<String, Class<?>> map) throws SQLException {
        requireNoTypeMap(map);
        return getArray();
    }

    /** JDBC's index is 1-based. */
    @Override
    public Object getArray(long index, int count) throws SQLException {
        if (index < 1 || count < 0 || index - 1 + count > elements.length) {
            throw new SQLException("Array slice from " + index + " of " + count + " elements is outside an array of "
                    + elements.length, "2202E");
        }
        return Arrays.copyOfRange(elements, (int) index - 1, (int) index - 1 + count);
    }

    @Override
    public Object getArray(long index, int count, Map<String, Class<?>> map) throws SQLException {
        requireNoTypeMap(map);
        return getArray(index, count);
    }

    @Override
    public ResultSet getResultSet() throws SQLException {
        throw Errors.unsupported("Array.getResultSet");
    }

    @Override
    public ResultSet getResultSet(Map<String, Class<?>> map) throws SQLException {
        throw Errors.unsupported("Array.getResultSet");
    }

    @Override
    public ResultSet getResultSet(long index, int count) throws SQLException {
        throw Errors.unsupported("Array.getResultSet");
    }

    @Override
    public ResultSet getResultSet(long index, int count, Map<String, Class<?>> map) throws SQLException {
        throw Errors.unsupported("Array.getResultSet");
    }

    @Override
    public void free() {
        // Nothing is held outside the Java heap.
    }

    static void requireNoTypeMap(Map<String, Class<?>> map) throws SQLException {
        if (map != null && !map.isEmpty()) {
            throw Errors.unsupported("custom type maps");
        }
    }

    /** Athena's text form, so logging a value shows what getString shows. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < elements.length; i++) {
            out.append(i == 0 ? "" : ", ").append(elements[i]);
        }
        return out.append(']').toString();
    }
}
