package io.athenanative.jdbc.signin;

import static io.athenanative.jdbc.signin.BrowserPerson.freePort;
import static io.athenanative.jdbc.signin.BrowserPerson.assertQueries;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.athenanative.jdbc.LocalAthena;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * CredentialsProvider=BrowserSaml against a real SAML identity provider (SimpleSAMLphp, {@link SamlIdp}) and a
 * real headless Chromium, which the driver starts through the BROWSER environment variable (set by the Gradle
 * test task to tests/browser/browse.mjs; tests/browser/sites/simplesamlphp.mjs acts at the provider's pages).
 * The provider posts its signed SAMLResponse to the driver's loopback listener; athena-local's STS verifies it
 * against Corp's certificate. Each test runs its own provider, its ACS URL on the test's own ListenPort.
 */
class BrowserSamlTest {
    @RegisterExtension
    static final LocalAthena athena = LocalAthena.perClass();

    private static final String ROLE_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/Role";
    private static BrowserPerson desk;

    @BeforeAll
    static void browser() {
        desk = BrowserPerson.atTheDesk();
    }

    /** The password of {@code user} at the provider (tests/saml-idp/config/authsources.php). */
    static String password(String user) {
        return user + "-saml-password-not-for-logs";
    }

    /**
     * What the person at the browser does next at {@code idp} (login, wrong-password, post, ignore); for
     * "post", {@code response} is what is posted.
     */
    private static void person(String mode, String user, SamlIdp idp, String response) throws IOException {
        desk.next(mode, user, "simplesamlphp", "callback", idp.acsUrl(), "password", password(user), "response",
                response);
    }

    private static void person(String mode, String user, SamlIdp idp) throws IOException {
        person(mode, user, idp, null);
    }

    /** The one browser run of this step: it ended without a script error. */
    private static String onlyRun() throws IOException, InterruptedException {
        List<String> runs = desk.runs(1);
        assertEquals(1, runs.size(), runs.toString());
        assertTrue(runs.get(0).contains("\"ok\":true"), runs.get(0));
        return runs.get(0);
    }

    /** The JDBC 3.x URL for {@code idp}; {@code extra} is ";Key=Value" pairs that replace or add settings. */
    static String url(LocalAthena server, SamlIdp idp, String extra) {
        Map<String, String> settings = new LinkedHashMap<String, String>();
        settings.put("CredentialsProvider", "BrowserSaml");
        settings.put("SsoLoginUrl", idp.loginUrl());
        settings.put("ListenPort", Integer.toString(idp.acsPort()));
        return Identity.url(server, settings, extra);
    }

    private static SamlIdp idp() throws IOException {
        return SamlIdp.start(freePort());
    }

    @Test
    void signsInAtTheIdentityProviderRunsAQueryAsTheRoleAndReusesTheCredentials() throws Exception {
        try (SamlIdp idp = idp()) {
            person("login", "ana", idp);
            Identity.clearCalls(athena);
            String url = url(athena, idp, "");
            assertQueries(url);
            assertEquals(1, Identity.count(athena, "AssumeRoleWithSAML"));
            assertEquals("arn:aws:sts::" + Identity.ACCOUNT + ":assumed-role/samlRole/ana@corp.example",
                    AzureAdSignInTest.principalOfLastQuery(athena));
            String run = onlyRun();
            assertEquals("/module.php/core/loginuserpass.php", Identity.jsonString(run, "login_page"), run);
            assertTrue(Identity.jsonString(run, "final_page").contains("Sign-in finished"), run);

            desk.assertQueriesAgainWithoutTheBrowser(athena, url);
            assertEquals(0, Identity.count(athena, "AssumeRoleWithSAML"));
            assertTrue(AzureAdSignInTest.principalOfLastQuery(athena).endsWith("/samlRole/ana@corp.example"));
        }
    }

    @Test
    void odbcNamesAndPreferredRoleChooseAmongTheOfferedRoles() throws Exception {
        try (SamlIdp idp = idp()) {
            person("login", "ben", idp);
            Identity.clearCalls(athena);
            String e = athena.endpoint();
            String url = "jdbc:athena://AwsRegion=us-east-1;EndpointOverride=" + e + ";StsEndpoint=" + e
                    + ";AuthenticationType=BrowserSAML;login_url=" + idp.loginUrl() + ";listen_port="
                    + idp.acsPort() + ";timeout=60;preferred_role=" + Identity.ANALYST_ROLE + ";duration=900";
            assertQueries(url);
            assertTrue(AzureAdSignInTest.principalOfLastQuery(athena)
                    .endsWith(":assumed-role/samlAnalystRole/ben@corp.example"));
            onlyRun();
        }
    }

    @Test
    void aWrongPasswordLeavesNobodySignedInUntilIdpResponseTimeout() throws Exception {
        try (SamlIdp idp = idp()) {
            person("wrong-password", "ana", idp);
            BrowserPerson.assertTimesOut(url(athena, idp, "IdpResponseTimeout=4"), 4, idp.acsPort());
            String run = onlyRun();
            assertTrue(Identity.jsonString(run, "idp_error").contains("Incorrect username or password"), run);
        }
    }

    @Test
    void anAccountMappedToNoRoleIsRefusedAndTheTabSaysWhy() throws Exception {
        try (SamlIdp idp = idp()) {
            person("login", "carl", idp);
            SQLException e = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(url(athena, idp, "")));
            assertEquals("28000", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("no " + ROLE_ATTRIBUTE + " attribute"), e.getMessage());
            String page = Identity.jsonString(onlyRun(), "final_page");
            assertTrue(page.contains("Sign-in failed") && page.contains(ROLE_ATTRIBUTE), page);
        }
    }

    @Test
    void aPreferredRoleNotOfferedListsTheOfferedRoles() throws Exception {
        try (SamlIdp idp = idp()) {
            person("login", "ana", idp);
            SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                    url(athena, idp, "PreferredRole=" + Identity.ANALYST_ROLE)));
            assertEquals("28000", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("PreferredRole " + Identity.ANALYST_ROLE + " is not among the roles"),
                    e.getMessage());
            assertTrue(e.getMessage().contains(Identity.SAML_ROLE), e.getMessage());
            String page = Identity.jsonString(onlyRun(), "final_page");
            assertTrue(page.contains("Sign-in failed") && page.contains(Identity.SAML_ROLE), page);
        }
    }

    @Test
    void severalOfferedRolesAndNoPreferredRoleAsksToChoose() throws Exception {
        try (SamlIdp idp = idp()) {
            person("login", "ben", idp);
            SQLException e = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(url(athena, idp, "")));
            assertEquals("08001", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("set PreferredRole to one of"), e.getMessage());
            assertTrue(e.getMessage().contains(Identity.ANALYST_ROLE), e.getMessage());
        }
    }

    /**
     * Without a state to match, what reaches the listener is checked: a stale response, or one the provider
     * meant for another address, ends the sign-in, and the tab and the error say why.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"expired", "for another recipient"})
    void aResponsePostedToTheListenerIsCheckedForItsRecipientAndValidity(String kind) throws Exception {
        try (SamlIdp idp = idp()) {
            boolean expired = kind.equals("expired");
            String recipient = expired ? idp.acsUrl() : "https://app.other.example/saml/acs";
            String response = Identity.samlResponse(athena, Identity.CORP,
                    Identity.samlRoles(Identity.SAML_ROLE + "," + Identity.CORP),
                    ",\"recipient\":\"" + recipient + "\"" + (expired ? ",\"lifetime_seconds\":-600" : ""));
            person("post", "ana", idp, response);
            Identity.clearCalls(athena);
            SQLException e = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(url(athena, idp, "")));
            assertEquals("28000", e.getSQLState(), e.getMessage());
            String expected = expired ? "the SAML assertion expired" : "addressed to " + recipient;
            assertTrue(e.getMessage().contains(expected), e.getMessage());
            assertTrue(e.getMessage().contains("posted to " + idp.acsUrl()), e.getMessage());
            String page = Identity.jsonString(onlyRun(), "posted_page");
            assertTrue(page.contains("Sign-in failed") && page.contains(expected), page);
            assertFalse(e.getMessage().contains(response.substring(0, 40)), e.getMessage());
            assertEquals(0, Identity.count(athena, "AssumeRoleWithSAML"), "the response reached STS");
        }
    }

    /** STS refuses what the listener accepted: the tab waits for STS, and says the sign-in failed and why. */
    @Test
    void aResponseSignedWithAnotherKeyIsRefusedByStsAsUntrusted() throws Exception {
        try (SamlIdp impostor = SamlIdp.start(freePort(), "partner")) {
            person("login", "ana", impostor);
            SQLException e = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(url(athena, impostor, "")));
            assertEquals("28000", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("signature invalid"), e.getMessage());
            assertTrue(e.getMessage().contains(Identity.CORP), e.getMessage());
            String run = onlyRun();
            String page = Identity.jsonString(run, "final_page");
            assertTrue(page.contains("Sign-in failed") && page.contains("signature invalid"), page);
            assertFalse(page.contains("Sign-in finished") || page.contains("You are signed in"), page);
            String slice = Identity.jsonString(run, "saml_response_slice");
            assertTrue(slice != null && slice.length() >= 40 && !page.contains(slice), run);
        }
    }

    @Test
    void connectionsOpenedTogetherShareOneBrowserSignIn() throws Exception {
        try (SamlIdp idp = idp()) {
            person("login", "ana", idp);
            Identity.clearCalls(athena);
            final String url = url(athena, idp, "RoleSessionDuration=1800");
            List<Long> counts = BrowserPerson.cityCountsTogether(url, 2, 60);
            assertEquals(counts.get(0), counts.get(1));
            assertEquals(1, desk.runs(1).size(), "one browser sign-in for both connections");
            assertEquals(1, Identity.count(athena, "AssumeRoleWithSAML"));
        }
    }

    /** SAML has no refresh: credentials near their expiry open the browser again, once. */
    @Test
    void expiringCredentialsOpenTheBrowserAgain() throws Exception {
        try (LocalAthena own = LocalAthena.start(); SamlIdp idp = idp()) {
            own.admin("PUT", "/_athena_local/identity/settings", "{\"credential_lifetime_seconds\":2}");
            person("login", "ana", idp);
            try (Connection c = DriverManager.getConnection(url(own, idp, "RoleSessionDuration=900"))) {
                assertTrue(JwtSignInTest.cityCount(c) > 0);
                assertEquals(1, desk.runs(1).size());
                Thread.sleep(2500);
                assertTrue(JwtSignInTest.cityCount(c) > 0);
            }
            List<String> runs = desk.runs(2);
            assertEquals(2, runs.size(), "the browser opened again for the renewal: " + runs);
            assertEquals(2, Identity.count(own, "AssumeRoleWithSAML"));
            for (String run : runs) {
                assertTrue(Identity.jsonString(run, "final_page").contains("Sign-in finished"), run);
            }
        }
    }

    @Test
    void aTakenListenPortIsNamedBeforeTheBrowserOpens() throws Exception {
        try (SamlIdp idp = idp()) {
            person("login", "ana", idp);
            desk.assertTakenPortIsNamed(idp.acsPort(), port -> url(athena, idp, ""), "ListenPort");
        }
    }

    /**
     * At TRACE, signed in and refused: neither the password, nor the SAML response, nor a credential
     * athena-local issued, is in the log, a message or a toString.
     */
    @Test
    void noPasswordNorSamlResponseInTheTraceLogOrMessages() throws Exception {
        try (SamlIdp idp = idp()) {
            Path logs = Files.createTempDirectory("athena-browser-saml");
            String trace = "LogLevel=TRACE;LogPath=" + logs;
            person("login", "ana", idp);
            List<String> seen = new ArrayList<String>();
            try (Connection c = DriverManager.getConnection(url(athena, idp, trace))) {
                assertTrue(JwtSignInTest.cityCount(c) > 0);
                seen.add(c.toString());
            }
            String signedIn = onlyRun();
            person("login", "carl", idp);
            SQLException refused = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(url(athena, idp, trace + ";RoleSessionDuration=1200")));
            seen.add(refused.toString());
            String refusedRun = onlyRun();
            String log = new String(Files.readAllBytes(logs.resolve("athena-native-jdbc.log")), StandardCharsets.UTF_8);
            assertTrue(log.contains("BrowserSaml") && log.contains("TRACE"), log);
            seen.add(log);
            List<String> secrets = new ArrayList<String>(Identity.issuedSecrets(athena));
            secrets.addAll(Arrays.asList(password("ana"), password("carl"), "PHNhbWxw", "<samlp:", "<saml:"));
            for (String run : Arrays.asList(signedIn, refusedRun)) {
                String slice = Identity.jsonString(run, "saml_response_slice");
                String signature = Identity.jsonString(run, "saml_signature");
                assertTrue(slice != null && slice.length() >= 40 && signature != null && signature.length() > 100,
                        run);
                secrets.add(slice);
                secrets.add(signature.substring(0, 60));
            }
            SecretsTest.assertNoSecretIn(seen, secrets);
        }
    }
}
