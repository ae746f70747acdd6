package io.athenanative.jdbc;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A prepared statement's SQL: its placeholders, how Athena can take each value, and, for
 * {@code INSERT … VALUES (…)}, where the row tuple is, so a batch becomes one multi-row INSERT.
 *
 * <p>AWS ("Use parameterized queries") allows ExecutionParameters only in SELECT, INSERT INTO, CTAS
 * and UNLOAD statements, and a {@code ?} only in a WHERE clause. A placeholder that meets both rules
 * is sent as an ExecutionParameter; any other (in a select list, VALUES, LIMIT, or a SHOW, DESCRIBE,
 * EXPLAIN or DDL statement) gets the same literal written into the text by the driver.
 */
final class PreparedSql {
    private static final Set<String> PARAMETERIZABLE =
            new HashSet<String>(Arrays.asList("SELECT", "WITH", "VALUES", "TABLE", "INSERT", "UNLOAD"));
    /** Keywords that open a clause; a placeholder belongs to the last one opened at its depth. */
    private static final Set<String> CLAUSES = new HashSet<String>(Arrays.asList("SELECT", "FROM", "WHERE", "GROUP", "HAVING",
            "ORDER", "LIMIT", "OFFSET", "FETCH", "VALUES", "ON", "JOIN", "UNION", "INTERSECT", "EXCEPT", "SET", "USING", "WINDOW",
            "WITH", "INTO"));

    /** Statements Athena parses as Hive DDL, where strings take backslash escapes and doubled quotes do not work. */
    private static final Set<String> HIVE = new HashSet<String>(Arrays.asList("ALTER", "MSCK", "DESCRIBE", "DESC", "SHOW"));

    final String text;
    final int[] placeholders;
    /** True when the statement is Hive DDL: a string value is bound only if it has no quote or backslash. */
    final boolean hive;
    /** Per placeholder: true when Athena takes it as an ExecutionParameter. */
    final boolean[] executionParameter;
    /** Offsets of the {@code (} and {@code )} of an INSERT's single VALUES tuple holding every placeholder; else -1. */
    final int tupleStart;
    final int tupleEnd;

    PreparedSql(String text) {
        this.text = text;
        this.placeholders = SqlText.placeholders(text);
        List<String> words = SqlText.leadingKeywords(text, 2);
        String first = words.isEmpty() ? "" : words.get(0);
        boolean ctas = first.equals("CREATE") && words.size() > 1 && words.get(1).equals("TABLE")
                && containsKeyword(text, "AS");
        this.executionParameter = PARAMETERIZABLE.contains(first) || ctas ? inWhereClause(text, placeholders)
                : new boolean[placeholders.length];
        boolean view = words.size() > 1 && (words.get(1).equals("VIEW") || words.get(1).equals("OR"));
        this.hive = HIVE.contains(first) || ((first.equals("CREATE") || first.equals("DROP")) && !view && !ctas);
        int[] tuple = first.equals("INSERT") ? valuesTuple(text) : null;
        if (tuple != null && placeholders.length > 0 && placeholders[0] > tuple[0]
                && placeholders[placeholders.length - 1] < tuple[1]) {
            tupleStart = tuple[0];
            tupleEnd = tuple[1];
        } else {
            tupleStart = -1;
            tupleEnd = -1;
        }
    }

    boolean isSingleRowInsert() {
        return tupleStart >= 0;
    }

    /** The text Athena gets: literals written in where it takes no ExecutionParameter, {@code ?} elsewhere. */
    String text(String[] literals) {
        return substitute(0, text.length(), literals, true);
    }

    /**
     * The text from {@code from} to {@code to} with each placeholder replaced by its literal, or kept as
     * {@code ?} where it goes as an ExecutionParameter and {@code keepParameters} is set.
     */
    private String substitute(int from, int to, String[] literals, boolean keepParameters) {
        StringBuilder out = new StringBuilder(to - from + 16 * literals.length);
        for (int k = 0; k < placeholders.length; k++) {
            if (placeholders[k] < from || placeholders[k] >= to) {
                continue;
            }
            out.append(text, from, placeholders[k]);
            SqlText.appendLiteral(out, keepParameters && executionParameter[k] ? "?" : literals[k]);
            from = placeholders[k] + 1;
        }
        return out.append(text, from, to).toString();
    }

    /** The ExecutionParameters, in order: the literals of the placeholders Athena takes. */
    String[] executionParameters(String[] literals) {
        List<String> sent = new java.util.ArrayList<String>();
        for (int k = 0; k < placeholders.length; k++) {
            if (executionParameter[k]) {
                sent.add(literals[k]);
            }
        }
        return sent.toArray(new String[0]);
    }

    /**
     * For each placeholder, whether the innermost clause around it is a WHERE. Parentheses without a
     * clause keyword of their own (an expression, an IN list) belong to the clause around them.
     */
    private static boolean[] inWhereClause(String sql, int[] placeholders) {
        boolean[] inWhere = new boolean[placeholders.length];
        java.util.ArrayDeque<String> clauses = new java.util.ArrayDeque<String>();
        clauses.push("");
        int next = 0;
        SqlText.Tokens tokens = new SqlText.Tokens(sql, 0);
        while (next < placeholders.length && tokens.next()) {
            if (tokens.is('(')) {
                clauses.push("");
            } else if (tokens.is(')') && clauses.size() > 1) {
                clauses.pop();
            } else if (tokens.is('?')) {
                inWhere[next++] = "WHERE".equals(innermost(clauses));
            } else if (tokens.isWord() && CLAUSES.contains(tokens.word())) {
                clauses.pop();
                clauses.push(tokens.word());
            }
        }
        return inWhere;
    }

    private static String innermost(java.util.ArrayDeque<String> clauses) {
        for (String clause : clauses) {
            if (!clause.isEmpty()) {
                return clause;
            }
        }
        return "";
    }

    /** The text before the VALUES tuple, e.g. {@code INSERT INTO t (a, b) VALUES }. */
    String beforeTuple() {
        return text.substring(0, tupleStart);
    }

    /** The text after the tuple (a trailing semicolon or comment), which must stay at the end. */
    String afterTuple() {
        return text.substring(tupleEnd + 1);
    }

    /** One row's tuple with its literals written in. */
    String tuple(String[] literals) {
        return substitute(tupleStart, tupleEnd + 1, literals, false);
    }

    private static boolean containsKeyword(String sql, String keyword) {
        SqlText.Tokens tokens = new SqlText.Tokens(sql, 0);
        while (tokens.next()) {
            if (tokens.isWord() && tokens.word().equals(keyword)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The offsets of the one parenthesised tuple after the top-level VALUES keyword, when nothing but
     * blanks, a semicolon or comments follows it.
     */
    private static int[] valuesTuple(String sql) {
        SqlText.Tokens tokens = new SqlText.Tokens(sql, 0);
        int depth = 0;
        boolean values = false;
        while (!values && tokens.next()) {
            if (tokens.is('(')) {
                depth++;
            } else if (tokens.is(')')) {
                depth--;
            } else {
                values = depth == 0 && tokens.isWord() && tokens.word().equals("VALUES");
            }
        }
        if (!values || !tokens.next() || !tokens.is('(')) {
            return null;
        }
        int open = tokens.start;
        depth = 0;
        do {
            if (tokens.is('(')) {
                depth++;
            } else if (tokens.is(')')) {
                depth--;
            }
        } while (depth > 0 && tokens.next());
        if (depth > 0) {
            return null;
        }
        int close = tokens.start;
        while (tokens.next()) {
            if (!tokens.is(';')) {
                return null;
            }
        }
        return new int[] {open, close};
    }
}
