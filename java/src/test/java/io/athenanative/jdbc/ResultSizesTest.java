package io.athenanative.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Row counts and content checksums read through the driver equal what the engine computes. */
class ResultSizesTest {
    private static Connection connection;

    @BeforeAll
    static void connect() throws Exception {
        connection = DriverManager.getConnection(LocalAthena.shared().url());
    }

    @AfterAll
    static void close() throws SQLException {
        connection.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 999, 1000, 1001, 250_000})
    void everyRowArrivesOnce(int size) throws SQLException {
        String source = "(SELECT value AS v, CAST(value * 7 AS VARCHAR) AS s FROM range(" + size + "))";
        long expectedSum;
        long expectedLength;
        long expectedCount;
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), coalesce(sum(v), 0), coalesce(sum(length(s)), 0) FROM " + source)) {
            assertTrue(rs.next());
            expectedCount = rs.getLong(1);
            expectedSum = rs.getLong(2);
            expectedLength = rs.getLong(3);
        }
        assertEquals(size, expectedCount);
        long count = 0;
        long sum = 0;
        long length = 0;
        long previous = -1;
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT v, s FROM " + source + " ORDER BY v")) {
            while (rs.next()) {
                long v = rs.getLong(1);
                assertEquals(previous + 1, v, "rows arrive in order, none lost or repeated");
                previous = v;
                assertEquals(Long.toString(v * 7), rs.getString(2));
                sum += v;
                length += rs.getString(2).length();
                count++;
            }
            assertFalse(rs.next(), "stays at the end");
        }
        assertEquals(expectedCount, count);
        assertEquals(expectedSum, sum);
        assertEquals(expectedLength, length);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 999, 1500})
    void maxRowsStopsEarly(int max) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.setMaxRows(max);
            s.setFetchSize(250);
            try (ResultSet rs = s.executeQuery("SELECT value FROM range(5000)")) {
                int count = 0;
                while (rs.next()) {
                    count++;
                }
                assertEquals(max, count);
            }
        }
    }
}
