package io.athenanative.jdbc;

import io.athenanative.jdbc.jni.NativeConnection;
import io.athenanative.jdbc.jni.NativeDriver;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.RowIdLifetime;
import java.sql.SQLException;

/** Product facts and the catalog, schema, table, column and type listings of an Athena connection. */
public final class AthenaDatabaseMetaData extends AthenaDialectMetaData {
    private final AthenaConnection connection;

    AthenaDatabaseMetaData(AthenaConnection connection) {
        this.connection = connection;
    }

    /** A result the driver built without asking Athena; closed with the connection. */
    private ResultSet local(long handle) throws SQLException {
        return new AthenaResultSet(connection, handle);
    }

    /** A listing Athena answered; closed with the connection. */
    private ResultSet answered(long handle) throws SQLException {
        connection.athenaAnswered();
        return local(handle);
    }

    /** Names and patterns cross to the native core as UTF-8: an unpaired surrogate is refused (22018). */
    private static void checkText(String catalog, String schemaPattern, String tableNamePattern, String columnNamePattern)
            throws SQLException {
        Utf16.check("The catalog", catalog);
        Utf16.check("The schema pattern", schemaPattern);
        Utf16.check("The table name pattern", tableNamePattern);
        Utf16.check("The column name pattern", columnNamePattern);
    }

    @Override
    ResultSet empty(String kind) throws SQLException {
        connection.checkOpen();
        return local(NativeConnection.emptyResult(kind));
    }

    @Override
    public ResultSet getCatalogs() throws SQLException {
        connection.checkOpen();
        return answered(NativeConnection.catalogs(connection.handle()));
    }

    @Override
    public ResultSet getSchemas() throws SQLException {
        return getSchemas(null, null);
    }

    @Override
    public ResultSet getSchemas(String catalog, String schemaPattern) throws SQLException {
        connection.checkOpen();
        checkText(catalog, schemaPattern, null, null);
        return answered(NativeConnection.schemas(connection.handle(), catalog, schemaPattern));
    }

    @Override
    public ResultSet getTables(String catalog, String schemaPattern, String tableNamePattern, String[] types) throws SQLException {
        connection.checkOpen();
        checkText(catalog, schemaPattern, tableNamePattern, null);
        if (types != null) {
            for (String type : types) {
                Utf16.check("A table type", type);
            }
        }
        return answered(NativeConnection.tables(connection.handle(), catalog, schemaPattern, tableNamePattern, types));
    }

    @Override
    public ResultSet getColumns(String catalog, String schemaPattern, String tableNamePattern, String columnNamePattern)
            throws SQLException {
        connection.checkOpen();
        checkText(catalog, schemaPattern, tableNamePattern, columnNamePattern);
        return answered(NativeConnection.columns(connection.handle(), catalog, schemaPattern, tableNamePattern,
                columnNamePattern));
    }

    @Override
    public ResultSet getTableTypes() throws SQLException {
        connection.checkOpen();
        return local(NativeConnection.tableTypes());
    }

    @Override
    public ResultSet getTypeInfo() throws SQLException {
        connection.checkOpen();
        return local(NativeConnection.typeInfo());
    }

    /** The connection's URL with every secret value (passwords, tokens, client secrets) masked. */
    @Override
    public String getURL() throws SQLException {
        return NativeDriver.maskedUrl(connection.url());
    }

    @Override
    public String getUserName() throws SQLException {
        connection.checkOpen();
        return connection.userName();
    }

    @Override
    public boolean isReadOnly() throws SQLException {
        return connection.isReadOnly();
    }

    @Override
    public String getDatabaseProductName() {
        return "Amazon Athena";
    }

    @Override
    public String getDatabaseProductVersion() {
        return "Athena engine version 3";
    }

    @Override
    public int getDatabaseMajorVersion() {
        return 3;
    }

    @Override
    public int getDatabaseMinorVersion() {
        return 0;
    }

    @Override
    public String getDriverName() {
        return "athena-native-jdbc";
    }

    @Override
    public String getDriverVersion() {
        return AthenaDriver.MAJOR_VERSION + "." + AthenaDriver.MINOR_VERSION;
    }

    @Override
    public int getDriverMajorVersion() {
        return AthenaDriver.MAJOR_VERSION;
    }

    @Override
    public int getDriverMinorVersion() {
        return AthenaDriver.MINOR_VERSION;
    }

    @Override
    public int getJDBCMajorVersion() {
        return 4;
    }

    @Override
    public int getJDBCMinorVersion() {
        return 2;
    }

    @Override
    public String getIdentifierQuoteString() {
        return "\"";
    }

