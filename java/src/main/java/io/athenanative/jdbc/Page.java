package io.athenanative.jdbc;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;

/**
 * Reads one result page in the layout the Rust core writes (see rust/core/src/page.rs,
 * version 1). Fixed-width values are read in place; nothing is copied until asked for.
 */
final class Page {
    static final int BOOL = 1;
    static final int INT64 = 2;
    static final int FLOAT64 = 3;
    static final int DATE = 4;
    static final int TIMESTAMP = 5;
    static final int TEXT = 6;
    static final int BINARY = 7;
    /** An array, map or row of known type, as JSON text (laid out as TEXT). */
    static final int JSON = 8;

    private static final int VERSION = 1;

    private final ByteBuffer buffer;
    private final int rows;
    private final int[] encodings;
    private final int[] params;
    private final int[] nullsAt;
    private final int[] valuesAt;
    private final int[] dataAt;

    Page(ByteBuffer source, int length) throws SQLException {
        ByteBuffer b = source.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        b.limit(length);
        this.buffer = b;
        if (length < 12 || b.get(0) != 'A' || b.get(1) != 'T' || b.get(2) != 'H' || b.get(3) != 'P') {
            throw new SQLException("Result page is not in the driver's page format", "XX000");
        }
        int version = b.getShort(4) & 0xffff;
        if (version != VERSION) {
            throw new SQLException("Result page version " + version + " is not supported by this driver build", "XX000");
        }
        int columns = b.getShort(6) & 0xffff;
        this.rows = b.getInt(8);
        encodings = new int[columns];
        params = new int[columns];
        nullsAt = new int[columns];
        valuesAt = new int[columns];
        dataAt = new int[columns];
        int at = 12;
        int bitmapBytes = (rows + 7) / 8;
        for (int c = 0; c < columns; c++) {
            encodings[c] = b.get(at) & 0xff;
            params[c] = b.get(at + 1) & 0xff;
            int bodyLength = b.getInt(at + 4);
            nullsAt[c] = at + 8;
            valuesAt[c] = nullsAt[c] + bitmapBytes;
            if (encodings[c] == TEXT || encodings[c] == BINARY || encodings[c] == JSON) {
                dataAt[c] = valuesAt[c] + 4 * (rows + 1);
            }
            at = nullsAt[c] + bodyLength;
        }
        if (at != length) {
            throw new SQLException("Result page is truncated or corrupt (" + at + " of " + length + " bytes)", "XX000");
        }
    }

    int rows() {
        return rows;
    }

    int columns() {
        return encodings.length;
    }

    int encoding(int column) {
        return encodings[column];
    }

    /** Digits of the fraction in the text form of a TIMESTAMP column. */
    int param(int column) {
        return params[column];
    }

    boolean isNull(int column, int row) {
        return (buffer.get(nullsAt[column] + (row >>> 3)) & (1 << (row & 7))) != 0;
    }

    boolean bool(int column, int row) {
        return buffer.get(valuesAt[column] + row) != 0;
    }

    long int64(int column, int row) {
        return buffer.getLong(valuesAt[column] + 8 * row);
    }

    double float64(int column, int row) {
        return buffer.getDouble(valuesAt[column] + 8 * row);
    }

    int date(int column, int row) {
        return buffer.getInt(valuesAt[column] + 4 * row);
    }

    long timestampMicros(int column, int row) {
        return buffer.getLong(valuesAt[column] + 8 * row);
    }

    String text(int column, int row) {
        byte[] bytes = bytes(column, row);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    byte[] bytes(int column, int row) {
        int offsets = valuesAt[column];
        int start = buffer.getInt(offsets + 4 * row);
        int end = buffer.getInt(offsets + 4 * (row + 1));
        byte[] out = new byte[end - start];
        ByteBuffer view = buffer.duplicate();
        view.position(dataAt[column] + start);
        view.get(out);
        return out;
    }
}
