package io.athenanative.jdbc;

import java.io.Serializable;

/** Row groups {@code [from, to)} of one {@link ExportFile}: a reader's share of an export. */
public final class ExportSlice implements Serializable {
    private static final long serialVersionUID = 1L;

    private final ExportFile file;
    private final int from;
    private final int to;

    ExportSlice(ExportFile file, int from, int to) {
        this.file = file;
        this.from = from;
        this.to = to;
    }

    public ExportFile file() {
        return file;
    }

    public int from() {
        return from;
    }

    public int to() {
        return to;
    }

    /** The rows of the slice's row groups. */
    public long rows() {
        long rows = 0;
        for (int i = from; i < to; i++) {
            rows += file.rowGroupRows(i);
        }
        return rows;
    }

    /** The compressed bytes of the slice's row groups. */
    public long bytes() {
        long bytes = 0;
        for (int i = from; i < to; i++) {
            bytes += file.rowGroupBytes(i);
        }
        return bytes;
    }

    @Override
    public String toString() {
        return file.location() + " row groups " + from + ".." + to;
    }
}
