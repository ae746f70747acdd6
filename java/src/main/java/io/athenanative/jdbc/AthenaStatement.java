package io.athenanative.jdbc;

import io.athenanative.jdbc.jni.NativeQuery;
import io.athenanative.jdbc.jni.NativeResults;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Runs SQL on Athena: start, wait (cancellable from another thread), then rows or an update count. */
public class AthenaStatement implements Statement {
    private static final String[] NO_PARAMETERS = new String[0];

    private final AthenaConnection connection;
    private final Object lock = new Object();
    private boolean closed;
    private boolean closeOnCompletion;
    private boolean poolable;
    private int fetchSize;
    private long maxRows;
    private int queryTimeoutSeconds;
    private boolean escapeProcessing = true;
    private final List<String> batch = new ArrayList<String>();
    private volatile long dataScannedInBytes = -1;
    // Written under lock, so that cancel() sees the rows it is to stop.
    private volatile AthenaResultSet resultSet;
    private long updateCount = -1;
    private volatile String queryExecutionId;
    private volatile AthenaQueryStatistics statistics;
    private volatile Consumer<AthenaQueryStatistics> progressMonitor;
    // Guarded by lock: the running query's handle, and a cancel that arrived before it existed.
    private long runningQuery;
    private boolean starting;
    private boolean cancelRequested;

    AthenaStatement(AthenaConnection connection) {
        this.connection = connection;
    }

    /** The QueryExecutionId of the last query this statement started, or null. */
    public String getQueryExecutionId() {
        return queryExecutionId;
    }

    /** Bytes Athena scanned for the last query that finished, or -1 when unknown. */
    public long getDataScannedInBytes() {
        return dataScannedInBytes;
    }

    /**
     * The state and statistics of the last query this statement ran, as its last poll saw them (final
     * figures once it ended, failed or was stopped), or null before any.
     */
    public AthenaQueryStatistics getQueryStatistics() {
        return statistics;
    }

    /**
     * Hears of each poll of this statement's queries while they run (state changes, bytes scanned so far),
     * on the thread that runs the statement, as Trino's JDBC driver offers. A monitor that throws stops the
     * query on Athena; the statement then fails with SQLState 57014 and what the monitor threw as its cause.
     * The monitor runs inside the statement's wait: it may cancel statements, but must not run queries or
     * metadata calls of this driver itself (hand those to another thread). null removes the monitor.
     */
    public void setProgressMonitor(Consumer<AthenaQueryStatistics> monitor) {
        this.progressMonitor = monitor;
    }

    AthenaConnection connection() {
        return connection;
    }

    /** The SQL as Athena gets it: JDBC escapes translated unless the user turned that off. */
    String processEscapes(String sql) throws SQLException {
        if (sql == null) {
            throw Errors.invalidArgument("SQL text must not be null");
        }
        return escapeProcessing ? JdbcEscapes.translate(sql) : sql;
    }

    void checkOpen() throws SQLException {
        if (closed) {
            throw Errors.closed("statement");
        }
        connection.checkOpen();
    }

    /** How a statement gets its query: started anew, or an earlier one found. */
    private interface QuerySource {
        long open() throws SQLException;
    }

    boolean run(final String sql, final String[] parameters) throws SQLException {
        checkOpen();
        if (sql == null) {
            throw Errors.invalidArgument("SQL text must not be null");
        }
        Utf16.check(sql, parameters);
        return run(() -> NativeQuery.start(connection.handle(), sql, connection.catalogName(), connection.schemaName(),
                parameters));
    }

    /**
     * The rows of an earlier query, read through the fetchers without running it (see
     * {@link AthenaConnection#resultsOf(String)}).
     */
    ResultSet resultsOf(final String queryExecutionId) throws SQLException {
        checkOpen();
        if (queryExecutionId == null || queryExecutionId.trim().isEmpty()) {
            throw Errors.invalidArgument("queryExecutionId must be given");
        }
        return rowsOf(run(() -> NativeQuery.existing(connection.handle(), queryExecutionId)));
    }

