package io.athenanative.jdbc.signin;

import static io.athenanative.jdbc.signin.BrowserPerson.assertQueries;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.athenanative.jdbc.LocalAthena;
import io.athenanative.jdbc.TinyProxy;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * CredentialsProvider=BrowserOidcTip (seed 004) against a real OpenID provider (node's oidc-provider) and a
 * real headless Chromium, which the driver starts through the BROWSER environment variable (set by the
 * Gradle test task to tests/browser/browse.mjs). Each test tells the browser what the person does.
 */
class BrowserSignInTest {
    private static final String ACCOUNT = "111122223333";
    private static final String WORKGROUP = "arn:aws:athena:us-east-1:" + ACCOUNT + ":workgroup/browser";
    private static final String APPLICATION_ROLE = "arn:aws:iam::" + ACCOUNT + ":role/browserApplicationRole";

    private static OidcProvider provider;
    private static LocalAthena athena;
    private static BrowserPerson desk;
    private static int nextPort;

    @BeforeAll
    static void start() throws Exception {
        desk = BrowserPerson.atTheDesk();
        provider = OidcProvider.start(28, null);
        athena = startAthena(provider);
    }

    @AfterAll
    static void stop() {
        athena.close();
        provider.close();
    }

    static LocalAthena startAthena(OidcProvider idp) throws IOException {
        File data = new File("tests/data").getAbsoluteFile();
        String template = new String(Files.readAllBytes(new File(data, "athena-local-browser.toml").toPath()),
                StandardCharsets.UTF_8);
        Path config = Files.createTempFile("athena-local-browser", ".toml");
        Files.write(config, template.replace("@ISSUER@", idp.issuer()).replace("@DATA@", data.getPath())
                .getBytes(StandardCharsets.UTF_8));
        return LocalAthena.start(config.toString());
    }

    /** What the person at the browser does next: login, deny, ignore or forge. */
    private static void person(String mode, String user) throws IOException {
        desk.next(mode, user, null);
    }

    /** A port registered at the provider that no earlier test used, so no cache is shared by accident. */
    private static synchronized int port() {
        return provider.redirectPort(nextPort++);
    }

    private static String url(LocalAthena server, OidcProvider idp, int port, String extra) {
        String e = server.endpoint();
        return "jdbc:athena://Region=us-east-1;AthenaEndpoint=" + e + ";StsEndpoint=" + e + ";SsoOidcEndpoint=" + e
                + ";SsoAdminEndpoint=" + e + ";CredentialsProvider=BrowserOidcTip;IdpWellKnownConfigurationUrl="
                + idp.wellKnown() + ";OidcClientId=" + OidcProvider.PUBLIC_CLIENT + ";IdpPortNumber=" + port
                + ";WorkGroupArn=" + WORKGROUP + ";ApplicationRoleArn=" + APPLICATION_ROLE
                + ";JwtRoleSessionName=desk" + (extra.isEmpty() ? "" : ";" + extra);
    }

    private static void assertQueriedAs(LocalAthena server, String user) throws IOException {
        boolean queried = false;
        for (String call : Identity.calls(server)) {
            if ("StartQueryExecution".equals(Identity.jsonString(call, "operation"))) {
                assertEquals(user, Identity.jsonString(call, "identity_context_user"), call);
                queried = true;
            }
        }
        assertTrue(queried, "no query reached athena-local");
    }

    @Test
    void signsInThroughTheBrowserThenReusesTheCredentialsWithoutIt() throws Exception {
        person("login", "alice");
        Identity.clearCalls(athena);
        String url = url(athena, provider, port(), "");
        assertQueries(url);
        assertQueriedAs(athena, "alice@example.com");
        List<String> runs = desk.runs(1);
        assertEquals(1, runs.size(), runs.toString());
        String run = runs.get(0);
        assertEquals("S256", Identity.jsonString(run, "code_challenge_method"), run);
        assertTrue(run.contains("\"has_state\":true") && run.contains("\"has_nonce\":true"), run);
        assertTrue(run.contains("\"final_url_has_code\":true"), run);
        assertTrue(Identity.jsonString(run, "final_page").contains("Sign-in finished"), run);
        assertEquals(1, Identity.count(athena, "CreateTokenWithIAM"));

        desk.assertQueriesAgainWithoutTheBrowser(athena, url);
        assertEquals(0, Identity.count(athena, "AssumeRoleWithWebIdentity"));
        assertEquals(0, Identity.count(athena, "CreateTokenWithIAM"));
        assertQueriedAs(athena, "alice@example.com");
    }

    @Test
    void odbcNamesAndAClientSecretSentAsTheProviderAdvertisesAndKeptOutOfTheLog() throws Exception {
        person("login", "bob");
        Identity.clearCalls(athena);
        Path logs = Files.createTempDirectory("athena-log");
        String e = athena.endpoint();
        String url = "jdbc:athena://AwsRegion=us-east-1;EndpointOverride=" + e + ";StsEndpoint=" + e + ";SsoOidcEndpoint="
                + e + ";SsoAdminEndpoint=" + e + ";AuthenticationType=BrowserOidcTip;IdpWellKnownConfigurationUrl="
                + provider.wellKnown() + ";client_id=" + OidcProvider.BASIC_CLIENT + ";client_secret="
                + OidcProvider.CLIENT_SECRET + ";listen_port=" + port() + ";WorkgroupArn=" + WORKGROUP
                + ";ApplicationRoleArn=" + APPLICATION_ROLE + ";role_session_name=desk;duration=900;Scope=openid email"
                + ";LogLevel=TRACE;LogPath=" + logs;
        assertQueries(url);
        assertQueriedAs(athena, "bob@example.com");
        String log = new String(Files.readAllBytes(logs.resolve("athena-native-jdbc.log")), StandardCharsets.UTF_8);
        assertTrue(log.contains("BrowserOidcTip"), log);
        assertFalse(log.contains(OidcProvider.CLIENT_SECRET), "the client secret is in the log");
        assertFalse(log.contains("eyJ"), "a JWT is in the log");
        for (String secret : Identity.issuedSecrets(athena)) {
            assertFalse(log.contains(secret), "a secret athena-local issued is in the log");
        }
    }

    /**
     * The browser flow at TRACE failing at each step, the identity provider's token endpoint included: no
     * client secret, authorization code, access, refresh or id token, nor any credential athena-local
     * issued, in the log, in a message, in a toString or in the browser's tab.
     */
    @ParameterizedTest(name = "failing at {0}")
    @ValueSource(strings = {"the token endpoint", "AssumeRoleWithWebIdentity", "ListTagsForResource",
        "CreateTokenWithIAM", "AssumeRole", "GetWorkGroup", "StartQueryExecution", "GetQueryResults"})
    void noSecretLeaksWhenAStepFails(String failing) throws Exception {
        person("login", "bob");
        Path logs = Files.createTempDirectory("athena-browser-secrets");
        String wrongSecret = "wrong-client-secret-" + UUID.randomUUID();
        String secret = failing.equals("the token endpoint") ? wrongSecret : OidcProvider.CLIENT_SECRET;
        String url = url(athena, provider, port(), "NumRetries=0;LogLevel=TRACE;LogPath=" + logs)
                .replace(OidcProvider.PUBLIC_CLIENT, OidcProvider.BASIC_CLIENT) + ";OidcClientSecret=" + secret;
        athena.admin("DELETE", "/_athena_local/faults", null);
        if (!failing.equals("the token endpoint")) {
            athena.admin("POST", "/_athena_local/faults",
                    "{\"operation\":\"" + failing + "\",\"kind\":\"internal_error\",\"count\":100}");
        }
        List<String> seen = new ArrayList<String>();
        SQLException failure;
        try {
            failure = SecretsTest.useAndCollect(url, seen);
        } finally {
            athena.admin("DELETE", "/_athena_local/faults", null);
        }
        String expected = failing.equals("the token endpoint") ? "invalid_client" : failing;
        assertTrue(failure.getMessage().contains(expected), failure.getMessage());
        String log = new String(Files.readAllBytes(logs.resolve("athena-native-jdbc.log")), StandardCharsets.UTF_8);
        assertTrue(log.contains("TRACE") || log.contains("DEBUG"), "the log is at its most detailed");
        seen.add(log);
        for (String run : desk.runs(1)) {
            String page = Identity.jsonString(run, "final_page");
            assertNotNull(page, run);
            seen.add(page);
        }
        List<String> secrets = new ArrayList<String>(Identity.issuedSecrets(athena));
        secrets.addAll(provider.issuedSecrets());
        assertFalse(provider.issuedSecrets().isEmpty(), "the provider issued a code");
        secrets.add(OidcProvider.CLIENT_SECRET);
        secrets.add(wrongSecret);
        SecretsTest.assertNoSecretIn(seen, secrets);
    }

    /**
     * With a proxy, AWS calls always go through it; the identity provider's discovery, keys and token
     * calls only with ProxyEnabledForIdP, as in the official drivers.
     */
    @ParameterizedTest(name = "ProxyEnabledForIdP={0}")
    @ValueSource(booleans = {true, false})
    void theIdentityProviderIsReachedThroughTheProxyOnlyWhenAsked(boolean forIdp) throws Exception {
        try (TinyProxy proxy = TinyProxy.start("idp-proxy-user", "idp-proxy-pass")) {
            person("login", "carol");
            String url = url(athena, provider, port(), proxy.properties("idp-proxy-user", "idp-proxy-pass")
                    + ";ProxyEnabledForIdP=" + forIdp);
            assertQueries(url);
            assertTrue(proxy.requestsTo(athena.endpoint()) > 0, "AWS calls went through the proxy");
            String issuer = provider.issuer();
            if (forIdp) {
                assertTrue(proxy.requests().contains("GET " + issuer + "/.well-known/openid-configuration"),
                        proxy.requests().toString());
                assertTrue(proxy.requests().contains("POST " + issuer + "/token"), proxy.requests().toString());
                assertTrue(proxy.requests().contains("GET " + issuer + "/jwks"), proxy.requests().toString());
            } else {
                assertEquals(0, proxy.requestsTo(issuer), "the identity provider was reached directly");
            }
        }
    }

    /**
     * An identity provider on HTTPS with its own certificate: refused with a clear error until TrustedCerts
     * names it; then the sign-in gets past discovery to the browser (where nobody signs in here).
     */
    @Test
    void anHttpsIdentityProviderIsTrustedThroughTrustedCerts() throws Exception {
        Path dir = Files.createTempDirectory("idp-tls");
        Path pkcs12 = dir.resolve("idp.p12");
        Path pem = dir.resolve("idp.pem");
        String keytool = System.getProperty("java.home") + "/bin/keytool";
        run(keytool, "-genkeypair", "-keyalg", "RSA", "-keysize", "2048", "-alias", "idp", "-keystore",
                pkcs12.toString(), "-storetype", "PKCS12", "-storepass", "idp-store", "-dname", "CN=127.0.0.1",
                "-ext", "SAN=ip:127.0.0.1", "-validity", "2");
        run(keytool, "-exportcert", "-rfc", "-alias", "idp", "-keystore", pkcs12.toString(), "-storepass",
                "idp-store", "-file", pem.toString());
        try (OidcProvider https = OidcProvider.startHttps(2, pkcs12, "idp-store")) {
            assertTrue(https.issuer().startsWith("https://"), https.issuer());
            SQLException untrusted = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(url(athena, https, https.redirectPort(0), "")));
            assertEquals("08001", untrusted.getSQLState(), untrusted.getMessage());
            assertTrue(untrusted.getMessage().contains("certificate is not trusted"), untrusted.getMessage());
            assertTrue(untrusted.getMessage().contains("TrustedCerts"), untrusted.getMessage());
            person("ignore", "alice");
            SQLException trusted = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                    url(athena, https, https.redirectPort(1), "IdpResponseTimeout=2;TrustedCerts=" + pem)));
            assertFalse(trusted.getMessage().contains("certificate"), trusted.getMessage());
            assertEquals(1, desk.runs(1).size(), "discovery passed and the browser opened: " + trusted.getMessage());
        }
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(readAll(p.getInputStream()), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
    }

    private static byte[] readAll(java.io.InputStream in) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        for (int n; (n = in.read(chunk)) > 0; ) {
            out.write(chunk, 0, n);
        }
        return out.toByteArray();
    }

    @Test
    void aSecretOnlyTheBodyMayCarryGoesInTheBody() throws Exception {
        try (OidcProvider postOnly = OidcProvider.start(1, "none,client_secret_post");
                LocalAthena own = startAthena(postOnly)) {
            person("login", "carol");
            String url = url(own, postOnly, postOnly.redirectPort(0), "").replace(OidcProvider.PUBLIC_CLIENT,
                    OidcProvider.POST_CLIENT) + ";OidcClientSecret=" + OidcProvider.CLIENT_SECRET;
            assertQueries(url);
            assertQueriedAs(own, "carol@example.com");
        }
    }

    @Test
    void aWrongClientSecretIsRefusedWithoutShowingIt() throws Exception {
        person("login", "alice");
        String url = url(athena, provider, port(), "").replace(OidcProvider.PUBLIC_CLIENT, OidcProvider.BASIC_CLIENT)
                + ";OidcClientSecret=not-the-secret-value";
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url));
        assertEquals("28000", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains("invalid_client"), e.getMessage());
        assertFalse(e.getMessage().contains("not-the-secret-value"), e.getMessage());
        // The token endpoint refused the code after the redirect: the tab waited for that, and says so.
        List<String> runs = desk.runs(1);
        assertEquals(1, runs.size(), runs.toString());
        String page = Identity.jsonString(runs.get(0), "final_page");
        assertTrue(page.contains("Sign-in failed") && page.contains("invalid_client"), page);
        assertFalse(page.contains("Sign-in finished") || page.contains("not-the-secret-value"), page);
    }

    @Test
    void theProvidersRefusalSurfacesWhenThePersonDeniesConsent() throws Exception {
        person("deny", "alice");
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(url(athena, provider, port(), "")));
        assertEquals("28000", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains("access_denied"), e.getMessage());
        List<String> runs = desk.runs(1);
        assertEquals(1, runs.size(), runs.toString());
        assertTrue(Identity.jsonString(runs.get(0), "final_page").contains("access_denied"), runs.get(0));
    }

    @Test
    void nobodySigningInTimesOutAndFreesThePort() throws Exception {
        person("ignore", "alice");
        int port = port();
        BrowserPerson.assertTimesOut(url(athena, provider, port, "IdpResponseTimeout=3"), 3, port);
    }

    @Test
    void aTakenPortIsNamed() throws Exception {
        person("login", "alice");
        desk.assertTakenPortIsNamed(port(), port -> url(athena, provider, port, ""), "IdpPortNumber");
    }

    @Test
    void aForgedCallbackIsRejectedAndTheRealOneStillCompletes() throws Exception {
        person("forge", "alice");
        assertQueries(url(athena, provider, port(), ""));
        String run = desk.runs(1).get(0);
        assertTrue(run.contains("\"forged_status\":400"), run);
        assertTrue(Identity.jsonString(run, "forged_page").contains("ignored"), run);
        assertTrue(Identity.jsonString(run, "final_page").contains("Sign-in finished"), run);
    }

    @Test
    void theRefreshTokenRenewsTheSignInWithoutTheBrowser() throws Exception {
        try (LocalAthena own = startAthena(provider)) {
            // Identity Center's context and the credentials outlive neither the wait below.
            own.admin("PUT", "/_athena_local/identity/settings",
                    "{\"credential_lifetime_seconds\":2,\"id_token_lifetime_seconds\":2}");
            person("login", "dave");
            String url = url(own, provider, port(), "");
            assertQueries(url);
            Thread.sleep(3000);
            Identity.clearCalls(own);
            assertQueries(url);
            assertEquals(1, desk.runs(1).size(), "the browser was started again instead of the refresh token");
            assertTrue(Identity.count(own, "CreateTokenWithIAM") >= 1, "the refreshed id token was not exchanged");
            assertQueriedAs(own, "dave@example.com");
        }
    }


    @Test
    void withTheFileCacheAnotherProcessSkipsTheBrowserAndTheExchange() throws Exception {
        person("login", "erin");
        Path home = Files.createTempDirectory("athena-home");
        String url = url(athena, provider, port(), "JwtTipFileCache=1");
        String content = new String(Files.readAllBytes(desk.signInInNewJvm(home, url)), StandardCharsets.UTF_8);
        assertTrue(content.contains("\"refresh_token\""), "the refresh token was not kept for other processes");

        desk.assertNewJvmSkipsTheBrowser(athena, home, url);
        assertEquals(0, Identity.callsTo(athena, "sts"), "STS was called");
        assertEquals(0, Identity.callsTo(athena, "sso-oidc"), "SSO-OIDC was called");
        assertQueriedAs(athena, "erin@example.com");
    }

    @Test
    void theCallbackListensOnLoopbackOnly() throws Exception {
        person("ignore", "alice");
        int port = port();
        BrowserPerson.assertCallbackListensOnLoopbackOnly(url(athena, provider, port, "IdpResponseTimeout=6"), port);
    }
}
