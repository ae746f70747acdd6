package io.athenanative.jdbc.jni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.athenanative.local.junit.AthenaLocal;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The natives in the jars and the loader's choice among them: platform names from what JVMs report, a jar assembled
 * by the build from a folder of stand-in natives for every platform (-Dathena.test.fake.natives.jar), the choice on
 * each platform (JVMs of their own told another os.name and os.arch), the error on a platform the jar lacks, and
 * native access on the JDKs that restrict it.
 */
class NativeLibraryTest {
    private static final List<String> RELEASED =
            Arrays.asList("linux-aarch64", "linux-x86_64", "macos-aarch64", "macos-x86_64", "windows-x86_64");

    @ParameterizedTest
    @CsvSource({
        "Linux, amd64, false, linux-x86_64, libathena_jni.so",
        "Linux, x86_64, false, linux-x86_64, libathena_jni.so",
        "Linux, aarch64, false, linux-aarch64, libathena_jni.so",
        "Linux, amd64, true, linux-x86_64-musl, libathena_jni.so",
        "Linux, aarch64, true, linux-aarch64-musl, libathena_jni.so",
        "Mac OS X, aarch64, false, macos-aarch64, libathena_jni.dylib",
        "Mac OS X, x86_64, false, macos-x86_64, libathena_jni.dylib",
        "Darwin, arm64, false, macos-aarch64, libathena_jni.dylib",
        "Windows 11, amd64, false, windows-x86_64, athena_jni.dll",
        "Windows Server 2022, arm64, false, windows-aarch64, athena_jni.dll",
        "Windows 10, x86, false, windows-x86, athena_jni.dll",
        "FreeBSD, amd64, false, freebsd-x86_64, libathena_jni.so",
        "Linux, riscv64, false, linux-riscv64, libathena_jni.so",
    })
    void platformsAreNamedFromWhatTheJvmReports(String os, String arch, boolean musl, String platform, String file) {
        assertEquals(platform, NativePlatform.of(os, arch, musl));
        assertEquals(file, NativePlatform.libraryFile(platform));
    }

    @Test
    void muslIsTheLibraryTheProcessMapped() {
        String alpine = "7f1c2a000000-7f1c2a014000 r--p 00000000 08:01 1234 /lib/ld-musl-x86_64.so.1\n";
        String debian = "7f3b1c000000-7f3b1c028000 r--p 00000000 08:01 5678 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
                + "7f3b1c400000-7f3b1c401000 r--p 00000000 00:00 0 [vdso]\n";
        assertTrue(NativePlatform.mapsShowMusl(alpine));
        assertFalse(NativePlatform.mapsShowMusl(debian));
        // A musl installed beside glibc is not the one this process runs on.
        assertFalse(NativePlatform.mapsShowMusl(debian + "deleted: /usr/lib/musl/lib/libc.so\n"));
    }

