package io.athenanative.local.junit;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The athena-local executable this jar carries for this machine's platform ({@code <os>-<arch>}, named as the driver
 * names its natives: linux-x86_64, linux-aarch64, macos-x86_64, macos-aarch64, windows-x86_64), extracted once per
 * JVM to a private temporary folder.
 */
final class Binary {
    /** Overrides the carried binary, e.g. with one built from source. */
    static final String OVERRIDE = "athena.local.junit.binary";
    private static final String FOLDER = "/io/athenanative/local/junit/";
    private static Path extracted;

    private Binary() {}

    static synchronized Path path() throws IOException {
        String override = System.getProperty(OVERRIDE);
        if (override != null && !override.isEmpty()) {
            return Paths.get(override);
        }
        if (extracted != null && Files.isExecutable(extracted)) {
            return extracted;
        }
        String platform = platform(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
        String file = platform.startsWith("windows-") ? "athena-local.exe" : "athena-local";
        String resource = FOLDER + platform + "/" + file;
        try (InputStream in = Binary.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("this jar carries athena-local for " + carried() + ", not for this machine (" + platform
                        + "); set -D" + OVERRIDE + "=/path/to/" + file + " to one built for it (cargo build --release -p athena-local)");
            }
            Path dir = Files.createTempDirectory("athena-local-");
            Path target = dir.resolve(file);
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            // Windows has no executable bit: there every file may run, and setExecutable may report false.
            if (!target.toFile().setExecutable(true, true) && !platform.startsWith("windows-")) {
                throw new IOException("cannot make " + target + " executable");
            }
            // Exit hooks run in reverse order of registration: the file, then its folder. On Windows
            // a running executable cannot be deleted: the server is stopped before these hooks run.
            dir.toFile().deleteOnExit();
            target.toFile().deleteOnExit();
            extracted = target;
            return target;
        }
    }

    /** The jar's name for a machine, as the driver's loader (NativePlatform) names it. */
    static String platform(String osName, String osArch) {
        String os = osName.toLowerCase(Locale.ROOT);
        String arch = osArch.toLowerCase(Locale.ROOT);
        String osPart = os.startsWith("windows") ? "windows"
                : os.startsWith("mac") || os.startsWith("darwin") ? "macos"
                : os.startsWith("linux") ? "linux" : os.replaceAll("[^a-z0-9]", "");
        String archPart = arch.equals("amd64") || arch.equals("x86_64") || arch.equals("x64") ? "x86_64"
                : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : arch.replaceAll("[^a-z0-9_]", "");
        return osPart + "-" + archPart;
    }

    /** What the jar's index lists, for the error. */
    private static String carried() {
        List<String> platforms = new ArrayList<>();
        try (InputStream in = Binary.class.getResourceAsStream(FOLDER + "platforms.txt")) {
            if (in != null) {
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                for (String line; (line = reader.readLine()) != null; ) {
                    if (!line.trim().isEmpty()) {
                        platforms.add(line.trim());
                    }
                }
            }
        } catch (IOException e) {
            // Only the message is shorter.
        }
        return platforms.isEmpty() ? "no listed platform" : String.join(", ", platforms);
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException e) {
            // A leftover temporary folder is not worth failing a test run for.
        }
    }
}
