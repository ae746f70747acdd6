package io.athenanative.jdbc.jni;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Loads the driver's native library once per class loader: from the path in the
 * system property {@value #PATH_PROPERTY} when set, else extracted from the jar's
 * {@code native/<platform>/} folder (see {@link NativePlatform}) into a fresh private
 * temporary directory, so concurrent JVMs never share a file. A machine the jar has
 * no library for, a library that does not load, and a JVM that refuses native access
 * are each an {@link SQLException} that says what to do.
 */
public final class NativeLibrary {
    public static final String PATH_PROPERTY = "athena.jdbc.native.path";
    /** The JVM option that grants native access to code on the class path (JDK 22 and later warn without it). */
    static final String NATIVE_ACCESS_OPTION = "--enable-native-access=ALL-UNNAMED";
    static final String TEMP_PREFIX = "athena-jdbc-";
    /**
     * A temporary folder of ours this old is a leftover: Windows cannot delete a loaded DLL, so each JVM's copy
     * outlives it; a JVM that is still loading its copy is younger than this.
     */
    static final long STALE_AFTER_MILLIS = TimeUnit.MINUTES.toMillis(10);

    private static volatile boolean loaded;
    private static SQLException failure;

    private NativeLibrary() {
    }

    public static void ensureLoaded() throws SQLException {
        if (loaded) {
            return;
        }
        synchronized (NativeLibrary.class) {
            if (loaded) {
                return;
            }
            if (failure != null) {
                throw failure;
            }
            try {
                load();
                loaded = true;
            } catch (SQLException e) {
                failure = e;
                throw e;
            } catch (IOException | SecurityException e) {
                failure = new SQLException("The Athena driver's native library could not be loaded: " + e.getMessage(), "08001", e);
                throw failure;
            }
        }
    }

    private static void load() throws IOException, SQLException {
        String override = System.getProperty(PATH_PROPERTY);
        if (override != null && !override.trim().isEmpty()) {
            File file = new File(override.trim());
            if (!file.isFile()) {
                throw new IOException("system property " + PATH_PROPERTY + " names " + file + ", which is not a file");
            }
            systemLoad(file.getAbsolutePath(), file.toString());
            return;
        }
        String platform = platform();
        String resource = NativePlatform.resource(platform);
        try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw notCarried(platform, NativePlatform.carried(NativeLibrary.class));
            }
            File tmp = new File(System.getProperty("java.io.tmpdir", "."));
            sweepLeftovers(tmp, System.currentTimeMillis());
            Path dir = Files.createTempDirectory(tmp.toPath(), TEMP_PREFIX);
            Path target = dir.resolve(NativePlatform.libraryFile(platform));
            // Exit hooks delete in the reverse order of registration: the file, then its (empty) folder.
            dir.toFile().deleteOnExit();
            target.toFile().deleteOnExit();
            try {
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                systemLoad(target.toAbsolutePath().toString(), resource.substring(1) + " in the driver jar");
            } finally {
                // A loaded library stays mapped once its file is gone, so nothing is left even if the JVM is killed.
                // Windows refuses while the DLL is loaded: that copy goes at a later start (sweepLeftovers).
                deleteQuietly(target);
                deleteQuietly(dir);
            }
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // Still in use (a loaded DLL, its folder): deleteOnExit or the next start's sweep takes it.
        }
    }

    /** {@link System#load}, its refusals turned into errors that say what to change. */
    private static void systemLoad(String path, String what) throws SQLException {
        try {
            System.load(path);
        } catch (UnsatisfiedLinkError e) {
            throw new SQLException("The Athena driver's native library for " + platform() + " (" + what
                    + ") could not be loaded: " + e.getMessage() + "; set -D" + PATH_PROPERTY
                    + " to a library built for this machine (README, \"Platforms\")", "08001", e);
        } catch (RuntimeException e) {
            // IllegalCallerException (Java 9+, so named here by name): the JVM runs with
            // --illegal-native-access=deny, as later JDKs will by default.
            if (!e.getClass().getName().equals("java.lang.IllegalCallerException")) {
                throw e;
            }
            throw new SQLException("The JVM refused the Athena driver native access (" + e.getMessage()
                    + "); start it with " + nativeAccessOption()
                    + " (DBeaver: a line in dbeaver.ini after -vmargs; DataGrip: Help > Edit Custom VM Options; Spark: "
                    + "spark.driver.extraJavaOptions and spark.executor.extraJavaOptions; README, \"The native library\")",
                    "08001", e);
        }
    }

    /** The option that grants native access to the module this class is in: ALL-UNNAMED on the class path. */
    static String nativeAccessOption() {
        try {
            Object module = Class.class.getMethod("getModule").invoke(NativeLibrary.class);
            Method isNamed = module.getClass().getMethod("isNamed");
            if (Boolean.TRUE.equals(isNamed.invoke(module))) {
                return "--enable-native-access=" + module.getClass().getMethod("getName").invoke(module);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Java 8 has no modules: the class path is all there is.
        }
        return NATIVE_ACCESS_OPTION;
    }

    private static SQLException notCarried(String platform, List<String> carried) {
        StringBuilder message = new StringBuilder("The Athena driver has no native library for this machine, ")
                .append(platform).append(" (os.name \"").append(System.getProperty("os.name"))
                .append("\", os.arch \"").append(System.getProperty("os.arch")).append("\"); this jar carries ")
                .append(carried.isEmpty() ? "no list of its platforms" : String.join(", ", carried)).append('.');
        String glibc = platform.endsWith("-musl") ? platform.substring(0, platform.length() - "-musl".length()) : null;
        if (glibc != null && carried.contains(glibc)) {
            message.append(" This JVM runs on musl libc (e.g. Alpine), where the jar's ").append(glibc)
                    .append(" library, built for glibc, does not load; run a glibc JVM (e.g. a Debian or Ubuntu image),");
        } else {
            message.append(" Use a jar built with this platform's library (README, \"Platforms\"),");
        }
        message.append(" or build ").append(NativePlatform.libraryFile(platform)).append(" from source and set -D")
                .append(PATH_PROPERTY).append("=/path/to/").append(NativePlatform.libraryFile(platform));
        return new SQLException(message.toString(), "08001");
    }

    /**
     * Deletes the temporary folders of earlier JVMs that are still there: on Windows every one (a loaded DLL cannot
     * be deleted, so each JVM leaves its copy), elsewhere those of a JVM killed between copying and loading. Only
     * folders of ours that hold nothing but a library are touched; a DLL another JVM still has loaded refuses to go
     * and stays.
     */
    static void sweepLeftovers(File tmp, long now) {
        File[] folders = tmp.listFiles((dir, name) -> name.startsWith(TEMP_PREFIX));
        if (folders == null) {
            return;
        }
        for (File folder : folders) {
            if (!folder.isDirectory() || now - folder.lastModified() < STALE_AFTER_MILLIS) {
                continue;
            }
            File[] files = folder.listFiles();
            if (files == null) {
                continue;
            }
            boolean ours = true;
            for (File file : files) {
                ours &= file.isFile() && isLibraryFile(file.getName());
            }
            if (!ours) {
                continue;
            }
            boolean emptied = true;
            for (File file : files) {
                emptied &= file.delete();
            }
            if (emptied) {
                // Fails harmlessly for another user's folder, which stays as it is.
                folder.delete();
            }
        }
    }

    private static boolean isLibraryFile(String name) {
        return name.equals(NativePlatform.libraryFile("linux-x86_64")) || name.equals(NativePlatform.libraryFile("macos-x86_64"))
                || name.equals(NativePlatform.libraryFile("windows-x86_64"));
    }

    /** The jar's folder for this machine, e.g. linux-x86_64 or macos-aarch64. */
    public static String platform() {
        return NativePlatform.detect();
    }
}