    private boolean run(QuerySource source) throws SQLException {
        closeResultSet();
        updateCount = -1;
        queryExecutionId = null;
        statistics = null;
        dataScannedInBytes = -1;
        synchronized (lock) {
            starting = true;
            cancelRequested = false;
        }
        long query;
        try {
            query = source.open();
        } catch (SQLException | RuntimeException e) {
            synchronized (lock) {
                starting = false;
            }
            throw e;
        }
        try {
            // One step under the lock: a cancel() sees the query either starting (and is kept) or running.
            long stop = 0;
            synchronized (lock) {
                starting = false;
                runningQuery = query;
                if (cancelRequested) {
                    stop = NativeQuery.cancel(query);
                }
            }
            if (stop != 0) {
                NativeQuery.stop(stop);
            }
            queryExecutionId = NativeQuery.id(query);
            Consumer<AthenaQueryStatistics> monitor = progressMonitor;
            ProgressRelay relay = monitor == null ? null : new ProgressRelay(monitor, queryExecutionId);
            long results;
            try {
                results = NativeQuery.awaitResults(query, queryTimeoutSeconds * 1000L, maxRows, fetchSize, relay);
            } catch (SQLException e) {
                if (relay != null && relay.thrown() != null && e.getCause() == null) {
                    e.initCause(relay.thrown());
                }
                throw e;
            } finally {
                statistics = new AthenaQueryStatistics(queryExecutionId, NativeQuery.state(query),
                        NativeQuery.statistics(query));
            }
            dataScannedInBytes = NativeQuery.dataScannedInBytes(query);
            long count = NativeResults.updateCount(results);
            if (count >= 0) {
                NativeResults.close(results);
                updateCount = count;
                return false;
            }
            AthenaResultSet rows = new AthenaResultSet(this, results, queryExecutionId);
            boolean cancelledMeanwhile;
            synchronized (lock) {
                // In one step: a cancel() from now on finds the rows, not the finished query.
                runningQuery = 0;
                resultSet = rows;
                // A cancel() after the query finished but before the rows were here.
                cancelledMeanwhile = cancelRequested;
            }
            if (cancelledMeanwhile) {
                rows.cancelReading();
            }
            return true;
        } finally {
            synchronized (lock) {
                runningQuery = 0;
                NativeQuery.close(query);
            }
        }
    }

    @Override
    public boolean execute(String sql) throws SQLException {
        checkOpen();
        return run(processEscapes(sql), NO_PARAMETERS);
    }

    @Override
    public ResultSet executeQuery(String sql) throws SQLException {
        return rowsOf(execute(sql));
    }

    /** executeQuery's answer once the statement ran: its rows, or an error if it produced none. */
    ResultSet rowsOf(boolean producedRows) throws SQLException {
        if (!producedRows) {
            throw new SQLException("The statement produced an update count, not rows", "02000");
        }
        return resultSet;
    }

    /** executeUpdate's answer once the statement ran: its count, or an error if it produced rows. */
    long countOf(boolean producedRows) throws SQLException {
        if (producedRows) {
            closeResultSet();
            throw new SQLException("The statement produced rows; use executeQuery or execute", "21000");
        }
        return updateCount;
    }

    @Override
    public int executeUpdate(String sql) throws SQLException {
        return (int) Math.min(Integer.MAX_VALUE, executeLargeUpdate(sql));
    }

    @Override
    public long executeLargeUpdate(String sql) throws SQLException {
        return countOf(execute(sql));
    }

    @Override
    public void cancel() throws SQLException {
        AthenaResultSet reading;
        long stop;
        synchronized (lock) {
            // Kept until the next statement starts, for rows that arrive after it.
            cancelRequested = true;
            if (starting) {
                return;
            }
            // Wakes the waiting thread at once; StopQueryExecution waits for no lock.
            stop = runningQuery != 0 ? NativeQuery.cancel(runningQuery) : 0;
            reading = resultSet;
        }
        if (stop != 0) {
            NativeQuery.stop(stop);
            return;
        }
        // The query has finished: what remains is reading its rows.
        if (reading != null) {
            reading.cancelReading();
        }
    }

    @Override
    public ResultSet getResultSet() throws SQLException {
        checkOpen();
        return resultSet;
    }

    @Override
    public int getUpdateCount() throws SQLException {
        checkOpen();
        return (int) Math.min(Integer.MAX_VALUE, updateCount);
    }

    @Override
    public long getLargeUpdateCount() throws SQLException {
        checkOpen();
        return updateCount;
    }

