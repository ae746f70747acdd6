package io.athenanative.jdbc;

import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;

/** Column labels, Athena type names and JDBC types of a result. */
public final class AthenaResultSetMetaData implements ResultSetMetaData {
    private final ColumnInfo[] columns;

    AthenaResultSetMetaData(ColumnInfo[] columns) {
        this.columns = columns;
    }

    private ColumnInfo column(int index) throws SQLException {
        if (index < 1 || index > columns.length) {
            throw new SQLException("Column index " + index + " is out of range 1.." + columns.length, "07009");
        }
        return columns[index - 1];
    }

    @Override
    public int getColumnCount() {
        return columns.length;
    }

    @Override
    public boolean isAutoIncrement(int column) throws SQLException {
        column(column);
        return false;
    }

    @Override
    public boolean isCaseSensitive(int column) throws SQLException {
        int type = column(column).jdbcType;
        return type == Types.VARCHAR || type == Types.CHAR || type == Types.OTHER;
    }

    @Override
    public boolean isSearchable(int column) throws SQLException {
        column(column);
        return true;
    }

    @Override
    public boolean isCurrency(int column) throws SQLException {
        column(column);
        return false;
    }

    @Override
    public int isNullable(int column) throws SQLException {
        return column(column).nullable;
    }

    @Override
    public boolean isSigned(int column) throws SQLException {
        return ColumnInfo.isSigned(column(column).jdbcType);
    }

    @Override
    public int getColumnDisplaySize(int column) throws SQLException {
        return column(column).displaySize();
    }

    @Override
    public String getColumnLabel(int column) throws SQLException {
        return column(column).label;
    }

    @Override
    public String getColumnName(int column) throws SQLException {
        return column(column).name;
    }

    @Override
    public String getSchemaName(int column) throws SQLException {
        column(column);
        return "";
    }

    @Override
    public int getPrecision(int column) throws SQLException {
        return column(column).precision;
    }

    @Override
    public int getScale(int column) throws SQLException {
        return column(column).scale;
    }

    @Override
    public String getTableName(int column) throws SQLException {
        column(column);
        return "";
    }

    @Override
    public String getCatalogName(int column) throws SQLException {
        column(column);
        return "";
    }

    @Override
    public int getColumnType(int column) throws SQLException {
        return column(column).jdbcType;
    }

    @Override
    public String getColumnTypeName(int column) throws SQLException {
        return column(column).athenaType;
    }

    @Override
    public boolean isReadOnly(int column) throws SQLException {
        column(column);
        return true;
    }

    @Override
    public boolean isWritable(int column) throws SQLException {
        column(column);
        return false;
    }

    @Override
    public boolean isDefinitelyWritable(int column) throws SQLException {
        column(column);
        return false;
    }

    /**
     * The class {@code getObject} returns: {@code java.time.OffsetDateTime} for a
     * {@code timestamp with time zone} (JDBC 4.2's mapping of TIMESTAMP_WITH_TIMEZONE).
     */
    @Override
    public String getColumnClassName(int column) throws SQLException {
        return column(column).className();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("Not a wrapper for " + iface.getName(), "HY000");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }
}
