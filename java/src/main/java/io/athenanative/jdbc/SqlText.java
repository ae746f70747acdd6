package io.athenanative.jdbc;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The lexical facts of Athena SQL text the facade needs: where string literals, quoted identifiers and
 * comments are (nothing inside them is a placeholder or an escape), where the {@code ?} placeholders
 * are, and which statement the text starts with.
 */
final class SqlText {
    private SqlText() {
    }

    /**
     * If a string literal, quoted identifier or comment starts at {@code i}, the index just after it;
     * otherwise {@code i}. An unterminated one runs to the end of the text.
     */
    static int skipQuotedOrComment(String sql, int i) {
        char c = sql.charAt(i);
        if (c == '\'' || c == '"' || c == '`') {
            int j = i + 1;
            while (j < sql.length()) {
                if (sql.charAt(j) == c) {
                    // A doubled quote is the quote itself.
                    if (j + 1 < sql.length() && sql.charAt(j + 1) == c) {
                        j += 2;
                        continue;
                    }
                    return j + 1;
                }
                j++;
            }
            return sql.length();
        }
        if (c == '-' && i + 1 < sql.length() && sql.charAt(i + 1) == '-') {
            int end = sql.indexOf('\n', i);
            return end < 0 ? sql.length() : end + 1;
        }
        if (c == '/' && i + 1 < sql.length() && sql.charAt(i + 1) == '*') {
            int end = sql.indexOf("*/", i + 2);
            return end < 0 ? sql.length() : end + 2;
        }
        return i;
    }

    /**
     * The tokens of SQL text outside literals, quoted identifiers, comments and blanks: words (letters,
     * digits and {@code _}) and single other characters. Every scan of the text for structure goes
     * through here, so all of them agree on what is code.
     */
    static final class Tokens {
        private final String sql;
        private int end;
        /** Where the current token starts. */
        int start = -1;

        Tokens(String sql, int from) {
            this.sql = sql;
            this.end = from;
        }

        /** Moves to the next token; false at the end of the text. */
        boolean next() {
            int i = end;
            while (i < sql.length()) {
                int after = skipQuotedOrComment(sql, i);
                if (after != i) {
                    i = after;
                } else if (Character.isWhitespace(sql.charAt(i))) {
                    i++;
                } else {
                    break;
                }
            }
            if (i >= sql.length()) {
                start = end = sql.length();
                return false;
            }
            start = i;
            end = isWordChar(sql.charAt(i)) ? wordEnd(sql, i) : i + 1;
            return true;
        }

        boolean is(char symbol) {
            return end == start + 1 && sql.charAt(start) == symbol;
        }

        boolean isWord() {
            return isWordChar(sql.charAt(start));
        }

        /** The current word in upper case. */
        String word() {
            return sql.substring(start, end).toUpperCase(Locale.ROOT);
        }

        /** Where the current token ends. */
        int end() {
            return end;
        }

        private static boolean isWordChar(char c) {
            return Character.isLetterOrDigit(c) || c == '_';
        }
    }

    /** Offsets of the {@code ?} placeholders outside literals, quoted identifiers and comments. */
    static int[] placeholders(String sql) {
        List<Integer> found = new ArrayList<Integer>();
        Tokens tokens = new Tokens(sql, 0);
        while (tokens.next()) {
            if (tokens.is('?')) {
                found.add(tokens.start);
            }
        }
        int[] offsets = new int[found.size()];
        for (int k = 0; k < offsets.length; k++) {
            offsets[k] = found.get(k);
        }
        return offsets;
    }

    /**
     * Appends a literal where a placeholder stood. A negative number after a minus sign gets a space,
     * so {@code b-?} with -3 is {@code b- -3}, never the comment {@code b--3}.
     */
    static void appendLiteral(StringBuilder out, String literal) {
        if (literal.startsWith("-") && out.length() > 0 && out.charAt(out.length() - 1) == '-') {
            out.append(' ');
        }
        out.append(literal);
    }

    /** The index just after the identifier or keyword starting at {@code start}. */
    static int wordEnd(String sql, int start) {
        int i = start;
        while (i < sql.length() && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_')) {
            i++;
        }
        return i;
    }

    /** The first {@code count} keywords of the statement, upper case, skipping comments and opening parentheses. */
    static List<String> leadingKeywords(String sql, int count) {
        List<String> words = new ArrayList<String>();
        int i = 0;
        while (i < sql.length() && words.size() < count) {
            char c = sql.charAt(i);
            int after = skipQuotedOrComment(sql, i);
            if (after != i) {
                if (c == '\'' || c == '"' || c == '`') {
                    break;
                }
                i = after;
            } else if (Character.isLetter(c)) {
                int start = i;
                i = wordEnd(sql, i);
                words.add(sql.substring(start, i).toUpperCase(Locale.ROOT));
            } else if (Character.isWhitespace(c) || c == '(') {
                i++;
            } else {
                break;
            }
        }
        return words;
    }
}
