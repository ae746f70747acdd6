package io.athenanative.local.junit;

import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** A table athena-local serves, from a CSV file (with a header line), a Parquet file, or a folder of them. */
@Retention(RetentionPolicy.RUNTIME)
@Target({})
public @interface AthenaLocalTable {
    String database() default "default";

    String name();

    /** A file or folder path (relative to the working directory), or a classpath resource. */
    String path();

    /** "csv" or "parquet"; by default from the file's extension (.parquet, else CSV). */
    String format() default "";
}
