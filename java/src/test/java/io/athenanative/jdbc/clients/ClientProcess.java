package io.athenanative.jdbc.clients;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real client (pyspark, sqlline, SchemaCrawler) run as a child process under coreutils' {@code timeout}:
 * it runs in its own process group, which {@code timeout} kills as a whole (the JVM pyspark starts, too)
 * when the limit passes or when this test stops it, so nothing is left behind even if the test JVM dies.
 */
public final class ClientProcess {
    public final int exitCode;
    public final String output;
    final double seconds;

    private ClientProcess(int exitCode, String output, double seconds) {
        this.exitCode = exitCode;
        this.output = output;
        this.seconds = seconds;
    }

    /** Runs {@code command} in {@code directory} with {@code environment} added; stdout and stderr together. */
    static ClientProcess run(String name, List<String> command, File directory, Map<String, String> environment,
            int timeoutSeconds) throws IOException, InterruptedException {
        List<String> bounded = new ArrayList<String>();
        bounded.add("timeout");
        bounded.add("--kill-after=10");
        bounded.add(Integer.toString(timeoutSeconds));
        bounded.addAll(command);
        File log = File.createTempFile("client-" + name + "-", ".log");
        ProcessBuilder builder = new ProcessBuilder(bounded)
                .directory(directory)
                .redirectErrorStream(true)
                .redirectOutput(log)
                .redirectInput(new File("/dev/null"));
        builder.environment().putAll(environment);
        long started = System.nanoTime();
        Process process = builder.start();
        try {
            if (!process.waitFor(timeoutSeconds + 30L, TimeUnit.SECONDS)) {
                fail(name + " did not finish within " + timeoutSeconds + " s:\n" + read(log));
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            String output = read(log);
            System.out.printf("[clients] %s ran %.1f s, exit %d%n", name, seconds, process.exitValue());
            if (process.exitValue() == 124 || process.exitValue() == 137) {
                fail(name + " was stopped after " + timeoutSeconds + " s:\n" + output);
            }
            return new ClientProcess(process.exitValue(), output, seconds);
        } finally {
            stop(process);
            Files.deleteIfExists(log.toPath());
        }
    }

    /** SIGTERM to {@code timeout}, which passes it on to the whole group; then SIGKILL if still there. */
    private static void stop(Process process) throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private static String read(File file) throws IOException {
        return new String(Files.readAllBytes(file.toPath()), StandardCharsets.UTF_8);
    }

    /**
     * Runs {@code mainClass} of a command-line client in a JVM of its own, on the classpath the build gives
     * in {@code classpathProperty} plus the driver jar, as a user adds the driver to the tool.
     */
    public static ClientProcess runJava(String name, String classpathProperty, String mainClass, int timeoutSeconds,
            String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<String>();
        command.add(new File(System.getProperty("java.home"), "bin/java").getAbsolutePath());
        command.add("-cp");
        command.add(property(classpathProperty) + File.pathSeparator + property("athena.driver.jar"));
        command.add(mainClass);
        command.addAll(Arrays.asList(arguments));
        return run(name, command, new File("."), Collections.<String, String>emptyMap(), timeoutSeconds);
    }

    /** A system property the build sets, or a clear failure naming it. */
    static String property(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isEmpty()) {
            fail("system property " + name + " is not set: run the tests with `gradle junitTest` (build.gradle sets it)");
        }
        return value;
    }
}
