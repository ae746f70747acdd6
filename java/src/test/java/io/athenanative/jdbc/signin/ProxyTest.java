package io.athenanative.jdbc.signin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.athenanative.jdbc.Checksums;
import io.athenanative.jdbc.LocalAthena;
import io.athenanative.jdbc.TinyProxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every AWS call of a sign-in, a query and its result read through a real proxy (tinyproxy) with Basic
 * authentication, checked from the proxy's own log against the calls athena-local served.
 */
class ProxyTest {
    private static final String USER = "proxy-user";
    private static final String PASSWORD = "proxy-pass-0123456789";
    private static LocalAthena athena;
    private static TinyProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        athena = LocalAthena.start();
        proxy = TinyProxy.start(USER, PASSWORD);
    }

    @AfterAll
    static void stop() {
        proxy.close();
        athena.close();
    }

    private static long rows(String url) throws SQLException {
        return Checksums.rowCount(url, "SELECT value FROM range(5000)");
    }

    @Test
    void everyCallOfASignInAQueryAndItsResultsGoesThroughTheProxy() throws Exception {
        athena.clearCalls();
        int before = proxy.requestsTo(athena.endpoint());
        Path logs = Files.createTempDirectory("athena-proxy-log");
        // The application ARN given: its access role comes from SSO Admin's tags, so every service is called.
        String url = Identity.tipUrl(athena, Identity.mint(athena), "ResultFetcher=S3;S3Endpoint=" + athena.endpoint()
                + ";CustomerIdcApplicationArn=" + Identity.APPLICATION + ";" + proxy.properties(USER, PASSWORD)
                + ";LogLevel=TRACE;LogPath=" + logs);
        assertEquals(5000, rows(url));
        String log = new String(Files.readAllBytes(logs.resolve("athena-native-jdbc.log")), StandardCharsets.UTF_8);
        assertTrue(log.contains("proxy 127.0.0.1:" + proxy.port() + " as " + USER), "the log names the proxy");
        assertFalse(log.contains(PASSWORD), "the proxy password is in the log");
        int served = athena.calls().size();
        assertEquals(served, proxy.requestsTo(athena.endpoint()) - before,
                "every call athena-local served came through the proxy");
        for (String service : new String[] {"sts", "sso-oidc", "sso-admin", "athena", "s3"}) {
            assertTrue(Identity.callsTo(athena, service) > 0, service + " was called");
        }
    }

    @Test
    void exemptHostsAreReachedDirectly() throws Exception {
        athena.clearCalls();
        int before = proxy.requestsTo(athena.endpoint());
        // The same server under another name: S3 as localhost (exempt), Athena as 127.0.0.1 (proxied).
        String s3 = athena.endpoint().replace("127.0.0.1", "localhost");
        String url = athena.url("ResultFetcher=S3;S3Endpoint=" + s3 + ";" + proxy.properties(USER, PASSWORD)
                + ";ProxyExemptHosts=localhost|*.internal.example");
        assertEquals(5000, rows(url));
        int s3Calls = Identity.callsTo(athena, "s3");
        assertTrue(s3Calls > 0, "results were read from S3");
        assertEquals(0, proxy.requestsTo("http://localhost"), "no call to an exempt host went through the proxy");
        assertEquals(athena.calls().size() - s3Calls, proxy.requestsTo(athena.endpoint()) - before,
                "the other calls did");
    }

    @Test
    void aWrongProxyPasswordIsAClearErrorThatDoesNotShowIt() throws Exception {
        String wrong = "not-the-proxy-password-42";
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(athena.url(proxy.properties(USER, wrong))));
        assertEquals("08001", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains("refused by the proxy"), e.getMessage());
        assertTrue(e.getMessage().contains("ProxyPassword"), e.getMessage());
        assertFalse(e.getMessage().contains(wrong), e.getMessage());
    }

    /** DBeaver's "Test connection" with a wrong proxy password, then with the right one, in one process. */
    @Test
    void aSignInWithAWrongProxyPasswordDoesNotStickOnceItIsFixed() throws Exception {
        String token = Identity.mint(athena);
        String base = "ResultFetcher=S3;S3Endpoint=" + athena.endpoint() + ";";
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                Identity.tipUrl(athena, token, base + proxy.properties(USER, "wrong-proxy-password"))));
        assertEquals("08001", e.getSQLState(), e.getMessage());
        assertEquals(5000, rows(Identity.tipUrl(athena, token, base + proxy.properties(USER, PASSWORD))),
                "the corrected password signs in with the same token");
    }

    @Test
    void proxySettingsThatDoNotFitAreRefusedTogether() {
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                athena.url("ProxyHost=127.0.0.1;ProxyUsername=someone;UseProxy=1")));
        assertEquals("08001", e.getSQLState());
        assertTrue(e.getMessage().contains("ProxyPort is required with ProxyHost"), e.getMessage());
        assertTrue(e.getMessage().contains("ProxyUsername needs ProxyPassword"), e.getMessage());
        SQLException alone = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(athena.url("ProxyExemptHosts=localhost")));
        assertTrue(alone.getMessage().contains("ProxyExemptHosts applies only with ProxyHost"), alone.getMessage());
    }
}
