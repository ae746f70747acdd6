package io.athenanative.jdbc.signin;

import static io.athenanative.jdbc.signin.BrowserPerson.assertQueries;
import static io.athenanative.jdbc.signin.BrowserPerson.freePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * CredentialsProvider=BrowserSSOOIDC against athena-local's IAM Identity Center (SSO-OIDC RegisterClient,
 * its sign-in page at /authorize, CreateToken, and the AWS access portal's GetRoleCredentials) and a real
 * headless Chromium, which the driver starts through the BROWSER environment variable (set by the Gradle test
 * task to tests/browser/browse.mjs; tests/browser/sites/identity-center.mjs acts at the sign-in page). Each
 * test signs in on its own ListenPort, so no test shares another's sign-in.
 */
class BrowserSsoOidcTest {
    @RegisterExtension
    static final LocalAthena athena = LocalAthena.perClass();

    private static final String START_URL = "https://d-1234567890.awsapps.com/start";
    private static final String IRIS = "iris@corp.example";
    private static final String IRIS_PASSWORD = "iris-password-not-for-logs";
    private static final String ANALYST_SESSION = "arn:aws:sts::" + Identity.ACCOUNT
            + ":assumed-role/AWSReservedSSO_AthenaAnalyst_";
    private static BrowserPerson desk;

    @BeforeAll
    static void browser() {
        desk = BrowserPerson.atTheDesk();
    }

    /** What the person does next at Identity Center's page (login, wrong-password, cancel, ignore). */
    private static void person(String mode, String user, String password) throws IOException {
        desk.next(mode, user, "identity-center", "password", password);
    }

    private static void person(String mode) throws IOException {
        person(mode, IRIS, IRIS_PASSWORD);
    }

    private static String url(LocalAthena server, int port, String extra) {
        String e = server.endpoint();
        return "jdbc:athena://Region=us-east-1;AthenaEndpoint=" + e + ";SsoOidcEndpoint=" + e + ";SsoEndpoint=" + e
                + ";CredentialsProvider=BrowserSSOOIDC;SsoStartUrl=" + START_URL + ";SsoOidcRegion=us-east-1"
                + ";SsoOidcAccountId=" + Identity.ACCOUNT + ";SsoOidcRoleName=AthenaAnalyst;ListenPort=" + port
                + (extra.isEmpty() ? "" : ";" + extra);
    }

    /** Every query athena-local accepted ran as iris's session of the permission set's role. */
    private static void assertQueriedAsThePermissionSet(LocalAthena server) throws IOException {
        boolean queried = false;
        for (String call : Identity.calls(server)) {
            if ("StartQueryExecution".equals(Identity.jsonString(call, "operation"))
                    && call.contains("\"status\":200")) {
                String principal = Identity.jsonString(call, "principal");
                assertTrue(principal.startsWith(ANALYST_SESSION) && principal.endsWith("/" + IRIS), call);
                queried = true;
            }
        }
        assertTrue(queried, "no query reached athena-local");
    }

    /** One client registered, one token created, one set of role credentials fetched. */
    private static void assertOneSignInAtIdentityCenter(LocalAthena server) throws IOException {
        assertEquals(1, Identity.count(server, "RegisterClient"));
        assertEquals(1, Identity.count(server, "CreateToken"));
        assertEquals(1, Identity.count(server, "GetRoleCredentials"));
    }

