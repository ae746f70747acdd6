package io.athenanative.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Calendar;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;

/** The facade's SQL text handling on its own: placeholders, where their values go, literals, escapes. */
class SqlTextTest {
    @Test
    void placeholdersOutsideLiteralsIdentifiersAndComments() {
        String sql = "SELECT '?', \"a?\", `b?`, ? -- ?\n /* ? */ FROM t WHERE x = ? AND y = 'it''s ?'";
        int[] at = SqlText.placeholders(sql);
        assertEquals(2, at.length);
        assertEquals('?', sql.charAt(at[0]));
        assertTrue(sql.substring(at[1] - 4, at[1]).equals("x = "));
    }

    @Test
    void onlyPlaceholdersInAWhereClauseOfADmlStatementAreExecutionParameters() {
        PreparedSql select = new PreparedSql(
                "SELECT ?, CAST(? AS INTEGER) FROM t WHERE a = ? AND b IN (?, lower(?)) AND c IN (SELECT x FROM u WHERE y = ?) "
                        + "GROUP BY 1 HAVING count(*) > ? LIMIT ?");
        assertArrayEquals(new boolean[] {false, false, true, true, true, true, false, false}, select.executionParameter);
        String[] literals = {"1", "2", "3", "4", "5", "6", "7", "8"};
        assertEquals("SELECT 1, CAST(2 AS INTEGER) FROM t WHERE a = ? AND b IN (?, lower(?)) AND c IN (SELECT x FROM u WHERE y = ?) "
                + "GROUP BY 1 HAVING count(*) > 7 LIMIT 8", select.text(literals));
        assertArrayEquals(new String[] {"3", "4", "5", "6"}, select.executionParameters(literals));
        PreparedSql show = new PreparedSql("SHOW TABLES IN db LIKE ?");
        assertArrayEquals(new boolean[] {false}, show.executionParameter);
        PreparedSql ddl = new PreparedSql("CREATE VIEW v AS SELECT * FROM t WHERE a = ?");
        assertArrayEquals(new boolean[] {false}, ddl.executionParameter);
        PreparedSql ctas = new PreparedSql("CREATE TABLE n AS SELECT * FROM t WHERE a = ?");
        assertArrayEquals(new boolean[] {true}, ctas.executionParameter);
        PreparedSql join = new PreparedSql("SELECT * FROM a JOIN b ON a.id = b.id AND b.k = ? WHERE a.v = ?");
        assertArrayEquals(new boolean[] {false, true}, join.executionParameter);
    }

    @Test
    void aNegativeNumberAfterAMinusIsNeverAComment() {
        PreparedSql sql = new PreparedSql("SELECT a-? FROM t WHERE b = c-?");
        assertEquals("SELECT a- -5 FROM t WHERE b = c-?", sql.text(new String[] {"-5", "-3"}));
        assertEquals("INSERT INTO t VALUES (1- -2)", new PreparedSql("INSERT INTO t VALUES (1-?)").beforeTuple()
                + new PreparedSql("INSERT INTO t VALUES (1-?)").tuple(new String[] {"-2"}));
        assertTrue(new PreparedSql("ALTER TABLE t ADD PARTITION (p = ?)").hive);
        assertFalse(new PreparedSql("CREATE VIEW v AS SELECT ?").hive);
        assertFalse(new PreparedSql("SELECT ?").hive);
    }

    @Test
    void aSingleRowInsertIsFoundForBatches() {
        PreparedSql insert = new PreparedSql("INSERT INTO t (a, b) VALUES (?, lower(?)) ;");
        assertTrue(insert.isSingleRowInsert());
        assertEquals("INSERT INTO t (a, b) VALUES ", insert.beforeTuple());
        assertEquals("(1, lower('x'))", insert.tuple(new String[] {"1", "'x'"}));
        assertEquals(" ;", insert.afterTuple());
        assertFalse(new PreparedSql("INSERT INTO t VALUES (?), (?)").isSingleRowInsert());
        assertFalse(new PreparedSql("INSERT INTO t SELECT * FROM u WHERE a = ?").isSingleRowInsert());
        assertFalse(new PreparedSql("INSERT INTO t VALUES (1) -- ?").isSingleRowInsert());
    }

