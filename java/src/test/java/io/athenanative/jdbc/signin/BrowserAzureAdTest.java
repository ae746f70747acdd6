package io.athenanative.jdbc.signin;

import static io.athenanative.jdbc.signin.BrowserPerson.assertQueries;
import static io.athenanative.jdbc.signin.BrowserPerson.freePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.athenanative.jdbc.LocalAthena;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * CredentialsProvider=BrowserAzureAD: a real headless Chromium (tests/browser/browse.mjs, started by the
 * driver through BROWSER) signs in at athena-local's Entra ID sign-in page (tests/browser/sites/entra.mjs),
 * which posts the authorization code to the driver's loopback listener; the driver redeems it with its
 * PKCE verifier for a SAML 2 token that athena-local's STS verifies.
 */
class BrowserAzureAdTest {
    @RegisterExtension
    static final LocalAthena athena = LocalAthena.perClass();

    private static final String CLIENT_SECRET = "entra-client-secret-not-for-logs";
    /** Codes and refresh tokens of athena-local's Entra ID, as Entra's begin. */
    private static final Pattern ENTRA_SECRET = Pattern.compile("0\\.A[A-Z2-7]{16}");

    private static BrowserPerson desk;

    @BeforeAll
    static void browser() {
        desk = BrowserPerson.atTheDesk();
    }

    @AfterEach
    void disarm() throws Exception {
        athena.admin("DELETE", "/_athena_local/faults", null);
    }

    /**
     * What the person at the browser does next at Entra's page (login, retry, wrong-password, cancel, forge,
     * ignore), as {@code user} with their password in tests/data/athena-local.toml.
     */
    private static void person(String mode, String user) throws IOException {
        String password = user.substring(0, user.indexOf('@')) + "-password-not-for-logs";
        desk.next(mode, user, "entra", "password", password);
    }

    /** The JDBC 3.x URL; {@code extra} is ";Key=Value" pairs that replace or add settings. */
    static String url(LocalAthena server, int port, String extra) {
        Map<String, String> settings = new LinkedHashMap<String, String>();
        settings.put("CredentialsProvider", "BrowserAzureAD");
        settings.put("AzureAdTenantId", "corp-tenant");
        settings.put("AzureAdClientId", "aws-athena-app");
        settings.put("AzureAdEndpoint", server.endpoint());
        settings.put("ListenPort", String.valueOf(port));
        return Identity.url(server, settings, extra);
    }

    private static String principalOfLastQuery(LocalAthena server) throws Exception {
        return AzureAdSignInTest.principalOfLastQuery(server);
    }

    @Test
    void signsInInTheBrowserAndQueriesAsTheRole() throws Exception {
        person("login", "ana@corp.example");
        Identity.clearCalls(athena);
        int port = freePort();
        assertQueries(url(athena, port, ""));
        assertEquals("arn:aws:sts::" + Identity.ACCOUNT + ":assumed-role/samlRole/ana@corp.example",
                principalOfLastQuery(athena));
        List<String> runs = desk.runs(1);
        assertEquals(1, runs.size(), runs.toString());
        String run = runs.get(0);
        assertEquals("http://localhost:" + port + "/athena", Identity.jsonString(run, "redirect_uri"), run);
        assertEquals("/corp-tenant/oauth2/authorize", Identity.jsonString(run, "login_page"), run);
        assertEquals("form_post", Identity.jsonString(run, "response_mode"), run);
        assertEquals("S256", Identity.jsonString(run, "code_challenge_method"), run);
        assertEquals("POST", Identity.jsonString(run, "callback_method"), run);
        assertTrue(run.contains("\"callback_state_matches\":true"), run);
        assertTrue(Identity.jsonString(run, "final_page").contains("Sign-in finished"), run);
        assertEquals(1, Identity.count(athena, "EntraAuthorize"));
        assertEquals(1, Identity.count(athena, "EntraSignIn"));
        assertEquals(1, Identity.count(athena, "EntraToken"));
        assertEquals(1, Identity.count(athena, "AssumeRoleWithSAML"));
    }

