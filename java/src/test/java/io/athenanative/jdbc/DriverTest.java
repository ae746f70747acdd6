package io.athenanative.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.athenanative.jdbc.jni.NativeDriver;
import io.athenanative.jdbc.jni.NativeLibrary;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** The driver as tools see it: registration, URLs, property lists, class loaders. */
class DriverTest {
    @Test
    void registeredThroughServiceLoaderAndDriverManager() throws Exception {
        boolean found = false;
        for (Driver d : ServiceLoader.load(Driver.class)) {
            found |= d instanceof AthenaDriver;
        }
        assertTrue(found, "META-INF/services names the driver");
        assertTrue(DriverManager.getDriver("jdbc:athena://Region=us-east-1") instanceof AthenaDriver);
    }

    @Test
    void acceptsOnlyAthenaUrlsAndIgnoresOthers() throws Exception {
        AthenaDriver driver = new AthenaDriver();
        assertTrue(driver.acceptsURL("jdbc:athena://Region=us-east-1"));
        assertTrue(driver.acceptsURL("JDBC:AWSATHENA://AwsRegion=us-east-1"));
        assertFalse(driver.acceptsURL("jdbc:postgresql://localhost/db"));
        assertFalse(driver.acceptsURL(null));
        assertNull(driver.connect("jdbc:postgresql://localhost/db", new Properties()));
    }

    @Test
    void urlPrefixesAgreeWithTheCore() throws Exception {
        NativeLibrary.ensureLoaded();
        assertArrayEquals(NativeDriver.urlPrefixes(), AthenaDriver.URL_PREFIXES);
    }

    @Test
    void propertyInfoComesFromTheRegistryWithoutSecrets() throws Exception {
        Properties info = new Properties();
        info.setProperty("password", "hunter2");
        info.setProperty("workgroup", "analytics");
        DriverPropertyInfo[] properties = new AthenaDriver().getPropertyInfo("jdbc:athena://", info);
        Map<String, DriverPropertyInfo> byName = new HashMap<String, DriverPropertyInfo>();
        for (DriverPropertyInfo p : properties) {
            byName.put(p.name, p);
            assertNotNull(p.description, p.name);
            assertFalse(p.description.isEmpty(), p.name);
        }
        for (String name : new String[] {"Region", "WorkGroup", "OutputLocation", "CredentialsProvider", "User", "Password",
                "JwtWebIdentityToken", "IdpPortNumber"}) {
            assertTrue(byName.containsKey(name), name);
        }
        assertEquals("analytics", byName.get("WorkGroup").value, "the user's value is shown");
        assertEquals("AwsDataCatalog", byName.get("Catalog").value, "else the default");
        assertNull(byName.get("Password").value, "a secret is never echoed");
        assertTrue(Arrays.asList(byName.get("CredentialsProvider").choices).contains("JWT_TIP"));
        assertTrue(Arrays.asList(byName.get("ResultFetcher").choices).contains("GetQueryResults"));
    }

    /** DBeaver and DataGrip load drivers in their own class loader whose parent is not the application's. */
    @Test
    void worksFromAnIsolatedClassLoader() throws Exception {
        String jar = System.getProperty("athena.driver.jar");
        assertNotNull(jar, "the build passes the driver jar's path");
        ClassLoader platform = ClassLoader.getSystemClassLoader().getParent();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {new File(jar).toURI().toURL()}, platform)) {
            Class<?> driverClass = Class.forName("io.athenanative.jdbc.AthenaDriver", true, loader);
            assertTrue(driverClass.getClassLoader() == loader, "loaded from the jar, not the test classpath");
            Driver driver = (Driver) driverClass.getDeclaredConstructor().newInstance();
            Properties info = new Properties();
            try (Connection c = driver.connect(LocalAthena.shared().url(), info);
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT 40 + 2")) {
                assertTrue(rs.next());
                assertEquals(42, rs.getInt(1));
            }
            Method platformName = Class.forName("io.athenanative.jdbc.jni.NativeLibrary", true, loader).getMethod("platform");
            assertEquals(NativeLibrary.platform(), platformName.invoke(null), "the same platform from the jar's loader");
        }
    }

    /**
     * The library is extracted to a private temporary folder; neither the file nor the folder outlives the JVM.
     * Not on Windows, which cannot delete a loaded DLL: there a later start deletes it (NativeLibraryTest).
     */
    @Test
    @DisabledOnOs(OS.WINDOWS)
    void leavesNothingInTheTemporaryFolder() throws Exception {
        Path tmp = Files.createTempDirectory("athena-driver-tmp");
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process p = new ProcessBuilder(java, "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("athena.test.classpath"),
                LoadNativeLibrary.class.getName()).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        for (int n; (n = p.getInputStream().read(buffer)) > 0; ) {
            out.write(buffer, 0, n);
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the JVM did not finish");
        String output = new String(out.toByteArray(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("loaded"), output);
        String[] left = tmp.toFile().list();
        assertNotNull(left);
        assertEquals("[]", Arrays.toString(left), "files left in java.io.tmpdir");
        Files.delete(tmp);
    }
}
