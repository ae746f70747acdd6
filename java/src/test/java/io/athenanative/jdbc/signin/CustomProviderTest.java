package io.athenanative.jdbc.signin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.athenanative.jdbc.LocalAthena;
import io.athenanative.jdbc.credentials.CustomProviders;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * CredentialsProvider=&lt;class&gt; (issue 18): a class of the application's, for either AWS SDK for Java, signs
 * every call; it is found through the connecting thread's context class loader, shared by connections with the
 * same class and arguments, asked again before its credentials expire, and its failures are clear SQLExceptions
 * that never quote a secret.
 */
class CustomProviderTest {
    private static final String PROVIDERS = TestProviders.class.getName();
    /** The second key pair in tests/data/athena-local.toml. */
    private static final String SECRET_KEY_ID = "AKIALOCALSECRETS01";
    private static final String SECRET_KEY = "local-secret-not-for-logs";

    @RegisterExtension
    static final LocalAthena athena = LocalAthena.perClass();

    private String tag;

    @AfterEach
    void disarm() throws Exception {
        athena.admin("DELETE", "/_athena_local/faults", null);
    }

    /** A tag no other test uses, so each test has sign-ins of its own. */
    private String tag(TestInfo info) {
        tag = info.getTestMethod().map(m -> m.getName()).orElse("t") + "-" + System.nanoTime();
        return tag;
    }

    private static String url(String className, String arguments, String extra) {
        return "jdbc:athena://" + endpoint() + ";CredentialsProvider=" + className
                + (arguments == null ? "" : ";CredentialsProviderArguments={" + arguments + "}")
                + (extra == null || extra.isEmpty() ? "" : ";" + extra);
    }

    /** Only Athena's endpoint: the provider's credentials need no STS. */
    private static String endpoint() {
        return "Region=" + Identity.REGION + ";AthenaEndpoint=" + athena.endpoint();
    }

    private static String provider(String simpleName) {
        return PROVIDERS + "$" + simpleName;
    }

    @Test
    void anSdkV2ProviderWithoutArgumentsRunsAQuery() throws Exception {
        try (Connection c = DriverManager.getConnection(url(provider("V2Default"), null, ""))) {
            assertTrue(JwtSignInTest.cityCount(c) > 0);
        }
        assertTrue(TestProviders.calls("V2Default") >= 1);
    }

    @Test
    void anSdkV1ProviderRunsAQuery(TestInfo info) throws Exception {
        String t = tag(info);
        try (Connection c = DriverManager.getConnection(url(provider("V1Keys"), t, ""))) {
            assertTrue(JwtSignInTest.cityCount(c) > 0);
        }
        assertEquals(1, TestProviders.constructed(t));
        assertEquals(1, TestProviders.calls(t));
    }

    @Test
    void theDeprecatedNamesWorkAndArgumentsReachTheConstructor(TestInfo info) throws Exception {
        String t = tag(info);
        String url = "jdbc:athena://" + endpoint() + ";AWSCredentialsProviderClass=" + provider("V2Keys")
                + ";AwsCredentialsProviderArguments={ " + t + " , test,test }";
        try (Connection c = DriverManager.getConnection(url)) {
            assertTrue(JwtSignInTest.cityCount(c) > 0);
        }
        assertEquals(1, TestProviders.constructed(t));
    }

    @Test
    void sessionCredentialsSignEveryCall(TestInfo info) throws Exception {
        String t = tag(info);
        String[] session = stsSession();
        Identity.clearCalls(athena);
        String arguments = t + "," + session[0] + "," + session[1] + "," + session[2];
        try (Connection c = DriverManager.getConnection(url(provider("V2Keys"), arguments, ""))) {
            assertTrue(JwtSignInTest.cityCount(c) > 0);
        }
        boolean asRole = false;
        for (String call : Identity.calls(athena)) {
            if ("StartQueryExecution".equals(Identity.jsonString(call, "operation"))) {
                assertEquals("arn:aws:sts::" + Identity.ACCOUNT + ":assumed-role/jwtRole/custom-provider",
                        Identity.jsonString(call, "principal"), call);
                asRole = true;
            }
        }
        assertTrue(asRole);
    }

