package io.athenanative.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Decodes the page vectors that rust/core/tests/page_vectors.rs encodes, value for value. */
class PageVectorsTest {
    private static byte[] resource(String name) throws IOException {
        try (InputStream in = PageVectorsTest.class.getResourceAsStream("/pages/" + name)) {
            assertNotNull(in, name);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] chunk = new byte[8192];
            int n;
            while ((n = in.read(chunk)) > 0) {
                out.write(chunk, 0, n);
            }
            return out.toByteArray();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"all_types", "fallbacks", "empty"})
    void everyValueDecodesToItsAthenaText(String name) throws Exception {
        checkPage(name, new String(resource(name + ".txt"), StandardCharsets.UTF_8), resource(name + ".page"));
    }

    /**
     * Decodes a page and checks it against its vector text (types, then tab-separated Athena text, \N
     * for NULL): every value reads back as its text; floating-point values, whose text Athena and Rust
     * may write differently, as the same number. Returns the rows checked.
     */
    static int checkPage(String name, String text, byte[] bytes) throws SQLException {
        String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        String[] lines = body.split("\n", -1);
        ByteBuffer direct = ByteBuffer.allocateDirect(Math.max(bytes.length, 1));
        direct.put(bytes);
        Page page = new Page(direct, bytes.length);
        String[] types = lines[0].split("\t", -1);
        assertEquals(types.length, page.columns(), name);
        int rows = 0;
        for (int r = 1; r < lines.length; r++) {
            String[] values = lines[r].split("\t", -1);
            assertEquals(types.length, values.length, name + " line " + r);
            for (int c = 0; c < types.length; c++) {
                ColumnInfo column = new ColumnInfo("c" + c, "c" + c, types[c], jdbcType(types[c]), 0, 0, 2);
                String where = name + " row " + rows + " column " + c + " " + types[c];
                if (values[c].equals("\\N")) {
                    assertTrue(page.isNull(c, rows), where + " is NULL");
                    continue;
                }
                String got = Values.string(page, c, rows, column);
                if (!got.equals(values[c]) && types[c].equals("real")) {
                    // What getFloat gives.
                    float number = (float) Values.floating(page, c, rows, column);
                    assertEquals(0, Float.compare(Float.parseFloat(values[c]), number), where + ": " + values[c]);
                } else if (!got.equals(values[c]) && types[c].equals("double")) {
                    double number = Values.floating(page, c, rows, column);
                    assertEquals(0, Double.compare(Double.parseDouble(values[c]), number), where + ": " + values[c]);
                } else {
                    assertEquals(values[c], got, where);
                }
            }
            rows++;
        }
        assertEquals(rows, page.rows(), name);
        return rows;
    }

    private static int jdbcType(String type) {
        return type.equals("real") ? java.sql.Types.REAL : java.sql.Types.OTHER;
    }

    /** Exact nested values (JSON) and a text-form array, from nested.page. */
    @Test
    void nestedValuesDecodeToAthenaTextAndJavaValues() throws Exception {
        byte[] bytes = resource("nested.page");
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length);
        direct.put(bytes);
        Page page = new Page(direct, bytes.length);
        String[] types = {"array(integer)", "map(varchar, integer)", "row(x integer, y varchar)", "array"};
        int[] jdbc = {java.sql.Types.ARRAY, java.sql.Types.OTHER, java.sql.Types.STRUCT, java.sql.Types.ARRAY};
        int[] encodings = {Page.JSON, Page.JSON, Page.JSON, Page.TEXT};
        String[][] texts = {
            {"[1, null, 3]", "{a=1, b=null}", "{x=1, y=a, \"b\"}", "[1, null, 3]"},
            {"[]", "{}", "{x=null, y=null}", "[]"},
        };
        assertEquals(3, page.rows());
        for (int c = 0; c < types.length; c++) {
            assertEquals(encodings[c], page.encoding(c), types[c]);
            ColumnInfo column = new ColumnInfo("c" + c, "c" + c, types[c], jdbc[c], 0, 0, 2);
            for (int r = 0; r < texts.length; r++) {
                assertEquals(texts[r][c], Values.string(page, c, r, column), types[c] + " row " + r);
            }
            assertTrue(page.isNull(c, 2));
        }
        java.sql.Array exact = (java.sql.Array) ComplexValues.fromJson(page.text(0, 0), types[0]);
        assertEquals("integer", exact.getBaseTypeName());
        assertEquals(java.util.Arrays.asList(1, null, 3), java.util.Arrays.asList((Object[]) exact.getArray()));
        java.util.Map<?, ?> map = (java.util.Map<?, ?>) ComplexValues.fromJson(page.text(1, 0), types[1]);
        assertEquals(1, map.get("a"));
        assertTrue(map.containsKey("b") && map.get("b") == null);
        java.sql.Struct row = (java.sql.Struct) ComplexValues.fromJson(page.text(2, 0), types[2]);
        assertEquals(java.util.Arrays.asList(1, "a, \"b\""), java.util.Arrays.asList(row.getAttributes()));
        java.sql.Array text = ComplexValues.arrayFromText(page.text(3, 0));
        assertEquals(java.util.Arrays.asList("1", null, "3"), java.util.Arrays.asList((Object[]) text.getArray()));
        assertEquals(java.util.Arrays.asList("3"), java.util.Arrays.asList((Object[]) text.getArray(3, 1)));
        assertThrows(SQLException.class, () -> text.getArray(3, 2));
        assertThrows(java.sql.SQLFeatureNotSupportedException.class, text::getResultSet);
    }

    @Test
    void aForeignOrTruncatedPageIsRefused() throws Exception {
        byte[] bytes = resource("all_types.page");
        ByteBuffer truncated = ByteBuffer.allocateDirect(bytes.length);
        truncated.put(bytes);
        assertThrows(SQLException.class, () -> new Page(truncated, bytes.length - 3));
        ByteBuffer foreign = ByteBuffer.allocateDirect(16);
        assertThrows(SQLException.class, () -> new Page(foreign, 16));
    }
}
