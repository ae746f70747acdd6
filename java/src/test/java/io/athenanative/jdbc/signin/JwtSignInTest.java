package io.athenanative.jdbc.signin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.athenanative.jdbc.LocalAthena;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/** CredentialsProvider=JWT (seed 002) end to end, and the token checks both JWT flows share. */
class JwtSignInTest {
    @RegisterExtension
    static final LocalAthena athena = LocalAthena.perClass();

    static long cityCount(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM cities")) {
            assertTrue(rs.next());
            return rs.getLong(1);
        }
    }

    @Test
    void signsInWithTheJdbcNamesAndRunsAQueryAsTheAssumedRole() throws Exception {
        String token = Identity.mint(athena);
        Identity.clearCalls(athena);
        try (Connection c = DriverManager.getConnection(Identity.jwtUrl(athena, token, ""))) {
            assertTrue(cityCount(c) > 0);
        }
        assertEquals(1, Identity.count(athena, "AssumeRoleWithWebIdentity"));
        boolean queriedAsRole = false;
        for (String call : Identity.calls(athena)) {
            if ("StartQueryExecution".equals(Identity.jsonString(call, "operation"))) {
                String principal = Identity.jsonString(call, "principal");
                assertEquals("arn:aws:sts::" + Identity.ACCOUNT + ":assumed-role/jwtRole/jwt-test", principal, call);
                queriedAsRole = true;
            }
        }
        assertTrue(queriedAsRole);
    }

    @Test
    void signsInWithTheDeprecatedNames() throws Exception {
        String token = Identity.mint(athena);
        String url = "jdbc:athena://" + Identity.endpoints(athena) + ";AWSCredentialsProviderClass=JWT;web_identity_token="
                + token + ";role_arn=" + Identity.JWT_ROLE + ";role_session_name=old-names;Duration=1800";
        try (Connection c = DriverManager.getConnection(url)) {
            assertTrue(cityCount(c) > 0);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"JwtWebIdentityToken", "JwtRoleArn", "JwtRoleSessionName"})
    void aMissingRequiredPropertyIsNamed(String property) throws Exception {
        String token = Identity.mint(athena);
        String url = Identity.jwtUrl(athena, token, "").replaceAll(";" + property + "=[^;]*", "");
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url));
        assertEquals("08001", e.getSQLState());
        assertTrue(e.getMessage().contains(property + " is required for JWT"), e.getMessage());
        assertFalse(e.getMessage().contains(token));
    }

    /** Each bad token, in both JWT flows: a clear SQLException that never quotes the token. */
    @ParameterizedTest
    @ValueSource(strings = {"JWT:expired", "JWT:not-yet-valid", "JWT:wrong-audience", "JWT:wrong-issuer",
        "JWT:badly-signed", "JWT:not-a-jwt", "JWT_TIP:expired", "JWT_TIP:not-yet-valid", "JWT_TIP:wrong-audience",
        "JWT_TIP:wrong-issuer", "JWT_TIP:badly-signed", "JWT_TIP:not-a-jwt"})
    void aBadTokenIsRefusedClearly(String flowAndCase) throws Exception {
        String flow = flowAndCase.substring(0, flowAndCase.indexOf(':'));
        String kind = flowAndCase.substring(flow.length() + 1);
        long now = Identity.now();
        String token;
        String expected;
        switch (kind) {
            case "expired":
                token = Identity.mint(athena, "{\"exp\":" + (now - 600) + ",\"iat\":" + (now - 4200) + "}", "valid");
                expected = "expired";
                break;
            case "not-yet-valid":
                token = Identity.mint(athena, "{\"nbf\":" + (now + 3600) + "}", "valid");
                expected = "InvalidIdentityToken";
                break;
            case "wrong-audience":
                token = Identity.mint(athena, "{\"aud\":\"someone-else\"}", "valid");
                expected = "someone-else";
                break;
            case "wrong-issuer":
                token = Identity.mint(athena, "{\"iss\":\"https://issuer.invalid/\"}", "valid");
                expected = "issuer.invalid";
                break;
            case "badly-signed":
                token = Identity.mint(athena, null, "wrong-key");
                expected = "InvalidIdentityToken";
                break;
            default:
                token = "this-is-not-a-jwt-0123456789";
                expected = "JwtWebIdentityToken is not a JWT";
        }
        String url = flow.equals("JWT") ? Identity.jwtUrl(athena, token, "") : Identity.tipUrl(athena, token, "");
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertEquals(kind.equals("not-a-jwt") ? "08001" : "28000", e.getSQLState(), e.getMessage());
        assertFalse(e.getMessage().contains(token), "the token is in the message");
        for (String part : token.split("\\.")) {
            assertFalse(part.length() > 8 && e.getMessage().contains(part), "a part of the token is in the message");
        }
    }

    @Test
    void credentialsRevokedOnceTheJwtHasExpiredGiveAClearError() throws Exception {
        String token = Identity.mint(athena, "{\"exp\":" + (Identity.now() + 3) + "}", "valid");
        try (Connection c = DriverManager.getConnection(Identity.jwtUrl(athena, token, ""));
                Statement s = c.createStatement()) {
            assertTrue(cityCount(c) > 0);
            Thread.sleep(3500);
            athena.admin("POST", "/_athena_local/identity/expire", "{}");
            SQLException e = assertThrows(SQLException.class, () -> s.executeQuery("SELECT count(*) FROM cities"));
            assertEquals("28000", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("JWT in JwtWebIdentityToken expired"), e.getMessage());
            assertFalse(e.getMessage().contains(token));
        }
    }

    @Test
    void aRoleThatDoesNotTrustTheIssuerIsNamed() throws Exception {
        String token = Identity.mint(athena);
        String url = Identity.jwtUrl(athena, token, "").replace(Identity.JWT_ROLE, Identity.UNTRUSTING_ROLE);
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url));
        assertEquals("28000", e.getSQLState());
        assertTrue(e.getMessage().contains("JwtRoleArn " + Identity.UNTRUSTING_ROLE), e.getMessage());
        assertTrue(e.getMessage().contains("AccessDenied"), e.getMessage());
    }

    @Test
    void afterTheTokenExpiresTheDriverAsksForAFreshOne() throws Exception {
        try (LocalAthena own = LocalAthena.start()) {
            own.admin("PUT", "/_athena_local/identity/settings", "{\"credential_lifetime_seconds\":2}");
            String token = Identity.mint(own, "{\"exp\":" + (Identity.now() + 6) + "}", "valid");
            try (Connection c = DriverManager.getConnection(Identity.jwtUrl(own, token, ""))) {
                assertTrue(cityCount(c) > 0);
                Thread.sleep(7000);
                SQLException e = assertThrows(SQLException.class, () -> cityCount(c));
                assertEquals("28000", e.getSQLState(), e.getMessage());
                assertTrue(e.getMessage().contains("fresh token"), e.getMessage());
                assertFalse(e.getMessage().contains(token));
            }
        }
    }

    @Test
    void connectionsWithTheSameTokenShareOneExchange() throws Exception {
        String token = Identity.mint(athena);
        Identity.clearCalls(athena);
        try (Connection a = DriverManager.getConnection(Identity.jwtUrl(athena, token, ""));
                Connection b = DriverManager.getConnection(Identity.jwtUrl(athena, token, ""))) {
            assertEquals(cityCount(a), cityCount(b));
        }
        assertEquals(1, Identity.count(athena, "AssumeRoleWithWebIdentity"));
    }
}