    @Test
    void aProviderThatThrowsIsNamedWithItsMessage(TestInfo info) {
        String t = tag(info);
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(url(provider("Throwing"), t + ",open-sesame-0451", "")));
        assertEquals("28000", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains(provider("Throwing")), e.getMessage());
        assertTrue(e.getMessage().contains("the vault is sealed"), e.getMessage());
        assertTrue(!e.getMessage().contains("open-sesame-0451"), e.getMessage());
    }

    @Test
    void aFailedConnectionLeavesNoProviderObjectBehind(TestInfo info) throws Exception {
        int before = CustomProviders.held();
        assertThrows(SQLException.class,
                () -> DriverManager.getConnection(url(provider("Throwing"), tag(info) + ",pw", "")));
        // Released at the driver's next call on an application thread.
        DriverManager.getConnection(athena.url()).close();
        assertEquals(before, CustomProviders.held());
    }

    @Test
    void aProviderWithoutCredentialsIsNamed(TestInfo info) {
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(url(provider("Empty"), tag(info), "")));
        assertEquals("28000", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains(provider("Empty") + " returned no credentials"), e.getMessage());
    }

    @Test
    void aMissingClassOrOneOfAnotherKindIsNamed() {
        SQLException missing = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(url("com.example.NoSuchProvider", null, "")));
        assertEquals("08001", missing.getSQLState(), missing.getMessage());
        assertTrue(missing.getMessage().contains("com.example.NoSuchProvider"), missing.getMessage());
        assertTrue(missing.getMessage().contains("no such class"), missing.getMessage());

        SQLException wrong = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(url(provider("NotAProvider"), null, "")));
        assertEquals("08001", wrong.getSQLState(), wrong.getMessage());
        assertTrue(wrong.getMessage().contains(provider("NotAProvider") + ": implements neither"), wrong.getMessage());

        SQLException arity = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(url(provider("V2Keys"), "only-one", "")));
        assertEquals("08001", arity.getSQLState(), arity.getMessage());
        assertTrue(arity.getMessage().contains("no public constructor taking 1 String"), arity.getMessage());
    }

    @Test
    void keysAthenaRefusesAreAnAuthorizationError(TestInfo info) {
        String t = tag(info);
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(url(provider("V2Keys"), t + ",test,not-the-secret-9981", "NumRetries=0")));
        assertEquals("28000", e.getSQLState(), e.getMessage());
        assertTrue(!e.getMessage().contains("not-the-secret-9981"), e.getMessage());
    }

    @Test
    void credentialsNearTheirExpiryAreAskedForAgain(TestInfo info) throws Exception {
        String t = tag(info);
        // Each answer lives 1.5 s; the flow renews with half the life left.
        try (Connection c = DriverManager.getConnection(url(provider("V2ShortLived"), t + ",1.5", ""))) {
            assertTrue(JwtSignInTest.cityCount(c) > 0);
            int before = TestProviders.calls(t);
            assertTrue(before >= 1);
            Thread.sleep(1000);
            assertTrue(JwtSignInTest.cityCount(c) > 0);
            assertTrue(TestProviders.calls(t) > before, "asked again: " + TestProviders.calls(t));
        }
        assertEquals(1, TestProviders.constructed(t), "renewal asks the same object");
    }

    @Test
    void connectionsWithTheSameClassAndArgumentsShareOneObjectAndSignIn(TestInfo info) throws Exception {
        String t = tag(info);
        String url = url(provider("V2Keys"), t + ",test,test", "");
        List<Connection> open = new ArrayList<Connection>();
        try {
            for (int i = 0; i < 3; i++) {
                open.add(DriverManager.getConnection(url));
            }
            for (Connection c : open) {
                assertTrue(JwtSignInTest.cityCount(c) > 0);
            }
            assertEquals(1, TestProviders.constructed(t));
            assertEquals(1, TestProviders.calls(t), "one sign-in for all three");
        } finally {
            for (Connection c : open) {
                c.close();
            }
        }
        // Other arguments are another object.
        String other = t + "-other";
        try (Connection c = DriverManager.getConnection(url(provider("V2Keys"), other + ",test,test", ""))) {
            assertTrue(JwtSignInTest.cityCount(c) > 0);
        }
        assertEquals(1, TestProviders.constructed(other));
    }

    @Test
    void aClassOnlyTheContextClassLoaderSeesIsFound(TestInfo info) throws Exception {
        String t = tag(info);
        Path dir = Files.createTempDirectory("athena-provider-classes");
        Path source = dir.resolve("hidden/OnlyHere.java");
        Files.createDirectories(source.getParent());
        String code = "package hidden;\n"
                + "public class OnlyHere implements software.amazon.awssdk.auth.credentials.AwsCredentialsProvider {\n"
                + "  public OnlyHere(String tag) {}\n"
                + "  public software.amazon.awssdk.auth.credentials.AwsCredentials resolveCredentials() {\n"
                + "    if (Thread.currentThread().getContextClassLoader() != OnlyHere.class.getClassLoader()) {\n"
                + "      throw new IllegalStateException(\"called under another context class loader\");\n"
                + "    }\n"
                + "    return software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(\"test\", \"test\");\n"
                + "  }\n"
                + "}\n";
        Files.write(source, code.getBytes(StandardCharsets.UTF_8));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        String classPath = jarOf(software.amazon.awssdk.auth.credentials.AwsCredentialsProvider.class)
                + java.io.File.pathSeparator + jarOf(software.amazon.awssdk.identity.spi.IdentityProvider.class)
                + java.io.File.pathSeparator + jarOf(software.amazon.awssdk.utils.SdkAutoCloseable.class);
        assertEquals(0, javac.run(null, null, null, "-nowarn", "--release", "8", "-cp", classPath, "-d", dir.toString(),
                source.toString()));
        assertThrows(ClassNotFoundException.class, () -> Class.forName("hidden.OnlyHere"));
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            thread.setContextClassLoader(loader);
            try (Connection c = DriverManager.getConnection(url("hidden.OnlyHere", t, ""))) {
                thread.setContextClassLoader(before);
                assertTrue(JwtSignInTest.cityCount(c) > 0);
            }
        } finally {
            thread.setContextClassLoader(before);
        }
    }

    @Test
    void noSecretReachesMessagesToStringOrTheTraceLog(TestInfo info) throws Exception {
        String t = tag(info);
        String[] session = stsSession();
        Path logs = Files.createTempDirectory("athena-custom-provider-log");
        String trace = "LogLevel=TRACE;LogPath=" + logs + ";NumRetries=0";
        List<String> seen = new ArrayList<String>();
        List<String> secrets = new ArrayList<String>(Arrays.asList(SECRET_KEY, session[1], session[2], "open-sesame-7731"));
        // Long-term keys given as arguments, failing while results are read.
        athena.admin("POST", "/_athena_local/faults", "{\"operation\":\"GetQueryResults\",\"kind\":\"internal_error\",\"count\":100}");
        SecretsTest.useAndCollect(url(provider("V2Keys"), t + "," + SECRET_KEY_ID + "," + SECRET_KEY, trace), seen);
        // Session credentials, failing the same way.
        SecretsTest.useAndCollect(url(provider("V2Keys"), t + "," + session[0] + "," + session[1] + "," + session[2],
                trace), seen);
        disarm();
        // A provider that quotes its argument in its exception.
        SecretsTest.useAndCollect(url(provider("Throwing"), t + ",open-sesame-7731", trace), seen);
        String log = new String(Files.readAllBytes(logs.resolve("athena-native-jdbc.log")), StandardCharsets.UTF_8);
        assertTrue(log.contains("TRACE"), "the log is at its most detailed");
        assertTrue(log.contains(provider("V2Keys")), "the log names the class");
        seen.add(log);
        SecretsTest.assertNoSecretIn(seen, secrets);
    }

    private static String jarOf(Class<?> type) throws Exception {
        return Path.class.cast(java.nio.file.Paths.get(type.getProtectionDomain().getCodeSource().getLocation().toURI()))
                .toString();
    }

    /** Session credentials from athena-local's STS (AssumeRoleWithWebIdentity): key id, secret, token. */
    private static String[] stsSession() throws Exception {
        String token = Identity.mint(athena);
        String body = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" + enc(Identity.JWT_ROLE)
                + "&RoleSessionName=custom-provider&WebIdentityToken=" + enc(token);
        HttpURLConnection http = (HttpURLConnection) new URL(athena.endpoint() + "/").openConnection();
        http.setRequestMethod("POST");
        http.setDoOutput(true);
        http.setRequestProperty("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
        try (OutputStream out = http.getOutputStream()) {
            out.write(body.getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(200, http.getResponseCode());
        String xml;
        try (InputStream in = http.getInputStream()) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) > 0;) {
                bytes.write(buffer, 0, n);
            }
            xml = new String(bytes.toByteArray(), StandardCharsets.UTF_8);
        }
        return new String[] {element(xml, "AccessKeyId"), element(xml, "SecretAccessKey"), element(xml, "SessionToken")};
    }

    private static String element(String xml, String name) {
        Matcher m = Pattern.compile("<" + name + ">([^<]+)</" + name + ">").matcher(xml);
        assertTrue(m.find(), name + " in " + xml);
        return m.group(1);
    }

    private static String enc(String s) throws Exception {
        return URLEncoder.encode(s, "UTF-8");
    }
}
