package io.athenanative.jdbc.jni;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.util.Locale;

/**
 * Loads the driver's native library once per class loader: from the path in the
 * system property {@value #PATH_PROPERTY} when set, else extracted from the jar
 * into a fresh private temporary directory, so concurrent JVMs never share a file.
 */
public final class NativeLibrary {
    public static final String PATH_PROPERTY = "athena.jdbc.native.path";
    static final String LIBRARY = "athena_jni";

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
            } catch (IOException | UnsatisfiedLinkError | SecurityException e) {
                failure = new SQLException("The Athena driver's native library could not be loaded: " + e.getMessage(), "08001", e);
                throw failure;
            }
        }
    }

    private static void load() throws IOException {
        String override = System.getProperty(PATH_PROPERTY);
        if (override != null && !override.trim().isEmpty()) {
            File file = new File(override.trim());
            if (!file.isFile()) {
                throw new IOException("system property " + PATH_PROPERTY + " names " + file + ", which is not a file");
            }
            System.load(file.getAbsolutePath());
            return;
        }
        String resource = "/native/" + platform() + "/" + System.mapLibraryName(LIBRARY);
        try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("this jar has no native library for " + platform() + " (looked for " + resource
                        + "); set -D" + PATH_PROPERTY + "=/path/to/" + System.mapLibraryName(LIBRARY));
            }
            Path dir = Files.createTempDirectory("athena-jdbc-");
            Path target = dir.resolve(System.mapLibraryName(LIBRARY));
            // Exit hooks delete in the reverse order of registration: the file, then its (empty) folder.
            dir.toFile().deleteOnExit();
            target.toFile().deleteOnExit();
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            System.load(target.toAbsolutePath().toString());
            if (!platform().startsWith("windows")) {
                // A loaded library stays mapped once its file is gone, so nothing is left even if the JVM is killed.
                Files.deleteIfExists(target);
                Files.deleteIfExists(dir);
            }
        }
    }

    /** The jar's folder for this machine, e.g. linux-x86_64. */
    public static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String osName = os.contains("win") ? "windows" : os.contains("mac") || os.contains("darwin") ? "darwin" : "linux";
        String archName = arch.equals("amd64") || arch.equals("x86_64") ? "x86_64"
                : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : arch;
        return osName + "-" + archName;
    }
}