    /** Every secret athena-local's Identity Center and STS side handed out. */
    private static List<String> issuedSecrets(LocalAthena server) throws IOException {
        String json = server.admin("GET", "/_athena_local/identity/issued", null);
        List<String> secrets = new ArrayList<String>(Identity.issuedSecrets(server));
        Matcher m = Pattern.compile("\"secret\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
        while (m.find()) {
            secrets.add(m.group(1));
        }
        return secrets;
    }

    @Test
    void signsInThroughIdentityCenterAndQueriesAsThePermissionSetsRole() throws Exception {
        person("login");
        Identity.clearCalls(athena);
        int port = freePort();
        String url = url(athena, port, "");
        assertQueries(url);
        assertQueriedAsThePermissionSet(athena);
        assertOneSignInAtIdentityCenter(athena);
        assertEquals(0, Identity.callsTo(athena, "sts"), "BrowserSSOOIDC called STS");
        List<String> runs = desk.runs(1);
        assertEquals(1, runs.size(), runs.toString());
        String run = runs.get(0);
        assertEquals("S256", Identity.jsonString(run, "code_challenge_method"), run);
        assertEquals("http://localhost:" + port + "/athena", Identity.jsonString(run, "redirect_uri"), run);
        assertEquals("sso:account:access", Identity.jsonString(run, "scopes"), run);
        assertTrue(run.contains("\"has_state\":true") && run.contains("\"final_url_has_code\":true"), run);
        assertTrue(Identity.jsonString(run, "final_page").contains("Sign-in finished"), run);

        // The next connection reuses the role credentials: no browser, no Identity Center.
        desk.assertQueriesAgainWithoutTheBrowser(athena, url);
        assertEquals(0, Identity.callsTo(athena, "sso-oidc"));
        assertEquals(0, Identity.callsTo(athena, "sso"));
        assertQueriedAsThePermissionSet(athena);
    }

    @Test
    void severalConnectionsAtOnceShareOneSignIn() throws Exception {
        person("login");
        Identity.clearCalls(athena);
        final String url = url(athena, freePort(), "");
        for (long count : BrowserPerson.cityCountsTogether(url, 3, 120)) {
            assertTrue(count > 0);
        }
        assertEquals(1, desk.runs(1).size(), "each connection opened the browser");
        assertOneSignInAtIdentityCenter(athena);
        assertQueriedAsThePermissionSet(athena);
    }

    /** The ODBC names, and a person who mistypes the password first: the page says so, then lets them in. */
    @Test
    void odbcNamesAndAWrongPasswordThenTheRightOne() throws Exception {
        person("wrong-password");
        Identity.clearCalls(athena);
        String e = athena.endpoint();
        String url = "jdbc:athena://AwsRegion=us-east-1;EndpointOverride=" + e + ";SSOOIDCEndpointOverride=" + e
                + ";SSOEndpointOverride=" + e + ";AuthenticationType=BrowserSSOOIDC;sso_oidc_start_url=" + START_URL
                + ";sso_oidc_region=us-east-1;sso_oidc_account_id=" + Identity.ACCOUNT
                + ";sso_oidc_role_name=AthenaAnalyst;sso_oidc_scopes=sso:account:access;sso_oidc_timeout=60"
                + ";listen_port=" + freePort();
        assertQueries(url);
        assertQueriedAsThePermissionSet(athena);
        String run = desk.runs(1).get(0);
        assertEquals("Incorrect username or password.", Identity.jsonString(run, "idc_error"), run);
        assertTrue(Identity.jsonString(run, "final_page").contains("Sign-in finished"), run);
    }

    @Test
    void cancellingAtIdentityCenterSurfacesAccessDenied() throws Exception {
        person("cancel");
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(url(athena, freePort(), "")));
        assertEquals("28000", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains("access_denied"), e.getMessage());
        String run = desk.runs(1).get(0);
        assertTrue(Identity.jsonString(run, "final_page").contains("access_denied"), run);
    }

    @Test
    void nobodySigningInTimesOutAndFreesThePort() throws Exception {
        person("ignore");
        int port = freePort();
        BrowserPerson.assertTimesOut(url(athena, port, "IdpResponseTimeout=3"), 3, port);
    }

    @Test
    void aTakenPortIsNamedBeforeAnythingElse() throws Exception {
        person("login");
        Identity.clearCalls(athena);
        desk.assertTakenPortIsNamed(0, port -> url(athena, port, ""), "ListenPort");
        assertEquals(0, Identity.callsTo(athena, "sso-oidc"), "Identity Center was called");
    }

