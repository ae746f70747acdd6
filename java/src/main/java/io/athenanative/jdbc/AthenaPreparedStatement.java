package io.athenanative.jdbc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Date;
import java.sql.NClob;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.Ref;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.RowId;
import java.sql.SQLException;
import java.sql.SQLType;
import java.sql.SQLXML;
import java.sql.Time;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.List;

/**
 * A statement with {@code ?} placeholders. Values are kept as typed SQL literals and sent as Athena
 * ExecutionParameters where Athena takes them, else written into the text (see {@link PreparedSql}).
 */
public final class AthenaPreparedStatement extends AthenaStatement implements PreparedStatement {
    /** Athena's query text limit is 262,144 bytes (UTF-8); a batched INSERT is split below it. */
    private static final int BATCH_TEXT_LIMIT = 250_000;

    private static int utf8Length(String text) {
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    private final PreparedSql sql;
    private final Parameters parameters;
    private final List<Parameters> batch = new ArrayList<Parameters>();
    private ResultSetMetaData lastMetaData;

    AthenaPreparedStatement(AthenaConnection connection, String sql) throws SQLException {
        super(connection);
        this.sql = new PreparedSql(processEscapes(sql));
        this.parameters = new Parameters(this.sql.placeholders.length);
    }

    private boolean runBound(String[] literals) throws SQLException {
        if (sql.hive) {
            checkHiveSafe(literals);
        }
        boolean rows = run(sql.text(literals), sql.executionParameters(literals));
        if (rows) {
            lastMetaData = getResultSet().getMetaData();
        }
        return rows;
    }

    /**
     * Hive DDL reads {@code \'} and {@code \\} in strings as escapes and {@code ''} as two strings, so a
     * value holding a quote or backslash cannot be written in with the same meaning; it is refused.
     */
    private static void checkHiveSafe(String[] literals) throws SQLException {
        for (int i = 0; i < literals.length; i++) {
            String literal = literals[i];
            boolean quoted = literal.startsWith("'");
            String inner = quoted ? literal.substring(1, literal.length() - 1) : "";
            if (quoted && (inner.indexOf('\'') >= 0 || inner.indexOf('\\') >= 0)) {
                throw new SQLException("Parameter " + (i + 1) + " holds a quote or backslash, which Athena's DDL (Hive) "
                        + "statements cannot take safely; write the value into the statement yourself", "22018");
            }
        }
    }

    @Override
    public boolean execute() throws SQLException {
        checkOpen();
        return runBound(parameters.literals());
    }

    @Override
    public ResultSet executeQuery() throws SQLException {
        return rowsOf(execute());
    }

    @Override
    public int executeUpdate() throws SQLException {
        return (int) Math.min(Integer.MAX_VALUE, executeLargeUpdate());
    }

    @Override
    public long executeLargeUpdate() throws SQLException {
        return countOf(execute());
    }

    private static SQLException notOnPrepared() {
        return new SQLException("This method takes SQL text, which a PreparedStatement does not; call it without arguments", "HY000");
    }

    @Override
    public boolean execute(String sql) throws SQLException {
        throw notOnPrepared();
    }

    @Override
    public ResultSet executeQuery(String sql) throws SQLException {
        throw notOnPrepared();
    }

    @Override
    public int executeUpdate(String sql) throws SQLException {
        throw notOnPrepared();
    }

    @Override
    public long executeLargeUpdate(String sql) throws SQLException {
        throw notOnPrepared();
    }

    @Override
    public void addBatch(String sql) throws SQLException {
        throw notOnPrepared();
    }

    @Override
    public void addBatch() throws SQLException {
        checkOpen();
        parameters.literals();
        batch.add(parameters.copy());
    }

    @Override
    public void clearBatch() throws SQLException {
        checkOpen();
        batch.clear();
    }

    /**
     * A single-row {@code INSERT … VALUES (?, …)} runs as multi-row INSERTs (as few as the text limit
     * allows); any other statement runs once per parameter set.
     */
    @Override
    public int[] executeBatch() throws SQLException {
        checkOpen();
        List<Parameters> rows = new ArrayList<Parameters>(batch);
        batch.clear();
        long[] counts = new long[rows.size()];
        if (sql.isSingleRowInsert()) {
            int fixedBytes = utf8Length(sql.beforeTuple()) + utf8Length(sql.afterTuple());
            int done = 0;
            while (done < rows.size()) {
                StringBuilder text = new StringBuilder(sql.beforeTuple());
                int bytes = fixedBytes;
                int first = done;
                while (done < rows.size()) {
                    String tuple = sql.tuple(rows.get(done).literals());
                    int tupleBytes = utf8Length(tuple) + (done > first ? 2 : 0);
                    // At least one row per statement; Athena itself answers one that is too long.
                    if (done > first && bytes + tupleBytes > BATCH_TEXT_LIMIT) {
                        break;
                    }
                    text.append(done > first ? ", " : "").append(tuple);
                    bytes += tupleBytes;
                    done++;
                }
                text.append(sql.afterTuple());
                try {
                    long inserted = countOf(run(text.toString(), new String[0]));
                    for (int i = first; i < done; i++) {
                        // Each tuple is one row; if Athena's total disagrees, JDBC's "no info" is the honest answer.
                        counts[i] = inserted == done - first ? 1 : SUCCESS_NO_INFO;
                    }
                } catch (SQLException e) {
                    throw batchFailure(e, counts, first);
                }
            }
            return toInts(counts);
        }
        for (int i = 0; i < counts.length; i++) {
            try {
                counts[i] = countOf(runBound(rows.get(i).literals()));
            } catch (SQLException e) {
                throw batchFailure(e, counts, i);
            }
        }
        return toInts(counts);
    }

    @Override
    public void clearParameters() throws SQLException {
        checkOpen();
        parameters.clear();
    }

    /** Null until the statement has run (Athena cannot describe a query without running it), then its columns. */
    @Override
    public ResultSetMetaData getMetaData() throws SQLException {
        checkOpen();
        return lastMetaData;
    }

    @Override
    public ParameterMetaData getParameterMetaData() throws SQLException {
        checkOpen();
        return new AthenaParameterMetaData(parameters.copy());
    }

    private void bind(int index, String literal, int sqlType) throws SQLException {
        checkOpen();
        Utf16.checkParameter(index, literal);
        parameters.set(index, literal, sqlType);
    }

    @Override
    public void setNull(int parameterIndex, int sqlType) throws SQLException {
        bind(parameterIndex, SqlLiterals.NULL, sqlType);
    }

    @Override
    public void setNull(int parameterIndex, int sqlType, String typeName) throws SQLException {
        setNull(parameterIndex, sqlType);
    }

    @Override
    public void setBoolean(int parameterIndex, boolean x) throws SQLException {
        bind(parameterIndex, SqlLiterals.bool(x), Types.BOOLEAN);
    }

    @Override
    public void setByte(int parameterIndex, byte x) throws SQLException {
        bind(parameterIndex, SqlLiterals.integer(x), Types.TINYINT);
    }

    @Override
    public void setShort(int parameterIndex, short x) throws SQLException {
        bind(parameterIndex, SqlLiterals.integer(x), Types.SMALLINT);
    }

    @Override
    public void setInt(int parameterIndex, int x) throws SQLException {
        bind(parameterIndex, SqlLiterals.integer(x), Types.INTEGER);
    }

    @Override
    public void setLong(int parameterIndex, long x) throws SQLException {
        bind(parameterIndex, SqlLiterals.integer(x), Types.BIGINT);
    }

    @Override
    public void setFloat(int parameterIndex, float x) throws SQLException {
        bind(parameterIndex, SqlLiterals.real(x), Types.REAL);
    }

    @Override
    public void setDouble(int parameterIndex, double x) throws SQLException {
        bind(parameterIndex, SqlLiterals.dbl(x), Types.DOUBLE);
    }

    @Override
    public void setBigDecimal(int parameterIndex, BigDecimal x) throws SQLException {
        bind(parameterIndex, SqlLiterals.decimal(x), Types.DECIMAL);
    }

    @Override
    public void setString(int parameterIndex, String x) throws SQLException {
        bind(parameterIndex, SqlLiterals.string(x), Types.VARCHAR);
    }

    @Override
    public void setNString(int parameterIndex, String value) throws SQLException {
        setString(parameterIndex, value);
    }

    @Override
    public void setBytes(int parameterIndex, byte[] x) throws SQLException {
        bind(parameterIndex, SqlLiterals.binary(x), Types.VARBINARY);
    }

    @Override
    public void setDate(int parameterIndex, Date x) throws SQLException {
        setDate(parameterIndex, x, null);
    }

    @Override
    public void setDate(int parameterIndex, Date x, Calendar cal) throws SQLException {
        bind(parameterIndex, SqlLiterals.date(x, cal), Types.DATE);
    }

    @Override
    public void setTime(int parameterIndex, Time x) throws SQLException {
        setTime(parameterIndex, x, null);
    }

    @Override
    public void setTime(int parameterIndex, Time x, Calendar cal) throws SQLException {
        bind(parameterIndex, SqlLiterals.time(x, cal), Types.TIME);
    }

    @Override
    public void setTimestamp(int parameterIndex, Timestamp x) throws SQLException {
        setTimestamp(parameterIndex, x, null);
    }

    @Override
    public void setTimestamp(int parameterIndex, Timestamp x, Calendar cal) throws SQLException {
        bind(parameterIndex, SqlLiterals.timestamp(x, cal), Types.TIMESTAMP);
    }

    @Override
    public void setObject(int parameterIndex, Object x) throws SQLException {
        Object value = readIfStream(x);
        bind(parameterIndex, SqlLiterals.of(value), value == null ? Types.NULL : AthenaParameterMetaData.typeOf(value));
    }

    @Override
    public void setObject(int parameterIndex, Object x, int targetSqlType) throws SQLException {
        setObject(parameterIndex, x, targetSqlType, 0);
    }

    @Override
    public void setObject(int parameterIndex, Object x, int targetSqlType, int scaleOrLength) throws SQLException {
        bind(parameterIndex, SqlLiterals.of(readIfStream(x), targetSqlType, scaleOrLength), targetSqlType);
    }

    @Override
    public void setObject(int parameterIndex, Object x, SQLType targetSqlType) throws SQLException {
        setObject(parameterIndex, x, targetSqlType, 0);
    }

    @Override
    public void setObject(int parameterIndex, Object x, SQLType targetSqlType, int scaleOrLength) throws SQLException {
        if (targetSqlType == null || targetSqlType.getVendorTypeNumber() == null) {
            throw Errors.unsupported("SQLType " + targetSqlType);
        }
        setObject(parameterIndex, x, targetSqlType.getVendorTypeNumber(), scaleOrLength);
    }

    private static Object readIfStream(Object x) throws SQLException {
        if (x instanceof Reader) {
            return readAll((Reader) x, -1);
        }
        if (x instanceof InputStream) {
            return readAll((InputStream) x, -1);
        }
        return x;
    }

    private static String readAll(Reader reader, long length) throws SQLException {
        if (reader == null) {
            return null;
        }
        StringBuilder text = new StringBuilder();
        char[] chunk = new char[8192];
        try {
            int n;
            while ((length < 0 || text.length() < length)
                    && (n = reader.read(chunk, 0, (int) (length < 0 ? chunk.length : Math.min(chunk.length, length - text.length())))) > 0) {
                text.append(chunk, 0, n);
            }
        } catch (IOException e) {
            throw new SQLException("Reading the parameter's character stream failed: " + e.getMessage(), "HY000", e);
        }
        return text.toString();
    }

    private static byte[] readAll(InputStream in, long length) throws SQLException {
        if (in == null) {
            return null;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        try {
            int n;
            while ((length < 0 || bytes.size() < length)
                    && (n = in.read(chunk, 0, (int) (length < 0 ? chunk.length : Math.min(chunk.length, length - bytes.size())))) > 0) {
                bytes.write(chunk, 0, n);
            }
        } catch (IOException e) {
            throw new SQLException("Reading the parameter's stream failed: " + e.getMessage(), "HY000", e);
        }
        return bytes.toByteArray();
    }

    @Override
    public void setAsciiStream(int parameterIndex, InputStream x, int length) throws SQLException {
        setAsciiStream(parameterIndex, x, (long) length);
    }

    @Override
    public void setAsciiStream(int parameterIndex, InputStream x, long length) throws SQLException {
        byte[] bytes = readAll(x, length);
        setString(parameterIndex, bytes == null ? null : new String(bytes, StandardCharsets.US_ASCII));
    }

    @Override
    public void setAsciiStream(int parameterIndex, InputStream x) throws SQLException {
        setAsciiStream(parameterIndex, x, -1L);
    }

    @Override
    @SuppressWarnings("deprecation")
    public void setUnicodeStream(int parameterIndex, InputStream x, int length) throws SQLException {
        throw Errors.unsupported("setUnicodeStream (deprecated since JDBC 2.0; use setCharacterStream)");
    }

    @Override
    public void setBinaryStream(int parameterIndex, InputStream x, int length) throws SQLException {
        setBinaryStream(parameterIndex, x, (long) length);
    }

    @Override
    public void setBinaryStream(int parameterIndex, InputStream x, long length) throws SQLException {
        setBytes(parameterIndex, readAll(x, length));
    }

    @Override
    public void setBinaryStream(int parameterIndex, InputStream x) throws SQLException {
        setBinaryStream(parameterIndex, x, -1L);
    }

    @Override
    public void setCharacterStream(int parameterIndex, Reader reader, int length) throws SQLException {
        setCharacterStream(parameterIndex, reader, (long) length);
    }

    @Override
    public void setCharacterStream(int parameterIndex, Reader reader, long length) throws SQLException {
        setString(parameterIndex, readAll(reader, length));
    }

    @Override
    public void setCharacterStream(int parameterIndex, Reader reader) throws SQLException {
        setCharacterStream(parameterIndex, reader, -1L);
    }

    @Override
    public void setNCharacterStream(int parameterIndex, Reader value, long length) throws SQLException {
        setCharacterStream(parameterIndex, value, length);
    }

    @Override
    public void setNCharacterStream(int parameterIndex, Reader value) throws SQLException {
        setCharacterStream(parameterIndex, value);
    }

    @Override
    public void setClob(int parameterIndex, Clob x) throws SQLException {
        setString(parameterIndex, x == null ? null : x.getSubString(1, (int) Math.min(Integer.MAX_VALUE, x.length())));
    }

    @Override
    public void setClob(int parameterIndex, Reader reader, long length) throws SQLException {
        setCharacterStream(parameterIndex, reader, length);
    }

    @Override
    public void setClob(int parameterIndex, Reader reader) throws SQLException {
        setCharacterStream(parameterIndex, reader);
    }

    @Override
    public void setNClob(int parameterIndex, NClob value) throws SQLException {
        setClob(parameterIndex, value);
    }

    @Override
    public void setNClob(int parameterIndex, Reader reader, long length) throws SQLException {
        setCharacterStream(parameterIndex, reader, length);
    }

    @Override
    public void setNClob(int parameterIndex, Reader reader) throws SQLException {
        setCharacterStream(parameterIndex, reader);
    }

    @Override
    public void setBlob(int parameterIndex, Blob x) throws SQLException {
        setBytes(parameterIndex, x == null ? null : x.getBytes(1, (int) Math.min(Integer.MAX_VALUE, x.length())));
    }

    @Override
    public void setBlob(int parameterIndex, InputStream inputStream, long length) throws SQLException {
        setBinaryStream(parameterIndex, inputStream, length);
    }

    @Override
    public void setBlob(int parameterIndex, InputStream inputStream) throws SQLException {
        setBinaryStream(parameterIndex, inputStream);
    }

    @Override
    public void setArray(int parameterIndex, Array x) throws SQLException {
        bind(parameterIndex, SqlLiterals.of(x), Types.ARRAY);
    }

    @Override
    public void setURL(int parameterIndex, URL x) throws SQLException {
        setString(parameterIndex, x == null ? null : x.toString());
    }

    @Override
    public void setRef(int parameterIndex, Ref x) throws SQLException {
        throw Errors.unsupported("setRef (Athena has no REF type)");
    }

    @Override
    public void setRowId(int parameterIndex, RowId x) throws SQLException {
        throw Errors.unsupported("setRowId (Athena has no row ids)");
    }

    @Override
    public void setSQLXML(int parameterIndex, SQLXML xmlObject) throws SQLException {
        throw Errors.unsupported("setSQLXML (Athena has no XML type)");
    }
}
