package io.athenanative.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The driver over HTTPS, as with real AWS: athena-local with a certificate from a test CA. Certificates are
 * checked against the system's CAs plus the TrustedCerts bundle, never skipped.
 */
class HttpsTest {
    private static LocalAthena athena;
    private static Path ca;

    @BeforeAll
    static void start() throws Exception {
        ca = Files.createTempDirectory("athena-tls").resolve("test-ca.pem");
        athena = LocalAthena.startTls(ca);
    }

    @AfterAll
    static void stop() {
        athena.close();
    }

    /** Rows of a query read with the S3 fetcher (Athena and S3 both over HTTPS). */
    private static long rows(String extra) throws SQLException {
        String url = athena.url("ResultFetcher=S3;S3Endpoint=" + athena.endpoint() + ";" + extra);
        return Checksums.rowCount(url, "SELECT value FROM range(3000)");
    }

    @Test
    void aQueryOverHttpsWithTheTestCaTrusted() throws Exception {
        assertTrue(athena.endpoint().startsWith("https://"));
        assertEquals(3000, rows("TrustedCerts=" + ca));
    }

    @Test
    void withoutTheCaTheCertificateIsRefusedClearly() {
        SQLException e = assertThrows(SQLException.class, () -> rows(""));
        assertEquals("08001", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains("certificate is not trusted"), e.getMessage());
        assertTrue(e.getMessage().contains("TrustedCerts"), e.getMessage());
    }

    @Test
    void anUnreadableBundleIsNamed() throws Exception {
        Path notPem = Files.createTempFile("not-a-ca", ".pem");
        Files.write(notPem, "hello".getBytes("UTF-8"));
        SQLException e = assertThrows(SQLException.class, () -> rows("TrustedCerts=" + notPem));
        assertEquals("08001", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains("TrustedCerts " + notPem), e.getMessage());
        SQLException missing = assertThrows(SQLException.class, () -> rows("TrustedCerts=/no/such/ca.pem"));
        assertTrue(missing.getMessage().contains("cannot be read"), missing.getMessage());
    }

    @Test
    void throughAProxyTheTunnelCarriesTls() throws Exception {
        try (TinyProxy proxy = TinyProxy.start("tls-user", "tls-pass-123")) {
            assertEquals(3000, rows("TrustedCerts=" + ca + ";" + proxy.properties("tls-user", "tls-pass-123")));
            String target = athena.endpoint().substring("https://".length());
            assertTrue(proxy.requests().contains("CONNECT " + target), proxy.requests().toString());
        }
    }
}
