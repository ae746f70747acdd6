package io.athenanative.jdbc.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.athenanative.local.junit.AthenaLocal;
import io.athenanative.local.junit.AthenaLocalTable;
import io.athenanative.local.junit.AthenaLocalTest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/**
 * How long the extension's server lives, checked by running user classes through the JUnit Platform:
 * one server per class by default, one for the run with perJvm, and none left once the run ends.
 */
class ServerScopeTest {
    static final List<String> seen = Collections.synchronizedList(new ArrayList<String>());

    @AthenaLocalTest(perJvm = true, tables = @AthenaLocalTable(name = "cities", path = "tests/data/cities.csv"))
    static class SharedOne {
        @Test
        void records(AthenaLocal athena) {
            seen.add(athena.endpoint());
        }
    }

    @AthenaLocalTest(perJvm = true, tables = @AthenaLocalTable(name = "cities", path = "tests/data/cities.csv"))
    static class SharedTwo {
        @Test
        void records(AthenaLocal athena) {
            seen.add(athena.endpoint());
        }
    }

    @AthenaLocalTest
    static class OwnOne {
        @Test
        void records(AthenaLocal athena) {
            seen.add(athena.endpoint());
        }
    }

    @AthenaLocalTest
    static class OwnTwo {
        @Test
        void records(AthenaLocal athena) {
            seen.add(athena.endpoint());
        }
    }

    private static List<String> run(Class<?>... classes) {
        seen.clear();
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request();
        for (Class<?> c : classes) {
            request.selectors(selectClass(c));
        }
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(request.build(), listener);
        assertEquals(classes.length, listener.getSummary().getTestsSucceededCount(),
                String.valueOf(listener.getSummary().getFailures()));
        return new ArrayList<String>(seen);
    }

    @Test
    void perJvmClassesShareOneServerThatStopsWhenTheRunEnds() {
        List<String> endpoints = run(SharedOne.class, SharedTwo.class);
        assertEquals(endpoints.get(0), endpoints.get(1));
        assertFalse(listening(endpoints.get(0)), "the server stopped with the run");
    }

    @Test
    void eachClassHasItsOwnServerByDefault() {
        List<String> endpoints = run(OwnOne.class, OwnTwo.class);
        assertNotEquals(endpoints.get(0), endpoints.get(1));
        assertFalse(listening(endpoints.get(0)) || listening(endpoints.get(1)), "both servers stopped");
    }

    static boolean listening(String endpoint) {
        URI uri = URI.create(endpoint);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 500);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }
}
