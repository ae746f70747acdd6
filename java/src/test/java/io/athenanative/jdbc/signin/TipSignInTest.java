package io.athenanative.jdbc.signin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.athenanative.jdbc.LocalAthena;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/** CredentialsProvider=JWT_TIP (seed 000): the five steps, the tag look-ups and the in-memory cache. */
class TipSignInTest {
    @RegisterExtension
    static final LocalAthena athena = LocalAthena.perClass();

    private static void assertQueriesRanAsTheUser() throws Exception {
        boolean queried = false;
        for (String call : Identity.calls(athena)) {
            if ("StartQueryExecution".equals(Identity.jsonString(call, "operation"))) {
                assertEquals("test-user", Identity.jsonString(call, "identity_context_user"), call);
                String principal = Identity.jsonString(call, "principal");
                assertNotNull(principal, call);
                assertTrue(principal.contains("assumed-role/accessRole/"), call);
                queried = true;
            }
        }
        assertTrue(queried, "no query reached the server");
    }

    @Test
    void explicitArnsSkipTheTagLookupsAndQueriesCarryTheIdentity() throws Exception {
        String token = Identity.mint(athena);
        Identity.clearCalls(athena);
        String url = Identity.tipUrl(athena, token,
                "CustomerIdcApplicationArn=" + Identity.APPLICATION + ";AccessRoleArn=" + Identity.ACCESS_ROLE);
        try (Connection c = DriverManager.getConnection(url)) {
            assertTrue(JwtSignInTest.cityCount(c) > 0);
        }
        assertEquals(0, Identity.count(athena, "ListTagsForResource"));
        assertEquals(1, Identity.count(athena, "AssumeRoleWithWebIdentity"));
        assertEquals(1, Identity.count(athena, "CreateTokenWithIAM"));
        assertEquals(1, Identity.count(athena, "AssumeRole"));
        assertQueriesRanAsTheUser();
    }

    @Test
    void odbcNamesWithoutOptionalArnsLookUpBothTags() throws Exception {
        String token = Identity.mint(athena);
        Identity.clearCalls(athena);
        String e = athena.endpoint();
        String url = "jdbc:athena://AwsRegion=" + Identity.REGION + ";EndpointOverride=" + e + ";StsEndpoint=" + e
                + ";SsoOidcEndpoint=" + e + ";SsoAdminEndpoint=" + e + ";AuthenticationType=JWT_TIP;web_identity_token="
                + token + ";WorkgroupArn=" + Identity.TIP_WORKGROUP + ";ApplicationRoleArn=" + Identity.APPLICATION_ROLE
                + ";role_session_name=odbc-user;duration=1200";
        try (Connection c = DriverManager.getConnection(url)) {
            assertTrue(JwtSignInTest.cityCount(c) > 0);
        }
        List<String> services = Identity.servicesCalledFor(athena, "ListTagsForResource");
        assertTrue(services.contains("athena"), services.toString());
        assertTrue(services.contains("sso-admin"), services.toString());
        assertQueriesRanAsTheUser();
    }

    @Test
    void anExplicitApplicationArnLeavesOnlyTheAccessRoleToTheApplicationsTag() throws Exception {
        String token = Identity.mint(athena);
        Identity.clearCalls(athena);
        try (Connection c = DriverManager.getConnection(
                Identity.tipUrl(athena, token, "CustomerIdcApplicationArn=" + Identity.APPLICATION))) {
            assertTrue(JwtSignInTest.cityCount(c) > 0);
        }
        List<String> services = Identity.servicesCalledFor(athena, "ListTagsForResource");
        assertEquals(Collections.singletonList("sso-admin"), services);
        assertQueriesRanAsTheUser();
    }

