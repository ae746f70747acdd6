package io.athenanative.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.sources.And;
import org.apache.spark.sql.sources.EqualNullSafe;
import org.apache.spark.sql.sources.EqualTo;
import org.apache.spark.sql.sources.GreaterThan;
import org.apache.spark.sql.sources.GreaterThanOrEqual;
import org.apache.spark.sql.sources.In;
import org.apache.spark.sql.sources.IsNotNull;
import org.apache.spark.sql.sources.IsNull;
import org.apache.spark.sql.sources.LessThan;
import org.apache.spark.sql.sources.LessThanOrEqual;
import org.apache.spark.sql.sources.Not;
import org.apache.spark.sql.sources.Or;
import org.apache.spark.sql.sources.StringContains;
import org.apache.spark.sql.sources.StringStartsWith;
import org.junit.jupiter.api.Test;

/** Spark's filters as Athena SQL where the meaning is exactly Spark's; the rest stay in Spark (null). */
class SparkAthenaFiltersTest {
    private static final FilterSql FILTERS;

    static {
        Map<String, AthenaColumn> columns = new LinkedHashMap<String, AthenaColumn>();
        String[][] table = {{"id", "bigint"}, {"n", "integer"}, {"name", "varchar"}, {"amount", "decimal(10,2)"},
                {"day", "date"}, {"at", "timestamp"}, {"zoned", "timestamp with time zone"}, {"ratio", "double"},
                {"flag", "boolean"}, {"code", "char(3)"}, {"tags", "array(varchar)"}, {"a.b", "integer"},
                {"we\"ird", "integer"}, {"clock", "time"}};
        for (String[] c : table) {
            columns.put(c[0], AthenaColumn.of(c[0], TypeText.parse(c[1])));
        }
        FILTERS = new FilterSql(columns);
    }

    @Test
    void comparisonsOfExactTypesRunInAthena() {
        assertEquals("\"id\" = 42", FILTERS.sql(new EqualTo("id", 42L)));
        assertEquals("\"n\" > -7", FILTERS.sql(new GreaterThan("n", -7)));
        assertEquals("\"n\" >= 0", FILTERS.sql(new GreaterThanOrEqual("n", 0)));
        assertEquals("\"id\" < 9223372036854775807", FILTERS.sql(new LessThan("id", Long.MAX_VALUE)));
        assertEquals("\"name\" <= 'O''Brien'", FILTERS.sql(new LessThanOrEqual("name", "O'Brien")));
        assertEquals("\"amount\" = DECIMAL '12.50'", FILTERS.sql(new EqualTo("amount", new BigDecimal("12.50"))));
        assertEquals("\"day\" >= DATE '2024-02-29'", FILTERS.sql(new GreaterThanOrEqual("day", LocalDate.of(2024, 2, 29))));
        assertEquals("\"day\" = DATE '2024-02-29'", FILTERS.sql(new EqualTo("day", java.sql.Date.valueOf("2024-02-29"))));
        assertEquals("\"at\" < TIMESTAMP '2024-01-31 12:34:56.789'",
                FILTERS.sql(new LessThan("at", LocalDateTime.of(2024, 1, 31, 12, 34, 56, 789_000_000))));
        assertEquals("\"at\" = TIMESTAMP '2024-01-31 00:00:00.000123'",
                FILTERS.sql(new EqualTo("at", LocalDateTime.of(2024, 1, 31, 0, 0, 0, 123_000))));
        assertEquals("\"flag\" = true", FILTERS.sql(new EqualTo("flag", true)));
        assertEquals("\"we\"\"ird\" = 1", FILTERS.sql(new EqualTo("`we\"ird`", 1)));
        assertEquals("\"a.b\" = 1", FILTERS.sql(new EqualTo("`a.b`", 1)));
    }