    @Test
    void literalsAreTypedAndEscaped() throws SQLException {
        assertEquals("'it''s'", SqlLiterals.string("it's"));
        assertEquals("NULL", SqlLiterals.string(null));
        assertEquals("DECIMAL '0.00000001'", SqlLiterals.decimal(new BigDecimal("1E-8")));
        assertEquals("DOUBLE 'NaN'", SqlLiterals.dbl(Double.NaN));
        assertEquals("X'00FF10'", SqlLiterals.binary(new byte[] {0, -1, 16}));
        assertEquals("TIMESTAMP '2024-01-31 12:34:56.000'", SqlLiterals.of(LocalDateTime.of(2024, 1, 31, 12, 34, 56)));
        assertEquals("TIMESTAMP '2024-01-31 12:34:56.123456'", SqlLiterals.of(Timestamp.valueOf("2024-01-31 12:34:56.123456")));
        assertEquals("TIMESTAMP '2024-01-31 12:00:00.000 +02:00'",
                SqlLiterals.of(OffsetDateTime.of(2024, 1, 31, 12, 0, 0, 0, ZoneOffset.ofHours(2))));
        assertEquals("ARRAY[1, 'a', NULL]", SqlLiterals.of(new Object[] {1, "a", null}));
        assertEquals("TRUE", SqlLiterals.of("1", Types.BOOLEAN, 0));
        assertEquals("DECIMAL '2.50'", SqlLiterals.of(2.5, Types.DECIMAL, 2));
        Calendar utc = Calendar.getInstance(TimeZone.getTimeZone("UTC"));
        Timestamp epoch = new Timestamp(0);
        assertEquals("TIMESTAMP '1970-01-01 00:00:00.000'", SqlLiterals.timestamp(epoch, utc));
        assertThrows(SQLException.class, () -> SqlLiterals.of(new Object()));
        assertEquals("22003", assertThrows(SQLException.class, () -> SqlLiterals.of("1.5", Types.INTEGER, 0)).getSQLState());
    }

    @Test
    void escapesNestAndLeaveLiteralsAlone() throws SQLException {
        assertEquals("SELECT upper(concat(a, 'b{fn x}'))", JdbcEscapes.translate("SELECT {fn ucase({fn concat(a, 'b{fn x}')})}"));
        assertEquals("SELECT strpos(s, 'x'), date_add('day', 1, ts), CAST(n AS VARCHAR)",
                JdbcEscapes.translate("SELECT {fn locate('x', s)}, {fn timestampadd(SQL_TSI_DAY, 1, ts)}, {fn convert(n, SQL_VARCHAR)}"));
        assertEquals("SELECT current_date, current_timestamp", JdbcEscapes.translate("SELECT {fn curdate()}, {fn now()}"));
        assertEquals("a -- {d }\n", JdbcEscapes.translate("a -- {d }\n"));
        assertEquals("42000", assertThrows(SQLException.class, () -> JdbcEscapes.translate("SELECT {d '2024-01-01'")).getSQLState());
        String pattern = "SELECT * FROM t MATCH_RECOGNIZE (PATTERN (A{2,} B{- C -}) DEFINE A AS {fn ucase(x)} = 'X')";
        assertEquals("SELECT * FROM t MATCH_RECOGNIZE (PATTERN (A{2,} B{- C -}) DEFINE A AS upper(x) = 'X')",
                JdbcEscapes.translate(pattern));
        assertEquals("SELECT current_user, current_schema, (day_of_week(d) % 7 + 1)",
                JdbcEscapes.translate("SELECT {fn user()}, {fn database()}, {fn dayofweek(d)}"));
        assertEquals("0A000", assertThrows(SQLException.class,
                () -> JdbcEscapes.translate("{fn timestampadd(SQL_TSI_FRAC_SECOND, 1, ts)}")).getSQLState());
        assertEquals("0A000", assertThrows(SQLException.class, () -> JdbcEscapes.translate("{? = call f(?)}")).getSQLState());
    }
}
