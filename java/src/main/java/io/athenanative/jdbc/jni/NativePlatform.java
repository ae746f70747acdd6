package io.athenanative.jdbc.jni;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The jar's name for a machine ({@code <os>-<arch>}, e.g. {@code macos-aarch64}, with {@code -musl} for Linux on
 * musl libc) and the file name of the native library there. The jar's folders are {@code native/<platform>/}, listed
 * in {@value #INDEX}, which the build writes from the same folders.
 */
final class NativePlatform {
    static final String INDEX = "/native/platforms.txt";
    static final String LIBRARY = "athena_jni";

    private NativePlatform() {
    }

    /** This machine's platform, from {@code os.name}, {@code os.arch} and, on Linux, the C library the JVM runs on. */
    static String detect() {
        String os = System.getProperty("os.name", "");
        return of(os, System.getProperty("os.arch", ""), isLinux(os) && runsOnMusl());
    }

    /** The platform of {@code os.name} and {@code os.arch} values as JVMs report them. */
    static String of(String osName, String osArch, boolean musl) {
        String os = osName.toLowerCase(Locale.ROOT);
        String osPart;
        if (os.startsWith("windows")) {
            osPart = "windows";
        } else if (os.startsWith("mac") || os.startsWith("darwin")) {
            osPart = "macos";
        } else if (isLinux(osName)) {
            osPart = "linux";
        } else {
            // FreeBSD, SunOS, AIX...: named, so the error says which, though no jar carries them.
            osPart = os.replaceAll("[^a-z0-9]", "");
        }
        String arch = osArch.toLowerCase(Locale.ROOT);
        String archPart;
        switch (arch) {
            case "amd64":
            case "x86_64":
            case "x86-64":
            case "x64":
            case "em64t":
                archPart = "x86_64";
                break;
            case "aarch64":
            case "arm64":
                archPart = "aarch64";
                break;
            case "x86":
            case "i386":
            case "i486":
            case "i586":
            case "i686":
                archPart = "x86";
                break;
            default:
                archPart = arch.replaceAll("[^a-z0-9_]", "");
        }
        return osPart + "-" + archPart + (musl && osPart.equals("linux") ? "-musl" : "");
    }

    /** The library's file name in a platform's folder: each OS names shared libraries its own way. */
    static String libraryFile(String platform) {
        if (platform.startsWith("windows-")) {
            return LIBRARY + ".dll";
        }
        if (platform.startsWith("macos-")) {
            return "lib" + LIBRARY + ".dylib";
        }
        return "lib" + LIBRARY + ".so";
    }

    /** The jar entry of a platform's library. */
    static String resource(String platform) {
        return "/native/" + platform + "/" + libraryFile(platform);
    }

    private static boolean isLinux(String osName) {
        return osName.toLowerCase(Locale.ROOT).startsWith("linux");
    }

    /**
     * Whether this JVM runs on musl (Alpine) rather than glibc: a glibc build does not load there. The C library the
     * process has mapped says it; a musl installed beside glibc (Debian's musl-tools) does not count.
     */
    private static boolean runsOnMusl() {
        try {
            return mapsShowMusl(new String(Files.readAllBytes(Paths.get("/proc/self/maps")), StandardCharsets.UTF_8));
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    /** Whether a {@code /proc/<pid>/maps} listing has musl's loader or libc mapped. */
    static boolean mapsShowMusl(String maps) {
        for (String line : maps.split("\n")) {
            int slash = line.lastIndexOf('/');
            String file = slash < 0 ? "" : line.substring(slash + 1).trim();
            if (file.startsWith("ld-musl-") || file.startsWith("libc.musl-")) {
                return true;
            }
        }
        return false;
    }

    /** The platforms whose library the jar of {@code anchor} carries, as its index lists them; empty without one. */
    static List<String> carried(Class<?> anchor) {
        List<String> platforms = new ArrayList<String>();
        try (InputStream in = anchor.getResourceAsStream(INDEX)) {
            if (in == null) {
                return platforms;
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = reader.readLine()) != null; ) {
                if (!line.trim().isEmpty()) {
                    platforms.add(line.trim());
                }
            }
        } catch (IOException e) {
            // An unreadable index only shortens the error message it was read for.
        }
        Collections.sort(platforms);
        return platforms;
    }
}
