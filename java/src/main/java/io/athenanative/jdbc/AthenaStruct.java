package io.athenanative.jdbc;

import java.sql.SQLException;
import java.util.Map;

/** An Athena row value: its fields in declaration order, already converted. */
final class AthenaStruct implements java.sql.Struct {
    private final String typeName;
    private final Object[] attributes;

    AthenaStruct(String typeName, Object[] attributes) {
        this.typeName = typeName;
        this.attributes = attributes;
    }

    @Override
    public String getSQLTypeName() {
        return typeName;
    }

    @Override
    public Object[] getAttributes() {
        return attributes.clone();
    }

    @Override
    public Object[] getAttributes(Map<String, Class<?>> map) throws SQLException {
        AthenaArray.requireNoTypeMap(map);
        return getAttributes();
    }

    @Override
    public String toString() {
        return java.util.Arrays.toString(attributes);
    }
}
