package io.athenanative.jdbc;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * JDBC escape syntax translated to Athena SQL: {@code {d '…'}}, {@code {t '…'}}, {@code {ts '…'}},
 * {@code {fn name(…)}}, {@code {escape '…'}}, {@code {oj …}} and {@code {limit n [offset m]}}. Braces
 * inside literals, quoted identifiers and comments, and braces that open no JDBC escape (row pattern
 * quantifiers such as {@code A{2,}}), are left alone; escapes may nest.
 */
final class JdbcEscapes {
    /** JDBC scalar functions whose Athena name differs; the others keep their name. */
    private static final Map<String, String> RENAMED = new HashMap<String, String>();

    static {
        RENAMED.put("UCASE", "upper");
        RENAMED.put("LCASE", "lower");
        RENAMED.put("IFNULL", "coalesce");
        RENAMED.put("SUBSTRING", "substr");
        RENAMED.put("CHAR_LENGTH", "length");
        RENAMED.put("CHARACTER_LENGTH", "length");
        RENAMED.put("LOG", "ln");
        RENAMED.put("CHAR", "chr");
        RENAMED.put("DAYOFMONTH", "day_of_month");
        RENAMED.put("DAYOFYEAR", "day_of_year");
    }

    private JdbcEscapes() {
    }

    static String translate(String sql) throws SQLException {
        if (sql.indexOf('{') < 0) {
            return sql;
        }
        StringBuilder out = new StringBuilder(sql.length());
        int end = translate(sql, 0, out, false);
        if (end < sql.length()) {
            throw syntax("unbalanced '}' at offset " + end, sql);
        }
        return out.toString();
    }

    /** Copies {@code sql} from {@code i}, translating escapes, until the end or (when nested) a closing brace. */
    private static int translate(String sql, int i, StringBuilder out, boolean nested) throws SQLException {
        while (i < sql.length()) {
            int after = SqlText.skipQuotedOrComment(sql, i);
            if (after != i) {
                out.append(sql, i, after);
                i = after;
                continue;
            }
            char c = sql.charAt(i);
            if (c == '}') {
                if (nested) {
                    return i;
                }
                out.append(c);
                i++;
            } else if (c == '{') {
                i = escape(sql, i, out);
            } else {
                out.append(c);
                i++;
            }
        }
        if (nested) {
            throw syntax("an escape opened with '{' is never closed", sql);
        }
        return i;
    }

    private static int escape(String sql, int open, StringBuilder out) throws SQLException {
        int i = open + 1;
        while (i < sql.length() && Character.isWhitespace(sql.charAt(i))) {
            i++;
        }
        int wordStart = i;
        while (i < sql.length() && Character.isLetter(sql.charAt(i))) {
            i++;
        }
        String keyword = sql.substring(wordStart, i).toLowerCase(Locale.ROOT);
        if (keyword.isEmpty() && i < sql.length() && sql.charAt(i) == '?') {
            throw Errors.unsupported("The {? = call} escape (Athena has no stored procedures)");
        }
        StringBuilder body = new StringBuilder();
        int close = translate(sql, i, body, true);
        String inner = body.toString().trim();
        switch (keyword) {
            case "d":
                out.append("DATE ").append(inner);
                break;
            case "t":
                out.append("TIME ").append(inner);
                break;
            case "ts":
                out.append("TIMESTAMP ").append(inner);
                break;
            case "escape":
                out.append("ESCAPE ").append(inner);
                break;
            case "oj":
                out.append(inner);
                break;
            case "fn":
                out.append(function(inner, sql));
                break;
            case "limit":
                out.append(limit(inner, sql));
                break;
            case "call":
                throw Errors.unsupported("The {call} escape (Athena has no stored procedures)");
            default:
                // Not a JDBC escape (a row pattern quantifier such as A{2,}, say): kept as written.
                out.append(sql, open, i).append(body).append('}');
        }
        return close + 1;
    }

