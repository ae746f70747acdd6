package io.athenanative.jdbc;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.ParameterMetaData;
import java.sql.SQLException;
import java.sql.Types;

/**
 * What is known of a prepared statement's parameters: their number, and the type of each value bound so far.
 * Athena does not describe the types a query expects, so an unbound parameter's type is OTHER.
 */
final class AthenaParameterMetaData implements ParameterMetaData {
    private final Parameters parameters;

    AthenaParameterMetaData(Parameters parameters) {
        this.parameters = parameters;
    }

    static int typeOf(Object value) {
        if (value instanceof String || value instanceof Character || value instanceof java.util.UUID) {
            return Types.VARCHAR;
        }
        if (value instanceof Boolean) {
            return Types.BOOLEAN;
        }
        if (value instanceof Byte) {
            return Types.TINYINT;
        }
        if (value instanceof Short) {
            return Types.SMALLINT;
        }
        if (value instanceof Integer) {
            return Types.INTEGER;
        }
        if (value instanceof Long) {
            return Types.BIGINT;
        }
        if (value instanceof BigDecimal || value instanceof BigInteger) {
            return Types.DECIMAL;
        }
        if (value instanceof Float) {
            return Types.REAL;
        }
        if (value instanceof Double) {
            return Types.DOUBLE;
        }
        if (value instanceof byte[]) {
            return Types.VARBINARY;
        }
        if (value instanceof java.sql.Date || value instanceof java.time.LocalDate) {
            return Types.DATE;
        }
        if (value instanceof java.sql.Time || value instanceof java.time.LocalTime) {
            return Types.TIME;
        }
        if (value instanceof java.time.OffsetDateTime || value instanceof java.time.ZonedDateTime
                || value instanceof java.time.Instant) {
            return Types.TIMESTAMP_WITH_TIMEZONE;
        }
        if (value instanceof java.util.Date || value instanceof java.time.LocalDateTime) {
            return Types.TIMESTAMP;
        }
        if (value instanceof Object[] || value instanceof java.sql.Array) {
            return Types.ARRAY;
        }
        return Types.OTHER;
    }

    @Override
    public int getParameterCount() {
        return parameters.count();
    }

    @Override
    public int isNullable(int param) throws SQLException {
        parameters.check(param);
        return parameterNullableUnknown;
    }

    @Override
    public boolean isSigned(int param) throws SQLException {
        return ColumnInfo.isSigned(getParameterType(param));
    }

    @Override
    public int getPrecision(int param) throws SQLException {
        parameters.check(param);
        return 0;
    }

    @Override
    public int getScale(int param) throws SQLException {
        parameters.check(param);
        return 0;
    }

    @Override
    public int getParameterType(int param) throws SQLException {
        return parameters.type(param);
    }

    @Override
    public String getParameterTypeName(int param) throws SQLException {
        int type = getParameterType(param);
        return type == Types.OTHER ? "unknown" : SqlLiterals.typeName(type);
    }

    @Override
    public String getParameterClassName(int param) throws SQLException {
        int type = getParameterType(param);
        return type == Types.OTHER ? Object.class.getName() : ColumnInfo.className(type);
    }

    @Override
    public int getParameterMode(int param) throws SQLException {
        parameters.check(param);
        return parameterModeIn;
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
