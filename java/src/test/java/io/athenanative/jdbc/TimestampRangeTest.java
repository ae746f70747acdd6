package io.athenanative.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Athena's whole range of dates and timestamps (years 1 to 9999, milliseconds) reads back
 * exactly through each fetcher, top level and nested: GetQueryResults and the S3 result file
 * carry text, UNLOAD carries Parquet INT96, and all three must agree.
 */
class TimestampRangeTest {
    static final String LOW = "0001-01-01 00:00:00.000";
    static final String HIGH = "9999-12-31 23:59:59.999";
    static final String EDGES = "SELECT TIMESTAMP '0001-01-01 00:00:00' AS lo, TIMESTAMP '9999-12-31 23:59:59.999' AS hi, "
            + "DATE '0001-01-01' AS dlo, DATE '9999-12-31' AS dhi, "
            + "ARRAY[TIMESTAMP '0001-01-01 00:00:00', TIMESTAMP '9999-12-31 23:59:59.999'] AS arr, "
            + "named_struct('lo', TIMESTAMP '0001-01-01 00:00:00', 'hi', TIMESTAMP '9999-12-31 23:59:59.999') AS r";

    private static LocalAthena athena;

    @BeforeAll
    static void start() throws Exception {
        athena = LocalAthena.shared();
    }

    /** What a user sees of one row: every column's getString, then the typed values. */
    private static List<String> read(String url, boolean typedNested) throws Exception {
        List<String> seen = new ArrayList<String>();
        try (Connection c = DriverManager.getConnection(url);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(EDGES)) {
            assertTrue(rs.next(), "one row");
            for (int i = 1; i <= 6; i++) {
                seen.add(rs.getString(i));
            }
            LocalDateTime low = LocalDateTime.of(1, 1, 1, 0, 0);
            LocalDateTime high = LocalDateTime.of(9999, 12, 31, 23, 59, 59, 999_000_000);
            assertEquals(low, rs.getObject(1, LocalDateTime.class), url);
            assertEquals(high, rs.getObject(2, LocalDateTime.class), url);
            assertEquals(Timestamp.valueOf(low), rs.getTimestamp(1), url);
            assertEquals(Timestamp.valueOf(high), rs.getTimestamp(2), url);
            assertEquals(LocalDate.of(1, 1, 1), rs.getObject(3, LocalDate.class), url);
            assertEquals(LocalDate.of(9999, 12, 31), rs.getObject(4, LocalDate.class), url);
            if (typedNested) {
                assertArrayEquals(new Object[] {Timestamp.valueOf(low), Timestamp.valueOf(high)},
                        (Object[]) rs.getArray(5).getArray(), url);
                assertEquals(Arrays.<Object>asList(Timestamp.valueOf(low), Timestamp.valueOf(high)),
                        Arrays.asList(rs.getObject(6, java.sql.Struct.class).getAttributes()), url);
            }
        }
        return seen;
    }

    @Test
    void yearsOneAndNineThousandNineHundredNinetyNineAreExactThroughEveryFetcher() throws Exception {
        String s3 = "S3Endpoint=" + athena.endpoint();
        List<String> api = read(athena.url("ResultFetcher=GetQueryResults"), false);
        assertEquals(Arrays.asList(LOW, HIGH, "0001-01-01", "9999-12-31",
                "[" + LOW + ", " + HIGH + "]", "{lo=" + LOW + ", hi=" + HIGH + "}"), api);
        athena.clearCalls();
        assertEquals(api, read(athena.url(s3 + ";ResultFetcher=S3"), false), "S3 result file");
        assertTrue(athena.callCount("GetObject") >= 1, "rows came from the S3 file");
        athena.clearCalls();
        assertEquals(api, read(athena.url(s3 + ";Unload=true"), true), "UNLOAD (INT96)");
        assertEquals(0, athena.callCount("GetQueryResults"), "rows came from the UNLOAD's Parquet files");
    }
}