    private static String function(String call, String sql) throws SQLException {
        int paren = call.indexOf('(');
        if (paren <= 0 || !call.endsWith(")")) {
            throw syntax("{fn} needs name(arguments), not '" + call + "'", sql);
        }
        String name = call.substring(0, paren).trim().toUpperCase(Locale.ROOT);
        String arguments = call.substring(paren + 1, call.length() - 1).trim();
        List<String> args = splitArguments(arguments);
        switch (name) {
            case "CURDATE":
            case "CURRENT_DATE":
                return "current_date";
            // Reserved words in Trino: no parentheses.
            case "DATABASE":
                return "current_schema";
            case "USER":
                return "current_user";
            case "DAYOFWEEK":
                // JDBC counts from Sunday = 1, Trino's day_of_week from Monday = 1.
                if (args.size() == 1) {
                    return "(day_of_week(" + args.get(0) + ") % 7 + 1)";
                }
                break;
            case "CURTIME":
            case "CURRENT_TIME":
                return "current_time";
            case "NOW":
            case "CURRENT_TIMESTAMP":
                return "current_timestamp";
            case "LOCATE":
                // LOCATE(needle, haystack) is strpos(haystack, needle).
                if (args.size() == 2) {
                    return "strpos(" + args.get(1) + ", " + args.get(0) + ")";
                }
                break;
            case "TIMESTAMPADD":
                if (args.size() == 3) {
                    return "date_add('" + interval(args.get(0), sql) + "', " + args.get(1) + ", " + args.get(2) + ")";
                }
                break;
            case "TIMESTAMPDIFF":
                if (args.size() == 3) {
                    return "date_diff('" + interval(args.get(0), sql) + "', " + args.get(1) + ", " + args.get(2) + ")";
                }
                break;
            case "CONVERT":
                if (args.size() == 2) {
                    String type = args.get(1).toUpperCase(Locale.ROOT);
                    type = type.startsWith("SQL_") ? type.substring(4) : type;
                    return "CAST(" + args.get(0) + " AS " + convertType(type) + ")";
                }
                break;
            default:
                String renamed = RENAMED.get(name);
                return (renamed != null ? renamed : name.toLowerCase(Locale.ROOT)) + "(" + arguments + ")";
        }
        throw syntax("{fn " + name + "} takes other arguments than '" + arguments + "'", sql);
    }

    private static String convertType(String jdbcType) {
        switch (jdbcType) {
            case "CHAR":
            case "VARCHAR":
            case "LONGVARCHAR":
            case "NVARCHAR":
                return "VARCHAR";
            case "FLOAT":
            case "DOUBLE":
                return "DOUBLE";
            case "NUMERIC":
                return "DECIMAL";
            case "BIT":
                return "BOOLEAN";
            case "BINARY":
            case "VARBINARY":
            case "LONGVARBINARY":
                return "VARBINARY";
            default:
                return jdbcType;
        }
    }

    private static String interval(String jdbcInterval, String sql) throws SQLException {
        String name = jdbcInterval.trim().toUpperCase(Locale.ROOT);
        name = name.startsWith("SQL_TSI_") ? name.substring(8) : name;
        switch (name) {
            case "FRAC_SECOND":
                // ODBC counts billionths of a second; Athena's smallest unit is the millisecond.
                throw Errors.unsupported("The SQL_TSI_FRAC_SECOND interval");
            case "SECOND":
            case "MINUTE":
            case "HOUR":
            case "DAY":
            case "WEEK":
            case "MONTH":
            case "QUARTER":
            case "YEAR":
                return name.toLowerCase(Locale.ROOT);
            default:
                throw syntax("unknown interval '" + jdbcInterval.trim() + "'", sql);
        }
    }

    private static String limit(String inner, String sql) throws SQLException {
        String[] words = inner.split("\\s+");
        if (words.length == 1) {
            return "LIMIT " + words[0];
        }
        if (words.length == 3 && words[1].equalsIgnoreCase("offset")) {
            // Athena (Trino) writes OFFSET before LIMIT.
            return "OFFSET " + words[2] + " LIMIT " + words[0];
        }
        throw syntax("{limit} takes 'rows [OFFSET skip]', not '" + inner + "'", sql);
    }

    /** Arguments split at top-level commas (not inside parentheses, literals or quoted names). */
    private static List<String> splitArguments(String arguments) {
        List<String> args = new ArrayList<String>();
        if (arguments.isEmpty()) {
            return args;
        }
        int depth = 0;
        int start = 0;
        int i = 0;
        while (i < arguments.length()) {
            int after = SqlText.skipQuotedOrComment(arguments, i);
            if (after != i) {
                i = after;
                continue;
            }
            char c = arguments.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                args.add(arguments.substring(start, i).trim());
                start = i + 1;
            }
            i++;
        }
        args.add(arguments.substring(start).trim());
        return args;
    }

    private static SQLException syntax(String problem, String sql) {
        String shown = sql.length() > 200 ? sql.substring(0, 200) + "…" : sql;
        return new SQLException("JDBC escape syntax: " + problem + " in: " + shown, "42000");
    }
}
