package io.athenanative.spark;

import io.athenanative.jdbc.AthenaDriver;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * The source's options: its own ({@code url}, {@code dbtable} or {@code query}, {@code numPartitions},
 * {@code urlExpirySeconds}, {@code fetchSize}) and every other one, as given, a connection property of
 * the driver (which refuses those it does not know). Lives on the Spark driver only: it holds the URL
 * and the password, so nothing serialized refers to it.
 */
final class AthenaOptions {
    static final String URL = "url";
    static final String DBTABLE = "dbtable";
    static final String QUERY = "query";
    static final String NUM_PARTITIONS = "numPartitions";
    static final String URL_EXPIRY_SECONDS = "urlExpirySeconds";
    static final String FETCH_SIZE = "fetchSize";
    private static final String[] OWN = {URL, DBTABLE, QUERY, NUM_PARTITIONS, URL_EXPIRY_SECONDS, FETCH_SIZE};

    private final String url;
    final String dbtable;
    final String query;
    /** The cap on partitions, or 0 for Spark's default parallelism. */
    final int numPartitions;
    final int urlExpirySeconds;
    final int fetchSize;
    private final Properties properties = new Properties();

    AthenaOptions(Map<String, String> given) {
        CaseInsensitiveStringMap options = new CaseInsensitiveStringMap(given);
        url = options.get(URL);
        if (url == null || url.trim().isEmpty()) {
            throw new AthenaSourceException("The athena source needs the option url (jdbc:athena://...)");
        }
        if (!new AthenaDriver().acceptsURL(url)) {
            // The URL itself is not shown: it may hold a password.
            throw new AthenaSourceException("The option url must start with jdbc:athena://");
        }
        dbtable = blankAsNull(options.get(DBTABLE));
        query = blankAsNull(options.get(QUERY));
        if ((dbtable == null) == (query == null)) {
            throw new AthenaSourceException("The athena source needs exactly one of the options dbtable and query");
        }
        numPartitions = number(options, NUM_PARTITIONS, 0, 1, Integer.MAX_VALUE);
        urlExpirySeconds = number(options, URL_EXPIRY_SECONDS, 3600, 1, 7 * 24 * 3600);
        fetchSize = number(options, FETCH_SIZE, 0, 0, Integer.MAX_VALUE);
        // The other options with the case they were given in, as the driver's properties.
        Map<String, String> own = new TreeMap<String, String>(String.CASE_INSENSITIVE_ORDER);
        for (String name : OWN) {
            own.put(name, name);
        }
        for (Map.Entry<String, String> option : options.asCaseSensitiveMap().entrySet()) {
            if (!own.containsKey(option.getKey())) {
                properties.setProperty(option.getKey(), option.getValue());
            }
        }
    }

    private static String blankAsNull(String value) {
        return value == null || value.trim().isEmpty() ? null : value;
    }

    private static int number(CaseInsensitiveStringMap options, String name, int absent, int min, int max) {
        String text = options.get(name);
        if (text == null || text.trim().isEmpty()) {
            return absent;
        }
        try {
            int value = Integer.parseInt(text.trim());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // Reported below with the range.
        }
        throw new AthenaSourceException("The option " + name + " must be a whole number from " + min + " to " + max
                + ", not '" + text + "'");
    }

    /** A new connection of the driver (not through DriverManager, which checks the caller's class loader). */
    Connection connect() throws SQLException {
        Properties copy = new Properties();
        copy.putAll(properties);
        Connection connection = new AthenaDriver().connect(url, copy);
        if (connection == null) {
            throw new SQLException("The option url must start with jdbc:athena://", "08001");
        }
        return connection;
    }

    /** {@code athena db.t} or {@code athena query}: what plans and the UI show; no URL, no secret. */
    String describe() {
        return dbtable != null ? "athena " + dbtable.trim() : "athena query";
    }

    /** Lower case for the catalog's names, which Athena keeps in lower case. */
    static String lower(String name) {
        return name.toLowerCase(Locale.ROOT);
    }
}
