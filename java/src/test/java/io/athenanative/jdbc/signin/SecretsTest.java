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

    /**
     * The SAML flows: no password, client secret, MFA code, program argument, SAML response or session
     * token appears anywhere, whichever step fails.
     */
    @ParameterizedTest(name = "{0} failing at {1}")
    @CsvSource({
        "External Credentials,AssumeRoleWithSAML", "External Credentials,GetWorkGroup",
        "External Credentials,GetQueryResults",
        "AzureAD,EntraToken", "AzureAD,AssumeRoleWithSAML", "AzureAD,GetQueryResults",
        "Okta,OktaAuthn", "Okta,OktaVerifyFactor", "Okta,OktaAppSso", "Okta,AssumeRoleWithSAML",
        "Okta,GetQueryResults", "ADFS,AdfsSignIn", "ADFS,GetQueryResults", "Ping,PingSignIn",
        "Ping,AssumeRoleWithSAML"})
    void noSecretOfASamlFlowLeaks(String flow, String failing) throws Exception {
        Path logs = Files.createTempDirectory("athena-secrets-log");
        String trace = ";LogLevel=TRACE;LogPath=" + logs + ";NumRetries=0";
        List<String> secrets = new ArrayList<String>();
        String url;
        if (flow.equals("External Credentials")) {
            String response = Identity.samlResponse(athena, Identity.CORP,
                    Identity.samlRoles(Identity.SAML_ROLE + "," + Identity.CORP), "");
            Path file = logs.resolve("response.txt");
            Files.write(file, response.getBytes(StandardCharsets.US_ASCII));
            String argument = "--password=program-secret-not-for-logs";
            url = "jdbc:athena://" + Identity.endpoints(athena) + ";AuthenticationType=External Credentials"
                    + ";ExecutablePath=/bin/sh;ArgumentList={-c 'cat \"$1\"' sh " + file + " " + argument + "}" + trace;
            secrets.add(response);
            secrets.add(response.substring(response.length() / 2, response.length() / 2 + 24));
            secrets.add(argument);
        } else if (flow.equals("AzureAD")) {
            url = AzureAdSignInTest.url(athena, "ana@corp.example", trace);
            secrets.add("ana-password-not-for-logs");
            secrets.add(AzureAdSignInTest.CLIENT_SECRET);
            // Entra's token: a base64url "<saml:Assertion".
            secrets.add("PHNhbWw6QXNzZXJ0aW9u");
        } else if (flow.equals("ADFS") || flow.equals("Ping")) {
            url = FormSignInTest.url(athena, flow, "ana@corp.example", trace);
            secrets.add("ana-password-not-for-logs");
        } else {
            url = OktaSignInTest.url(athena, "dana@corp.example",
                    ";OktaMfaType=Google Authenticator;MfaCodeCommand={/bin/echo 314159}" + trace);
            secrets.add("dana-password-not-for-logs");
            secrets.add("314159");
            secrets.add("onetimetoken=");
        }
        athena.admin("POST", "/_athena_local/faults",
                "{\"operation\":\"" + failing + "\",\"kind\":\"internal_error\",\"count\":100}");
        List<String> seen = new ArrayList<String>();
        SQLException failure = useAndCollect(url, seen);
        // A failing identity provider is named by its flow, an AWS call by its operation.
        boolean awsCall = failing.startsWith("Assume") || failing.startsWith("Get");
        String named = awsCall ? failing : flow;
        assertTrue(failure.getMessage().contains(named), failure.getMessage());
        seen.add(new String(Files.readAllBytes(logs.resolve("athena-native-jdbc.log")), StandardCharsets.UTF_8));
        secrets.addAll(Identity.issuedSecrets(athena));
        // A SAML response is base64 "<samlp:"; its XML starts "<saml".
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
