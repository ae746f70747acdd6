package io.athenanative.jdbc.signin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.athenanative.jdbc.LocalAthena;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * EnableTokenCaching (ODBC okta_cache) for the password SAML flows: a second process reuses the
 * credentials in the 0600 file instead of signing in at the identity provider and STS again.
 */
class SamlFileCacheTest {
    @RegisterExtension
    static final LocalAthena athena = LocalAthena.perClass();

    private static String url(String flow, String cacheSetting) {
        String extra = ";" + cacheSetting + "=1";
        if ("Okta".equals(flow)) {
            return OktaSignInTest.url(athena, "ana@corp.example", extra);
        }
        if ("ADFS".equals(flow)) {
            return FormSignInTest.url(athena, "ADFS", "ana@corp.example", extra);
        }
        return AzureAdSignInTest.url(athena, "ana@corp.example", extra);
    }

    @ParameterizedTest(name = "{0} with {1}")
    @CsvSource({"AzureAD,EnableTokenCaching", "Okta,okta_cache", "Okta,EnableTokenCaching", "ADFS,EnableTokenCaching"})
    void anotherProcessReusesTheCredentialsInTheFile(String flow, String cacheSetting) throws Exception {
        Path home = Files.createTempDirectory("athena-home");
        String url = url(flow, cacheSetting);
        Identity.clearCalls(athena);
        FileCacheTest.connectInNewJvm(home, url);
        assertEquals(1, Identity.count(athena, "AssumeRoleWithSAML"), "the first process did not sign in");

        File[] files = FileCacheTest.cacheFolder(home).toFile().listFiles();
        assertEquals(1, files.length);
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(files[0].toPath()));
        String content = new String(Files.readAllBytes(files[0].toPath()), StandardCharsets.UTF_8);
        assertFalse(content.contains("ana-password-not-for-logs"), "the password was written to the cache");
        assertFalse(content.contains("SAMLResponse") || content.contains("Assertion"), "the assertion was cached");

        Identity.clearCalls(athena);
        FileCacheTest.connectInNewJvm(home, url);
        assertEquals(0, Identity.callsTo(athena, "sts"), "the second process called STS");
        assertEquals(0, Identity.count(athena, "AssumeRoleWithSAML"));
        assertTrue(Identity.count(athena, "StartQueryExecution") > 0, "the second process ran no query");
    }
}
