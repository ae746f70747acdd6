package io.athenanative.jdbc.signin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.athenanative.jdbc.LocalAthena;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * CredentialsProvider=AzureAD: the password grant at athena-local's Entra ID token endpoint (users in
 * tests/data/athena-local.toml), whose SAML assertions are signed with a real XML-signature library and
 * verified by athena-local's STS.
 */
class AzureAdSignInTest {
    @RegisterExtension
    static final LocalAthena athena = LocalAthena.perClass();

    static final String CLIENT_SECRET = "entra-client-secret-not-for-logs";

    /** The URL for {@code user}; {@code extra} is ";Key=Value" pairs that replace or add settings. */
    static String url(LocalAthena athena, String user, String extra) {
        Map<String, String> settings = new LinkedHashMap<String, String>();
        settings.put("CredentialsProvider", "AzureAD");
        settings.put("User", user);
        settings.put("Password", user.substring(0, user.indexOf('@')) + "-password-not-for-logs");
        settings.put("AzureAdTenantId", "corp-tenant");
        settings.put("AzureAdClientId", "aws-athena-app");
        settings.put("AzureAdClientSecret", CLIENT_SECRET);
        settings.put("AzureAdEndpoint", athena.endpoint());
        return Identity.url(athena, settings, extra);
    }

    static String principalOfLastQuery(LocalAthena athena) throws Exception {
        String principal = null;
        for (String call : Identity.calls(athena)) {
            if ("StartQueryExecution".equals(Identity.jsonString(call, "operation"))) {
                principal = Identity.jsonString(call, "principal");
            }
        }
        return principal;
    }

    @Test
    void signsInWithAPasswordAndRunsAQueryAsTheRole() throws Exception {
        Identity.clearCalls(athena);
        try (Connection c = DriverManager.getConnection(url(athena, "ana@corp.example", ""))) {
            assertTrue(JwtSignInTest.cityCount(c) > 0);
            assertEquals("ana@corp.example", c.getMetaData().getUserName());
        }
        assertEquals(1, Identity.count(athena, "EntraToken"));
        assertEquals(1, Identity.count(athena, "AssumeRoleWithSAML"));
        assertEquals("arn:aws:sts::" + Identity.ACCOUNT + ":assumed-role/samlRole/ana@corp.example",
                principalOfLastQuery(athena));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "wrong password|ana@corp.example|;Password=wrong|28000|wrong user name or password for ana@corp.example",
        "unknown user|nobody@corp.example|;Password=x|28000|no user nobody@corp.example in tenant corp-tenant",
        "locked account|locked@corp.example||28000|the account locked@corp.example is locked",
        "wrong client secret|ana@corp.example|;AzureAdClientSecret=wrong|28000|AzureAdClientSecret is wrong",
        "unknown application|ana@corp.example|;AzureAdClientId=other-app|08001|AzureAdClientId other-app is not an application",
        "unknown tenant|ana@corp.example|;AzureAdTenantId=other-tenant|08001|AzureAdTenantId other-tenant is not a tenant",
        "no Role attribute|carl@corp.example||28000|no https://aws.amazon.com/SAML/Attributes/Role attribute",
        "untrusted signer|eve@corp.example||28000|signature invalid",
        "several roles|ben@corp.example||08001|set PreferredRole to one of",
        "role not offered|ben@corp.example|;PreferredRole=arn:aws:iam::111122223333:role/jwtRole|28000|PreferredRole arn:aws:iam::111122223333:role/jwtRole is not among the roles"})
    void aRefusedSignInSaysWhy(String name, String user, String extra, String state, String expected) throws Exception {
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(url(athena, user, extra == null ? "" : extra)));
        assertEquals(state, e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("not-for-logs"), e.getMessage());
    }

    @Test
    void preferredRoleChoosesAmongTheOfferedRoles() throws Exception {
        Identity.clearCalls(athena);
        try (Connection c = DriverManager.getConnection(
                url(athena, "ben@corp.example", ";PreferredRole=" + Identity.ANALYST_ROLE))) {
            assertTrue(JwtSignInTest.cityCount(c) > 0);
        }
        assertTrue(principalOfLastQuery(athena).endsWith(":assumed-role/samlAnalystRole/ben@corp.example"));
    }

    @Test
    void connectionsWithTheSameSettingsShareOneSignIn() throws Exception {
        String url = url(athena, "ana@corp.example", ";RoleSessionDuration=1800");
        Identity.clearCalls(athena);
        try (Connection a = DriverManager.getConnection(url); Connection b = DriverManager.getConnection(url)) {
            assertEquals(JwtSignInTest.cityCount(a), JwtSignInTest.cityCount(b));
        }
        assertEquals(1, Identity.count(athena, "EntraToken"));
        assertEquals(1, Identity.count(athena, "AssumeRoleWithSAML"));
    }

    @Test
    void expiringCredentialsAreRenewedBySigningInAgainSilently() throws Exception {
        try (LocalAthena own = LocalAthena.start()) {
            own.admin("PUT", "/_athena_local/identity/settings", "{\"credential_lifetime_seconds\":2}");
            try (Connection c = DriverManager.getConnection(url(own, "ana@corp.example", ""))) {
                assertTrue(JwtSignInTest.cityCount(c) > 0);
                Thread.sleep(2500);
                assertTrue(JwtSignInTest.cityCount(c) > 0);
            }
            assertTrue(Identity.count(own, "EntraToken") >= 2, "signed in again");
            assertTrue(Identity.count(own, "AssumeRoleWithSAML") >= 2);
        }
    }

    @Test
    void lakeFormationEnabledUsesAssumeDecoratedRoleWithSaml() throws Exception {
        Identity.clearCalls(athena);
        try (Connection c = DriverManager.getConnection(url(athena, "ana@corp.example",
                ";LakeFormationEnabled=true;LakeFormationEndpoint=" + athena.endpoint()))) {
            assertTrue(JwtSignInTest.cityCount(c) > 0);
        }
        assertEquals(1, Identity.count(athena, "AssumeDecoratedRoleWithSAML"));
    }
}
