package io.athenanative.spark;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/** A table or query of Athena, as Spark reads it. */
final class AthenaTable implements SupportsRead {
    private final AthenaOptions options;
    private final List<AthenaColumn> columns;

    AthenaTable(AthenaOptions options, List<AthenaColumn> columns) {
        this.options = options;
        this.columns = Collections.unmodifiableList(new ArrayList<AthenaColumn>(columns));
    }

    @Override
    public String name() {
        return options.describe();
    }

    @Override
    @SuppressWarnings("deprecation")
    public StructType schema() {
        List<StructField> fields = new ArrayList<StructField>();
        for (AthenaColumn c : columns) {
            fields.add(c.field());
        }
        return new StructType(fields.toArray(new StructField[0]));
    }

    @Override
    public Set<TableCapability> capabilities() {
        return EnumSet.of(TableCapability.BATCH_READ);
    }

    @Override
    public ScanBuilder newScanBuilder(CaseInsensitiveStringMap ignored) {
        // The table's options are the read's: Spark passes the same ones again.
        return new AthenaScanBuilder(options, columns);
    }
}
