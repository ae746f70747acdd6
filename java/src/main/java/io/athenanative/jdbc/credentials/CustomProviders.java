package io.athenanative.jdbc.credentials;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The credentials provider objects of CredentialsProvider=&lt;class&gt;, called by the native library only.
 * {@link #obtain} runs on the thread that opens the connection (its context class loader sees the
 * application's classes); the native side holds the returned handle and asks {@link #credentials} from a
 * thread of its own, so each object remembers the context class loader it was made under. Connections with
 * the same class and arguments share one object (and so one sign-in) while any holds it.
 */
public final class CustomProviders {
    /** The provider's own failure: it threw, or gave no usable credentials. */
    static final String PROVIDER_FAILED = "28000";

    private static final Map<Key, Entry> BY_KEY = new HashMap<Key, Entry>();
    private static final Map<Long, Entry> BY_HANDLE = new HashMap<Long, Entry>();
    private static long nextHandle = 1;

    private CustomProviders() {
    }

    /** One more reference to the object for {@code className} and {@code arguments}, made if there is none. */
    public static long obtain(String className, String[] arguments) throws SQLException {
        List<String> args = Collections.unmodifiableList(new ArrayList<String>(Arrays.asList(arguments)));
        Class<?> type = ProviderFactory.find(className);
        ProviderKind kind = ProviderKind.of(type);
        if (kind == null) {
            throw ProviderFactory.problem(className, "implements neither " + ProviderKind.SDK_V2.interfaceName
                    + " (AWS SDK for Java 2.x) nor " + ProviderKind.SDK_V1.interfaceName + " (1.x)");
        }
        Key key = new Key(type, args);
        synchronized (CustomProviders.class) {
            Entry held = BY_KEY.get(key);
            if (held != null) {
                held.references++;
                return held.handle;
            }
        }
        // Constructed outside the lock: a slow constructor holds up no other connection.
        Object provider = ProviderFactory.construct(type, args);
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        synchronized (CustomProviders.class) {
            Entry held = BY_KEY.get(key);
            if (held == null) {
                held = new Entry(nextHandle++, key, provider, kind, loader);
                BY_KEY.put(key, held);
                BY_HANDLE.put(held.handle, held);
            }
            held.references++;
            return held.handle;
        }
    }

    /** access key id, secret access key, session token or null, expiry (epoch milliseconds) or null. */
    public static String[] credentials(long handle) throws SQLException {
        Entry entry;
        synchronized (CustomProviders.class) {
            entry = BY_HANDLE.get(handle);
        }
        if (entry == null) {
            throw new SQLException("the credentials provider object was released", "HY010");
        }
        return entry.credentials();
    }

    /** Drops one reference; the object goes with the last. */
    public static synchronized void release(long handle) {
        Entry entry = BY_HANDLE.get(handle);
        if (entry != null && --entry.references <= 0) {
            BY_HANDLE.remove(handle);
            BY_KEY.remove(entry.key);
        }
    }

    /** How many provider objects are held (for tests of leaks). */
    public static synchronized int held() {
        return BY_HANDLE.size();
    }

    /** The class itself (not its name: another loader's class is another provider) and the arguments. */
    private static final class Key {
        final Class<?> type;
        final List<String> arguments;

        Key(Class<?> type, List<String> arguments) {
            this.type = type;
            this.arguments = arguments;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key && ((Key) o).type == type && ((Key) o).arguments.equals(arguments);
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(type) * 31 + arguments.hashCode();
        }

        @Override
        public String toString() {
            // The arguments may hold a password.
            return "CustomProviders.Key(" + type.getName() + ", " + arguments.size() + " arguments)";
        }
    }

    private static final class Entry {
        final long handle;
        final Key key;
        final Object provider;
        final ProviderKind kind;
        final ClassLoader loader;
        int references;
        private volatile boolean called;

        Entry(long handle, Key key, Object provider, ProviderKind kind, ClassLoader loader) {
            this.handle = handle;
            this.key = key;
            this.provider = provider;
            this.kind = kind;
            this.loader = loader;
        }

        String[] credentials() throws SQLException {
            String name = key.type.getName();
            Thread thread = Thread.currentThread();
            ClassLoader before = thread.getContextClassLoader();
            // The provider runs as it would on the connecting thread (ServiceLoader and the SDKs look here).
            thread.setContextClassLoader(loader);
            Object answer;
            String[] values;
            try {
                answer = kind.fetch(provider, called);
                called = true;
                if (answer == null) {
                    throw failed(name, "returned no credentials (null)");
                }
                values = kind.read(answer);
            } catch (SQLException e) {
                throw e;
            } catch (Exception | LinkageError e) {
                throw failed(name, "failed: " + Redaction.describe(e, key.arguments));
            } finally {
                thread.setContextClassLoader(before);
            }
            if (values[0] == null || values[0].trim().isEmpty()) {
                throw failed(name, "returned credentials without an access key id");
            }
            if (values[1] == null || values[1].isEmpty()) {
                throw failed(name, "returned credentials without a secret access key");
            }
            return values;
        }

        private static SQLException failed(String className, String what) {
            return new SQLException("CredentialsProvider " + className + " " + what, PROVIDER_FAILED);
        }

        @Override
        public String toString() {
            return "CustomProviders.Entry(" + handle + ", " + key + ")";
        }
    }
}
