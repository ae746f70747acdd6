package io.athenanative.local.junit;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/** Connections to one JDBC URL through DriverManager, for code that takes a DataSource. */
final class UrlDataSource implements DataSource {
    private final String url;

    UrlDataSource(String url) {
        this.url = url;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return DriverManager.getConnection(url);
    }

    /** Connects with other keys than athena-local's default ones. */
    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        java.util.Properties keys = new java.util.Properties();
        keys.setProperty("User", username);
        keys.setProperty("Password", password);
        return DriverManager.getConnection(url.replaceAll(";User=[^;]*;Password=[^;]*", ""), keys);
    }

    /** The driver logs through its LogLevel and LogPath properties, not a writer. */
    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        if (out != null) {
            throw new SQLFeatureNotSupportedException("use the LogLevel and LogPath properties of the URL");
        }
    }

    /** DriverManager's login timeout applies (one setting for the JVM); none of its own. */
    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        if (seconds != 0) {
            throw new SQLFeatureNotSupportedException("use DriverManager.setLoginTimeout");
        }
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("UrlDataSource has no logger of its own");
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        if (type.isInstance(this)) {
            return type.cast(this);
        }
        throw new SQLException("not a wrapper of " + type.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> type) {
        return type.isInstance(this);
    }

    @Override
    public String toString() {
        return "athena-local DataSource(" + url.replaceAll("Password=[^;]*", "Password=****") + ")";
    }
}
