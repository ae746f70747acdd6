package io.athenanative.local.junit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/** The athena-local executable this jar carries, extracted once per JVM to a private temporary folder. */
final class Binary {
    /** Overrides the carried binary, e.g. with one built from source. */
    static final String OVERRIDE = "athena.local.junit.binary";
    private static final String RESOURCE = "/io/athenanative/local/junit/linux-x86_64/athena-local";
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
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new IOException("this jar carries athena-local for linux-x86_64 only, not " + os + "/" + arch
                    + "; set -D" + OVERRIDE + "=/path/to/athena-local to use one built for this machine");
        }
        try (InputStream in = Binary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("the jar does not carry " + RESOURCE);
            }
            Path dir = Files.createTempDirectory("athena-local-");
            Path target = dir.resolve("athena-local");
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            if (!target.toFile().setExecutable(true, true)) {
                throw new IOException("cannot make " + target + " executable");
            }
            // Exit hooks run in reverse order of registration: the file, then its folder.
            dir.toFile().deleteOnExit();
            target.toFile().deleteOnExit();
            extracted = target;
            return target;
        }
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
