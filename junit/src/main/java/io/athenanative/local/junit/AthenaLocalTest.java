package io.athenanative.local.junit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts athena-local for the test class (or once per JVM with {@code perJvm = true}) and hands test
 * methods and constructors an {@link AthenaLocal} or a {@link javax.sql.DataSource} parameter.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Inherited
@ExtendWith(AthenaLocalExtension.class)
public @interface AthenaLocalTest {
    AthenaLocalTable[] tables() default {};

    /** One server for every class of the run that asks for the same tables, stopped when the run ends. */
    boolean perJvm() default false;
}
