package io.athenanative.jdbc;

import io.athenanative.jdbc.jni.NativeCleaner;
import io.athenanative.jdbc.jni.NativeResults;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Date;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.sql.Time;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Calendar;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** Rows of a query or metadata result, read page by page from the native core. */
public final class AthenaResultSet extends ForwardOnlyReadOnlyResultSet {
    /**
     * Small, and grown to the size a page asks for: direct buffers are freed only when the collector
     * runs, so a large first buffer per result set makes many short queries hold gigabytes between
     * collections.
     */
    private static final int FIRST_BUFFER_BYTES = 8 * 1024;

    private final Statement statement;
    /** The connection these rows came through; null only for results built without one. */
    private final AthenaConnection connection;
    private final long handle;
    private final NativeCleaner.Cleanable cleanable;
    private final String queryExecutionId;
    private final ColumnInfo[] columns;
    // The page and its buffer are read into locals by the reader: close() from another thread nulls them.
    private volatile ByteBuffer buffer;
    private volatile Page page;
    private int row = -1;
    private long rowNumber;
    private boolean exhausted;
    /** Written by close(), perhaps from another thread than the reader's. */
    private volatile boolean closed;
    /** Set by Statement.cancel() from another thread. */
    private volatile boolean cancelled;
    private boolean wasNull;
    private int fetchSize;
    private SQLWarning warnings;
    private Map<String, Integer> columnIndexes;
    /** Dates and timestamps inside arrays, maps and rows as java.time values (an export's readers). */
    private boolean nestedJavaTime;

    /** The rows of a statement's query. */
    AthenaResultSet(Statement statement, long handle, String queryExecutionId) throws SQLException {
        this(statement, statement instanceof AthenaStatement ? ((AthenaStatement) statement).connection() : null, handle,
                queryExecutionId);
        if (connection != null) {
            // The query ran and its first rows are here: Athena answered this connection.
            connection.athenaAnswered();
        }
    }

    /** A metadata result of {@code connection}, closed when the connection closes. */
    AthenaResultSet(AthenaConnection connection, long handle) throws SQLException {
        this(null, connection, handle, null);
        connection.metadataResultOpened(this);
    }

    /**
     * Rows read without a connection: an export's files (see AthenaExport.read), whose nested dates and
     * timestamps are LocalDate and LocalDateTime.
     */
    AthenaResultSet(long handle) throws SQLException {
        this(null, null, handle, null);
        this.nestedJavaTime = true;
    }

    private AthenaResultSet(Statement statement, AthenaConnection connection, long handle, String queryExecutionId)
            throws SQLException {
        this.statement = statement;
        this.connection = connection;
        this.handle = handle;
        this.cleanable = NativeCleaner.register(this, "a result set", handle, NativeResults::close);
        this.queryExecutionId = queryExecutionId;
        String[] flat = NativeResults.columns(handle, connection == null ? 0 : connection.handle());
        if (flat == null) {
            throw NativeResults.failedSilently("columns");
        }
        this.columns = ColumnInfo.fromNative(flat, NativeResults.COLUMN_FIELDS);
        this.buffer = ByteBuffer.allocateDirect(FIRST_BUFFER_BYTES);
        // Read now: the native rows are released once the last page is read.
        String[] texts = NativeResults.warnings(handle);
        if (texts == null) {
            throw NativeResults.failedSilently("warnings");
        }
        this.warnings = Errors.warnings(texts);
    }

    /** The Athena QueryExecutionId behind these rows, or null for metadata results. */
    public String getQueryExecutionId() {
        return queryExecutionId;
    }

    @Override
    public boolean next() throws SQLException {
        checkOpen();
        if (exhausted) {
            return false;
        }
        if (cancelled) {
            throw readingCancelled();
        }
        Page current = page;
        int next = row + 1;
        while (current == null || next >= current.rows()) {
            current = loadPage();
            if (current == null) {
                endOfRows();
                return false;
            }
            next = 0;
        }
        row = next;
        rowNumber++;
        return true;
    }

