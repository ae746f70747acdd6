package io.athenanative.jdbc;

import java.util.function.Consumer;

/**
 * Called back by the native wait (NativeQuery.awaitResults) after each poll, on the thread that runs the
 * statement: hands the user's progress monitor the poll's statistics. A monitor that throws stops the query;
 * what it threw is kept for the statement's SQLException.
 */
final class ProgressRelay {
    private final Consumer<AthenaQueryStatistics> monitor;
    private final String queryExecutionId;
    private RuntimeException thrown;

    ProgressRelay(Consumer<AthenaQueryStatistics> monitor, String queryExecutionId) {
        this.monitor = monitor;
        this.queryExecutionId = queryExecutionId;
    }

    /** From native code; false stops the query. */
    boolean report(String state, long[] statistics) {
        try {
            monitor.accept(new AthenaQueryStatistics(queryExecutionId, state, statistics));
            return true;
        } catch (RuntimeException e) {
            thrown = e;
            return false;
        }
    }

    /** What the monitor threw, or null. */
    RuntimeException thrown() {
        return thrown;
    }
}
