package io.athenanative.spark;

import io.athenanative.jdbc.AthenaExport;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.execution.datasources.v2.DataSourceV2ScanRelation;
import org.apache.spark.sql.util.QueryExecutionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * Deletes the UNLOAD files of each scan when the Spark action that read them ends, successfully or not
 * (a QueryExecutionListener on each SparkSession that planned a scan), and at JVM exit those of scans
 * no action ended (a plan made by explain() or df.rdd without an action): a shutdown hook.
 */
final class ExportCleanup {
    private static final Logger LOG = LoggerFactory.getLogger(ExportCleanup.class);
    private static final Set<Export> LIVE = ConcurrentHashMap.newKeySet();
    private static final Map<SparkSession, Boolean> WATCHED = Collections.synchronizedMap(
            new WeakHashMap<SparkSession, Boolean>());

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExportCleanup::deleteAll, "athena-export-cleanup"));
    }

    private ExportCleanup() {
    }

    /** An UNLOAD's prefix and the connection that wrote it (which deletes it: no second sign-in). */
    static final class Export {
        private final Connection connection;
        private final String prefix;
        private final String source;

        private Export(Connection connection, String prefix, String source) {
            this.connection = connection;
            this.prefix = prefix;
            this.source = source;
        }

        /** Once: deletes the files, then closes the connection. */
        void delete() {
            if (!LIVE.remove(this)) {
                return;
            }
            try {
                AthenaExport.delete(connection, prefix);
                LOG.debug("athena source: deleted the UNLOAD files of {} under {}", source, prefix);
            } catch (SQLException | RuntimeException e) {
                LOG.warn("athena source: the UNLOAD files of {} under {} could not be deleted: {}", source, prefix,
                        e.getMessage());
            } finally {
                closeQuietly(connection);
            }
        }
    }

    static Export register(Connection connection, String prefix, String source) {
        Export export = new Export(connection, prefix, source);
        LIVE.add(export);
        return export;
    }

    static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException | RuntimeException e) {
            LOG.debug("athena source: closing a connection failed: {}", e.getMessage());
        }
    }

    private static void deleteAll() {
        for (Export export : new ArrayList<Export>(LIVE)) {
            export.delete();
        }
    }

    /** Listens to {@code session}'s actions, once per session. */
    static void watch(SparkSession session) {
        synchronized (WATCHED) {
            if (WATCHED.put(session, Boolean.TRUE) == null) {
                session.listenerManager().register(new ActionEnd());
            }
        }
    }

    /**
     * The end of an action: the Athena scans in its optimized plan (subqueries included) are done. Spark
     * calls listeners asynchronously, after the action has returned.
     */
    static final class ActionEnd implements QueryExecutionListener {
        @Override
        public void onSuccess(String action, QueryExecution execution, long durationNanos) {
            ended(execution);
        }

        @Override
        public void onFailure(String action, QueryExecution execution, Exception failure) {
            ended(execution);
        }

        private static void ended(QueryExecution execution) {
            List<AthenaScan> scans = new ArrayList<AthenaScan>();
            try {
                execution.optimizedPlan().foreachWithSubqueries(new AbstractFunction1<LogicalPlan, BoxedUnit>() {
                    @Override
                    public BoxedUnit apply(LogicalPlan plan) {
                        if (plan instanceof DataSourceV2ScanRelation) {
                            Scan scan = ((DataSourceV2ScanRelation) plan).scan();
                            if (scan instanceof AthenaScan) {
                                scans.add((AthenaScan) scan);
                            }
                        }
                        return BoxedUnit.UNIT;
                    }
                });
            } catch (RuntimeException e) {
                // An action that failed before its plan was optimized planned no scan.
                LOG.debug("athena source: no optimized plan to clean up after: {}", e.getMessage());
            }
            for (AthenaScan scan : scans) {
                scan.actionEnded();
            }
        }
    }
}
