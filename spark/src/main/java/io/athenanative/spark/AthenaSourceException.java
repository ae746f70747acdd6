package io.athenanative.spark;

/**
 * A failure of the athena source on the Spark driver (a bad option, a failed schema probe or UNLOAD),
 * with the driver's SQLException, which carries Athena's message and QueryExecutionId, as its cause.
 */
public final class AthenaSourceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AthenaSourceException(String message) {
        super(message);
    }

    AthenaSourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
