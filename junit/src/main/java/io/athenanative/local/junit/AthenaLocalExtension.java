package io.athenanative.local.junit;

import java.io.IOException;
import java.util.Arrays;
import javax.sql.DataSource;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit 5 extension behind {@link AthenaLocalTest}. For tables chosen in code, register it with a
 * builder: {@code @RegisterExtension static AthenaLocalExtension athena = new
 * AthenaLocalExtension(AthenaLocal.builder().table("cities", "cities.csv"));}
 */
public final class AthenaLocalExtension implements BeforeAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(AthenaLocalExtension.class);

    private final AthenaLocal.Builder builder;
    private final boolean perJvm;

    /** Configured by the test class's {@link AthenaLocalTest} annotation. */
    public AthenaLocalExtension() {
        this(null, false);
    }

    /** Serves what {@code builder} names, for the test class. */
    public AthenaLocalExtension(AthenaLocal.Builder builder) {
        this(builder, false);
    }

    private AthenaLocalExtension(AthenaLocal.Builder builder, boolean perJvm) {
        this.builder = builder;
        this.perJvm = perJvm;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        server(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == AthenaLocal.class || type == DataSource.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        AthenaLocal server = server(context);
        return parameter.getParameter().getType() == DataSource.class ? server.dataSource() : server;
    }

    /** The class's server, started on first use. */
    private AthenaLocal server(ExtensionContext context) {
        AthenaLocalTest annotation = AnnotationSupport
                .findAnnotation(context.getRequiredTestClass(), AthenaLocalTest.class).orElse(null);
        boolean shared = builder == null ? annotation != null && annotation.perJvm() : perJvm;
        ExtensionContext owner = shared ? context.getRoot() : classContext(context);
        String key = shared && annotation != null ? "jvm:" + Arrays.toString(tableKeys(annotation)) : "class";
        Running running = owner.getStore(NAMESPACE).getOrComputeIfAbsent(key,
                k -> new Running(start(annotation)), Running.class);
        return running.server;
    }

    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext c = context;
        while (c.getTestMethod().isPresent() && c.getParent().isPresent()) {
            c = c.getParent().get();
        }
        return c;
    }

    private static String[] tableKeys(AthenaLocalTest annotation) {
        String[] keys = new String[annotation.tables().length];
        for (int i = 0; i < keys.length; i++) {
            AthenaLocalTable t = annotation.tables()[i];
            keys[i] = t.database() + "." + t.name() + "=" + t.path() + ":" + t.format();
        }
        return keys;
    }

    private AthenaLocal start(AthenaLocalTest annotation) {
        AthenaLocal.Builder b = builder;
        if (b == null) {
            b = AthenaLocal.builder();
            if (annotation != null) {
                for (AthenaLocalTable t : annotation.tables()) {
                    b.table(t.database(), t.name(), t.path(), t.format());
                }
            }
        }
        try {
            return b.start();
        } catch (IOException e) {
            throw new ExtensionConfigurationException("athena-local could not start: " + e.getMessage(), e);
        }
    }

    /** Stops the server when its owning context closes: the class, or the whole run. */
    private static final class Running implements ExtensionContext.Store.CloseableResource {
        final AthenaLocal server;

        Running(AthenaLocal server) {
            this.server = server;
        }

        @Override
        public void close() {
            server.close();
        }
    }
}
