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
import org.junit.jupiter.params.provider.ValueSource;

/**
 * CredentialsProvider=ADFS and Ping: the identity providers' HTML sign-in forms, as athena-local's
 * emulations of AD FS (forms authentication) and PingFederate (HTML Form Adapter) answer them, with
 * the session cookie they need; assertions signed with a real XML-signature library.
 */
class FormSignInTest {
    @RegisterExtension
    static final LocalAthena athena = LocalAthena.perClass();

    /** Uses the class's athena-local unless the caller's differs (the secrets test). */
    static String url(String flow, String user, String extra) {
        return url(athena, flow, user, extra);
    }

    static String url(LocalAthena athena, String flow, String user, String extra) {
        Map<String, String> settings = new LinkedHashMap<String, String>();
        settings.put("CredentialsProvider", flow);
        settings.put("User", user);
        settings.put("Password", user.substring(0, user.indexOf('@')) + "-password-not-for-logs");
        settings.put(flow.equals("ADFS") ? "AdfsHostName" : "PingHostName", athena.endpoint());
        return Identity.url(athena, settings, extra);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ADFS", "Ping"})
    void signsInAtTheFormAndRunsAQuery(String flow) throws Exception {
        Identity.clearCalls(athena);
        try (Connection c = DriverManager.getConnection(url(flow, "ana@corp.example", ""))) {
            assertTrue(JwtSignInTest.cityCount(c) > 0);
        }
        assertEquals(1, Identity.count(athena, flow.equals("ADFS") ? "AdfsSignIn" : "PingSignIn"));
        assertEquals(1, Identity.count(athena, "AssumeRoleWithSAML"));
        assertTrue(AzureAdSignInTest.principalOfLastQuery(athena).endsWith(":assumed-role/samlRole/ana@corp.example"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "ADFS|wrong password|ana@corp.example|;Password=wrong|28000|ADFS did not sign ana@corp.example in: Incorrect user ID or password",
        "Ping|wrong password|ana@corp.example|;Password=wrong|28000|Ping did not sign ana@corp.example in: We didn't recognize the username or password",
        "ADFS|locked|locked@corp.example||28000|Your account has been locked",
        "Ping|locked|locked@corp.example||28000|Your account has been locked",
        "ADFS|other relying party|ana@corp.example|;AdfsRelyingParty=urn:other|28000|MSIS7012",
        "Ping|other partner|ana@corp.example|;PingPartnerSpId=urn:other|28000|Unknown partner",
        "ADFS|no Role attribute|carl@corp.example||28000|no https://aws.amazon.com/SAML/Attributes/Role attribute",
        "Ping|untrusted signer|eve@corp.example||28000|signature invalid",
        "ADFS|several roles|ben@corp.example||08001|set PreferredRole to one of"})
    void aRefusedSignInSaysWhy(String flow, String name, String user, String extra, String state, String expected)
            throws Exception {
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(url(flow, user, extra == null ? "" : extra)));
        assertEquals(state, e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("not-for-logs"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ADFS", "Ping"})
    void renewalSignsInAtTheFormAgain(String flow) throws Exception {
        try (LocalAthena own = LocalAthena.start()) {
            own.admin("PUT", "/_athena_local/identity/settings", "{\"credential_lifetime_seconds\":2}");
            try (Connection c = DriverManager.getConnection(url(own, flow, "ana@corp.example", ""))) {
                assertTrue(JwtSignInTest.cityCount(c) > 0);
                Thread.sleep(2500);
                assertTrue(JwtSignInTest.cityCount(c) > 0);
            }
            assertTrue(Identity.count(own, flow.equals("ADFS") ? "AdfsSignIn" : "PingSignIn") >= 2, "signed in again");
        }
    }

    @Test
    void windowsIntegratedAuthenticationIsRefusedAsNotSupported() {
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(url("ADFS", "ana@corp.example", ";AdfsWiaEnabled=true")));
        assertEquals("0A000", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains("AdfsWiaEnabled"), e.getMessage());
    }

    @Test
    void pingWithOdbcNamesAndSharedSignIn() throws Exception {
        String url = "jdbc:athena://" + Identity.endpoints(athena) + ";AuthenticationType=Ping;UID=ana@corp.example"
                + ";PWD=ana-password-not-for-logs;IdP_Host=" + athena.endpoint() + ";Partner_SPID=urn:amazon:webservices"
                + ";preferred_role=" + Identity.SAML_ROLE;
        Identity.clearCalls(athena);
        try (Connection a = DriverManager.getConnection(url); Connection b = DriverManager.getConnection(url)) {
            assertEquals(JwtSignInTest.cityCount(a), JwtSignInTest.cityCount(b));
        }
        assertEquals(1, Identity.count(athena, "PingSignIn"));
    }
}
