package io.athenanative.jdbc;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One Parquet file an {@link AthenaExport} wrote: where it is, its size, its row groups, and a presigned,
 * read-only, expiring URL to GET it with. The URL is a bearer credential for this one object until it
 * expires (it carries the signed-in role's session token and a signature that allows only this GET): it
 * is never shown by {@link #toString()}, which names the S3 location instead.
 */
public final class ExportFile implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String queryExecutionId;
    private final String location;
    private final long size;
    private final long[] rowGroupRows;
    private final long[] rowGroupBytes;
    private final String url;

    ExportFile(String queryExecutionId, String location, long size, long[] rowGroupRows, long[] rowGroupBytes,
            String url) {
        this.queryExecutionId = queryExecutionId;
        this.location = location;
        this.size = size;
        this.rowGroupRows = rowGroupRows.clone();
        this.rowGroupBytes = rowGroupBytes.clone();
        this.url = url;
    }

    /** The QueryExecutionId of the UNLOAD that wrote the file. */
    public String queryExecutionId() {
        return queryExecutionId;
    }

    /** {@code s3://bucket/key} of the file. */
    public String location() {
        return location;
    }

    /** The file's size in bytes. */
    public long size() {
        return size;
    }

    public int rowGroupCount() {
        return rowGroupRows.length;
    }

    /** Rows of row group {@code index} (0-based, file order). */
    public long rowGroupRows(int index) {
        return rowGroupRows[index];
    }

    /** Compressed bytes of row group {@code index}: what reading it downloads. */
    public long rowGroupBytes(int index) {
        return rowGroupBytes[index];
    }

    /** Row groups {@code [from, to)} of this file, for one reader. */
    public ExportSlice slice(int from, int to) {
        if (from < 0 || to > rowGroupRows.length || from >= to) {
            throw new IllegalArgumentException("row groups " + from + ".." + to + " of " + rowGroupRows.length
                    + " in " + location);
        }
        return new ExportSlice(this, from, to);
    }

    String url() {
        return url;
    }

    @Override
    public String toString() {
        return location + " (" + size + " bytes, " + rowGroupRows.length + " row groups, rows "
                + Arrays.toString(rowGroupRows) + ")";
    }
}
