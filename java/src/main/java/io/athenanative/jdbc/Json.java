package io.athenanative.jdbc;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the JSON of exact nested values (page encoding 8): null, true/false,
 * numbers kept as their text ({@link Number}), strings, arrays as lists and
 * objects as insertion-ordered maps.
 */
final class Json {
    /** A JSON number, kept as written so nothing is lost before the column type decides. */
    static final class Number {
        final String text;

        Number(String text) {
            this.text = text;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    private final String text;
    private int at;

    private Json(String text) {
        this.text = text;
    }

    static Object parse(String text) throws SQLException {
        Json json = new Json(text);
        Object value = json.value();
        json.skipSpace();
        if (json.at != text.length()) {
            throw json.malformed();
        }
        return value;
    }

    private Object value() throws SQLException {
        skipSpace();
        if (at >= text.length()) {
            throw malformed();
        }
        char c = text.charAt(at);
        switch (c) {
            case '[':
                return list();
            case '{':
                return object();
            case '"':
                return string();
            case 'n':
                return literal("null", null);
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            default:
                return number();
        }
    }

    private List<Object> list() throws SQLException {
        List<Object> out = new ArrayList<Object>();
        at++;
        skipSpace();
        if (peek(']')) {
            at++;
            return out;
        }
        while (true) {
            out.add(value());
            skipSpace();
            if (peek(',')) {
                at++;
            } else if (peek(']')) {
                at++;
                return out;
            } else {
                throw malformed();
            }
        }
    }

    private Map<String, Object> object() throws SQLException {
        Map<String, Object> out = new LinkedHashMap<String, Object>();
        at++;
        skipSpace();
        if (peek('}')) {
            at++;
            return out;
        }
        while (true) {
            skipSpace();
            if (!peek('"')) {
                throw malformed();
            }
            String key = string();
            skipSpace();
            if (!peek(':')) {
                throw malformed();
            }
            at++;
            out.put(key, value());
            skipSpace();
            if (peek(',')) {
                at++;
            } else if (peek('}')) {
                at++;
                return out;
            } else {
                throw malformed();
            }
        }
    }

    private String string() throws SQLException {
        StringBuilder out = new StringBuilder();
        at++;
        while (at < text.length()) {
            char c = text.charAt(at++);
            if (c == '"') {
                return out.toString();
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (at >= text.length()) {
                break;
            }
            char e = text.charAt(at++);
            switch (e) {
                case 'n':
                    out.append('\n');
                    break;
                case 'r':
                    out.append('\r');
                    break;
                case 't':
                    out.append('\t');
                    break;
                case 'b':
                    out.append('\b');
                    break;
                case 'f':
                    out.append('\f');
                    break;
                case 'u':
                    if (at + 4 > text.length()) {
                        throw malformed();
                    }
                    out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                    at += 4;
                    break;
                default:
                    out.append(e);
            }
        }
        throw malformed();
    }

    private Object literal(String word, Object value) throws SQLException {
        if (!text.startsWith(word, at)) {
            throw malformed();
        }
        at += word.length();
        return value;
    }

    private Number number() throws SQLException {
        int start = at;
        while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) {
            at++;
        }
        if (start == at) {
            throw malformed();
        }
        return new Number(text.substring(start, at));
    }

    private boolean peek(char c) {
        return at < text.length() && text.charAt(at) == c;
    }

    private void skipSpace() {
        while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
            at++;
        }
    }

    private SQLException malformed() {
        return new SQLException("A nested value in the result is not valid JSON (at character " + at + ")", "XX000");
    }
}