    /** The build's assembly from a folder of natives: every platform's file, nothing else, and the index. */
    @Test
    void theJarAssembledFromAFolderOfNativesCarriesThemAll() throws Exception {
        try (JarFile jar = new JarFile(fakeJar())) {
            TreeSet<String> natives = new TreeSet<>();
            for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (name.startsWith("native/") && !name.endsWith("/")) {
                    natives.add(name);
                }
            }
            List<String> expected = new ArrayList<>();
            for (String platform : RELEASED) {
                expected.add(NativePlatform.resource(platform).substring(1));
            }
            expected.add("native/platforms.txt");
            Collections.sort(expected);
            assertEquals(expected, new ArrayList<>(natives), "stand-ins' README.txt and athena-local stay out");
            assertEquals(String.join("\n", RELEASED) + "\n", text(jar, "native/platforms.txt"));
            // This machine's own build wins over the folder's stand-in for its platform.
            if (Files.isRegularFile(Paths.get("target", "release", NativePlatform.libraryFile(host())))) {
                assertFalse(text(jar, NativePlatform.resource(host()).substring(1)).startsWith("not a library"),
                        "this machine's library is its build in target/release");
            }
        }
    }

    /** The jars the suite runs against list what they carry, and carry what they list. */
    @Test
    void theBuiltJarsCarryWhatTheyList() throws Exception {
        String driverJar = System.getProperty("athena.driver.jar");
        assertNotNull(driverJar, "the build passes the driver jar's path");
        try (JarFile jar = new JarFile(driverJar)) {
            List<String> listed = lines(text(jar, "native/platforms.txt"));
            assertTrue(listed.contains(host()), "the driver jar carries this machine's library: " + listed);
            for (String platform : listed) {
                assertNotNull(jar.getEntry(NativePlatform.resource(platform).substring(1)), platform);
            }
        }
        String junitFolder = "/io/athenanative/local/junit/";
        try (InputStream in = AthenaLocal.class.getResourceAsStream(junitFolder + "platforms.txt")) {
            assertNotNull(in, "athena-local-junit lists its platforms");
            List<String> listed = lines(new String(readAll(in), StandardCharsets.UTF_8));
            assertTrue(listed.contains(host()), "athena-local-junit carries this machine's athena-local: " + listed);
            for (String platform : listed) {
                String file = platform.startsWith("windows-") ? "athena-local.exe" : "athena-local";
                assertNotNull(AthenaLocal.class.getResource(junitFolder + platform + "/" + file), platform);
            }
        }
    }

    /** Each platform's JVM picks its own entry: a stand-in fails to load, naming it; this machine's loads. */
    @ParameterizedTest
    @CsvSource({
        "Linux, amd64, linux-x86_64",
        "Linux, aarch64, linux-aarch64",
        "Mac OS X, aarch64, macos-aarch64",
        "Mac OS X, x86_64, macos-x86_64",
        "Windows 11, amd64, windows-x86_64",
    })
    void eachPlatformLoadsItsOwnEntry(String os, String arch, String platform) throws Exception {
        String out = probe(fakeJar(), "-Dos.name=" + os, "-Dos.arch=" + arch);
        String entry = NativePlatform.resource(platform).substring(1);
        boolean standIn;
        try (JarFile jar = new JarFile(fakeJar())) {
            standIn = text(jar, entry).startsWith("not a library");
        }
        if (standIn) {
            assertTrue(out.contains("SQLException 08001: The Athena driver's native library for " + platform + " (" + entry
                    + " in the driver jar) could not be loaded"), out);
            assertTrue(out.contains("-D" + NativeLibrary.PATH_PROPERTY), out);
        } else {
            assertTrue(out.contains("loaded " + platform), out);
        }
    }

    @Test
    void aPlatformTheJarLacksIsNamedWithWhatTheJarCarries() throws Exception {
        String out = probe(fakeJar(), "-Dos.name=Linux", "-Dos.arch=riscv64");
        assertTrue(out.contains("SQLException 08001: The Athena driver has no native library for this machine, linux-riscv64"
                + " (os.name \"Linux\", os.arch \"riscv64\"); this jar carries " + String.join(", ", RELEASED) + "."), out);
        assertTrue(out.contains("-D" + NativeLibrary.PATH_PROPERTY + "=/path/to/libathena_jni.so"), out);
        assertTrue(out.contains("\"Platforms\""), out);
        out = probe(fakeJar(), "-Dos.name=FreeBSD", "-Dos.arch=amd64");
        assertTrue(out.contains("no native library for this machine, freebsd-x86_64 (os.name \"FreeBSD\""), out);
    }

    /** The copies earlier JVMs left (every one on Windows, where a loaded DLL cannot be deleted) go at a later start. */
    @Test
    void leftoverCopiesOfEarlierJvmsAreDeleted() throws Exception {
        Path tmp = Files.createTempDirectory("athena-sweep-test");
        long now = System.currentTimeMillis();
        long old = now - NativeLibrary.STALE_AFTER_MILLIS - 60_000;
        Path stale = folder(tmp, "athena-jdbc-111", old, "athena_jni.dll");
        Path staleSo = folder(tmp, "athena-jdbc-222", old, "libathena_jni.so");
        Path young = folder(tmp, "athena-jdbc-333", now, "athena_jni.dll");
        Path notOnlyOurs = folder(tmp, "athena-jdbc-444", old, "athena_jni.dll", "notes.txt");
        Path notOurs = folder(tmp, "other-555", old, "athena_jni.dll");
        NativeLibrary.sweepLeftovers(tmp.toFile(), now);
        assertFalse(Files.exists(stale));
        assertFalse(Files.exists(staleSo));
        assertTrue(Files.exists(young.resolve("athena_jni.dll")), "a JVM may be loading it right now");
        assertTrue(Files.exists(notOnlyOurs.resolve("notes.txt")));
        assertTrue(Files.exists(notOnlyOurs.resolve("athena_jni.dll")));
        assertTrue(Files.exists(notOurs.resolve("athena_jni.dll")));
        deleteTree(tmp);
    }

    /** JDK 24 and later: four warnings without native access, none with it, and a refusal that names the option. */
    @Test
    void nativeAccessOnTheJdksThatRestrictIt() throws Exception {
        assumeTrue(javaVersion() >= 24, "JDK " + javaVersion() + " does not restrict native access");
        String driverJar = System.getProperty("athena.driver.jar");
        String warned = probe(new File(driverJar));
        assertTrue(warned.contains("loaded " + host()), warned);
        assertTrue(warned.contains("WARNING: A restricted method in java.lang.System has been called"), warned);
        assertTrue(warned.contains("WARNING: Use --enable-native-access=ALL-UNNAMED"), warned);

        String enabled = probe(new File(driverJar), NativeLibrary.NATIVE_ACCESS_OPTION);
        assertTrue(enabled.contains("loaded " + host()), enabled);
        assertFalse(enabled.contains("WARNING"), enabled);

        String denied = probe(new File(driverJar), "--illegal-native-access=deny");
        assertTrue(denied.contains("SQLException 08001: The JVM refused the Athena driver native access"), denied);
        assertTrue(denied.contains("start it with --enable-native-access=ALL-UNNAMED (DBeaver: a line in dbeaver.ini after -vmargs;"
                + " DataGrip: Help > Edit Custom VM Options; Spark: spark.driver.extraJavaOptions and spark.executor.extraJavaOptions;"), denied);
    }

    private static String host() {
        return NativeLibrary.platform();
    }

    private static File fakeJar() {
        String path = System.getProperty("athena.test.fake.natives.jar");
        assertNotNull(path, "the build passes the jar with stand-in natives");
        return new File(path);
    }

    /** Runs NativeProbe on {@code jar} (and this test's classes) in a JVM of its own; its output, both streams. */
    private static String probe(File jar, String... options) throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        String testClasses = new File(NativeProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath();
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(Arrays.asList(options));
        command.addAll(Arrays.asList("-cp", jar.getPath() + File.pathSeparator + testClasses, NativeProbe.class.getName()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = readAll(p.getInputStream());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the JVM did not finish");
        return new String(out, StandardCharsets.UTF_8);
    }

    private static int javaVersion() {
        String spec = System.getProperty("java.specification.version");
        return spec.startsWith("1.") ? Integer.parseInt(spec.substring(2)) : Integer.parseInt(spec);
    }

    private static Path folder(Path tmp, String name, long modified, String... files) throws IOException {
        Path folder = Files.createDirectory(tmp.resolve(name));
        for (String file : files) {
            Files.write(folder.resolve(file), new byte[] {1});
        }
        assertTrue(folder.toFile().setLastModified(modified));
        return folder;
    }

    private static String text(JarFile jar, String entry) throws IOException {
        JarEntry e = jar.getJarEntry(entry);
        assertNotNull(e, entry);
        try (InputStream in = jar.getInputStream(e)) {
            byte[] bytes = readAll(in);
            return new String(bytes, 0, Math.min(bytes.length, 4096), StandardCharsets.UTF_8);
        }
    }

    private static List<String> lines(String text) {
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.trim().isEmpty()) {
                lines.add(line.trim());
            }
        }
        return lines;
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        for (int n; (n = in.read(buffer)) > 0; ) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    private static void deleteTree(Path root) throws IOException {
        try (java.util.stream.Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Collections.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
    }
}
