package io.athenanative.jdbc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The test servers (athena-local, the OpenID provider) run as child processes that announce themselves on
 * their first line of output and exit when their stdin closes, so a crashed test JVM leaves none behind.
 */
public final class ChildProcess {
    private ChildProcess() {}

    /** The process and what its first line says after {@code marker}. */
    public static final class Started {
        public final Process process;
        public final String announced;

        Started(Process process, String announced) {
            this.process = process;
            this.announced = announced;
        }
    }

    /** Starts {@code builder} (stderr goes to the test's) and waits for a first line beginning with {@code marker}. */
    public static Started start(ProcessBuilder builder, String marker) throws IOException {
        builder.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process process = builder.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null || !line.startsWith(marker)) {
            process.destroyForcibly();
            List<String> command = builder.command();
            throw new IOException(command.get(0) + " did not start; first line: " + line);
        }
        return new Started(process, line.substring(marker.length()).trim());
    }

    /** Closes stdin, then kills the process if it has not exited within 5 seconds. */
    public static void stop(Process process) {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
        }
    }
}
