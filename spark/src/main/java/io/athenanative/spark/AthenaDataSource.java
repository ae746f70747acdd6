package io.athenanative.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * Spark's {@code athena} data source: {@code spark.read.format("athena").option("url", "jdbc:athena://...")
 * .option("dbtable", "db.t")} (or {@code .option("query", "SELECT ...")}). Each Spark action runs one
 * UNLOAD of the pruned, filtered SELECT on the Spark driver; the executors read its Parquet files in
 * parallel through presigned URLs, without signing in.
 */
public final class AthenaDataSource implements TableProvider, DataSourceRegister {
    /** The columns inferSchema found, for the getTable that follows it on this instance. */
    private StructType inferred;
    private List<AthenaColumn> inferredColumns;

    @Override
    public String shortName() {
        return "athena";
    }

    @Override
    public StructType inferSchema(CaseInsensitiveStringMap options) {
        List<AthenaColumn> columns = SchemaProbe.columns(new AthenaOptions(options.asCaseSensitiveMap()));
        List<StructField> fields = new ArrayList<StructField>();
        for (AthenaColumn c : columns) {
            fields.add(c.field());
        }
        inferred = new StructType(fields.toArray(new StructField[0]));
        inferredColumns = columns;
        return inferred;
    }

    /** A schema given with {@code .schema(...)} is taken as it is: no probe. */
    @Override
    public boolean supportsExternalMetadata() {
        return true;
    }

    @Override
    public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> properties) {
        AthenaOptions options = new AthenaOptions(properties);
        List<AthenaColumn> columns;
        if (inferredColumns != null && schema.equals(inferred)) {
            columns = inferredColumns;
        } else {
            columns = new ArrayList<AthenaColumn>();
            for (StructField field : schema.fields()) {
                columns.add(AthenaColumn.given(field));
            }
        }
        return new AthenaTable(options, columns);
    }
}
