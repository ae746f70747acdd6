package io.athenanative.spark;

import java.util.List;

/** Athena (Trino) SQL text: quoted identifiers and literals, and the scan's SELECT. */
final class SqlText {
    private SqlText() {
    }

    /** {@code "name"}, a quote inside doubled. */
    static String identifier(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /** {@code 'text'}, a quote inside doubled. */
    static String string(String text) {
        return '\'' + text.replace("'", "''") + '\'';
    }

    /**
     * What the SELECT reads from: the table as the user named it, or the query as a subquery (on lines
     * of its own, so a trailing {@code --} comment ends before the parenthesis; a trailing semicolon,
     * which a subquery cannot have, dropped).
     */
    static String source(String dbtable, String query) {
        if (dbtable != null) {
            return dbtable.trim();
        }
        String q = query.trim();
        while (q.endsWith(";")) {
            q = q.substring(0, q.length() - 1).trim();
        }
        return "(\n" + q + "\n) t";
    }

    /** {@code SELECT <columns> FROM <source> [WHERE <filters>] [LIMIT n]}. */
    static String select(List<String> columns, String source, List<String> filters, int limit) {
        StringBuilder sql = new StringBuilder("SELECT ");
        sql.append(String.join(", ", columns));
        sql.append(" FROM ").append(source);
        where(sql, filters);
        if (limit >= 0) {
            sql.append(" LIMIT ").append(limit);
        }
        return sql.toString();
    }

    /** The rows {@link #select} would give, counted: {@code SELECT count(*) FROM ...}. */
    static String count(String source, List<String> filters, int limit) {
        if (limit < 0) {
            StringBuilder sql = new StringBuilder("SELECT count(*) FROM ").append(source);
            where(sql, filters);
            return sql.toString();
        }
        return "SELECT count(*) FROM (" + select(java.util.Collections.singletonList("1 AS one"), source, filters, limit)
                + ") c";
    }

    private static void where(StringBuilder sql, List<String> filters) {
        if (!filters.isEmpty()) {
            sql.append(" WHERE ");
            for (int i = 0; i < filters.size(); i++) {
                sql.append(i == 0 ? "" : " AND ").append(filters.get(i));
            }
        }
    }
}