    @Test
    void aPermissionSetNotAssignedIsNamed() throws Exception {
        person("login");
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                url(athena, freePort(), "").replace("SsoOidcRoleName=AthenaAnalyst", "SsoOidcRoleName=Administrator")));
        assertEquals("28000", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains("ForbiddenException"), e.getMessage());
        assertTrue(e.getMessage().contains("SsoOidcRoleName 'Administrator'"), e.getMessage());
        assertTrue(e.getMessage().contains("SsoOidcAccountId '" + Identity.ACCOUNT + "'"), e.getMessage());

        // A person with no permission set at all.
        person("login", "noah@corp.example", "noah-password-not-for-logs");
        e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url(athena, freePort(), "")));
        assertTrue(e.getMessage().contains("SsoOidcRoleName 'AthenaAnalyst'"), e.getMessage());
    }

    /** Short-lived credentials and access token: the refresh token renews them without the browser. */
    @Test
    void theRefreshTokenRenewsTheSignInWithoutTheBrowser() throws Exception {
        try (LocalAthena own = LocalAthena.start()) {
            own.admin("PUT", "/_athena_local/identity/settings",
                    "{\"credential_lifetime_seconds\":2,\"id_token_lifetime_seconds\":2}");
            person("login");
            String url = url(own, freePort(), "");
            assertQueries(url);
            Thread.sleep(3000);
            Identity.clearCalls(own);
            assertQueries(url);
            assertEquals(1, desk.runs(1).size(), "the browser was started again instead of the refresh token");
            assertEquals(0, Identity.count(own, "RegisterClient"));
            assertTrue(Identity.count(own, "CreateToken") >= 1, "the access token was not renewed");
            assertTrue(Identity.count(own, "GetRoleCredentials") >= 1);
            assertQueriedAsThePermissionSet(own);
        }
    }

    /**
     * Identity Center ends the access token and AWS the credentials before their time: the refused
     * credentials are dropped, the portal's refusal of the token sends the driver to the refresh token, and
     * the query still runs, without the browser.
     */
    @Test
    void credentialsAndTokenRevokedEarlyAreRenewedWithTheRefreshToken() throws Exception {
        person("login");
        String url = url(athena, freePort(), "");
        try (Connection c = DriverManager.getConnection(url)) {
            assertTrue(JwtSignInTest.cityCount(c) > 0);
            athena.admin("POST", "/_athena_local/identity/expire", null);
            Identity.clearCalls(athena);
            assertTrue(JwtSignInTest.cityCount(c) > 0);
        }
        assertEquals(1, desk.runs(1).size(), "the browser was started again");
        boolean refused = false;
        for (String call : Identity.calls(athena)) {
            refused |= "ExpiredTokenException".equals(Identity.jsonString(call, "error_type"));
        }
        assertTrue(refused, "AWS did not refuse the revoked credentials");
        assertEquals(2, Identity.count(athena, "GetRoleCredentials"), "refused with the old token, then the new");
        assertEquals(1, Identity.count(athena, "CreateToken"));
        assertQueriedAsThePermissionSet(athena);
    }

    @Test
    void withTokenCachingAnotherProcessSkipsTheBrowser() throws Exception {
        person("login");
        Path home = Files.createTempDirectory("athena-home");
        String url = url(athena, freePort(), "EnableTokenCaching=true");
        Path file = desk.signInInNewJvm(home, url);
        Path folder = FileCacheTest.cacheFolder(home);
        assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(folder));
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
        String content = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        assertTrue(content.contains("\"refresh_token\"") && content.contains("\"client_secret\""), "not kept");

        desk.assertNewJvmSkipsTheBrowser(athena, home, url);
        assertEquals(0, Identity.callsTo(athena, "sso-oidc"), "SSO-OIDC was called");
        assertEquals(0, Identity.callsTo(athena, "sso"), "the portal was called");
        assertQueriedAsThePermissionSet(athena);

        // Expired role credentials and access token in the file: the kept refresh token and client renew them.
        long past = Identity.now() - 60;
        String expired = content.replaceAll("(\"access\":\\{[^}]*\"expiry\":)\\d+", "$1" + past)
                .replaceAll("(\"access_token\":\\{\"expiry\":)\\d+", "$1" + past)
                .replaceAll("\"usable_until\":\\d+", "\"usable_until\":" + past);
        assertEquals(2, expired.split("\"expiry\":" + past, -1).length - 1,
                "the credentials' and the token's expiry, not the client's, are rewritten");
        Files.write(file, expired.getBytes(StandardCharsets.UTF_8));
        desk.assertNewJvmSkipsTheBrowser(athena, home, url);
        assertEquals(0, Identity.count(athena, "RegisterClient"));
        assertEquals(1, Identity.count(athena, "CreateToken"));
        assertEquals(1, Identity.count(athena, "GetRoleCredentials"));
    }

    /**
     * At TRACE, a sign-in that works and one that fails: no client secret, code, access or refresh token,
     * role credential nor password in the log, a message or a toString.
     */
    @Test
    void noSecretInTheTraceLogOrInMessages() throws Exception {
        Path logs = Files.createTempDirectory("athena-sso-log");
        String trace = "LogLevel=TRACE;LogPath=" + logs;
        person("login");
        List<String> seen = new ArrayList<String>();
        try (Connection c = DriverManager.getConnection(url(athena, freePort(), trace))) {
            seen.add(c.toString());
            assertTrue(JwtSignInTest.cityCount(c) > 0);
        }
        person("login");
        String unassigned = url(athena, freePort(), trace).replace("SsoOidcRoleName=AthenaAnalyst",
                "SsoOidcRoleName=Administrator");
        SQLException failure = SecretsTest.useAndCollect(unassigned, seen);
        assertTrue(failure.getMessage().contains("Administrator"), failure.getMessage());
        String log = new String(Files.readAllBytes(logs.resolve("athena-native-jdbc.log")), StandardCharsets.UTF_8);
        assertTrue(log.contains("BrowserSSOOIDC") && log.contains("GetRoleCredentials"), log);
        seen.add(log);
        List<String> secrets = issuedSecrets(athena);
        assertTrue(secrets.size() > 5, "athena-local listed no Identity Center secrets");
        secrets.add(IRIS_PASSWORD);
        SecretsTest.assertNoSecretIn(seen, secrets);
    }

    @Test
    void theCallbackListensOnLoopbackOnly() throws Exception {
        person("ignore");
        int port = freePort();
        BrowserPerson.assertCallbackListensOnLoopbackOnly(url(athena, port, "IdpResponseTimeout=6"), port);
    }
}