    @Override
    public String getSQLKeywords() {
        return "ARRAY,CUBE,DESCRIBE,EXPLAIN,LIMIT,MAP,OFFSET,ROLLUP,ROW,SHOW,TABLESAMPLE,UNNEST";
    }

    @Override
    public String getNumericFunctions() {
        return "abs,cbrt,ceiling,cos,degrees,exp,floor,ln,log10,log2,mod,pi,power,radians,rand,round,sign,sin,sqrt,tan,truncate";
    }

    @Override
    public String getStringFunctions() {
        return "concat,length,lower,lpad,ltrim,replace,reverse,rpad,rtrim,split,strpos,substr,trim,upper";
    }

    @Override
    public String getSystemFunctions() {
        return "";
    }

    @Override
    public String getTimeDateFunctions() {
        return "current_date,current_time,current_timestamp,date_add,date_diff,date_format,date_parse,date_trunc,day,"
                + "from_unixtime,hour,minute,month,now,second,to_unixtime,year";
    }

    @Override
    public String getSearchStringEscape() {
        return "\\";
    }

    @Override
    public String getExtraNameCharacters() {
        return "";
    }

    @Override
    public String getSchemaTerm() {
        return "schema";
    }

    @Override
    public String getProcedureTerm() {
        return "procedure";
    }

    @Override
    public String getCatalogTerm() {
        return "catalog";
    }

    @Override
    public String getCatalogSeparator() {
        return ".";
    }

    @Override
    public int getDefaultTransactionIsolation() {
        return Connection.TRANSACTION_NONE;
    }

    @Override
    public boolean supportsTransactionIsolationLevel(int level) {
        return level == Connection.TRANSACTION_NONE;
    }

    @Override
    public boolean supportsConvert(int fromType, int toType) {
        // {fn convert(value, type)} becomes CAST, which Athena has between all scalar types.
        return castable(fromType) && castable(toType);
    }

    private static boolean castable(int type) {
        switch (type) {
            case java.sql.Types.CHAR:
            case java.sql.Types.VARCHAR:
            case java.sql.Types.LONGVARCHAR:
            case java.sql.Types.NVARCHAR:
            case java.sql.Types.BIT:
            case java.sql.Types.BOOLEAN:
            case java.sql.Types.TINYINT:
            case java.sql.Types.SMALLINT:
            case java.sql.Types.INTEGER:
            case java.sql.Types.BIGINT:
            case java.sql.Types.REAL:
            case java.sql.Types.FLOAT:
            case java.sql.Types.DOUBLE:
            case java.sql.Types.DECIMAL:
            case java.sql.Types.NUMERIC:
            case java.sql.Types.DATE:
            case java.sql.Types.TIME:
            case java.sql.Types.TIMESTAMP:
                return true;
            default:
                return false;
        }
    }

    @Override
    public boolean supportsResultSetType(int type) {
        return type == ResultSet.TYPE_FORWARD_ONLY;
    }

    @Override
    public boolean supportsResultSetConcurrency(int type, int concurrency) {
        return type == ResultSet.TYPE_FORWARD_ONLY && concurrency == ResultSet.CONCUR_READ_ONLY;
    }

    @Override
    public boolean ownUpdatesAreVisible(int type) {
        return false;
    }

    @Override
    public boolean ownDeletesAreVisible(int type) {
        return false;
    }

    @Override
    public boolean ownInsertsAreVisible(int type) {
        return false;
    }

    @Override
    public boolean othersUpdatesAreVisible(int type) {
        return false;
    }

    @Override
    public boolean othersDeletesAreVisible(int type) {
        return false;
    }

    @Override
    public boolean othersInsertsAreVisible(int type) {
        return false;
    }

    @Override
    public boolean updatesAreDetected(int type) {
        return false;
    }

    @Override
    public boolean deletesAreDetected(int type) {
        return false;
    }

    @Override
    public boolean insertsAreDetected(int type) {
        return false;
    }

    @Override
    public boolean supportsResultSetHoldability(int holdability) {
        return holdability == ResultSet.HOLD_CURSORS_OVER_COMMIT;
    }

    @Override
    public int getResultSetHoldability() {
        return ResultSet.HOLD_CURSORS_OVER_COMMIT;
    }

    @Override
    public int getSQLStateType() {
        return sqlStateSQL;
    }

    @Override
    public RowIdLifetime getRowIdLifetime() {
        return RowIdLifetime.ROWID_UNSUPPORTED;
    }

    @Override
    public Connection getConnection() throws SQLException {
        connection.checkOpen();
        return connection;
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