    @Override
    public boolean getMoreResults() throws SQLException {
        return getMoreResults(CLOSE_CURRENT_RESULT);
    }

    @Override
    public boolean getMoreResults(int current) throws SQLException {
        checkOpen();
        if (current != CLOSE_CURRENT_RESULT && current != CLOSE_ALL_RESULTS) {
            throw Errors.unsupported("Keeping the current result open (KEEP_CURRENT_RESULT)");
        }
        closeResultSet();
        updateCount = -1;
        return false;
    }

    private void closeResultSet() throws SQLException {
        AthenaResultSet current;
        synchronized (lock) {
            current = resultSet;
            resultSet = null;
        }
        if (current != null) {
            current.close();
        }
    }

    void resultSetClosed(AthenaResultSet closedSet) throws SQLException {
        boolean current;
        synchronized (lock) {
            current = resultSet == closedSet;
            if (current) {
                resultSet = null;
            }
        }
        if (current && closeOnCompletion) {
            close();
        }
    }

    @Override
    public void close() throws SQLException {
        if (closed) {
            return;
        }
        cancel();
        closed = true;
        closeResultSet();
        connection.statementClosed(this);
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    /** The most rows a page holds (FetchSize's upper bound); a larger fetch size is taken as this. */
    static final int MAX_FETCH_SIZE = 1_000_000;

    /**
     * Rows per result page, a hint: 0 lets the fetcher decide; values above 1,000,000 are taken as 1,000,000
     * (what getFetchSize then returns). Pages also end at PageByteBudget bytes, whatever the fetch size.
     */
    @Override
    public void setFetchSize(int rows) throws SQLException {
        checkOpen();
        if (rows < 0) {
            throw Errors.invalidArgument("Fetch size must not be negative: " + rows);
        }
        fetchSize = Math.min(rows, MAX_FETCH_SIZE);
    }

    @Override
    public int getFetchSize() throws SQLException {
        checkOpen();
        return fetchSize;
    }

    @Override
    public void setMaxRows(int max) throws SQLException {
        setLargeMaxRows(max);
    }

    @Override
    public void setLargeMaxRows(long max) throws SQLException {
        checkOpen();
        if (max < 0) {
            throw Errors.invalidArgument("Max rows must not be negative: " + max);
        }
        maxRows = max;
    }

    @Override
    public int getMaxRows() throws SQLException {
        checkOpen();
        return (int) Math.min(Integer.MAX_VALUE, maxRows);
    }

    @Override
    public long getLargeMaxRows() throws SQLException {
        checkOpen();
        return maxRows;
    }

    @Override
    public void setQueryTimeout(int seconds) throws SQLException {
        checkOpen();
        if (seconds < 0) {
            throw Errors.invalidArgument("Query timeout must not be negative: " + seconds);
        }
        queryTimeoutSeconds = seconds;
    }

    @Override
    public int getQueryTimeout() throws SQLException {
        checkOpen();
        return queryTimeoutSeconds;
    }

    @Override
    public int getMaxFieldSize() throws SQLException {
        checkOpen();
        return 0;
    }

    @Override
    public void setMaxFieldSize(int max) throws SQLException {
        checkOpen();
        if (max != 0) {
            throw Errors.unsupported("A maximum field size");
        }
    }

    /** On by default, as JDBC requires: {@code {d '…'}}, {@code {fn …}} and the others become Athena SQL. */
    @Override
    public void setEscapeProcessing(boolean enable) throws SQLException {
        checkOpen();
        escapeProcessing = enable;
    }

    @Override
    public SQLWarning getWarnings() throws SQLException {
        checkOpen();
        return null;
    }

    @Override
    public void clearWarnings() throws SQLException {
        checkOpen();
    }

    @Override
    public void setCursorName(String name) throws SQLException {
        throw Errors.unsupported("Statement.setCursorName");
    }

    @Override
    public void setFetchDirection(int direction) throws SQLException {
        checkOpen();
        if (direction != ResultSet.FETCH_FORWARD) {
            throw Errors.unsupported("Fetch direction other than FETCH_FORWARD");
        }
    }

    @Override
    public int getFetchDirection() throws SQLException {
        checkOpen();
        return ResultSet.FETCH_FORWARD;
    }

    @Override
    public int getResultSetConcurrency() throws SQLException {
        checkOpen();
        return ResultSet.CONCUR_READ_ONLY;
    }

    @Override
    public int getResultSetType() throws SQLException {
        checkOpen();
        return ResultSet.TYPE_FORWARD_ONLY;
    }

    @Override
    public int getResultSetHoldability() throws SQLException {
        checkOpen();
        return ResultSet.HOLD_CURSORS_OVER_COMMIT;
    }

    @Override
    public void addBatch(String sql) throws SQLException {
        checkOpen();
        batch.add(processEscapes(sql));
    }

    @Override
    public void clearBatch() throws SQLException {
        checkOpen();
        batch.clear();
    }

    /** Runs the statements one after the other, as Athena has no multi-statement call. */
    @Override
    public int[] executeBatch() throws SQLException {
        checkOpen();
        List<String> statements = new ArrayList<String>(batch);
        batch.clear();
        long[] counts = new long[statements.size()];
        for (int i = 0; i < counts.length; i++) {
            try {
                counts[i] = countOf(run(statements.get(i), NO_PARAMETERS));
            } catch (SQLException e) {
                throw batchFailure(e, counts, i);
            }
        }
        return toInts(counts);
    }

    static BatchUpdateException batchFailure(SQLException cause, long[] counts, int failedAt) {
        long[] done = java.util.Arrays.copyOf(counts, failedAt);
        BatchUpdateException e = new BatchUpdateException("Batch entry " + (failedAt + 1) + " failed: " + cause.getMessage(),
                cause.getSQLState(), cause.getErrorCode(), toInts(done), cause);
        return e;
    }

    static int[] toInts(long[] counts) {
        int[] ints = new int[counts.length];
        for (int i = 0; i < counts.length; i++) {
            ints[i] = (int) Math.min(Integer.MAX_VALUE, counts[i]);
        }
        return ints;
    }

    @Override
    public Connection getConnection() throws SQLException {
        checkOpen();
        return connection;
    }

    @Override
    public ResultSet getGeneratedKeys() throws SQLException {
        throw Errors.unsupported("Generated keys");
    }

    @Override
    public int executeUpdate(String sql, int autoGeneratedKeys) throws SQLException {
        noGeneratedKeys(autoGeneratedKeys);
        return executeUpdate(sql);
    }

    @Override
    public int executeUpdate(String sql, int[] columnIndexes) throws SQLException {
        throw Errors.unsupported("Generated keys");
    }

    @Override
    public int executeUpdate(String sql, String[] columnNames) throws SQLException {
        throw Errors.unsupported("Generated keys");
    }

    @Override
    public boolean execute(String sql, int autoGeneratedKeys) throws SQLException {
        noGeneratedKeys(autoGeneratedKeys);
        return execute(sql);
    }

    @Override
    public boolean execute(String sql, int[] columnIndexes) throws SQLException {
        throw Errors.unsupported("Generated keys");
    }

    @Override
    public boolean execute(String sql, String[] columnNames) throws SQLException {
        throw Errors.unsupported("Generated keys");
    }

    @Override
    public long executeLargeUpdate(String sql, int autoGeneratedKeys) throws SQLException {
        noGeneratedKeys(autoGeneratedKeys);
        return executeLargeUpdate(sql);
    }

    @Override
    public long executeLargeUpdate(String sql, int[] columnIndexes) throws SQLException {
        throw Errors.unsupported("Generated keys");
    }

    @Override
    public long executeLargeUpdate(String sql, String[] columnNames) throws SQLException {
        throw Errors.unsupported("Generated keys");
    }

    private static void noGeneratedKeys(int autoGeneratedKeys) throws SQLException {
        if (autoGeneratedKeys != NO_GENERATED_KEYS) {
            throw Errors.unsupported("Generated keys");
        }
    }

    @Override
    public void setPoolable(boolean poolable) throws SQLException {
        checkOpen();
        this.poolable = poolable;
    }

    @Override
    public boolean isPoolable() throws SQLException {
        checkOpen();
        return poolable;
    }

    @Override
    public void closeOnCompletion() throws SQLException {
        checkOpen();
        closeOnCompletion = true;
    }

    @Override
    public boolean isCloseOnCompletion() throws SQLException {
        checkOpen();
        return closeOnCompletion;
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
