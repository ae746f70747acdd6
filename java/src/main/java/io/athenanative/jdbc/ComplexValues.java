package io.athenanative.jdbc;

import java.math.BigDecimal;
import java.sql.Date;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Arrays, maps and rows as Java values. Exact when the column's type names its
 * element types and the values came as JSON (UNLOAD); from Athena's text form
 * otherwise, where only arrays are read, their elements as strings.
 */
final class ComplexValues {
    private ComplexValues() {
    }

    /** A JSON value (page encoding 8) as a query's ResultSet gives it (java.sql's dates and timestamps). */
    static Object fromJson(String json, String athenaType) throws SQLException {
        return fromJson(json, athenaType, false);
    }

    /**
     * A JSON value (page encoding 8) as java.sql.Array, java.util.Map, java.sql.Struct or a scalar. With
     * {@code javaTime}, dates and timestamps inside are LocalDate and LocalDateTime: java.sql's classes
     * hold a local time of the JVM's zone, which cannot hold one that zone skips (a DST gap).
     */
    static Object fromJson(String json, String athenaType, boolean javaTime) throws SQLException {
        return convert(Json.parse(json), AthenaType.parse(athenaType), javaTime);
    }

    private static Object convert(Object value, AthenaType type, boolean javaTime) throws SQLException {
        if (value == null) {
            return null;
        }
        switch (type.base) {
            case "array": {
                AthenaType element = child(type, 0);
                List<?> items = (List<?>) expect(value, List.class, type);
                Object[] out = new Object[items.size()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = convert(items.get(i), element, javaTime);
                }
                return new AthenaArray(element.text, element.jdbcType(), out);
            }
            case "map": {
                Map<Object, Object> out = new LinkedHashMap<Object, Object>();
                for (Object pair : (List<?>) expect(value, List.class, type)) {
                    List<?> kv = (List<?>) expect(pair, List.class, type);
                    if (kv.size() != 2) {
                        throw new SQLException("A map entry of type " + type.text + " is not a [key, value] pair", "XX000");
                    }
                    out.put(convert(kv.get(0), child(type, 0), javaTime), convert(kv.get(1), child(type, 1), javaTime));
                }
                return out;
            }
            case "row": {
                Map<?, ?> fields = (Map<?, ?>) expect(value, Map.class, type);
                Object[] attributes = new Object[type.children.size()];
                for (int i = 0; i < attributes.length; i++) {
                    attributes[i] = convert(fields.get(type.fieldNames.get(i)), type.children.get(i), javaTime);
                }
                return new AthenaStruct(type.text, attributes);
            }
            case "date":
                return javaTime ? java.time.LocalDate.parse(value.toString()) : scalar(value.toString(), type);
            case "timestamp":
                return javaTime ? java.time.LocalDateTime.parse(value.toString().replace(' ', 'T'))
                        : scalar(value.toString(), type);
            default:
                return scalar(value.toString(), type);
        }
    }

    private static AthenaType child(AthenaType type, int index) {
        return index < type.children.size() ? type.children.get(index) : AthenaType.parse("varchar");
    }

    private static Object expect(Object value, Class<?> kind, AthenaType type) throws SQLException {
        if (!kind.isInstance(value)) {
            throw new SQLException("A value of type " + type.text + " does not have that type's shape", "XX000");
        }
        return value;
    }

    /** A scalar in its Athena text form, as the Java class getObject gives for that type. */
    private static Object scalar(String text, AthenaType type) throws SQLException {
        try {
            switch (type.base) {
                case "boolean":
                    return Boolean.valueOf(text);
                case "tinyint":
                case "smallint":
                case "integer":
                case "int":
                    return Integer.valueOf(text);
                case "bigint":
                    return Long.valueOf(text);
                case "double":
                    return Double.valueOf(text);
                case "real":
                case "float":
                    return Float.valueOf(text);
                case "decimal":
                    return new BigDecimal(text);
                case "date":
                    return Date.valueOf(text);
                case "timestamp":
                    return Timestamp.valueOf(text);
                case "timestamp with time zone":
                    return TimestampWithTimeZone.parse(text).offsetDateTime();
                case "varbinary":
                    return Values.parseHexPairs(text);
                default:
                    return text;
            }
        } catch (IllegalArgumentException | java.time.DateTimeException e) {
            throw new SQLException("'" + text + "' is not a value of type " + type.text, "22018", e);
        }
    }

    /** Athena's text form of a JSON nested value: {@code [1, 2]}, {@code {a=1}}, {@code {x=1, y=a}}. */
    static String textFromJson(String json, String athenaType) throws SQLException {
        StringBuilder out = new StringBuilder();
        text(Json.parse(json), AthenaType.parse(athenaType), out);
        return out.toString();
    }

    private static void text(Object value, AthenaType type, StringBuilder out) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof List && type.base.equals("map")) {
            out.append('{');
            String separator = "";
            for (Object pair : (List<?>) value) {
                List<?> kv = (List<?>) pair;
                out.append(separator);
                text(kv.get(0), child(type, 0), out);
                out.append('=');
                text(kv.size() > 1 ? kv.get(1) : null, child(type, 1), out);
                separator = ", ";
            }
            out.append('}');
        } else if (value instanceof List) {
            out.append('[');
            String separator = "";
            for (Object item : (List<?>) value) {
                out.append(separator);
                text(item, child(type, 0), out);
                separator = ", ";
            }
            out.append(']');
        } else if (value instanceof Map) {
            out.append('{');
            String separator = "";
            int i = 0;
            for (Map.Entry<?, ?> field : ((Map<?, ?>) value).entrySet()) {
                out.append(separator).append(field.getKey()).append('=');
                text(field.getValue(), child(type, i++), out);
                separator = ", ";
            }
            out.append('}');
        } else {
            out.append(value);
        }
    }

    /**
     * An array read from Athena's text form ({@code [a, b]}), as GetQueryResults
     * and the result file give it. Elements are strings: the text does not say
     * their type, a {@code null} element cannot be told from the string
     * "null", and a string element holding ", " or brackets cannot be told
     * from several elements. UNLOAD mode gives exact arrays.
     */
    static AthenaArray arrayFromText(String text) throws SQLException {
        String t = text.trim();
        if (!t.startsWith("[") || !t.endsWith("]")) {
            throw new SQLException("'" + text + "' is not an array in Athena's text form", "22018");
        }
        String body = t.substring(1, t.length() - 1);
        List<Object> items = new ArrayList<Object>();
        if (!body.isEmpty()) {
            int depth = 0;
            int start = 0;
            for (int i = 0; i < body.length(); i++) {
                char c = body.charAt(i);
                if (c == '[' || c == '{') {
                    depth++;
                } else if (c == ']' || c == '}') {
                    depth--;
                } else if (depth == 0 && c == ',' && i + 1 < body.length() && body.charAt(i + 1) == ' ') {
                    items.add(element(body.substring(start, i)));
                    start = i + 2;
                    i++;
                }
            }
            items.add(element(body.substring(start)));
        }
        return new AthenaArray("varchar", java.sql.Types.VARCHAR, items.toArray());
    }

    private static Object element(String text) {
        return text.equals("null") ? null : text;
    }
}
