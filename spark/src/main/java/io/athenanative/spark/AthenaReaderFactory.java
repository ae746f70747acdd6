package io.athenanative.spark;

import io.athenanative.jdbc.AthenaExport;
import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.types.DataType;

/**
 * Runs on the executors: reads a partition's row groups with the driver jar's Parquet reader (no
 * connection, no sign-in: the presigned URLs are the access) and gives Spark its rows.
 */
final class AthenaReaderFactory implements PartitionReaderFactory {
    private static final long serialVersionUID = 1L;

    private final DataType[] types;
    private final int fetchSize;

    AthenaReaderFactory(DataType[] types, int fetchSize) {
        this.types = types.clone();
        this.fetchSize = fetchSize;
    }

    @Override
    public PartitionReader<InternalRow> createReader(InputPartition partition) {
        AthenaInputPartition p = (AthenaInputPartition) partition;
        return p.slices.isEmpty() ? new EmptyRows(p.emptyRows) : new ExportRows(p, types, fetchSize);
    }

    /** A partition's rows read from its row groups. */
    private static final class ExportRows implements PartitionReader<InternalRow> {
        private final AthenaInputPartition partition;
        private final DataType[] types;
        private final int fetchSize;
        private ResultSet rows;

        ExportRows(AthenaInputPartition partition, DataType[] types, int fetchSize) {
            this.partition = partition;
            this.types = types;
            this.fetchSize = fetchSize;
        }

        @Override
        public boolean next() throws IOException {
            try {
                if (rows == null) {
                    rows = AthenaExport.read(partition.slices, fetchSize);
                    int columns = rows.getMetaData().getColumnCount();
                    if (columns != types.length) {
                        throw new SQLException("The UNLOAD's files have " + columns + " columns where the scan reads "
                                + types.length, "XX000");
                    }
                }
                return rows.next();
            } catch (SQLException e) {
                throw failed(e);
            }
        }

        @Override
        public InternalRow get() {
            Object[] values = new Object[types.length];
            try {
                for (int i = 0; i < values.length; i++) {
                    values[i] = SparkValues.read(rows, i + 1, types[i]);
                }
            } catch (SQLException e) {
                // get() declares no checked exception.
                throw new IllegalStateException(e.getMessage(), e);
            }
            return new GenericInternalRow(values);
        }

        @Override
        public void close() throws IOException {
            if (rows != null) {
                try {
                    rows.close();
                } catch (SQLException e) {
                    throw failed(e);
                }
            }
        }

        /**
         * The driver's message as it is (it says what happened and what to set), with the partition read,
         * and for a file deleted since, why that happens in Spark.
         */
        private IOException failed(SQLException e) {
            String message = e.getMessage() + " (reading " + partition + ")";
            if (message.contains("no longer exists")) {
                message += ". In Spark, an action's UNLOAD files are deleted when the action ends, and Spark runs"
                        + " an action again on the same plan (collect() or toPandas() twice on one DataFrame, a stage"
                        + " retried after the action ended): read the data again with spark.read...load(), or"
                        + " cache() the DataFrame before its first action";
            }
            return new IOException(message, e);
        }
    }

    /** Rows without columns: a scan that needs none (count()) was counted by Athena. */
    private static final class EmptyRows implements PartitionReader<InternalRow> {
        private static final InternalRow EMPTY = new GenericInternalRow(0);
        private long left;

        EmptyRows(long rows) {
            this.left = rows;
        }

        @Override
        public boolean next() {
            if (left == 0) {
                return false;
            }
            left--;
            return true;
        }

        @Override
        public InternalRow get() {
            return EMPTY;
        }

        @Override
        public void close() {
        }
    }
}
