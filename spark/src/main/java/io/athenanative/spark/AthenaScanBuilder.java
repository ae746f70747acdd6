package io.athenanative.spark;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.SupportsPushDownFilters;
import org.apache.spark.sql.connector.read.SupportsPushDownLimit;
import org.apache.spark.sql.connector.read.SupportsPushDownRequiredColumns;
import org.apache.spark.sql.sources.Filter;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What Spark pushes into the UNLOAD's SELECT: the columns it needs, the filters Athena evaluates with
 * Spark's meaning (the rest stay in Spark), and a LIMIT.
 */
final class AthenaScanBuilder implements SupportsPushDownRequiredColumns, SupportsPushDownFilters,
        SupportsPushDownLimit {
    private final AthenaOptions options;
    private final List<AthenaColumn> columns;
    private List<AthenaColumn> required;
    private final List<Filter> pushed = new ArrayList<Filter>();
    private final List<String> pushedSql = new ArrayList<String>();
    private int limit = -1;

    AthenaScanBuilder(AthenaOptions options, List<AthenaColumn> columns) {
        this.options = options;
        this.columns = columns;
        this.required = columns;
    }

    @Override
    public Filter[] pushFilters(Filter[] filters) {
        Map<String, AthenaColumn> byName = new LinkedHashMap<String, AthenaColumn>();
        for (AthenaColumn c : columns) {
            byName.put(c.name, c);
        }
        FilterSql translator = new FilterSql(byName);
        List<Filter> left = new ArrayList<Filter>();
        for (Filter filter : filters) {
            String sql = translator.sql(filter);
            if (sql == null) {
                left.add(filter);
            } else {
                pushed.add(filter);
                pushedSql.add(sql);
            }
        }
        return left.toArray(new Filter[0]);
    }

    @Override
    public Filter[] pushedFilters() {
        return pushed.toArray(new Filter[0]);
    }

    /**
     * Whole top-level columns, in the table's order (a struct's unused fields are read too, as Spark's
     * JDBC source does).
     */
    @Override
    public void pruneColumns(StructType requiredSchema) {
        Set<String> names = new HashSet<String>();
        for (StructField field : requiredSchema.fields()) {
            names.add(field.name().toLowerCase(Locale.ROOT));
        }
        List<AthenaColumn> kept = new ArrayList<AthenaColumn>();
        for (AthenaColumn c : columns) {
            if (names.contains(c.name.toLowerCase(Locale.ROOT))) {
                kept.add(c);
            }
        }
        required = kept;
    }

    @Override
    public boolean pushLimit(int n) {
        limit = limit < 0 ? n : Math.min(limit, n);
        return true;
    }

    @Override
    public Scan build() {
        return new AthenaScan(options, required, pushedSql, limit);
    }
}
