package io.athenanative.jdbc;

import io.athenanative.jdbc.jni.NativeCleaner;
import io.athenanative.jdbc.jni.NativeConnection;
import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.NClob;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Struct;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/** An Athena connection: auto-commit only (Athena has no transactions), catalog and schema per connection. */
public final class AthenaConnection implements Connection {
    /**
     * How long after Athena last answered this connection {@link #isValid} answers true without a
     * call of its own: a pool's check on every borrow then costs no AWS call while the connection
     * is in use.
     */
    static final long VALID_WITHOUT_CALL_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final long handle;
    private final NativeCleaner.Cleanable cleanable;
    private final String url;
    private final String workGroup;
    private final String userName;
    private final Set<AthenaStatement> statements = Collections.newSetFromMap(new ConcurrentHashMap<AthenaStatement, Boolean>());
    /** Open metadata results, closed with the connection; weakly held, so one never closed can still be collected. */
    private final Set<AthenaResultSet> metadataResults =
            Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<AthenaResultSet, Boolean>()));
    /** System.nanoTime() when Athena last answered a call of this connection. */
    private volatile long answeredAt;
    private volatile boolean closed;
    private volatile String catalog;
    private volatile String schema;
    private boolean readOnly;
    private int networkTimeoutMillis;
    private volatile SQLWarning warnings;

    AthenaConnection(long handle, String url) throws SQLException {
        this.handle = handle;
        this.cleanable = NativeCleaner.register(this, "a connection", handle, NativeConnection::close);
        this.url = url;
        String[] settings = NativeConnection.settings(handle);
        this.catalog = settings[0];
        this.schema = settings[1];
        this.workGroup = settings[2];
        this.userName = settings[4].isEmpty() ? null : settings[4];
        this.warnings = Errors.warnings(NativeConnection.warnings(handle));
        // Opening checked the workgroup with Athena (GetWorkGroup).
        this.answeredAt = System.nanoTime();
    }

    /** Athena answered a call of this connection just now (a query's results, a metadata listing, isValid). */
    void athenaAnswered() {
        answeredAt = System.nanoTime();
    }

    /** For tests: when Athena last answered, as a System.nanoTime() value. */
    void athenaAnsweredAt(long nanoTime) {
        answeredAt = nanoTime;
    }

    /** Tracks a metadata result so that closing the connection closes it. */
    void metadataResultOpened(AthenaResultSet rows) throws SQLException {
        metadataResults.add(rows);
        if (closed) {
            // The connection closed meanwhile and will not see this one.
            rows.close();
            checkOpen();
        }
    }

    void metadataResultClosed(AthenaResultSet rows) {
        metadataResults.remove(rows);
    }

    long handle() {
        return handle;
    }

    String url() {
        return url;
    }

    String catalogName() {
        return catalog;
    }

    String schemaName() {
        return schema;
    }

    /** The access key id or role session name the connection signs in with, or null. */
    String userName() {
        return userName;
    }

    /** The workgroup queries run in. */
    public String getWorkGroup() {
        return workGroup;
    }

    void checkOpen() throws SQLException {
        if (closed) {
            throw new SQLException("The connection is closed", "08003");
        }
    }

    void statementClosed(AthenaStatement statement) {
        statements.remove(statement);
    }

    @Override
    public Statement createStatement() throws SQLException {
        checkOpen();
        AthenaStatement statement = new AthenaStatement(this);
        statements.add(statement);
        return statement;
    }

    /**
     * The rows of an earlier query (by this or any client of the account), read through the usual fetchers
     * without running anything, so without paying again. Its statement ({@code getStatement()}) closes with
     * the result set and knows the query's id and statistics. A query still queued or running, cancelled,
     * failed (Athena's error) or whose results are gone is an SQLException naming the QueryExecutionId.
     */
    public ResultSet resultsOf(String queryExecutionId) throws SQLException {
        AthenaStatement statement = (AthenaStatement) createStatement();
        try {
            statement.closeOnCompletion();
            return statement.resultsOf(queryExecutionId);
        } catch (SQLException | RuntimeException e) {
            statement.close();
            throw e;
        }
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency) throws SQLException {
        return createStatement(resultSetType, resultSetConcurrency, ResultSet.HOLD_CURSORS_OVER_COMMIT);
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency, int resultSetHoldability) throws SQLException {
        checkCursorKind(resultSetType, resultSetConcurrency, resultSetHoldability);
        return createStatement();
    }

    private static void checkCursorKind(int resultSetType, int resultSetConcurrency, int resultSetHoldability)
            throws SQLException {
        if (resultSetType != ResultSet.TYPE_FORWARD_ONLY) {
            throw Errors.unsupported("Scrollable result sets");
        }
        if (resultSetConcurrency != ResultSet.CONCUR_READ_ONLY) {
            throw Errors.unsupported("Updatable result sets");
        }
        if (resultSetHoldability != ResultSet.HOLD_CURSORS_OVER_COMMIT) {
            throw Errors.unsupported("Closing cursors at commit");
        }
    }

    @Override
    public PreparedStatement prepareStatement(String sql) throws SQLException {
        checkOpen();
        AthenaPreparedStatement statement = new AthenaPreparedStatement(this, sql);
        statements.add(statement);
        return statement;
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency) throws SQLException {
        return prepareStatement(sql, resultSetType, resultSetConcurrency, ResultSet.HOLD_CURSORS_OVER_COMMIT);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency, int resultSetHoldability)
            throws SQLException {
        checkCursorKind(resultSetType, resultSetConcurrency, resultSetHoldability);
        return prepareStatement(sql);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
        if (autoGeneratedKeys != Statement.NO_GENERATED_KEYS) {
            throw Errors.unsupported("Generated keys");
        }
        return prepareStatement(sql);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
        throw Errors.unsupported("Generated keys");
    }

    @Override
    public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
        throw Errors.unsupported("Generated keys");
    }

    @Override
    public CallableStatement prepareCall(String sql) throws SQLException {
        throw Errors.unsupported("CallableStatement");
    }

    @Override
    public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency) throws SQLException {
        throw Errors.unsupported("CallableStatement");
    }

    @Override
    public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency, int resultSetHoldability)
            throws SQLException {
        throw Errors.unsupported("CallableStatement");
    }

    @Override
    public String nativeSQL(String sql) throws SQLException {
        checkOpen();
        if (sql == null) {
            throw Errors.invalidArgument("SQL text must not be null");
        }
        return JdbcEscapes.translate(sql);
    }

    @Override
    public void setAutoCommit(boolean autoCommit) throws SQLException {
        checkOpen();
        if (!autoCommit) {
            throw Errors.unsupported("Transactions (auto-commit off)");
        }
    }

    @Override
    public boolean getAutoCommit() throws SQLException {
        checkOpen();
        return true;
    }

    @Override
    public void commit() throws SQLException {
        checkOpen();
        throw new SQLException("commit() is not allowed in auto-commit mode; Athena has no transactions", "25000");
    }

    @Override
    public void rollback() throws SQLException {
        checkOpen();
        throw new SQLException("rollback() is not allowed in auto-commit mode; Athena has no transactions", "25000");
    }

    @Override
    public void close() throws SQLException {
        if (closed) {
            return;
        }
        closed = true;
        SQLException first = null;
        for (AthenaStatement statement : statements.toArray(new AthenaStatement[0])) {
            try {
                statement.close();
            } catch (SQLException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        statements.clear();
        AthenaResultSet[] listings;
        synchronized (metadataResults) {
            listings = metadataResults.toArray(new AthenaResultSet[0]);
            metadataResults.clear();
        }
        for (AthenaResultSet listing : listings) {
            try {
                listing.close();
            } catch (SQLException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        cleanable.clean();
        if (first != null) {
            throw first;
        }
    }

    @Override
    public void abort(Executor executor) throws SQLException {
        if (executor == null) {
            throw Errors.invalidArgument("abort needs an executor");
        }
        if (closed) {
            return;
        }
        executor.execute(new Runnable() {
            @Override
            public void run() {
                try {
                    close();
                } catch (SQLException ignored) {
                    // abort() has already returned; there is nobody to tell.
                }
            }
        });
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public DatabaseMetaData getMetaData() throws SQLException {
        checkOpen();
        return new AthenaDatabaseMetaData(this);
    }

    /** A hint, as JDBC defines it: Athena decides per statement whether it writes. */
    @Override
    public void setReadOnly(boolean readOnly) throws SQLException {
        checkOpen();
        this.readOnly = readOnly;
    }

    @Override
    public boolean isReadOnly() throws SQLException {
        checkOpen();
        return readOnly;
    }

    @Override
    public void setCatalog(String catalog) throws SQLException {
        checkOpen();
        if (catalog == null || catalog.trim().isEmpty()) {
            throw Errors.invalidArgument("Catalog must not be empty");
        }
        Utf16.check("The catalog name", catalog);
        this.catalog = catalog.trim();
    }

    @Override
    public String getCatalog() throws SQLException {
        checkOpen();
        return catalog;
    }

    @Override
    public void setSchema(String schema) throws SQLException {
        checkOpen();
        if (schema == null || schema.trim().isEmpty()) {
            throw Errors.invalidArgument("Schema must not be empty");
        }
        Utf16.check("The schema name", schema);
        this.schema = schema.trim();
    }

    @Override
    public String getSchema() throws SQLException {
        checkOpen();
        return schema;
    }

    @Override
    public void setTransactionIsolation(int level) throws SQLException {
        checkOpen();
        if (level != TRANSACTION_NONE) {
            throw Errors.unsupported("Transaction isolation other than TRANSACTION_NONE");
        }
    }

    @Override
    public int getTransactionIsolation() throws SQLException {
        checkOpen();
        return TRANSACTION_NONE;
    }

    @Override
    public SQLWarning getWarnings() throws SQLException {
        checkOpen();
        return warnings;
    }

    @Override
    public void clearWarnings() throws SQLException {
        checkOpen();
        warnings = null;
    }

    /** Athena has no user-defined types, so the map is empty. */
    @Override
    public Map<String, Class<?>> getTypeMap() throws SQLException {
        checkOpen();
        return new java.util.HashMap<String, Class<?>>();
    }

    @Override
    public void setTypeMap(Map<String, Class<?>> map) throws SQLException {
        checkOpen();
        if (map != null && !map.isEmpty()) {
            throw Errors.unsupported("Mapping user-defined types (Athena has none)");
        }
    }

    @Override
    public void setHoldability(int holdability) throws SQLException {
        checkOpen();
        if (holdability != ResultSet.HOLD_CURSORS_OVER_COMMIT) {
            throw Errors.unsupported("Closing cursors at commit");
        }
    }

    @Override
    public int getHoldability() throws SQLException {
        checkOpen();
        return ResultSet.HOLD_CURSORS_OVER_COMMIT;
    }

    @Override
    public Savepoint setSavepoint() throws SQLException {
        throw Errors.unsupported("Savepoints");
    }

    @Override
    public Savepoint setSavepoint(String name) throws SQLException {
        throw Errors.unsupported("Savepoints");
    }

    @Override
    public void rollback(Savepoint savepoint) throws SQLException {
        throw Errors.unsupported("Savepoints");
    }

    @Override
    public void releaseSavepoint(Savepoint savepoint) throws SQLException {
        throw Errors.unsupported("Savepoints");
    }

    @Override
    public Clob createClob() throws SQLException {
        throw Errors.unsupported("Clob");
    }

    @Override
    public Blob createBlob() throws SQLException {
        throw Errors.unsupported("Blob");
    }

    @Override
    public NClob createNClob() throws SQLException {
        throw Errors.unsupported("NClob");
    }

    @Override
    public SQLXML createSQLXML() throws SQLException {
        throw Errors.unsupported("SQLXML");
    }

    @Override
    public Array createArrayOf(String typeName, Object[] elements) throws SQLException {
        throw Errors.unsupported("Array");
    }

    @Override
    public Struct createStruct(String typeName, Object[] attributes) throws SQLException {
        throw Errors.unsupported("Struct");
    }

    /**
     * True when Athena answered this connection (opening it, a query's results, a metadata listing, an
     * earlier isValid) within the last 30 seconds, without a call; otherwise one GetWorkGroup call,
     * bounded by {@code timeout} seconds (0: no bound but the network timeouts). False once closed.
     */
    @Override
    public boolean isValid(int timeout) throws SQLException {
        if (timeout < 0) {
            throw Errors.invalidArgument("isValid timeout must not be negative: " + timeout);
        }
        if (closed) {
            return false;
        }
        if (System.nanoTime() - answeredAt < VALID_WITHOUT_CALL_NANOS) {
            return true;
        }
        boolean valid = NativeConnection.isValid(handle, timeout);
        if (valid) {
            athenaAnswered();
        }
        return valid && !closed;
    }

    @Override
    public void setClientInfo(String name, String value) throws SQLClientInfoException {
        throw new SQLClientInfoException("Client info property '" + name + "' is not supported; use ApplicationName in the URL",
                Collections.singletonMap(name, java.sql.ClientInfoStatus.REASON_UNKNOWN_PROPERTY));
    }

    @Override
    public void setClientInfo(Properties properties) throws SQLClientInfoException {
        if (properties != null && !properties.isEmpty()) {
            throw new SQLClientInfoException("Client info properties are not supported; use ApplicationName in the URL",
                    Collections.<String, java.sql.ClientInfoStatus>emptyMap());
        }
    }

    @Override
    public String getClientInfo(String name) throws SQLException {
        checkOpen();
        return null;
    }

    @Override
    public Properties getClientInfo() throws SQLException {
        checkOpen();
        return new Properties();
    }

    @Override
    public void setNetworkTimeout(Executor executor, int milliseconds) throws SQLException {
        checkOpen();
        if (milliseconds < 0) {
            throw Errors.invalidArgument("Network timeout must not be negative: " + milliseconds);
        }
        NativeConnection.setNetworkTimeout(handle, milliseconds);
        networkTimeoutMillis = milliseconds;
    }

    @Override
    public int getNetworkTimeout() throws SQLException {
        checkOpen();
        return networkTimeoutMillis;
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

    @Override
    public String toString() {
        // The URL can hold secrets; show only what identifies the connection.
        return "AthenaConnection[workGroup=" + workGroup + ", catalog=" + catalog + ", schema=" + schema + "]";
    }
}
