package io.athenanative.jdbc.signin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.athenanative.jdbc.LocalAthena;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** JwtTipFileCache=1 across processes: each connection here is a new JVM with its own HOME. */
class FileCacheTest {
    @RegisterExtension
    static final LocalAthena athena = LocalAthena.perClass();

    /** Runs {@link SignInProcess} in a new JVM; returns its output, failing on a non-zero exit. */
    static String connectInNewJvm(Path home, String url) throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        List<String> command = new ArrayList<String>();
        command.add(java);
        command.add("-cp");
        command.add(System.getProperty("athena.test.classpath"));
        command.add(SignInProcess.class.getName());
        command.add(url);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("HOME", home.toString());
        builder.environment().remove("USERPROFILE");
        Process process = builder.start();
        String output = read(process.getInputStream());
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the second JVM did not finish");
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("rows="), output);
        return output;
    }

    private static String read(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while ((n = in.read(buffer)) > 0) {
            out.write(buffer, 0, n);
        }
        return new String(out.toByteArray(), StandardCharsets.UTF_8);
    }

    static Path cacheFolder(Path home) {
        return home.resolve(".athena-native-jdbc").resolve("jwt-tip-cache");
    }

    private static String hex(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (byte b : bytes) {
            s.append(String.format("%02x", b));
        }
        return s.toString();
    }

    /** The file name the driver documents: SHA-256 of the flow's inputs, the token only as its hash. */
    private static String cacheFileName(String token) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        String e = athena.endpoint();
        String[] fields = {"v1", "JWT_TIP", hex(sha.digest(token.getBytes(StandardCharsets.UTF_8))), Identity.TIP_WORKGROUP,
            Identity.APPLICATION_ROLE, "", "", "tip-test", "900", Identity.REGION, e, e, e, e};
        return hex(MessageDigest.getInstance("SHA-256").digest(String.join("|", fields).getBytes(StandardCharsets.UTF_8)))
                + ".json";
    }

    @Test
    void aSecondProcessReusesTheFileWithoutCallingStsOrIdentityCenter() throws Exception {
        Path home = Files.createTempDirectory("athena-home");
        String token = Identity.mint(athena);
        String url = Identity.tipUrl(athena, token, "JwtTipFileCache=1");
        connectInNewJvm(home, url);

        Path folder = cacheFolder(home);
        assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(folder));
        File[] files = folder.toFile().listFiles();
        assertEquals(1, files.length);
        assertEquals(cacheFileName(token), files[0].getName());
        Set<PosixFilePermission> filePermissions = Files.getPosixFilePermissions(files[0].toPath());
        assertEquals(PosixFilePermissions.fromString("rw-------"), filePermissions);
        String content = new String(Files.readAllBytes(files[0].toPath()), StandardCharsets.UTF_8);
        assertFalse(content.contains(token));
        assertFalse(content.contains(token.split("\\.")[1]), "the JWT's payload is in the cache file");

        Identity.clearCalls(athena);
        connectInNewJvm(home, url);
        assertEquals(0, Identity.callsTo(athena, "sts"), "STS was called");
        assertEquals(0, Identity.callsTo(athena, "sso-oidc"), "SSO-OIDC was called");
        assertTrue(Identity.callsTo(athena, "athena") > 0);
    }

    @Test
    void expiredCredentialsInTheFileAreRenewedWithoutSpendingTheJwtAgain() throws Exception {
        Path home = Files.createTempDirectory("athena-home");
        String token = Identity.mint(athena);
        String url = Identity.tipUrl(athena, token, "JwtTipFileCache=1");
        connectInNewJvm(home, url);
        Path file = cacheFolder(home).resolve(cacheFileName(token));
        String content = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        Matcher access = Pattern.compile("\"access\":\\{[^}]*\\}").matcher(content);
        assertTrue(access.find(), content);
        String expired = access.group().replaceAll("\"expiry\":\\d+", "\"expiry\":" + (Identity.now() - 60));
        Files.write(file, content.replace(access.group(), expired).getBytes(StandardCharsets.UTF_8));

        Identity.clearCalls(athena);
        connectInNewJvm(home, url);
        assertEquals(0, Identity.count(athena, "CreateTokenWithIAM"));
        assertEquals(1, Identity.count(athena, "AssumeRole"));
        String renewed = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        assertFalse(renewed.contains(expired), "the expired entry was not replaced");
    }

    @Test
    void aCorruptFileIsReplacedNotFatal() throws Exception {
        Path home = Files.createTempDirectory("athena-home");
        String token = Identity.mint(athena);
        Path folder = cacheFolder(home);
        Files.createDirectories(folder);
        Path file = folder.resolve(cacheFileName(token));
        Files.write(file, "{\"version\":1,\"access\":{\"access_key_id\":".getBytes(StandardCharsets.UTF_8));

        connectInNewJvm(home, Identity.tipUrl(athena, token, "JwtTipFileCache=1"));
        String content = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        assertTrue(content.contains("\"context\""), content.length() + " characters");
        assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(folder));
    }
}
