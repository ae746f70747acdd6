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
 * (a QueryExecutionListener on each SparkSession that planned a scan). Those of scans no action ended (a
 * plan made by df.rdd, PySpark's toLocalIterator, a cached DataFrame) go when their URLs expire, since
 * nothing can read them after that, or at JVM exit (a shutdown hook), whichever comes first.
 */
final class ExportCleanup {
    private static final Logger LOG = LoggerFactory.getLogger(ExportCleanup.class);
    private static final Set<Export> LIVE = ConcurrentHashMap.newKeySet();
    /**
     * Deletes run here, not on Spark's listener bus, whose one thread serves every listener: a slow
     * S3 delete there would hold up (and could make Spark drop) the events of others.
     */
    private static final java.util.concurrent.ScheduledThreadPoolExecutor DELETER =
            new java.util.concurrent.ScheduledThreadPoolExecutor(1, task -> {
                Thread thread = new Thread(task, "athena-export-delete");
                thread.setDaemon(true);
                return thread;
            });
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

    /** Registers an export, deleted at the latest when its URLs expire ({@code expiresAtMillis}). */
    static Export register(Connection connection, String prefix, String source, long expiresAtMillis) {
        Export export = new Export(connection, prefix, source);
        LIVE.add(export);
        long delay = Math.max(0, expiresAtMillis - System.currentTimeMillis());
        try {
            DELETER.schedule(export::delete, delay, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // The JVM is exiting: the exit's clean-up deletes it.
            LOG.debug("athena source: no expiry delete for {}: exiting", prefix);
        }
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
        // Deletes already handed over finish first (the JVM stops daemon threads after its hooks);
        // those scheduled for later run below instead.
        DELETER.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        DELETER.shutdown();
        try {
            DELETER.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
            // Scala's and Java's toLocalIterator end their action when the iterator is returned,
            // before its later partitions are read: their files wait for expiry or exit.
            if (!"toLocalIterator".equals(action)) {
                ended(execution);
            }
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
                try {
                    DELETER.execute(scan::actionEnded);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    // The JVM is exiting: delete here, as the exit's own clean-up does.
                    scan.actionEnded();
                }
            }
        }
    }
}
