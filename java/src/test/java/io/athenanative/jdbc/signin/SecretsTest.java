package io.athenanative.jdbc.signin;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.athenanative.jdbc.LocalAthena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every sign-in flow at LogLevel=TRACE with a failure at each of its steps: no secret (keys, session
 * tokens, JWTs, passwords, context assertions) in the log, in any exception message or in any toString.
 * The browser flow is checked the same way in {@link BrowserSignInTest}.
 */
class SecretsTest {
    /** The secret key of a second pair in tests/data/athena-local.toml. */
    private static final String PASSWORD = "local-secret-not-for-logs";
    @RegisterExtension
    static final LocalAthena athena = LocalAthena.perClass();

    @AfterEach
    void disarm() throws Exception {
        athena.admin("DELETE", "/_athena_local/faults", null);
    }

    @ParameterizedTest(name = "{0} failing at {1}")
    @CsvSource({
        "static,GetWorkGroup", "static,StartQueryExecution", "static,GetQueryResults",
        "JWT,AssumeRoleWithWebIdentity", "JWT,GetWorkGroup", "JWT,GetQueryResults",
        "JWT_TIP,AssumeRoleWithWebIdentity", "JWT_TIP,ListTagsForResource", "JWT_TIP,CreateTokenWithIAM",
        "JWT_TIP,AssumeRole", "JWT_TIP,GetWorkGroup", "JWT_TIP,StartQueryExecution", "JWT_TIP,GetQueryResults"})
    void noSecretLeaksWhenAStepFails(String flow, String failing) throws Exception {
        String token = Identity.mint(athena);
        Path logs = Files.createTempDirectory("athena-secrets-log");
        String trace = ";LogLevel=TRACE;LogPath=" + logs + ";NumRetries=0";
        String url;
        if (flow.equals("static")) {
            url = athena.url().replace("User=test;Password=test", "User=AKIALOCALSECRETS01;Password=" + PASSWORD) + trace;
        } else if (flow.equals("JWT")) {
            url = Identity.jwtUrl(athena, token, trace.substring(1));
        } else {
            url = Identity.tipUrl(athena, token, trace.substring(1));
        }
        athena.admin("POST", "/_athena_local/faults",
                "{\"operation\":\"" + failing + "\",\"kind\":\"internal_error\",\"count\":100}");
        List<String> seen = new ArrayList<String>();
        SQLException failure = useAndCollect(url, seen);
        assertTrue(failure.getMessage().contains(failing), failure.getMessage());
        String log = new String(Files.readAllBytes(logs.resolve("athena-native-jdbc.log")), StandardCharsets.UTF_8);
        assertTrue(log.contains("TRACE") || log.contains("DEBUG"), "the log is at its most detailed");
        seen.add(log);
        List<String> secrets = new ArrayList<String>(Identity.issuedSecrets(athena));
        secrets.add(token);
        secrets.add(PASSWORD);
        assertNoSecretIn(seen, secrets);
    }

    /** External Credentials: neither the SAML response nor the program's arguments appear anywhere. */
    @ParameterizedTest(name = "External Credentials failing at {0}")
    @CsvSource({"AssumeRoleWithSAML", "GetWorkGroup", "GetQueryResults"})
    void noSamlResponseOrProgramArgumentLeaks(String failing) throws Exception {
        String response = Identity.samlResponse(athena, Identity.CORP,
                Identity.samlRoles(Identity.SAML_ROLE + "," + Identity.CORP), "");
        Path logs = Files.createTempDirectory("athena-secrets-log");
        Path file = logs.resolve("response.txt");
        Files.write(file, response.getBytes(StandardCharsets.US_ASCII));
        String argument = "--password=program-secret-not-for-logs";
        String url = "jdbc:athena://" + Identity.endpoints(athena) + ";AuthenticationType=External Credentials"
                + ";ExecutablePath=/bin/sh;ArgumentList={-c 'cat \"$1\"' sh " + file + " " + argument + "}"
                + ";LogLevel=TRACE;LogPath=" + logs + ";NumRetries=0";
        athena.admin("POST", "/_athena_local/faults",
                "{\"operation\":\"" + failing + "\",\"kind\":\"internal_error\",\"count\":100}");
        List<String> seen = new ArrayList<String>();
        SQLException failure = useAndCollect(url, seen);
        assertTrue(failure.getMessage().contains(failing), failure.getMessage());
        seen.add(new String(Files.readAllBytes(logs.resolve("athena-native-jdbc.log")), StandardCharsets.UTF_8));
        List<String> secrets = new ArrayList<String>(Identity.issuedSecrets(athena));
        secrets.add(response);
        secrets.add(response.substring(response.length() / 2, response.length() / 2 + 24));
        secrets.add(argument);
        // "<samlp:" and "<saml:" in base64, wherever the response would start.
        secrets.add("PHNhbWxw");
        secrets.add("<saml");
        assertNoSecretIn(seen, secrets);
    }

    /**
     * Connects, queries and reads as an application would, adding to {@code seen} every text the user can
     * see: toString of each object, the URL, and the message of each exception in the chain. Returns the
     * failure, which must come.
     */
    static SQLException useAndCollect(String url, List<String> seen) {
        SQLException failure = null;
        try (Connection c = DriverManager.getConnection(url)) {
            seen.add(c.toString());
            seen.add(c.getMetaData().getURL());
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT value FROM range(3000)")) {
                seen.add(s.toString());
                seen.add(rs.toString());
                while (rs.next()) {
                    rs.getLong(1);
                }
            }
        } catch (SQLException e) {
            failure = e;
        }
        assertNotNull(failure, "the failing step surfaced as an SQLException");
        for (Throwable t = failure; t != null; t = t.getCause()) {
            seen.add(t.toString());
            seen.add(String.valueOf(t.getMessage()));
        }
        return failure;
    }

    static void assertNoSecretIn(List<String> seen, List<String> secrets) {
        for (String text : seen) {
            for (String secret : secrets) {
                assertFalse(text.contains(secret), "a secret (" + secret.length() + " characters) leaked into: "
                        + text.substring(0, Math.min(200, text.length())));
            }
            assertFalse(text.contains("eyJ"), "a JWT leaked into: " + text.substring(0, Math.min(200, text.length())));
        }
    }
}
