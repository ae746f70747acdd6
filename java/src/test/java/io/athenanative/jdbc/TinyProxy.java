package io.athenanative.jdbc;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real HTTP proxy for the proxy tests: Debian's tinyproxy (installed by tests/proxy/setup.sh) on a free
 * loopback port, with Basic authentication and a log of every request it forwards.
 */
public final class TinyProxy implements AutoCloseable {
    private static final Pattern REQUEST = Pattern.compile("Request \\(file descriptor \\d+\\): (\\S+ \\S+)");

    private final Process process;
    private final int port;
    private final Path log;

    private TinyProxy(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts a proxy that asks for {@code user} and {@code password}. */
    public static TinyProxy start(String user, String password) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("tinyproxy");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path log = dir.resolve("requests.log");
        Path config = dir.resolve("tinyproxy.conf");
        String text = "Port " + port + "\nListen 127.0.0.1\nTimeout 60\nMaxClients 200\nLogLevel Info\n"
                + "LogFile \"" + log + "\"\nDisableViaHeader Yes\nBasicAuth " + user + " " + password + "\n";
        Files.write(config, text.getBytes(StandardCharsets.UTF_8));
        // -d: in the foreground, so the process is the proxy and stops with it.
        ProcessBuilder builder = new ProcessBuilder("tinyproxy", "-d", "-c", config.toString());
        builder.redirectErrorStream(true).redirectOutput(dir.resolve("output.log").toFile());
        Process process = builder.start();
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
                break;
            } catch (IOException notYet) {
                if (!process.isAlive() || System.currentTimeMillis() > deadline) {
                    process.destroyForcibly();
                    throw new IOException("tinyproxy did not start: "
                            + new String(Files.readAllBytes(dir.resolve("output.log")), StandardCharsets.UTF_8));
                }
                Thread.sleep(50);
            }
        }
        return new TinyProxy(process, port, log);
    }

    public int port() {
        return port;
    }

    /** The URL's properties for this proxy, with the given credentials. */
    public String properties(String user, String password) {
        return "ProxyHost=127.0.0.1;ProxyPort=" + port + ";ProxyUsername=" + user + ";ProxyPassword=" + password;
    }

    /** "METHOD URL" of every request the proxy forwarded so far (CONNECT included), oldest first. */
    public List<String> requests() throws IOException {
        List<String> requests = new ArrayList<String>();
        if (!Files.exists(log)) {
            return requests;
        }
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            Matcher m = REQUEST.matcher(line);
            if (m.find()) {
                requests.add(m.group(1));
            }
        }
        return requests;
    }

    /** How many forwarded requests went to a URL starting with {@code prefix}. */
    public int requestsTo(String prefix) throws IOException {
        int n = 0;
        for (String request : requests()) {
            if (request.substring(request.indexOf(' ') + 1).startsWith(prefix)) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() {
        process.destroy();
    }
}