    @Test
    void connectionsWithTheSameSettingsShareOneBrowserSignIn() throws Exception {
        person("login", "ana@corp.example");
        Identity.clearCalls(athena);
        final String url = url(athena, freePort(), "RoleSessionDuration=1800");
        for (long count : BrowserPerson.cityCountsTogether(url, 3, 90)) {
            assertTrue(count > 0);
        }
        assertQueries(url);
        assertEquals(1, desk.runs(1).size(), "one browser sign-in for every connection");
        assertEquals(1, Identity.count(athena, "EntraToken"));
        assertEquals(1, Identity.count(athena, "AssumeRoleWithSAML"));
    }

    @Test
    void odbcNamesAndAClientSecretWorkAndNoSecretReachesTheLog() throws Exception {
        person("login", "ana@corp.example");
        Path logs = Files.createTempDirectory("athena-browser-azure-log");
        String e = athena.endpoint();
        String url = "jdbc:athena://AwsRegion=us-east-1;EndpointOverride=" + e + ";StsEndpoint=" + e
                + ";AuthenticationType=BrowserAzureAD;idp_tenant=corp-tenant;client_id=aws-athena-app;client_secret="
                + CLIENT_SECRET + ";AzureAdEndpoint=" + e + ";listen_port=" + freePort()
                + ";timeout=60;preferred_role=" + Identity.SAML_ROLE + ";duration=900;LogLevel=TRACE;LogPath=" + logs;
        assertQueries(url);
        String log = new String(Files.readAllBytes(logs.resolve("athena-native-jdbc.log")), StandardCharsets.UTF_8);
        assertTrue(log.contains("BrowserAzureAD: opening the browser"), log);
        String code = Identity.jsonString(desk.runs(1).get(0), "code");
        assertNotNull(code, "the browser saw the code it posted");
        List<String> secrets = new ArrayList<String>(Identity.issuedSecrets(athena));
        secrets.add(code);
        secrets.add(CLIENT_SECRET);
        secrets.add("ana-password-not-for-logs");
        // Entra's token is a base64url "<saml:Assertion"; the wrapped response base64 "<samlp:".
        secrets.add("PHNhbWw6QXNzZXJ0aW9u");
        secrets.add("PHNhbWxw");
        secrets.add("<saml");
        SecretsTest.assertNoSecretIn(Collections.singletonList(log), secrets);
        assertFalse(ENTRA_SECRET.matcher(log).find(), "a code or refresh token is in the log");
    }

    /**
     * Whichever step fails, no secret of the sign-in is in the log, a message, a toString or the tab; the tab
     * says the sign-in failed when the code's redemption or STS did (a query's failure comes after it).
     */
    @ParameterizedTest(name = "failing at {0}")
    @ValueSource(strings = {"EntraToken", "AssumeRoleWithSAML", "GetQueryResults"})
    void noSecretLeaksWhenAStepFails(String failing) throws Exception {
        person("login", "ana@corp.example");
        Path logs = Files.createTempDirectory("athena-browser-azure-secrets");
        String url = url(athena, freePort(), "AzureAdClientSecret=" + CLIENT_SECRET
                + ";NumRetries=0;LogLevel=TRACE;LogPath=" + logs);
        athena.admin("POST", "/_athena_local/faults",
                "{\"operation\":\"" + failing + "\",\"kind\":\"internal_error\",\"count\":100}");
        List<String> seen = new ArrayList<String>();
        SQLException failure = SecretsTest.useAndCollect(url, seen);
        String named = failing.equals("EntraToken") ? "BrowserAzureAD" : failing;
        assertTrue(failure.getMessage().contains(named), failure.getMessage());
        seen.add(new String(Files.readAllBytes(logs.resolve("athena-native-jdbc.log")), StandardCharsets.UTF_8));
        List<String> secrets = new ArrayList<String>(Identity.issuedSecrets(athena));
        String run = desk.runs(1).get(0);
        String code = Identity.jsonString(run, "code");
        assertNotNull(code);
        String page = Identity.jsonString(run, "final_page");
        assertTrue(failing.equals("GetQueryResults") ? page.contains("Sign-in finished")
                : page.contains("Sign-in failed") && page.contains(named), run);
        seen.add(page);
        secrets.add(code);
        secrets.add(CLIENT_SECRET);
        secrets.add("PHNhbWw6QXNzZXJ0aW9u");
        secrets.add("PHNhbWxw");
        secrets.add("<saml");
        SecretsTest.assertNoSecretIn(seen, secrets);
        for (String text : seen) {
            assertFalse(ENTRA_SECRET.matcher(text).find(), "a code or refresh token leaked");
        }
    }

