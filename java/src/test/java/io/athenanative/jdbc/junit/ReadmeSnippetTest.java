package io.athenanative.jdbc.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The README's "Testing your code with athena-local" example, as written: compiled against the jars and
 * run by the JUnit Platform, with the cities.csv it describes as a classpath resource.
 */
class ReadmeSnippetTest {
    @Test
    void theReadmeExampleCompilesAndPasses() throws Exception {
        String readme = new String(Files.readAllBytes(Paths.get("README.md")), StandardCharsets.UTF_8);
        int section = readme.indexOf("### Testing your code with athena-local");
        assertTrue(section >= 0, "the README section exists");
        Matcher code = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(code.find(section), "the section has a Java example");
        String source = code.group(1);
        Matcher name = Pattern.compile("class (\\w+)").matcher(source);
        assertTrue(name.find());

        Path dir = Files.createTempDirectory("readme-example");
        Files.write(dir.resolve(name.group(1) + ".java"), source.getBytes(StandardCharsets.UTF_8));
        Files.write(dir.resolve("cities.csv"),
                "id,name,country\n1,Paris,France\n2,Berlin,Germany\n3,Madrid,Spain\n".getBytes(StandardCharsets.UTF_8));
        String junitApi = new File(Test.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath();
        String classpath = System.getProperty("athena.test.classpath") + File.pathSeparator + junitApi;
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "a JDK runs the tests");
        assertEquals(0, javac.run(null, null, null, "-cp", classpath, "-d", dir.toString(),
                dir.resolve(name.group(1) + ".java").toString()), "the example compiles");

        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            Thread.currentThread().setContextClassLoader(loader);
            Launcher launcher = LauncherFactory.create();
            SummaryGeneratingListener listener = new SummaryGeneratingListener();
            launcher.execute(org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request()
                    .selectors(selectClass(loader.loadClass(name.group(1)))).build(), listener);
            TestExecutionSummary summary = listener.getSummary();
            assertEquals(2, summary.getTestsSucceededCount(), "both example tests pass: " + summary.getFailures());
            assertEquals(0, summary.getTestsFailedCount());
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }
}