    @Test
    void nullsInAndLogicKeepSparksMeaning() {
        assertEquals("\"ratio\" IS NULL", FILTERS.sql(new IsNull("ratio")));
        assertEquals("\"tags\" IS NOT NULL", FILTERS.sql(new IsNotNull("tags")));
        assertEquals("\"n\" IN (1, 2, NULL)", FILTERS.sql(new In("n", new Object[] {1, 2, null})));
        assertEquals("\"name\" IS NOT DISTINCT FROM 'x'", FILTERS.sql(new EqualNullSafe("name", "x")));
        assertEquals("\"name\" IS NULL", FILTERS.sql(new EqualNullSafe("name", null)));
        assertEquals("((\"n\" > 1 AND \"n\" < 5) OR (NOT \"name\" = 'a'))", FILTERS.sql(new Or(
                new And(new GreaterThan("n", 1), new LessThan("n", 5)), new Not(new EqualTo("name", "a")))));
        assertEquals("starts_with(\"name\", '50%_o''k')", FILTERS.sql(new StringStartsWith("name", "50%_o'k")));
    }

    @Test
    void whatAthenaWouldMeanDifferentlyStaysInSpark() {
        // NaN: equal to itself and the largest in Spark, unordered in Athena.
        assertNull(FILTERS.sql(new GreaterThan("ratio", 1.5)));
        assertNull(FILTERS.sql(new EqualTo("ratio", 1.5)));
        // char(n) pads; a converted column compares its UTC text or its instant.
        assertNull(FILTERS.sql(new EqualTo("code", "ab")));
        assertNull(FILTERS.sql(new EqualTo("zoned", java.time.Instant.EPOCH)));
        assertNull(FILTERS.sql(new EqualTo("clock", "12:00:00")));
        // Nested fields, unknown columns, literals of another class, null comparisons, an empty IN.
        assertNull(FILTERS.sql(new EqualTo("a.b", 1)));
        assertNull(FILTERS.sql(new EqualTo("missing", 1)));
        assertNull(FILTERS.sql(new EqualTo("n", "1")));
        assertNull(FILTERS.sql(new EqualTo("amount", 12.5)));
        assertNull(FILTERS.sql(new EqualTo("n", null)));
        assertNull(FILTERS.sql(new In("n", new Object[0])));
        assertNull(FILTERS.sql(new StringContains("name", "x")));
        assertNull(FILTERS.sql(new EqualTo("day", LocalDate.of(1500, 1, 1))), "Julian-calendar dates");
        // A compound is pushed whole or not at all.
        assertNull(FILTERS.sql(new Or(new EqualTo("n", 1), new EqualTo("ratio", 1.0))));
        assertNull(FILTERS.sql(new Not(new GreaterThan("ratio", 0.0))));
    }

    @Test
    void theSelectAndItsCountCarryColumnsFiltersAndLimit() {
        assertEquals("SELECT \"id\", \"name\" FROM db.t WHERE \"id\" > 5 AND (\"n\" = 1 OR \"n\" = 2) LIMIT 10",
                SqlText.select(Arrays.asList("\"id\"", "\"name\""), SqlText.source(" db.t ", null),
                        Arrays.asList("\"id\" > 5", "(\"n\" = 1 OR \"n\" = 2)"), 10));
        assertEquals("SELECT \"x\" FROM (\nSELECT 1 AS x -- one\n) t",
                SqlText.select(Collections.singletonList("\"x\""), SqlText.source(null, "SELECT 1 AS x -- one ;; "),
                        Collections.<String>emptyList(), -1));
        assertEquals("SELECT count(*) FROM db.t WHERE \"id\" > 5",
                SqlText.count("db.t", Collections.singletonList("\"id\" > 5"), -1));
        assertEquals("SELECT count(*) FROM (SELECT 1 AS one FROM db.t LIMIT 3) c",
                SqlText.count("db.t", Collections.<String>emptyList(), 3));
    }

    @Test
    void sparksColumnReferencesAreTopLevelOnlyWhenOnePart() {
        assertEquals("id", FilterSql.topLevelName("id"));
        assertEquals("a.b", FilterSql.topLevelName("`a.b`"));
        assertEquals("x`y", FilterSql.topLevelName("`x``y`"));
        assertNull(FilterSql.topLevelName("s.a"));
        assertNull(FilterSql.topLevelName("`s`.a"));
        assertNull(FilterSql.topLevelName("`unterminated"));
    }
}
