package io.athenanative.jdbc.jni;

import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Frees the native side of a connection or result set the application forgot to close, once the
 * garbage collector finds it unreachable, and says so at WARNING. This is {@code java.lang.ref.Cleaner}'s
 * job, done with a phantom reference and a daemon thread because the driver runs on Java 8.
 */
public final class NativeCleaner {
    /** The driver's java.util.logging logger (also {@code Driver.getParentLogger()}). */
    public static final Logger LOG = Logger.getLogger("io.athenanative.jdbc");

    /** How a kind of handle is closed. */
    public interface Close {
        void close(long handle) throws Exception;
    }

    /** The native side of one object: freed once, by an explicit close or by the collector. */
    public interface Cleanable {
        void clean() throws java.sql.SQLException;
    }

    private static final ReferenceQueue<Object> QUEUE = new ReferenceQueue<Object>();
    // Keeps the references themselves reachable until they are cleaned.
    private static final Set<Tracked> TRACKED = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private NativeCleaner() {
    }

    /** Tracks {@code owner}; {@code close} must not refer to the owner, or it is never collected. */
    public static Cleanable register(Object owner, String what, long handle, Close close) {
        if (STARTED.compareAndSet(false, true)) {
            Thread thread = new Thread(NativeCleaner::run, "athena-jdbc-cleaner");
            thread.setDaemon(true);
            thread.start();
        }
        Tracked tracked = new Tracked(owner, what, handle, close);
        TRACKED.add(tracked);
        return tracked;
    }

    private static void run() {
        while (true) {
            try {
                ((Tracked) QUEUE.remove()).leaked();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "freeing a leaked native handle failed", e);
            }
        }
    }

    private static final class Tracked extends PhantomReference<Object> implements Cleanable {
        private final String what;
        private final long handle;
        private final Close close;
        private final AtomicBoolean done = new AtomicBoolean();

        Tracked(Object owner, String what, long handle, Close close) {
            super(owner, QUEUE);
            this.what = what;
            this.handle = handle;
            this.close = close;
        }

        @Override
        public void clean() throws java.sql.SQLException {
            if (done.compareAndSet(false, true)) {
                TRACKED.remove(this);
                clear();
                try {
                    close.close(handle);
                } catch (java.sql.SQLException | RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new java.sql.SQLException(e.getMessage(), "HY000", e);
                }
            }
        }

        void leaked() {
            if (done.compareAndSet(false, true)) {
                TRACKED.remove(this);
                LOG.warning(what + " was not closed; the garbage collector found it and its native resources were freed."
                        + " Close JDBC objects (try-with-resources) to free them at once.");
                try {
                    close.close(handle);
                } catch (Exception e) {
                    LOG.log(Level.WARNING, "freeing " + what + " failed", e);
                }
            }
        }
    }
}
