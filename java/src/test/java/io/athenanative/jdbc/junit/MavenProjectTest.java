package io.athenanative.jdbc.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A user's Maven project (tests/maven/project, built with Debian's mvn) that depends on the driver and
 * athena-local-junit by coordinates, from the local repository `gradle publishToMavenLocal` filled, and
 * runs its JUnit 5 tests with the extension.
 */
class MavenProjectTest {
    @Test
    void aMavenBuildUsesBothArtifactsByCoordinates() throws Exception {
        Path project = Files.createTempDirectory("maven-user-project");
        copyTree(Paths.get("tests/maven/project"), project);
        Path output = project.resolve("mvn-output.log");
        Process mvn = new ProcessBuilder("mvn", "-B", "-e", "test")
                .directory(project.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        mvn.getOutputStream().close();
        assertTrue(mvn.waitFor(15, TimeUnit.MINUTES), "mvn finished");
        String log = new String(Files.readAllBytes(output), StandardCharsets.UTF_8);
        assertEquals(0, mvn.exitValue(), log.substring(Math.max(0, log.length() - 4000)));
        assertTrue(log.contains("Tests run: 2, Failures: 0, Errors: 0, Skipped: 0"), log);
        // The artifacts came from the local repository, by coordinates.
        File surefire = project.resolve("target/surefire-reports").toFile();
        assertTrue(surefire.isDirectory(), "surefire ran the tests");
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path source : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
