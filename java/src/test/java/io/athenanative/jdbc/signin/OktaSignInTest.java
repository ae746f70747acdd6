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
 * CredentialsProvider=Okta against athena-local's Okta emulation (the Authentication API, its factors and
 * the app link, users in tests/data/athena-local.toml); assertions signed with a real XML-signature
 * library and verified by athena-local's STS.
 */
class OktaSignInTest {
    @RegisterExtension
    static final LocalAthena athena = LocalAthena.perClass();

    /** The URL for {@code user}; {@code extra} is ";Key=Value" pairs that replace or add settings. */
    static String url(LocalAthena athena, String user, String extra) {
        Map<String, String> settings = new LinkedHashMap<String, String>();
        settings.put("CredentialsProvider", "Okta");
        settings.put("User", user);
        settings.put("Password", user.substring(0, user.indexOf('@')) + "-password-not-for-logs");
        settings.put("OktaHostName", athena.endpoint());
        settings.put("OktaAppId", "exk1aws");
        return Identity.url(athena, settings, extra);
    }

    static void signsInAndQueries(String url) throws Exception {
        Identity.clearCalls(athena);
        try (Connection c = DriverManager.getConnection(url)) {
            assertTrue(JwtSignInTest.cityCount(c) > 0);
        }
        assertEquals(1, Identity.count(athena, "OktaAppSso"));
        assertEquals(1, Identity.count(athena, "AssumeRoleWithSAML"));
    }

    @Test
    void signsInWithAPasswordAndRunsAQuery() throws Exception {
        signsInAndQueries(url(athena, "ana@corp.example", ""));
        assertTrue(AzureAdSignInTest.principalOfLastQuery(athena).endsWith(":assumed-role/samlRole/ana@corp.example"));
    }

    @Test
    void aTotpCodeComesFromMfaCodeCommand() throws Exception {
        signsInAndQueries(url(athena, "dana@corp.example",
                ";OktaMfaType=Google Authenticator;MfaCodeCommand={/bin/echo 314159}"));
        assertEquals(1, Identity.count(athena, "OktaVerifyFactor"));
    }

    @Test
    void anSmsCodeIsSentThenTyped() throws Exception {
        signsInAndQueries(url(athena, "sam@corp.example",
                ";okta_mfa_type=SMS Authentication;OktaPhoneNumber=0100;MfaCodeCommand={/bin/echo 271828}"));
        assertEquals(2, Identity.count(athena, "OktaVerifyFactor"), "one call sends, one verifies");
    }

    @Test
    void anApprovedPushIsPolledUntilAnswered() throws Exception {
        signsInAndQueries(url(athena, "pat@corp.example", ";OktaMfaType=Okta Verify with Push"));
        assertTrue(Identity.count(athena, "OktaVerifyFactor") >= 2, "polled");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "wrong password|ana@corp.example|;Password=wrong|28000|wrong user name or password for ana@corp.example",
        "locked out|locked@corp.example||28000|the account locked@corp.example is locked out",
        "MFA type not set|dana@corp.example||08001|set OktaMfaType (offered: token:software:totp (GOOGLE)",
        "factor not offered|dana@corp.example|;OktaMfaType=SMS|08001|is not among the factors Okta offers",
        "no code program|dana@corp.example|;OktaMfaType=Google Authenticator|08001|set MfaCodeCommand",
        "wrong code|dana@corp.example|;OktaMfaType=Google Authenticator;MfaCodeCommand={/bin/echo 000000}|28000|the MFA code was not accepted: Invalid Passcode/Answer (E0000068)",
        "code program fails|dana@corp.example|;OktaMfaType=Google Authenticator;MfaCodeCommand={/bin/false}|28000|MfaCodeCommand /bin/false",
        "push rejected|rex@corp.example|;OktaMfaType=Okta Verify with Push|28000|rex@corp.example rejected the Okta Verify push",
        "push not answered|quinn@corp.example|;OktaMfaType=Okta Verify with Push;OktaMfaWaitTime=3|28000|was not answered within 3 s (OktaMfaWaitTime)",
        "wrong app|ana@corp.example|;OktaAppName=not_aws;OktaAppId=|08001|OktaAppId",
        "no Role attribute|carl@corp.example||28000|no https://aws.amazon.com/SAML/Attributes/Role attribute",
        "untrusted signer|eve@corp.example||28000|signature invalid",
        "role not offered|ben@corp.example|;PreferredRole=arn:aws:iam::111122223333:role/jwtRole|28000|is not among the roles the SAML assertion offers"})
    void aRefusedSignInSaysWhy(String name, String user, String extra, String state, String expected) throws Exception {
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(url(athena, user, extra == null ? "" : extra)));
        assertEquals(state, e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("not-for-logs"), e.getMessage());
        assertFalse(e.getMessage().contains("314159"), e.getMessage());
    }

    @Test
    void connectionsWithTheSameSettingsShareOneSignIn() throws Exception {
        String url = url(athena, "ana@corp.example", ";RoleSessionDuration=1200");
        Identity.clearCalls(athena);
        try (Connection a = DriverManager.getConnection(url); Connection b = DriverManager.getConnection(url)) {
            assertEquals(JwtSignInTest.cityCount(a), JwtSignInTest.cityCount(b));
        }
        assertEquals(1, Identity.count(athena, "OktaAuthn"));
    }

    @Test
    void renewalSignsInAgainAndAsksForTheCodeAgain() throws Exception {
        try (LocalAthena own = LocalAthena.start()) {
            own.admin("PUT", "/_athena_local/identity/settings", "{\"credential_lifetime_seconds\":2}");
            String url = url(own, "dana@corp.example", ";OktaMfaType=Google Authenticator;MfaCodeCommand={/bin/echo 314159}");
            try (Connection c = DriverManager.getConnection(url)) {
                assertTrue(JwtSignInTest.cityCount(c) > 0);
                Thread.sleep(2500);
                assertTrue(JwtSignInTest.cityCount(c) > 0);
            }
            assertTrue(Identity.count(own, "OktaVerifyFactor") >= 2, "the code was asked for again");
            assertTrue(Identity.count(own, "AssumeRoleWithSAML") >= 2);
        }
    }

    @Test
    void anHttpOktaHostThatIsNotLoopbackIsRefused() {
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(url(athena, "ana@corp.example", ";OktaHostName=http://corp.okta.com")));
        assertEquals("08001", e.getSQLState());
        assertTrue(e.getMessage().contains("https"), e.getMessage());
    }
}
