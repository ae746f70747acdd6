package io.athenanative.jdbc.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/** Spring's JdbcTemplate (spring-jdbc from Maven Central) with bound parameters of several types. */
class JdbcTemplateTest extends OwnAthena {
    private static final String SOURCE = "java/src/test/java/io/athenanative/jdbc/clients/JdbcTemplateTest.java";

    private static JdbcTemplate jdbc;

    @BeforeAll
    static void template() {
        jdbc = new JdbcTemplate(new DriverManagerDataSource(athena.url()));
    }

    @Test
    void theReadmeSnippetWorksAsWritten() throws Exception {
        String url = athena.url();
        // README:begin
        JdbcTemplate jdbc = new JdbcTemplate(new DriverManagerDataSource(url));
        Long paris = jdbc.queryForObject("SELECT count(*) FROM cities WHERE name = ?", Long.class, "Paris");
        List<String> names = jdbc.queryForList(
                "SELECT name FROM cities WHERE country <> ? AND population > ? AND founded < ? ORDER BY name",
                String.class, "Germany", 2000000, java.sql.Date.valueOf("1920-01-01"));
        // README:end
        assertEquals(Long.valueOf(1), paris);
        assertEquals(Arrays.asList("Paris", "Rome", "Vienna"), names);

        String source = new String(Files.readAllBytes(Paths.get(SOURCE)), StandardCharsets.UTF_8);
        String snippet = source.substring(source.indexOf("// README:begin\n") + 16, source.indexOf("        // README:end"));
        String readme = new String(Files.readAllBytes(Paths.get("README.md")), StandardCharsets.UTF_8);
        assertTrue(readme.contains(snippet.replaceAll("(?m)^ {8}", "")), "README.md shows, as written:\n" + snippet);
    }

    @Test
    void countByABoundString() {
        assertEquals(Long.valueOf(1), count("SELECT count(*) FROM cities WHERE name = ?", "Paris"));
        assertEquals(Long.valueOf(0), count("SELECT count(*) FROM cities WHERE name = ?", "paris"));
        assertEquals(Long.valueOf(0), count("SELECT count(*) FROM cities WHERE name = ?", "Paris' OR 'a' = 'a"));
        assertEquals(Long.valueOf(8), count("SELECT count(*) FROM cities WHERE ? IS NULL", (Object) null));
    }

    @Test
    void parametersOfSeveralTypes() {
        // BigDecimal, Boolean, Integer, LocalDate, Long, String and java.sql.Date, as Spring binds each.
        List<String> names = jdbc.queryForList(
                "SELECT name FROM cities WHERE population * 1.0 > ? AND (? OR id = ?) AND founded >= ? ORDER BY id",
                String.class, new BigDecimal("2500000.5"), Boolean.FALSE, 4, LocalDate.of(1850, 1, 1));
        assertEquals(Collections.singletonList("Rome"), names);
        List<Map<String, Object>> rows = jdbc.queryForList(
                "SELECT name, population, founded FROM cities WHERE country IN (?, ?) AND population BETWEEN ? AND ?"
                        + " AND founded > ? ORDER BY population DESC",
                "Austria", "Norway", 700000L, 3000000L, java.sql.Date.valueOf("1900-01-01"));
        assertEquals(2, rows.size(), rows.toString());
        assertEquals("Vienna", rows.get(0).get("name"));
        assertEquals(2005760L, rows.get(0).get("population"));
        assertEquals(java.sql.Date.valueOf("1918-11-12"), rows.get(0).get("founded"));
        assertEquals("Oslo", rows.get(1).get("name"));
    }

    @Test
    void namedParametersWithAList() {
        NamedParameterJdbcTemplate named = new NamedParameterJdbcTemplate(jdbc);
        Map<String, Object> parameters = new java.util.HashMap<String, Object>();
        parameters.put("names", Arrays.asList("Oslo", "Rome", "Atlantis"));
        parameters.put("least", 600000);
        Long total = named.queryForObject(
                "SELECT sum(population) FROM cities WHERE name IN (:names) AND population >= :least", parameters, Long.class);
        assertEquals(Long.valueOf(717710L + 2748109L), total);
    }

    @Test
    void updateInsertsWithBoundValuesAndReadsThemBack() {
        jdbc.execute("CREATE TABLE visits AS SELECT CAST(0 AS INTEGER) AS id, 'x' AS city,"
                + " TIMESTAMP '2024-01-01 00:00:00' AS at, CAST(0.5 AS DOUBLE) AS score FROM range(0)");
        Timestamp at = Timestamp.valueOf("2024-05-06 07:08:09.123");
        assertEquals(1, jdbc.update("INSERT INTO visits VALUES (?, ?, ?, ?)", 7, "O'Brien's town", at, 12.5));
        Map<String, Object> row = jdbc.queryForMap("SELECT id, city, at, score FROM visits WHERE city = ?", "O'Brien's town");
        assertEquals(7, row.get("id"));
        assertEquals("O'Brien's town", row.get("city"));
        assertEquals(at, row.get("at"));
        assertEquals(12.5, row.get("score"));
    }

    private static Long count(String sql, Object parameter) {
        return jdbc.queryForObject(sql, Long.class, parameter);
    }
}
