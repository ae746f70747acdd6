package io.athenanative.spark;

import io.athenanative.jdbc.ExportSlice;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.connector.read.InputPartition;

/**
 * One executor task's share of a scan: row groups of the UNLOAD's files (each file's presigned URL
 * inside, never shown), or, for a scan that needs no columns (count()), a number of empty rows. It
 * holds no JDBC URL, password or token.
 */
final class AthenaInputPartition implements InputPartition {
    private static final long serialVersionUID = 1L;

    final ArrayList<ExportSlice> slices;
    /** Rows without columns to give, when {@link #slices} is empty. */
    final long emptyRows;

    private AthenaInputPartition(List<ExportSlice> slices, long emptyRows) {
        this.slices = new ArrayList<ExportSlice>(slices);
        this.emptyRows = emptyRows;
    }

    static AthenaInputPartition of(List<ExportSlice> slices) {
        return new AthenaInputPartition(slices, 0);
    }

    static AthenaInputPartition emptyRows(long rows) {
        return new AthenaInputPartition(new ArrayList<ExportSlice>(), rows);
    }

    /** The S3 locations and row groups read (ExportSlice.toString names no URL). */
    @Override
    public String toString() {
        return slices.isEmpty() ? "athena " + emptyRows + " rows without columns" : "athena " + slices;
    }
}
