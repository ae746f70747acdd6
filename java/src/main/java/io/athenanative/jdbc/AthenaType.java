package io.athenanative.jdbc;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * An Athena (Trino) type name read into its parts: {@code array(integer)},
 * {@code map(varchar, bigint)}, {@code row(x integer, y varchar)},
 * {@code decimal(10,2)}. Element types of arrays, maps and rows are children;
 * a row's field names are kept beside them.
 */
final class AthenaType {
    final String text;
    final String base;
    final List<AthenaType> children;
    final List<String> fieldNames;

    private AthenaType(String text, String base, List<AthenaType> children, List<String> fieldNames) {
        this.text = text;
        this.base = base;
        this.children = children;
        this.fieldNames = fieldNames;
    }

    static AthenaType parse(String type) {
        String t = type.trim();
        int open = t.indexOf('(');
        if (open < 0 || !t.endsWith(")")) {
            return new AthenaType(t, withoutParameters(t), Collections.<AthenaType>emptyList(),
                    Collections.<String>emptyList());
        }
        String base = t.substring(0, open).trim().toLowerCase(Locale.ROOT);
        List<String> parts = splitTopLevel(t.substring(open + 1, t.length() - 1));
        List<AthenaType> children = new ArrayList<AthenaType>();
        List<String> names = new ArrayList<String>();
        if (base.equals("array") || base.equals("map")) {
            for (String part : parts) {
                children.add(parse(part));
            }
        } else if (base.equals("row")) {
            for (String part : parts) {
                String p = part.trim();
                int space = p.indexOf(' ');
                names.add(space < 0 ? p : p.substring(0, space));
                children.add(parse(space < 0 ? "varchar" : p.substring(space + 1)));
            }
        }
        return new AthenaType(t, base, children, names);
    }

    /**
     * {@code timestamp(3) with time zone} → {@code timestamp with time zone}: the name without its
     * parameters, lower case, single spaces (as the core's types.rs base_type).
     */
    private static String withoutParameters(String type) {
        StringBuilder out = new StringBuilder(type.length());
        int depth = 0;
        for (int i = 0; i < type.length(); i++) {
            char c = type.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (depth == 0) {
                out.append(c);
            }
        }
        return out.toString().trim().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }

    /** Splits at commas outside parentheses. */
    static List<String> splitTopLevel(String text) {
        List<String> out = new ArrayList<String>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                out.add(text.substring(start, i));
                start = i + 1;
            }
        }
        out.add(text.substring(start));
        return out;
    }

    /** The java.sql.Types constant of this type. */
    int jdbcType() {
        switch (base) {
            case "boolean":
                return java.sql.Types.BOOLEAN;
            case "tinyint":
                return java.sql.Types.TINYINT;
            case "smallint":
                return java.sql.Types.SMALLINT;
            case "integer":
            case "int":
                return java.sql.Types.INTEGER;
            case "bigint":
                return java.sql.Types.BIGINT;
            case "real":
            case "float":
                return java.sql.Types.REAL;
            case "double":
                return java.sql.Types.DOUBLE;
            case "decimal":
                return java.sql.Types.DECIMAL;
            case "varchar":
            case "char":
            case "json":
                return java.sql.Types.VARCHAR;
            case "varbinary":
                return java.sql.Types.VARBINARY;
            case "date":
                return java.sql.Types.DATE;
            case "timestamp":
                return java.sql.Types.TIMESTAMP;
            case "timestamp with time zone":
                return java.sql.Types.TIMESTAMP_WITH_TIMEZONE;
            case "array":
                return java.sql.Types.ARRAY;
            case "row":
                return java.sql.Types.STRUCT;
            default:
                return java.sql.Types.OTHER;
        }
    }
}