    @Test
    void cancellingSurfacesEntrasRefusal() throws Exception {
        person("cancel", "ana@corp.example");
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(url(athena, freePort(), "")));
        assertEquals("28000", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains("BrowserAzureAD"), e.getMessage());
        assertTrue(e.getMessage().contains("access_denied (AADSTS65004"), e.getMessage());
        String run = desk.runs(1).get(0);
        assertTrue(Identity.jsonString(run, "final_page").contains("Sign-in failed"), run);
        assertTrue(Identity.jsonString(run, "final_page").contains("access_denied"), run);
    }

    @Test
    void nobodySigningInTimesOutAndFreesThePort() throws Exception {
        person("ignore", "ana@corp.example");
        int port = freePort();
        SQLException e = BrowserPerson.assertTimesOut(url(athena, port, "IdpResponseTimeout=3"), 3, port);
        assertTrue(e.getMessage().contains("BrowserAzureAD"), e.getMessage());
        assertEquals(1, desk.runs(1).size());
    }

    @Test
    void aWrongPasswordShowsEntrasMessageAndTheRightOneThenSignsIn() throws Exception {
        person("wrong-password", "ana@corp.example");
        Identity.clearCalls(athena);
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(url(athena, freePort(), "IdpResponseTimeout=4")));
        assertTrue(e instanceof SQLTimeoutException, e.getClass() + ": " + e.getMessage());
        String run = desk.runs(1).get(0);
        assertTrue(Identity.jsonString(run, "entra_error").contains("Your account or password is incorrect"), run);
        boolean refused = false;
        for (String call : Identity.calls(athena)) {
            refused |= "EntraSignIn".equals(Identity.jsonString(call, "operation"))
                    && "AADSTS50126".equals(Identity.jsonString(call, "error_type"));
        }
        assertTrue(refused, "the wrong password is in the call record");
        assertEquals(0, Identity.count(athena, "EntraToken"));

        person("retry", "ana@corp.example");
        assertQueries(url(athena, freePort(), ""));
        assertTrue(Identity.jsonString(desk.runs(1).get(0), "entra_error").contains("incorrect"));
    }

    @Test
    void aForgedAnswerIsIgnoredAndTheRealOneCompletes() throws Exception {
        person("forge", "ana@corp.example");
        assertQueries(url(athena, freePort(), ""));
        String run = desk.runs(1).get(0);
        assertTrue(run.contains("\"forged_status\":400"), run);
        assertTrue(run.contains("\"forged_post_status\":400"), run);
        assertTrue(Identity.jsonString(run, "forged_post_page").contains("ignored"), run);
        assertTrue(Identity.jsonString(run, "final_page").contains("Sign-in finished"), run);
    }

    @Test
    void aTakenPortIsNamedBeforeTheBrowserOpens() throws Exception {
        person("login", "ana@corp.example");
        desk.assertTakenPortIsNamed(0, port -> url(athena, port, ""), "ListenPort");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "no Role attribute|carl@corp.example||28000|no https://aws.amazon.com/SAML/Attributes/Role attribute",
        "untrusted signer|eve@corp.example||28000|signature invalid",
        "several roles|ben@corp.example||08001|set PreferredRole to one of",
        "role not offered|ben@corp.example|PreferredRole=arn:aws:iam::111122223333:role/jwtRole|28000|PreferredRole arn:aws:iam::111122223333:role/jwtRole is not among the roles"})
    void aRefusedSignInSaysWhy(String name, String user, String extra, String state, String expected) throws Exception {
        person("login", user);
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(url(athena, freePort(), extra == null ? "" : extra)));
        assertEquals(state, e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("not-for-logs"), e.getMessage());
        // Refused after Entra answered (by STS, or by the role's choice): the tab says so, not "finished".
        String page = Identity.jsonString(desk.runs(1).get(0), "final_page");
        assertTrue(page.contains("Sign-in failed") && page.contains(expected), page);
        assertFalse(page.contains("Sign-in finished") || page.contains("not-for-logs"), page);
    }

    @Test
    void preferredRoleAndLakeFormation() throws Exception {
        person("login", "ben@corp.example");
        Identity.clearCalls(athena);
        assertQueries(url(athena, freePort(), "PreferredRole=" + Identity.ANALYST_ROLE
                + ";LakeFormationEnabled=true;LakeFormationEndpoint=" + athena.endpoint()));
        assertTrue(principalOfLastQuery(athena).endsWith(":assumed-role/samlAnalystRole/ben@corp.example"));
        assertEquals(1, Identity.count(athena, "AssumeDecoratedRoleWithSAML"));
    }

    /** browser_azure_cache=1: another process uses the credentials in the file, without browser, Entra or STS. */
    @Test
    void withTheFileCacheAnotherProcessSkipsTheBrowser() throws Exception {
        person("login", "ana@corp.example");
        Path home = Files.createTempDirectory("athena-home");
        String url = url(athena, freePort(), "browser_azure_cache=1");
        Path file = desk.signInInNewJvm(home, url);
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
        String content = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        assertTrue(content.contains("\"refresh_token\":\"0.A"), "the refresh token was not kept for other processes");

        desk.assertNewJvmSkipsTheBrowser(athena, home, url);
        assertEquals(0, Identity.callsTo(athena, "sts"), "STS was called");
        assertEquals(0, Identity.callsTo(athena, "entra-id"), "Entra ID was called");
    }

    /** With the file cache, another process renews expired credentials with the refresh token in the file. */
    @Test
    void withTheFileCacheAnotherProcessRenewsWithTheRefreshToken() throws Exception {
        try (LocalAthena own = LocalAthena.start()) {
            own.admin("PUT", "/_athena_local/identity/settings", "{\"credential_lifetime_seconds\":2}");
            person("login", "ana@corp.example");
            Path home = Files.createTempDirectory("athena-home");
            String url = url(own, freePort(), "browser_azure_cache=true");
            FileCacheTest.connectInNewJvm(home, url);
            int tokens = Identity.count(own, "EntraToken");
            int sessions = Identity.count(own, "AssumeRoleWithSAML");
            Thread.sleep(1500);
            FileCacheTest.connectInNewJvm(home, url);
            assertEquals(1, desk.runs(1).size());
            Thread.sleep(500);
            assertEquals(1, desk.runs().size(), "the second process started the browser");
            assertEquals(1, Identity.count(own, "EntraAuthorize"));
            assertTrue(Identity.count(own, "EntraToken") > tokens, "the refresh token was not used");
            assertTrue(Identity.count(own, "AssumeRoleWithSAML") > sessions, "no new credentials");
        }
    }

    /**
     * Credentials near their end are renewed with Entra's refresh token, without the browser; only when the
     * refresh token is refused (an application whose refresh tokens expire at once) does the browser open
     * again.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"aws-athena-app,1", "aws-athena-app-no-refresh,2"})
    void renewalOpensTheBrowserOnlyWhenItMust(String client, int browserSignIns) throws Exception {
        try (LocalAthena own = LocalAthena.start()) {
            own.admin("PUT", "/_athena_local/identity/settings", "{\"credential_lifetime_seconds\":2}");
            person("login", "ana@corp.example");
            String url = url(own, freePort(), "AzureAdClientId=" + client);
            try (Connection c = DriverManager.getConnection(url)) {
                assertTrue(JwtSignInTest.cityCount(c) > 0);
                Thread.sleep(2500);
                assertTrue(JwtSignInTest.cityCount(c) > 0);
            }
            assertEquals(browserSignIns, desk.runs(browserSignIns).size());
            Thread.sleep(500);
            assertEquals(browserSignIns, desk.runs().size(), "the browser opened more often than needed");
            assertEquals(browserSignIns, Identity.count(own, "EntraAuthorize"));
            assertTrue(Identity.count(own, "EntraToken") >= 2, "a new SAML token was asked for");
            assertTrue(Identity.count(own, "AssumeRoleWithSAML") >= 2, "signed in again");
        }
    }
}