    /**
     * Before the first next(): reads pages (without moving the cursor) until one has a row, so that
     * isBeforeFirst can say whether there is a first row. False, and the rows ended, when there is none.
     */
    private boolean peekFirstRow() throws SQLException {
        if (cancelled) {
            throw readingCancelled();
        }
        Page current = page;
        while (current == null || current.rows() == 0) {
            current = loadPage();
            if (current == null) {
                endOfRows();
                return false;
            }
        }
        return true;
    }

    private void endOfRows() throws SQLException {
        exhausted = true;
        page = null;
        releaseNative();
    }

    /** The next page, now also the current one; null at the end of the rows. */
    private Page loadPage() throws SQLException {
        ByteBuffer target = buffer;
        if (target == null || closed) {
            throw Errors.closed("result set");
        }
        int length;
        try {
            length = fill(target);
            if (length < 0) {
                target = ByteBuffer.allocateDirect(-length);
                buffer = target;
                length = fill(target);
            }
        } catch (SQLException e) {
            if (closed) {
                // Closed from another thread while this one waited for the page.
                SQLException closedMeanwhile = Errors.closed("result set");
                closedMeanwhile.initCause(e);
                throw closedMeanwhile;
            }
            throw cancelled ? readingCancelled() : e;
        }
        if (closed) {
            // close() ran meanwhile; a buffer grown since is not kept.
            buffer = null;
            throw Errors.closed("result set");
        }
        if (length < 0) {
            throw new SQLException("A result page did not fit the buffer sized for it (" + -length + " bytes)", "XX000");
        }
        if (length == 0) {
            return null;
        }
        Page loaded = new Page(target, length);
        page = loaded;
        return loaded;
    }

    /** One fillPage call; its failure sentinel (see NativeResults.fillPage) is never taken for an answer. */
    private int fill(ByteBuffer target) throws SQLException {
        return checkedPageLength(NativeResults.fillPage(handle, target));
    }

    /** fillPage's answer, or an SQLException when it is the sentinel of a failure that raised none. */
    static int checkedPageLength(int length) throws SQLException {
        if (length == NativeResults.FILL_PAGE_FAILED) {
            throw NativeResults.failedSilently("fillPage");
        }
        return length;
    }

    private void releaseNative() throws SQLException {
        cleanable.clean();
    }

    /**
     * Statement.cancel() once the query has finished: the rows still to come are not read. The reader
     * gets an SQLException at its next row, or at once if it is waiting for a page.
     */
    void cancelReading() throws SQLException {
        cancelled = true;
        NativeResults.cancel(handle);
    }

    /** Ends the reading after a cancel: the native rows are released and no more rows come. */
    private SQLException readingCancelled() throws SQLException {
        exhausted = true;
        page = null;
        releaseNative();
        return new SQLException("Reading the results of query " + queryExecutionId
                + " was cancelled (Statement.cancel)", "57014");
    }

