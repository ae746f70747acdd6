package io.athenanative.jdbc.credentials;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;

/**
 * Finds a credentials provider class and constructs it, as the official Athena drivers do: with
 * CredentialsProviderArguments, the public constructor taking that many Strings (else one taking a String
 * array); without, the public no-argument constructor (else a public static {@code create()}, as the SDK v2's
 * own providers have). Problems with the class are SQLState 08001 and name it.
 */
final class ProviderFactory {
    static final String BAD_CLASS = "08001";

    private ProviderFactory() {
    }

    /**
     * The class, from the calling thread's context class loader (the application's, also in tools and
     * servers that load the driver in a loader of its own), else the driver's own loader.
     */
    static Class<?> find(String className) throws SQLException {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        ClassLoader own = ProviderFactory.class.getClassLoader();
        for (ClassLoader loader : new ClassLoader[] {context, own == null ? ClassLoader.getSystemClassLoader() : own}) {
            if (loader == null) {
                continue;
            }
            try {
                return Class.forName(className, true, loader);
            } catch (ClassNotFoundException e) {
                // Next loader.
            } catch (LinkageError | RuntimeException e) {
                // The class is there but cannot load: usually its SDK is missing from the class path.
                throw problem(className, "cannot be loaded: " + e);
            }
        }
        throw problem(className, "no such class on the application's class path (looked in the connecting thread's"
                + " context class loader and the driver's)");
    }

    /** A new provider object of {@code type}. */
    static Object construct(Class<?> type, List<String> arguments) throws SQLException {
        String name = type.getName();
        if (!Modifier.isPublic(type.getModifiers())) {
            throw problem(name, "is not public, so the driver cannot construct it");
        }
        if (Modifier.isAbstract(type.getModifiers())) {
            throw problem(name, "is abstract or an interface; name a class that can be constructed");
        }
        try {
            if (!arguments.isEmpty()) {
                Class<?>[] strings = new Class<?>[arguments.size()];
                Arrays.fill(strings, String.class);
                Constructor<?> c = publicConstructor(type, strings);
                if (c != null) {
                    return c.newInstance(arguments.toArray());
                }
                c = publicConstructor(type, String[].class);
                if (c != null) {
                    return c.newInstance((Object) arguments.toArray(new String[0]));
                }
                throw problem(name, "has no public constructor taking " + arguments.size()
                        + " String argument(s), as CredentialsProviderArguments gives");
            }
            Constructor<?> c = publicConstructor(type);
            if (c != null) {
                return c.newInstance();
            }
            Method create = publicStaticCreate(type);
            if (create != null) {
                return create.invoke(null);
            }
            throw problem(name, "has no public constructor without arguments nor a static create(); give its"
                    + " constructor's arguments in CredentialsProviderArguments");
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw problem(name, "could not be constructed: " + Redaction.describe(cause, arguments));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            throw problem(name, "could not be constructed: " + Redaction.describe(e, arguments));
        }
    }

    private static Constructor<?> publicConstructor(Class<?> type, Class<?>... parameters) {
        try {
            Constructor<?> c = type.getConstructor(parameters);
            return Modifier.isPublic(c.getModifiers()) ? c : null;
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static Method publicStaticCreate(Class<?> type) {
        try {
            Method m = type.getMethod("create");
            boolean usable = Modifier.isStatic(m.getModifiers()) && type.isAssignableFrom(m.getReturnType())
                    && Modifier.isPublic(m.getDeclaringClass().getModifiers());
            return usable ? m : null;
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    static SQLException problem(String className, String what) {
        return new SQLException("CredentialsProvider " + className + ": " + what, BAD_CLASS);
    }
}
