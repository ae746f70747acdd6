package io.athenanative.jdbc.signin;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * ODBC {@code AuthenticationType=External Credentials}: a program prints a SAML response, signed by
 * athena-local's test identity provider with a real XML-signature library, and STS
 * AssumeRoleWithSAML (or Lake Formation) verifies it against the provider's certificate.
 */
class ExternalCredentialsTest {
    @RegisterExtension
    static final LocalAthena athena = LocalAthena.perClass();

    @TempDir
    Path dir;

    /** The program: {@code cat} of a file holding the response, as a user's script would print it. */
    String url(String response, String extra) throws IOException {
        Path file = Files.createTempFile(dir, "saml", ".txt");
        Files.write(file, response.getBytes(StandardCharsets.US_ASCII));
        return "jdbc:athena://" + Identity.endpoints(athena) + ";AuthenticationType=External Credentials"
                + ";ExecutablePath=/bin/cat;ArgumentList=" + file + extra;
    }

    @Test
    void signsInWithTheProgramsSamlResponseAndRunsAQueryAsTheRole() throws Exception {
        String response = Identity.samlResponse(athena, Identity.CORP, Identity.samlRoles(Identity.SAML_ROLE + "," + Identity.CORP), "");
        Identity.clearCalls(athena);
        try (Connection c = DriverManager.getConnection(url(response, ""))) {
            assertTrue(JwtSignInTest.cityCount(c) > 0);
        }
        assertEquals(1, Identity.count(athena, "AssumeRoleWithSAML"));
        assertEquals("arn:aws:sts::" + Identity.ACCOUNT + ":assumed-role/samlRole/ana@corp.example",
                AzureAdSignInTest.principalOfLastQuery(athena));
    }

    @Test
    void theProviderMayComeFirstInTheRoleAttributeAndXmlOutputWorksToo() throws Exception {
        String response = Identity.samlResponse(athena, Identity.CORP, Identity.samlRoles(Identity.CORP + "," + Identity.SAML_ROLE), "");
        String xml = new String(java.util.Base64.getDecoder().decode(response), StandardCharsets.UTF_8);
        try (Connection c = DriverManager.getConnection(url(xml, ""))) {
            assertTrue(JwtSignInTest.cityCount(c) > 0);
        }
    }

    @Test
    void preferredRoleChoosesAmongOfferedRolesAndOneNotOfferedIsNamed() throws Exception {
        String both = Identity.samlRoles(Identity.SAML_ROLE + "," + Identity.CORP, Identity.ANALYST_ROLE + "," + Identity.CORP);
        SQLException several = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(url(Identity.samlResponse(athena, Identity.CORP, both, ""), "")));
        assertTrue(several.getMessage().contains("set PreferredRole to one of: " + Identity.SAML_ROLE + ", " + Identity.ANALYST_ROLE),
                several.getMessage());

        Identity.clearCalls(athena);
        try (Connection c = DriverManager.getConnection(
                url(Identity.samlResponse(athena, Identity.CORP, both, ""), ";PreferredRole=" + Identity.ANALYST_ROLE))) {
            assertTrue(JwtSignInTest.cityCount(c) > 0);
        }
        assertTrue(AzureAdSignInTest.principalOfLastQuery(athena).endsWith(":assumed-role/samlAnalystRole/ana@corp.example"));

