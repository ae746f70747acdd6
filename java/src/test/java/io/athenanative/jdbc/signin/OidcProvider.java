package io.athenanative.jdbc.signin;

import io.athenanative.jdbc.ChildProcess;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The real OpenID provider of {@code tests/browser/provider.mjs} (node's oidc-provider), started as a
 * child process with loopback redirect URIs registered for a few free ports. It exits when its stdin closes.
 */
final class OidcProvider implements AutoCloseable {
    static final String PUBLIC_CLIENT = "athena-desktop";
    static final String BASIC_CLIENT = "athena-basic";
    static final String POST_CLIENT = "athena-post";
    static final String CLIENT_SECRET = "provider-client-secret-0123456789";

    private final Process process;
    private final String issuer;
    private final List<Integer> redirectPorts;
    private final Path issuedLog;

    private OidcProvider(Process process, String issuer, List<Integer> redirectPorts, Path issuedLog) {
        this.process = process;
        this.issuer = issuer;
        this.redirectPorts = redirectPorts;
        this.issuedLog = issuedLog;
    }

    /** Starts the provider with {@code ports} free loopback ports registered as redirect URIs. */
    static OidcProvider start(int ports, String authMethods) throws IOException {
        return start(ports, authMethods, null, null);
    }

    /** As {@link #start(int, String)}, serving HTTPS with a PKCS#12 certificate and key. */
    static OidcProvider startHttps(int ports, Path pkcs12, String passphrase) throws IOException {
        return start(ports, null, pkcs12, passphrase);
    }

    private static OidcProvider start(int ports, String authMethods, Path pkcs12, String passphrase)
            throws IOException {
        List<Integer> redirectPorts = new ArrayList<Integer>();
        for (int i = 0; i < ports; i++) {
            redirectPorts.add(freePort());
        }
        List<String> command = new ArrayList<String>();
        command.add("node");
        command.add(new File("tests/browser/provider.mjs").getAbsolutePath());
        for (Integer port : redirectPorts) {
            command.add(port.toString());
        }
        ProcessBuilder builder = new ProcessBuilder(command);
        Path issuedLog = Files.createTempFile("oidc-issued", ".log");
        builder.environment().put("OIDC_ISSUED_LOG", issuedLog.toString());
        if (authMethods != null) {
            builder.environment().put("OIDC_CLIENT_AUTH_METHODS", authMethods);
        }
        if (pkcs12 != null) {
            builder.environment().put("OIDC_TLS_PFX", pkcs12.toString());
            builder.environment().put("OIDC_TLS_PASSPHRASE", passphrase);
        }
        ChildProcess.Started started = ChildProcess.start(builder, "oidc-provider listening on ");
        return new OidcProvider(started.process, started.announced, redirectPorts, issuedLog);
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    String issuer() {
        return issuer;
    }

    String wellKnown() {
        return issuer + "/.well-known/openid-configuration";
    }

    /** The i-th port registered in a redirect URI at the provider. */
    int redirectPort(int i) {
        return redirectPorts.get(i);
    }

    /** Every authorization code, access token and refresh token the provider issued so far. */
    List<String> issuedSecrets() throws IOException {
        List<String> secrets = new ArrayList<String>();
        for (String line : Files.readAllLines(issuedLog, StandardCharsets.UTF_8)) {
            int space = line.indexOf(' ');
            if (space > 0) {
                secrets.add(line.substring(space + 1));
            }
        }
        return secrets;
    }

    @Override
    public void close() {
        ChildProcess.stop(process);
    }
}