    /**
     * Safe from another thread than the reader's: a reader in next() or a getter then gets an
     * SQLException (the result set is closed), at once if it is waiting for a page.
     */
    @Override
    public void close() throws SQLException {
        if (closed) {
            return;
        }
        closed = true;
        page = null;
        buffer = null;
        try {
            // Wakes a reader waiting for a page in another thread; nothing when there is none.
            NativeResults.cancel(handle);
        } finally {
            releaseNative();
            if (statement instanceof AthenaStatement) {
                ((AthenaStatement) statement).resultSetClosed(this);
            } else if (connection != null) {
                connection.metadataResultClosed(this);
            }
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    private void checkOpen() throws SQLException {
        if (closed) {
            throw Errors.closed("result set");
        }
    }

    /**
     * The current page, positioned on a column of the current row, with wasNull recorded. The page is
     * read once: a close() from another thread cannot take it away in the middle of a getter.
     */
    private Page slot(int columnIndex) throws SQLException {
        checkOpen();
        if (columnIndex < 1 || columnIndex > columns.length) {
            throw new SQLException("Column index " + columnIndex + " is out of range 1.." + columns.length, "07009");
        }
        Page current = page;
        if (current == null || row < 0 || row >= current.rows()) {
            checkOpen();
            throw new SQLException("The result set is not on a row; call next() first", "24000");
        }
        wasNull = current.isNull(columnIndex - 1, row);
        return current;
    }

    private ColumnInfo column(int c) {
        return columns[c];
    }

    @Override
    public boolean wasNull() throws SQLException {
        checkOpen();
        return wasNull;
    }

    @Override
    public String getString(int columnIndex) throws SQLException {
        Page p = slot(columnIndex);
        int c = columnIndex - 1;
        return wasNull ? null : Values.string(p, c, row, column(c));
    }

    @Override
    public boolean getBoolean(int columnIndex) throws SQLException {
        Page p = slot(columnIndex);
        int c = columnIndex - 1;
        return !wasNull && Values.bool(p, c, row, column(c));
    }

    @Override
    public byte getByte(int columnIndex) throws SQLException {
        Page p = slot(columnIndex);
        int c = columnIndex - 1;
        return wasNull ? 0 : (byte) Values.integer(p, c, row, column(c), Byte.MIN_VALUE, Byte.MAX_VALUE, "byte");
    }

    @Override
    public short getShort(int columnIndex) throws SQLException {
        Page p = slot(columnIndex);
        int c = columnIndex - 1;
        return wasNull ? 0 : (short) Values.integer(p, c, row, column(c), Short.MIN_VALUE, Short.MAX_VALUE, "short");
    }

    @Override
    public int getInt(int columnIndex) throws SQLException {
        Page p = slot(columnIndex);
        int c = columnIndex - 1;
        return wasNull ? 0 : (int) Values.integer(p, c, row, column(c), Integer.MIN_VALUE, Integer.MAX_VALUE, "int");
    }

    @Override
    public long getLong(int columnIndex) throws SQLException {
        Page p = slot(columnIndex);
        int c = columnIndex - 1;
        if (wasNull) {
            return 0;
        }
        if (p.encoding(c) == Page.INT64) {
            return p.int64(c, row);
        }
        return Values.integer(p, c, row, column(c), Long.MIN_VALUE, Long.MAX_VALUE, "long");
    }

    @Override
    public float getFloat(int columnIndex) throws SQLException {
        Page p = slot(columnIndex);
        int c = columnIndex - 1;
        return wasNull ? 0 : (float) Values.floating(p, c, row, column(c));
    }

    @Override
    public double getDouble(int columnIndex) throws SQLException {
        Page p = slot(columnIndex);
        int c = columnIndex - 1;
        return wasNull ? 0 : Values.floating(p, c, row, column(c));
    }

    @Override
    public BigDecimal getBigDecimal(int columnIndex) throws SQLException {
        Page p = slot(columnIndex);
        int c = columnIndex - 1;
        return wasNull ? null : Values.decimal(p, c, row, column(c));
    }

    @Override
    @Deprecated
    public BigDecimal getBigDecimal(int columnIndex, int scale) throws SQLException {
        BigDecimal value = getBigDecimal(columnIndex);
        return value == null ? null : value.setScale(scale, RoundingMode.HALF_UP);
    }

    @Override
    public byte[] getBytes(int columnIndex) throws SQLException {
        Page p = slot(columnIndex);
        int c = columnIndex - 1;
        return wasNull ? null : Values.bytes(p, c, row, column(c));
    }

    @Override
    public Date getDate(int columnIndex) throws SQLException {
        return date(columnIndex, null);
    }

    @Override
    public Date getDate(int columnIndex, Calendar cal) throws SQLException {
        return date(columnIndex, zone(cal));
    }

    /**
     * The date at midnight in {@code zone}, or by Date.valueOf when null (getDate without a
     * calendar). For a {@code timestamp with time zone}, the date its instant has in that zone (the
     * JVM's by default), as a plain timestamp's date is the one getTimestamp shows.
     */
    private Date date(int columnIndex, ZoneId zone) throws SQLException {
        Page p = slot(columnIndex);
        int c = columnIndex - 1;
        if (wasNull) {
            return null;
        }
        ColumnInfo info = column(c);
        LocalDate date = Values.hasZone(info)
                ? Values.zonedIn(p, c, row, info, zone == null ? ZoneId.systemDefault() : zone).toLocalDate()
                : Values.localDate(p, c, row, info);
        return zone == null ? Date.valueOf(date) : new Date(date.atStartOfDay(zone).toInstant().toEpochMilli());
    }

    @Override
    public Time getTime(int columnIndex) throws SQLException {
        return getTime(columnIndex, null);
    }

    /** For a {@code timestamp with time zone}, the time of day its instant has in the JVM's zone (or the calendar's). */
    @Override
    public Time getTime(int columnIndex, Calendar cal) throws SQLException {
        Page p = slot(columnIndex);
        int c = columnIndex - 1;
        if (wasNull) {
            return null;
        }
        ColumnInfo info = column(c);
        ZoneId zone = zone(cal);
        LocalTime time = Values.hasZone(info) ? Values.zonedIn(p, c, row, info, zone).toLocalTime()
                : Values.localTime(p, c, row, info);
        // With its milliseconds, which Time.valueOf(LocalTime) would drop.
        return Values.time(time, zone);
    }

    @Override
    public Timestamp getTimestamp(int columnIndex) throws SQLException {
        return timestamp(columnIndex, null);
    }

    /**
     * A plain timestamp is the wall clock Athena wrote, in the calendar's zone. A
     * {@code timestamp with time zone} is its instant: the value names its zone, so the calendar
     * does not change it.
     */
    @Override
    public Timestamp getTimestamp(int columnIndex, Calendar cal) throws SQLException {
        return timestamp(columnIndex, zone(cal));
    }

    /** A plain timestamp's wall clock in {@code zone}, or by Timestamp.valueOf when null; a zoned one's instant. */
    private Timestamp timestamp(int columnIndex, ZoneId zone) throws SQLException {
        Page p = slot(columnIndex);
        int c = columnIndex - 1;
        if (wasNull) {
            return null;
        }
        ColumnInfo info = column(c);
        if (Values.hasZone(info)) {
            return Timestamp.from(Values.zoned(p, c, row, info).instant());
        }
        LocalDateTime value = Values.localDateTime(p, c, row, info);
        return zone == null ? Timestamp.valueOf(value) : Timestamp.from(value.atZone(zone).toInstant());
    }

    private static ZoneId zone(Calendar cal) {
        return cal == null ? ZoneId.systemDefault() : cal.getTimeZone().toZoneId();
    }

    @Override
    public Object getObject(int columnIndex) throws SQLException {
        Page p = slot(columnIndex);
        int c = columnIndex - 1;
        if (wasNull) {
            return null;
        }
        ColumnInfo info = column(c);
        switch (info.jdbcType) {
            case Types.BOOLEAN:
                return Values.bool(p, c, row, info);
            case Types.TINYINT:
            case Types.SMALLINT:
            case Types.INTEGER:
                return (int) Values.integer(p, c, row, info, Integer.MIN_VALUE, Integer.MAX_VALUE, "int");
            case Types.BIGINT:
                return Values.integer(p, c, row, info, Long.MIN_VALUE, Long.MAX_VALUE, "long");
            case Types.REAL:
                return (float) Values.floating(p, c, row, info);
            case Types.DOUBLE:
                return Values.floating(p, c, row, info);
            case Types.DECIMAL:
                return Values.decimal(p, c, row, info);
            case Types.VARBINARY:
                return Values.bytes(p, c, row, info);
            case Types.DATE:
                return Date.valueOf(Values.localDate(p, c, row, info));
            case Types.TIME:
                return Values.time(Values.localTime(p, c, row, info), ZoneId.systemDefault());
            case Types.TIMESTAMP:
                // TimestampWithTimeZoneAsTimestamp: a zoned value is its instant, as getTimestamp gives it.
                return info.zoned ? Timestamp.from(Values.zoned(p, c, row, info).instant())
                        : Timestamp.valueOf(Values.localDateTime(p, c, row, info));
            case Types.TIME_WITH_TIMEZONE:
                return Values.offsetTime(p, c, row, info);
            case Types.TIMESTAMP_WITH_TIMEZONE:
                // JDBC 4.2's class for this type; getObject(i, ZonedDateTime.class) keeps a region id.
                return Values.zoned(p, c, row, info).offsetDateTime();
            default:
                return complexOrText(p, c, info);
        }
    }

    /** Arrays, maps and rows as Java values where their form allows; text otherwise. */
    private Object complexOrText(Page p, int c, ColumnInfo info) throws SQLException {
        if (p.encoding(c) == Page.JSON) {
            return ComplexValues.fromJson(p.text(c, row), info.athenaType, nestedJavaTime);
        }
        if (info.jdbcType == Types.ARRAY && p.encoding(c) == Page.TEXT) {
            return ComplexValues.arrayFromText(p.text(c, row));
        }
        return Values.string(p, c, row, info);
    }

    @Override
    public java.sql.Array getArray(int columnIndex) throws SQLException {
        Page p = slot(columnIndex);
        int c = columnIndex - 1;
        if (wasNull) {
            return null;
        }
        ColumnInfo info = column(c);
        if (info.jdbcType != Types.ARRAY) {
            throw Errors.conversion("Column " + info.label + " of type " + info.athenaType + " is not an array");
        }
        return (java.sql.Array) complexOrText(p, c, info);
    }

    @Override
    public java.sql.Array getArray(String columnLabel) throws SQLException {
        return getArray(findColumn(columnLabel));
    }

    @Override
    public <T> T getObject(int columnIndex, Class<T> type) throws SQLException {
        if (type == null) {
            throw Errors.invalidArgument("getObject needs a target class");
        }
        Object value;
        if (type == String.class) {
            value = getString(columnIndex);
        } else if (type == Boolean.class) {
            boolean v = getBoolean(columnIndex);
            value = wasNull ? null : v;
        } else if (type == Byte.class) {
            byte v = getByte(columnIndex);
            value = wasNull ? null : v;
        } else if (type == Short.class) {
            short v = getShort(columnIndex);
            value = wasNull ? null : v;
        } else if (type == Integer.class) {
            int v = getInt(columnIndex);
            value = wasNull ? null : v;
        } else if (type == Long.class) {
            long v = getLong(columnIndex);
            value = wasNull ? null : v;
        } else if (type == Float.class) {
            float v = getFloat(columnIndex);
            value = wasNull ? null : v;
        } else if (type == Double.class) {
            double v = getDouble(columnIndex);
            value = wasNull ? null : v;
        } else if (type == BigDecimal.class) {
            value = getBigDecimal(columnIndex);
        } else if (type == byte[].class) {
            value = getBytes(columnIndex);
        } else if (type == Date.class) {
            value = getDate(columnIndex);
        } else if (type == Time.class) {
            value = getTime(columnIndex);
        } else if (type == Timestamp.class) {
            value = getTimestamp(columnIndex);
        } else if (type == LocalDate.class) {
            Page p = slot(columnIndex);
            int c = columnIndex - 1;
            value = wasNull ? null : Values.localDate(p, c, row, column(c));
        } else if (type == LocalDateTime.class) {
            Page p = slot(columnIndex);
            int c = columnIndex - 1;
            value = wasNull ? null : Values.localDateTime(p, c, row, column(c));
        } else if (type == LocalTime.class) {
            Page p = slot(columnIndex);
            int c = columnIndex - 1;
            value = wasNull ? null : Values.localTime(p, c, row, column(c));
        } else if (type == OffsetDateTime.class || type == ZonedDateTime.class || type == Instant.class) {
            // Only values that name their zone: a plain timestamp's instant depends on a zone it does not give.
            Page p = slot(columnIndex);
            int c = columnIndex - 1;
            if (wasNull) {
                value = null;
            } else {
                TimestampWithTimeZone t = Values.zoned(p, c, row, column(c));
                value = type == OffsetDateTime.class ? t.offsetDateTime() : type == ZonedDateTime.class ? t.zoned()
                        : t.instant();
            }
        } else if (type == java.time.OffsetTime.class) {
            Page p = slot(columnIndex);
            int c = columnIndex - 1;
            value = wasNull ? null : Values.offsetTime(p, c, row, column(c));
        } else if (type == Object.class || type == java.sql.Array.class || type == java.sql.Struct.class
                || type == Map.class) {
            value = getObject(columnIndex);
            if (value != null && !type.isInstance(value)) {
                throw Errors.conversion("Column " + columnIndex + " holds " + value.getClass().getName() + ", not "
                        + type.getName());
            }
        } else {
            throw Errors.unsupported("getObject as " + type.getName());
        }
        return type.cast(value);
    }

    @Override
    public InputStream getAsciiStream(int columnIndex) throws SQLException {
        String value = getString(columnIndex);
        return value == null ? null : new ByteArrayInputStream(value.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public InputStream getBinaryStream(int columnIndex) throws SQLException {
        byte[] value = getBytes(columnIndex);
        return value == null ? null : new ByteArrayInputStream(value);
    }

    @Override
    public Reader getCharacterStream(int columnIndex) throws SQLException {
        String value = getString(columnIndex);
        return value == null ? null : new StringReader(value);
    }

    @Override
    public String getNString(int columnIndex) throws SQLException {
        return getString(columnIndex);
    }

    @Override
    public Reader getNCharacterStream(int columnIndex) throws SQLException {
        return getCharacterStream(columnIndex);
    }

    @Override
    public int findColumn(String columnLabel) throws SQLException {
        checkOpen();
        if (columnIndexes == null) {
            // Built once: tools look columns up by label for every row.
            Map<String, Integer> indexes = new HashMap<String, Integer>();
            for (int i = columns.length - 1; i >= 0; i--) {
                indexes.put(columns[i].label.toLowerCase(Locale.ROOT), i + 1);
            }
            columnIndexes = indexes;
        }
        Integer index = columnLabel == null ? null : columnIndexes.get(columnLabel.toLowerCase(Locale.ROOT));
        if (index != null) {
            return index;
        }
        throw new SQLException("No column labelled '" + columnLabel + "' in this result", "42S22");
    }

    // Label-based getters delegate to the index-based ones.
    @Override
    public String getString(String l) throws SQLException {
        return getString(findColumn(l));
    }

    @Override
    public boolean getBoolean(String l) throws SQLException {
        return getBoolean(findColumn(l));
    }

    @Override
    public byte getByte(String l) throws SQLException {
        return getByte(findColumn(l));
    }

    @Override
    public short getShort(String l) throws SQLException {
        return getShort(findColumn(l));
    }

    @Override
    public int getInt(String l) throws SQLException {
        return getInt(findColumn(l));
    }

    @Override
    public long getLong(String l) throws SQLException {
        return getLong(findColumn(l));
    }

    @Override
    public float getFloat(String l) throws SQLException {
        return getFloat(findColumn(l));
    }

    @Override
    public double getDouble(String l) throws SQLException {
        return getDouble(findColumn(l));
    }

    @Override
    @Deprecated
    public BigDecimal getBigDecimal(String l, int scale) throws SQLException {
        return getBigDecimal(findColumn(l), scale);
    }

    @Override
    public BigDecimal getBigDecimal(String l) throws SQLException {
        return getBigDecimal(findColumn(l));
    }

    @Override
    public byte[] getBytes(String l) throws SQLException {
        return getBytes(findColumn(l));
    }

    @Override
    public Date getDate(String l) throws SQLException {
        return getDate(findColumn(l));
    }

    @Override
    public Time getTime(String l) throws SQLException {
        return getTime(findColumn(l));
    }

    @Override
    public Timestamp getTimestamp(String l) throws SQLException {
        return getTimestamp(findColumn(l));
    }

    @Override
    public Date getDate(String l, Calendar cal) throws SQLException {
        return getDate(findColumn(l), cal);
    }

    @Override
    public Time getTime(String l, Calendar cal) throws SQLException {
        return getTime(findColumn(l), cal);
    }

    @Override
    public Timestamp getTimestamp(String l, Calendar cal) throws SQLException {
        return getTimestamp(findColumn(l), cal);
    }

    @Override
    public Object getObject(String l) throws SQLException {
        return getObject(findColumn(l));
    }

    @Override
    public <T> T getObject(String l, Class<T> type) throws SQLException {
        return getObject(findColumn(l), type);
    }

    @Override
    public InputStream getAsciiStream(String l) throws SQLException {
        return getAsciiStream(findColumn(l));
    }

    @Override
    public InputStream getBinaryStream(String l) throws SQLException {
        return getBinaryStream(findColumn(l));
    }

    @Override
    public Reader getCharacterStream(String l) throws SQLException {
        return getCharacterStream(findColumn(l));
    }

    @Override
    public String getNString(String l) throws SQLException {
        return getNString(findColumn(l));
    }

    @Override
    public Reader getNCharacterStream(String l) throws SQLException {
        return getNCharacterStream(findColumn(l));
    }

    @Override
    public ResultSetMetaData getMetaData() throws SQLException {
        checkOpen();
        return new AthenaResultSetMetaData(columns);
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

    @Override
    public boolean isBeforeFirst() throws SQLException {
        checkOpen();
        // JDBC: false when the result has no rows, so whether a first row exists is read ahead.
        return rowNumber == 0 && !exhausted && peekFirstRow();
    }

    @Override
    public boolean isAfterLast() throws SQLException {
        checkOpen();
        return exhausted && rowNumber > 0;
    }

    @Override
    public boolean isFirst() throws SQLException {
        checkOpen();
        return rowNumber == 1 && !exhausted;
    }

    @Override
    public int getRow() throws SQLException {
        checkOpen();
        return exhausted || rowNumber > Integer.MAX_VALUE ? 0 : (int) rowNumber;
    }

    @Override
    public void setFetchDirection(int direction) throws SQLException {
        checkOpen();
        if (direction != FETCH_FORWARD) {
            throw Errors.unsupported("Fetch direction other than FETCH_FORWARD");
        }
    }

    @Override
    public int getFetchDirection() throws SQLException {
        checkOpen();
        return FETCH_FORWARD;
    }

    /** Recorded for getFetchSize; the page size was fixed when the query's results were opened. */
    @Override
    public void setFetchSize(int rows) throws SQLException {
        checkOpen();
        if (rows < 0) {
            throw Errors.invalidArgument("Fetch size must not be negative: " + rows);
        }
        fetchSize = rows;
    }

    @Override
    public int getFetchSize() throws SQLException {
        checkOpen();
        return fetchSize;
    }

    @Override
    public int getType() throws SQLException {
        checkOpen();
        return TYPE_FORWARD_ONLY;
    }

    @Override
    public int getConcurrency() throws SQLException {
        checkOpen();
        return CONCUR_READ_ONLY;
    }

    @Override
    public int getHoldability() throws SQLException {
        checkOpen();
        return HOLD_CURSORS_OVER_COMMIT;
    }

    @Override
    public Statement getStatement() throws SQLException {
        checkOpen();
        return statement;
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