        String other = "arn:aws:iam::" + Identity.ACCOUNT + ":role/notOffered";
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                url(Identity.samlResponse(athena, Identity.CORP, both, ""), ";PreferredRole=" + other)));
        assertEquals("28000", e.getSQLState());
        assertTrue(e.getMessage().contains("PreferredRole " + other + " is not among the roles the SAML assertion offers: "
                + Identity.SAML_ROLE + ", " + Identity.ANALYST_ROLE), e.getMessage());
    }

    @Test
    void anAssertionWithoutARoleAttributeIsRefusedBeforeStsIsCalled() throws Exception {
        String response = Identity.samlResponse(athena, Identity.CORP, Identity.samlRoles(), "");
        Identity.clearCalls(athena);
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url(response, "")));
        assertEquals("28000", e.getSQLState());
        assertTrue(e.getMessage().contains("no https://aws.amazon.com/SAML/Attributes/Role attribute"), e.getMessage());
        assertEquals(0, Identity.count(athena, "AssumeRoleWithSAML"));
    }

    @Test
    void anExpiredAssertionIsRefusedByStsAndTheMessageSaysSo() throws Exception {
        String response = Identity.samlResponse(athena, Identity.CORP, Identity.samlRoles(Identity.SAML_ROLE + "," + Identity.CORP), ",\"lifetime_seconds\":-600");
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url(response, "")));
        assertEquals("28000", e.getSQLState());
        assertTrue(e.getMessage().toLowerCase().contains("expired"), e.getMessage());
        assertFalse(e.getMessage().contains(response.substring(0, 40)), "the assertion is never quoted");
    }

    @Test
    void anAssertionSignedByAKeyTheProviderDoesNotHoldIsRefused() throws Exception {
        // Signed by Partner's key but naming Corp as the provider: Corp's certificate does not verify it.
        String response = Identity.samlResponse(athena, Identity.PARTNER, Identity.samlRoles(Identity.SAML_ROLE + "," + Identity.CORP), "");
        Identity.clearCalls(athena);
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url(response, "")));
        assertEquals("28000", e.getSQLState());
        assertTrue(e.getMessage().contains("signature invalid"), e.getMessage());
        assertTrue(e.getMessage().contains(Identity.CORP), e.getMessage());
        assertEquals(1, Identity.count(athena, "AssumeRoleWithSAML"));
    }

    @Test
    void aRoleThatDoesNotTrustTheProviderIsAccessDenied() throws Exception {
        String response = Identity.samlResponse(athena, Identity.PARTNER, Identity.samlRoles(Identity.ANALYST_ROLE + "," + Identity.PARTNER), "");
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url(response, "")));
        assertEquals("28000", e.getSQLState());
        assertTrue(e.getMessage().contains("AccessDenied"), e.getMessage());
    }

    @Test
    void connectionsWithTheSameSettingsShareOneSignIn() throws Exception {
        // athena-local refuses a replayed assertion, so a second AssumeRoleWithSAML would fail.
        String url = url(Identity.samlResponse(athena, Identity.CORP, Identity.samlRoles(Identity.SAML_ROLE + "," + Identity.CORP), ""), "");
        Identity.clearCalls(athena);
        try (Connection a = DriverManager.getConnection(url);
                Connection b = DriverManager.getConnection(url);
                Connection c = DriverManager.getConnection(url)) {
            assertTrue(JwtSignInTest.cityCount(a) > 0);
            assertTrue(JwtSignInTest.cityCount(b) > 0);
            assertTrue(JwtSignInTest.cityCount(c) > 0);
        }
        assertEquals(1, Identity.count(athena, "AssumeRoleWithSAML"));
    }

    @Test
    void renewalRunsTheProgramAgainForAFreshResponse() throws Exception {
        try (LocalAthena own = LocalAthena.start()) {
            own.admin("PUT", "/_athena_local/identity/settings", "{\"credential_lifetime_seconds\":2}");
            // A program as a user's would be: it asks the identity provider for a new response each run.
            String program = "import json, sys, urllib.request; "
                    + "body = json.dumps(dict(signer=sys.argv[1], roles=[sys.argv[2]], session_name='ana')).encode(); "
                    + "answer = urllib.request.urlopen(urllib.request.Request(sys.argv[3], data=body)).read(); "
                    + "print(json.loads(answer)['SAMLResponse'])";
            String url = "jdbc:athena://" + Identity.endpoints(own) + ";AuthenticationType=External Credentials"
                    + ";ExecutablePath=python3;ArgumentList={-c \"" + program + "\" " + Identity.CORP + " "
                    + Identity.SAML_ROLE + "," + Identity.CORP + " " + own.endpoint() + "/_athena_local/saml/response}";
            try (Connection c = DriverManager.getConnection(url)) {
                assertTrue(JwtSignInTest.cityCount(c) > 0);
                Thread.sleep(2500);
                assertTrue(JwtSignInTest.cityCount(c) > 0);
            }
            assertTrue(Identity.count(own, "AssumeRoleWithSAML") >= 2, "signed in again with a fresh response");
        }
    }

    @Test
    void lakeFormationEnabledSignsInThroughAssumeDecoratedRoleWithSaml() throws Exception {
        String response = Identity.samlResponse(athena, Identity.CORP, Identity.samlRoles(Identity.SAML_ROLE + "," + Identity.CORP), "");
        Identity.clearCalls(athena);
        try (Connection c = DriverManager.getConnection(url(response,
                ";LakeFormationEnabled=true;LakeFormationEndpoint=" + athena.endpoint()))) {
            assertTrue(JwtSignInTest.cityCount(c) > 0);
        }
        assertEquals(1, Identity.count(athena, "AssumeDecoratedRoleWithSAML"));
        assertEquals(0, Identity.count(athena, "AssumeRoleWithSAML"));
    }

    @Test
    void aFailingProgramIsNamedWithItsExitStatusAndNoArguments() throws Exception {
        String url = "jdbc:athena://" + Identity.endpoints(athena) + ";AuthenticationType=External Credentials"
                + ";ExecutablePath=/bin/sh;ArgumentList={-c 'echo no-such-user >&2; exit 3' hunter2-secret}";
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url));
        assertTrue(e.getMessage().contains("/bin/sh"), e.getMessage());
        assertTrue(e.getMessage().contains("no-such-user"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2-secret"), e.getMessage());
    }

    @Test
    void theProgramsOutputMustBeASamlResponse() throws Exception {
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(url("this is not SAML", "")));
        assertEquals("28000", e.getSQLState());
        assertTrue(e.getMessage().contains("SAML"), e.getMessage());
    }

    @Test
    void executablePathIsRequired() {
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                "jdbc:athena://" + Identity.endpoints(athena) + ";AuthenticationType=External Credentials"));
        assertEquals("08001", e.getSQLState());
        assertTrue(e.getMessage().contains("ExecutablePath"), e.getMessage());
    }
}
