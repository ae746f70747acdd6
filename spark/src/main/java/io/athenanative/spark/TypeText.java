package io.athenanative.spark;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * An Athena column type read from its text, in either spelling Athena shows: Trino's from queries
 * ({@code array(integer)}, {@code map(varchar, bigint)}, {@code row(x integer, "y z" varchar)},
 * {@code timestamp(3) with time zone}) and Hive's from the Glue catalog that GetTableMetadata answers
 * ({@code array<int>}, {@code map<string,bigint>}, {@code struct<x:int,y:string>}, {@code decimal(10,2)}).
 * Names are normalised to Trino's: {@code int} is {@code integer}, {@code string} is {@code varchar},
 * {@code struct} is {@code row}, {@code float} is {@code real}, {@code binary} is {@code varbinary}.
 */
final class TypeText {
    /** Lower-case name without parameters, single spaces: {@code decimal}, {@code timestamp with time zone}. */
    final String base;
    /** Numeric parameters: a decimal's precision and scale, a varchar's length. */
    final List<Integer> params;
    /** Element types: an array's one, a map's key and value, a row's fields. */
    final List<TypeText> children;
    /** A row's field names, beside {@link #children}. */
    final List<String> fieldNames;

    private TypeText(String base, List<Integer> params, List<TypeText> children, List<String> fieldNames) {
        this.base = base;
        this.params = params;
        this.children = children;
        this.fieldNames = fieldNames;
    }

    static TypeText parse(String text) {
        if (text == null || text.trim().isEmpty()) {
            throw new IllegalArgumentException("an empty type name");
        }
        Parser parser = new Parser(text);
        TypeText type = parser.type();
        parser.skipSpaces();
        if (!parser.atEnd()) {
            throw parser.error("unexpected '" + parser.rest() + "'");
        }
        return type;
    }

    boolean isNested() {
        return base.equals("array") || base.equals("map") || base.equals("row");
    }

    /** Trino's spelling, for messages: {@code map(varchar, array(integer))}. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        if (base.equals("row")) {
            out.append("row(");
            for (int i = 0; i < children.size(); i++) {
                out.append(i == 0 ? "" : ", ").append(fieldNames.get(i)).append(' ').append(children.get(i));
            }
            return out.append(')').toString();
        }
        if (isNested()) {
            out.append(base).append('(');
            for (int i = 0; i < children.size(); i++) {
                out.append(i == 0 ? "" : ", ").append(children.get(i));
            }
            return out.append(')').toString();
        }
        String[] words = base.split(" ", 2);
        out.append(words[0]);
        if (!params.isEmpty()) {
            out.append('(');
            for (int i = 0; i < params.size(); i++) {
                out.append(i == 0 ? "" : ",").append(params.get(i));
            }
            out.append(')');
        }
        if (words.length > 1) {
            out.append(' ').append(words[1]);
        }
        return out.toString();
    }

    /** Recursive descent over the text; both spellings share it. */
    private static final class Parser {
        private final String text;
        private int at;

        Parser(String text) {
            this.text = text;
        }

        TypeText type() {
            skipSpaces();
            String first = word();
            if (first.isEmpty()) {
                throw error("a type name expected");
            }
            String name = first.toLowerCase(Locale.ROOT);
            switch (name) {
                case "array":
                    return nested("array", 1);
                case "map":
                    return nested("map", 2);
                case "row":
                case "struct":
                    return row();
                default:
                    return scalar(name);
            }
        }

        private TypeText nested(String base, int arity) {
            char close = open();
            List<TypeText> children = new ArrayList<TypeText>();
            for (int i = 0; i < arity; i++) {
                if (i > 0) {
                    expect(',');
                }
                children.add(type());
            }
            expect(close);
            return new TypeText(base, Collections.<Integer>emptyList(), children, Collections.<String>emptyList());
        }

        private TypeText row() {
            char close = open();
            List<TypeText> children = new ArrayList<TypeText>();
            List<String> names = new ArrayList<String>();
            skipSpaces();
            if (peek() == close) {
                throw error("a row without fields");
            }
            do {
                skipSpaces();
                int fieldStart = at;
                String name = fieldName();
                skipSpaces();
                char next = peek();
                if (close == ')' && (next == ',' || next == ')' || next == '(')) {
                    // Trino's anonymous field: row(integer, varchar); the word read was its type.
                    at = fieldStart;
                    name = "_col" + names.size();
                } else if (close == '>') {
                    // Hive: struct<name:type>.
                    expect(':');
                }
                names.add(name);
                children.add(type());
                skipSpaces();
            } while (accept(','));
            expect(close);
            return new TypeText("row", Collections.<Integer>emptyList(), children, names);
        }

        private String fieldName() {
            char quote = peek();
            if (quote == '"' || quote == '`') {
                at++;
                StringBuilder name = new StringBuilder();
                while (true) {
                    if (atEnd()) {
                        throw error("an unterminated quoted field name");
                    }
                    char c = text.charAt(at++);
                    if (c == quote) {
                        if (peek() == quote) {
                            name.append(quote);
                            at++;
                            continue;
                        }
                        return name.toString();
                    }
                    name.append(c);
                }
            }
            String name = word();
            if (name.isEmpty()) {
                throw error("a field name expected");
            }
            return name;
        }

        /** A scalar: its name, parameters in parentheses, and trailing words ({@code with time zone}). */
        private TypeText scalar(String first) {
            StringBuilder base = new StringBuilder(first);
            List<Integer> params = new ArrayList<Integer>();
            while (true) {
                skipSpaces();
                char c = peek();
                if (c == '(') {
                    at++;
                    do {
                        skipSpaces();
                        String number = word();
                        try {
                            params.add(Integer.valueOf(number));
                        } catch (NumberFormatException e) {
                            throw error("a number expected in the parameters of " + base);
                        }
                        skipSpaces();
                    } while (accept(','));
                    expect(')');
                } else if (Character.isLetter(c)) {
                    base.append(' ').append(word().toLowerCase(Locale.ROOT));
                } else {
                    break;
                }
            }
            return new TypeText(normalise(base.toString()), params, Collections.<TypeText>emptyList(),
                    Collections.<String>emptyList());
        }

        private static String normalise(String base) {
            switch (base) {
                case "int":
                    return "integer";
                case "string":
                    return "varchar";
                case "float":
                    return "real";
                case "binary":
                    return "varbinary";
                case "double precision":
                    return "double";
                case "dec":
                case "numeric":
                    return "decimal";
                case "timestamp without time zone":
                    return "timestamp";
                case "time without time zone":
                    return "time";
                default:
                    return base;
            }
        }

        private char open() {
            skipSpaces();
            char c = peek();
            if (c == '(') {
                at++;
                return ')';
            }
            if (c == '<') {
                at++;
                return '>';
            }
            throw error("'(' or '<' expected");
        }

        private String word() {
            int start = at;
            while (!atEnd() && (Character.isLetterOrDigit(text.charAt(at)) || text.charAt(at) == '_')) {
                at++;
            }
            return text.substring(start, at);
        }

        void skipSpaces() {
            while (!atEnd() && Character.isWhitespace(text.charAt(at))) {
                at++;
            }
        }

        private char peek() {
            return atEnd() ? '\0' : text.charAt(at);
        }

        private boolean accept(char c) {
            skipSpaces();
            if (peek() == c) {
                at++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (!accept(c)) {
                throw error("'" + c + "' expected");
            }
        }

        boolean atEnd() {
            return at >= text.length();
        }

        String rest() {
            return text.substring(at);
        }

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException("cannot read the type '" + text + "': " + what + " at position " + at);
        }
    }
}
