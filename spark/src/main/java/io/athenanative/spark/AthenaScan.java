package io.athenanative.spark;

import io.athenanative.jdbc.AthenaExport;
import io.athenanative.jdbc.ExportFile;
import io.athenanative.jdbc.ExportSlice;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * One read of an Athena table or query, planned on the Spark driver once: an UNLOAD of the SELECT
 * whose row groups become the partitions, or, when Spark needs no column (count()), a
 * {@code SELECT count(*)} whose answer becomes rows without columns. The UNLOAD's files are deleted
 * when the Spark action ends ({@link ExportCleanup}).
 */
final class AthenaScan implements Scan, Batch, java.io.Serializable {
    private static final long serialVersionUID = 1L;

    // The plan and the connection stay on the Spark driver: a copy of the scan (Spark serializes plans
    // now and then) has neither.
    private final transient AthenaOptions options;
    private final List<AthenaColumn> columns;
    private final List<String> filters;
    private final int limit;
    private transient InputPartition[] planned;
    private transient ExportCleanup.Export export;

    AthenaScan(AthenaOptions options, List<AthenaColumn> columns, List<String> filters, int limit) {
        this.options = options;
        this.columns = new ArrayList<AthenaColumn>(columns);
        this.filters = new ArrayList<String>(filters);
        this.limit = limit;
    }

    @Override
    public StructType readSchema() {
        List<StructField> fields = new ArrayList<StructField>();
        for (AthenaColumn c : columns) {
            fields.add(c.field());
        }
        return new StructType(fields.toArray(new StructField[0]));
    }

    /** What explain() and the UI show: the source, columns, filters (as Athena SQL) and limit; never the URL. */
    @Override
    public String description() {
        StringBuilder out = new StringBuilder(options == null ? "athena" : options.describe());
        List<String> names = new ArrayList<String>();
        for (AthenaColumn c : columns) {
            names.add(c.name);
        }
        out.append(columns.isEmpty() ? " count(*)" : " columns " + names);
        if (!filters.isEmpty()) {
            out.append(" filters ").append(filters);
        }
        if (limit >= 0) {
            out.append(" limit ").append(limit);
        }
        return out.toString();
    }

    @Override
    public Batch toBatch() {
        return this;
    }

    /**
     * Rows, never columnar batches. Said here so that Spark need not plan the partitions (run the
     * UNLOAD) to find out while it prepares a plan (explain()).
     */
    @Override
    public ColumnarSupportMode columnarSupportMode() {
        return ColumnarSupportMode.UNSUPPORTED;
    }

    /** The UNLOAD's SELECT. */
    String select() {
        List<String> selected = new ArrayList<String>();
        for (AthenaColumn c : columns) {
            selected.add(c.selectSql);
        }
        return SqlText.select(selected, SqlText.source(options.dbtable, options.query), filters, limit);
    }

    String countSql() {
        return SqlText.count(SqlText.source(options.dbtable, options.query), filters, limit);
    }

    /** Made once: Spark asks again for the same scan (explain, then the action). */
    @Override
    public synchronized InputPartition[] planInputPartitions() {
        if (planned != null) {
            return planned.clone();
        }
        SparkSession session = SparkSession.active();
        int max = options.numPartitions > 0 ? options.numPartitions
                : Math.max(1, session.sparkContext().defaultParallelism());
        List<InputPartition> partitions = new ArrayList<InputPartition>();
        if (columns.isEmpty()) {
            for (long rows : PartitionPlan.splitCount(count(), max)) {
                partitions.add(AthenaInputPartition.emptyRows(rows));
            }
        } else {
            ExportCleanup.watch(session);
            AthenaExport unloaded = unload();
            for (List<ExportSlice> slices : slices(unloaded.files(), max)) {
                partitions.add(AthenaInputPartition.of(slices));
            }
        }
        planned = partitions.toArray(new InputPartition[0]);
        return planned.clone();
    }

    private long count() {
        String sql = countSql();
        try (Connection connection = options.connect();
             Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery(sql)) {
            if (!rs.next()) {
                throw new SQLException("SELECT count(*) gave no row", "XX000");
            }
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new AthenaSourceException("Counting the rows of " + options.describe() + " failed: " + e.getMessage(),
                    e);
        }
    }

    private AthenaExport unload() {
        String select = select();
        Connection connection;
        try {
            connection = options.connect();
        } catch (SQLException e) {
            throw new AthenaSourceException("Connecting to Athena for " + options.describe() + " failed: "
                    + e.getMessage(), e);
        }
        try {
            AthenaExport unloaded = AthenaExport.unload(connection, select, options.urlExpirySeconds);
            // The connection stays open until the files are deleted: with it, no second sign-in.
            export = ExportCleanup.register(connection, unloaded.prefix(), options.describe(),
                    unloaded.expiresAtMillis());
            return unloaded;
        } catch (SQLException | RuntimeException e) {
            ExportCleanup.closeQuietly(connection);
            throw new AthenaSourceException("The UNLOAD of " + options.describe() + " failed: " + e.getMessage(), e);
        }
    }

    /** The files' row groups in at most {@code max} partitions of about equal bytes. */
    static List<List<ExportSlice>> slices(List<ExportFile> files, int max) {
        long[][] rows = new long[files.size()][];
        long[][] bytes = new long[files.size()][];
        for (int f = 0; f < files.size(); f++) {
            ExportFile file = files.get(f);
            rows[f] = new long[file.rowGroupCount()];
            bytes[f] = new long[file.rowGroupCount()];
            for (int g = 0; g < rows[f].length; g++) {
                rows[f][g] = file.rowGroupRows(g);
                bytes[f][g] = file.rowGroupBytes(g);
            }
        }
        List<List<ExportSlice>> out = new ArrayList<List<ExportSlice>>();
        for (List<PartitionPlan.Range> partition : PartitionPlan.plan(rows, bytes, max)) {
            List<ExportSlice> slices = new ArrayList<ExportSlice>();
            for (PartitionPlan.Range range : partition) {
                slices.add(files.get(range.file).slice(range.from, range.to));
            }
            out.add(slices);
        }
        return out;
    }

    @Override
    public PartitionReaderFactory createReaderFactory() {
        DataType[] types = new DataType[columns.size()];
        for (int i = 0; i < types.length; i++) {
            types[i] = columns.get(i).sparkType;
        }
        return new AthenaReaderFactory(types, options.fetchSize);
    }

    /** The action that read this scan ended: its files are deleted, its connection closed. */
    void actionEnded() {
        ExportCleanup.Export done;
        synchronized (this) {
            done = export;
            export = null;
        }
        if (done != null) {
            done.delete();
        }
    }

    @Override
    public String toString() {
        return description();
    }
}
