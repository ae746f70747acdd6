package io.athenanative.jdbc;

/**
 * What Athena said of a query at one poll: its state and its Statistics. Times are milliseconds; a figure
 * Athena has not given (yet) is -1. While the query runs these are running figures (bytes scanned so far);
 * once it ended, Athena's final ones.
 */
public final class AthenaQueryStatistics {
    private final String queryExecutionId;
    private final String state;
    private final long[] values;

    AthenaQueryStatistics(String queryExecutionId, String state, long[] values) {
        this.queryExecutionId = queryExecutionId;
        this.state = state;
        // In NativeQuery.statistics order.
        this.values = values.clone();
    }

    public String getQueryExecutionId() {
        return queryExecutionId;
    }

    /** QUEUED, RUNNING, SUCCEEDED, FAILED or CANCELLED. */
    public String getState() {
        return state;
    }

    public long getDataScannedInBytes() {
        return values[0];
    }

    public long getEngineExecutionTimeMillis() {
        return values[1];
    }

    public long getQueryQueueTimeMillis() {
        return values[2];
    }

    public long getQueryPlanningTimeMillis() {
        return values[3];
    }

    public long getServicePreProcessingTimeMillis() {
        return values[4];
    }

    public long getServiceProcessingTimeMillis() {
        return values[5];
    }

    public long getTotalExecutionTimeMillis() {
        return values[6];
    }

    /** Athena answered from the results of an earlier identical query (result reuse). */
    public boolean isResultReused() {
        return values[7] != 0;
    }

    @Override
    public String toString() {
        return "AthenaQueryStatistics{queryExecutionId=" + queryExecutionId + ", state=" + state + ", dataScannedInBytes="
                + getDataScannedInBytes() + ", engineExecutionTimeMillis=" + getEngineExecutionTimeMillis()
                + ", queryQueueTimeMillis=" + getQueryQueueTimeMillis() + ", queryPlanningTimeMillis="
                + getQueryPlanningTimeMillis() + ", servicePreProcessingTimeMillis=" + getServicePreProcessingTimeMillis()
                + ", serviceProcessingTimeMillis=" + getServiceProcessingTimeMillis() + ", totalExecutionTimeMillis="
                + getTotalExecutionTimeMillis() + ", resultReused=" + isResultReused() + "}";
    }
}