    @ParameterizedTest
    @ValueSource(strings = {"web_identity_token", "WorkgroupArn", "ApplicationRoleArn", "role_session_name"})
    void aMissingRequiredPropertyIsNamed(String odbcName) throws Exception {
        String token = Identity.mint(athena);
        String url = "jdbc:athena://" + Identity.tipEndpoints(athena) + ";AuthenticationType=JWT_TIP;web_identity_token="
                + token + ";WorkgroupArn=" + Identity.TIP_WORKGROUP + ";ApplicationRoleArn=" + Identity.APPLICATION_ROLE
                + ";role_session_name=s";
        String without = url.replaceAll(";" + odbcName + "=[^;]*", "");
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(without));
        assertEquals("08001", e.getSQLState());
        String canonical = odbcName.equals("web_identity_token") ? "JwtWebIdentityToken"
                : odbcName.equals("role_session_name") ? "JwtRoleSessionName"
                : odbcName.equals("WorkgroupArn") ? "WorkGroupArn" : odbcName;
        assertTrue(e.getMessage().contains(canonical + " is required for JWT_TIP"), e.getMessage());
        assertFalse(e.getMessage().contains(token));
    }

    @Test
    void aWorkgroupWithoutTheTagAsksForTheApplicationArn() throws Exception {
        String token = Identity.mint(athena);
        String url = Identity.tipUrl(athena, token, "").replace(Identity.TIP_WORKGROUP, Identity.UNTAGGED_WORKGROUP);
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url));
        assertTrue(e.getMessage().contains("CustomerIdcApplicationArn"), e.getMessage());
        assertTrue(e.getMessage().contains(Identity.UNTAGGED_WORKGROUP), e.getMessage());
    }

    @Test
    void anApplicationWithoutARoleTagAsksForTheAccessRoleArn() throws Exception {
        String token = Identity.mint(athena);
        String noTags = Identity.APPLICATION.replace("apl-5555666677778888", "apl-notags");
        String url = Identity.tipUrl(athena, token, "CustomerIdcApplicationArn=" + noTags);
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url));
        assertTrue(e.getMessage().contains("AccessRoleArn"), e.getMessage());
    }

    @Test
    void plainRoleCredentialsCannotQueryTheIdentityWorkgroup() throws Exception {
        String token = Identity.mint(athena);
        try (Connection c = DriverManager.getConnection(Identity.jwtUrl(athena, token, "WorkGroup=tip"));
                Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.executeQuery("SELECT 1"));
            assertEquals("28000", e.getSQLState(), e.getMessage());
        }
    }

    @Test
    void sixteenThreadsShareExactlyOneTokenExchange() throws Exception {
        final String url = Identity.tipUrl(athena, Identity.mint(athena), "");
        Identity.clearCalls(athena);
        final CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Long>> results = new ArrayList<Future<Long>>();
            for (int i = 0; i < 16; i++) {
                results.add(pool.submit(new Callable<Long>() {
                    @Override
                    public Long call() throws Exception {
                        go.await();
                        try (Connection c = DriverManager.getConnection(url)) {
                            return JwtSignInTest.cityCount(c);
                        }
                    }
                }));
            }
            go.countDown();
            long first = results.get(0).get(120, TimeUnit.SECONDS);
            for (Future<Long> r : results) {
                assertEquals(first, (long) r.get(120, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, Identity.count(athena, "CreateTokenWithIAM"));
        assertEquals(1, Identity.count(athena, "AssumeRoleWithWebIdentity"));
        assertEquals(1, Identity.count(athena, "AssumeRole"));
    }

    @Test
    void credentialsExpiringDuringALongReadAreRenewedWithoutLosingRows() throws Exception {
        try (LocalAthena own = LocalAthena.start()) {
            own.admin("PUT", "/_athena_local/identity/settings", "{\"credential_lifetime_seconds\":2}");
            String url = Identity.tipUrl(own, Identity.mint(own), "FetchSize=1000");
            long rows = 0;
            long sum = 0;
            try (Connection c = DriverManager.getConnection(url);
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT value FROM range(200000) ORDER BY value")) {
                while (rs.next()) {
                    if (rows == 5000) {
                        // Outlive the credentials the first pages were read with.
                        Thread.sleep(2500);
                    }
                    assertEquals(rows, rs.getLong(1));
                    sum += rs.getLong(1);
                    rows++;
                }
            }
            assertEquals(200000, rows);
            assertEquals(199999L * 200000L / 2, sum);
            assertTrue(Identity.count(own, "AssumeRole") > 1, "credentials were not renewed");
            assertEquals(1, Identity.count(own, "CreateTokenWithIAM"), "renewal must not spend the JWT again");
        }
    }

    @Test
    void credentialsRevokedInTheMiddleOfAResultAreRenewedWithoutLosingRows() throws Exception {
        String url = Identity.tipUrl(athena, Identity.mint(athena), "ResultFetcher=GetQueryResults;FetchSize=1000");
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT value FROM range(20000) ORDER BY value")) {
            int exchanges = Identity.count(athena, "CreateTokenWithIAM");
            int assumed = Identity.count(athena, "AssumeRole");
            long rows = 0;
            while (rs.next()) {
                if (rows == 3000) {
                    // Every credential issued so far, the application role's included, stops working.
                    athena.admin("POST", "/_athena_local/identity/expire", "{}");
                }
                assertEquals(rows, rs.getLong(1));
                rows++;
            }
            assertEquals(20000, rows);
            assertTrue(JwtSignInTest.cityCount(c) > 0, "the connection goes on with the renewed credentials");
            assertTrue(Identity.count(athena, "AssumeRole") > assumed, "the credentials were renewed");
            assertEquals(exchanges, Identity.count(athena, "CreateTokenWithIAM"), "renewal must not spend the JWT again");
        }
    }

    @Test
    void noSecretReachesTheTraceLog() throws Exception {
        Path logs = Files.createTempDirectory("athena-log");
        String token = Identity.mint(athena);
        String url = Identity.tipUrl(athena, token, "LogLevel=TRACE;LogPath=" + logs);
        try (Connection c = DriverManager.getConnection(url)) {
            assertTrue(JwtSignInTest.cityCount(c) > 0);
        }
        String bad = Identity.mint(athena, "{\"aud\":\"someone-else\"}", "valid");
        assertThrows(SQLException.class,
                () -> DriverManager.getConnection(Identity.tipUrl(athena, bad, "LogLevel=TRACE;LogPath=" + logs)));
        File log = logs.resolve("athena-native-jdbc.log").toFile();
        String text = new String(Files.readAllBytes(log.toPath()), StandardCharsets.UTF_8);
        assertTrue(text.contains("TRACE"), text);
        assertTrue(text.contains("CreateTokenWithIAM"), text);
        List<String> secrets = Identity.issuedSecrets(athena);
        assertFalse(secrets.isEmpty(), "athena-local listed no issued secrets");
        secrets.add(token);
        secrets.add(bad);
        secrets.add(token.substring(token.indexOf('.') + 1, token.lastIndexOf('.')));
        for (String secret : secrets) {
            assertFalse(text.contains(secret), "a secret is in the log");
        }
    }
}
