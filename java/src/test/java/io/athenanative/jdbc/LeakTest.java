package io.athenanative.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.athenanative.jdbc.jni.NativeCleaner;
import io.athenanative.jdbc.jni.NativeDriver;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** Native handles: none left once everything is closed; those the application forgets are freed by the collector. */
class LeakTest {

    @Test
    void closingEverythingLeavesNoNativeHandles() throws Exception {
        long[] before = NativeDriver.openHandleCounts();
        List<Connection> connections = new ArrayList<Connection>();
        for (int i = 0; i < 5; i++) {
            Connection c = DriverManager.getConnection(LocalAthena.shared().url());
            connections.add(c);
            Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("SELECT value FROM range(3000)");
            assertTrue(rs.next());
            c.getMetaData().getTables(null, null, "%", null);
        }
        long[] open = NativeDriver.openHandleCounts();
        assertTrue(open[0] >= before[0] + 5 && open[2] >= before[2] + 10, Arrays.toString(open));
        for (Connection c : connections) {
            // Closing the connection closes its statements and their result sets; the metadata
            // result sets the loop dropped are still open until the collector finds them.
            c.close();
        }
        long[] after = NativeDriver.openHandleCounts();
        assertTrue(after[0] == before[0] && after[1] == before[1], Arrays.toString(after));
    }

    @Test
    void forgottenConnectionsAndResultSetsAreFreedWithAWarning() throws Exception {
        List<String> warnings = Collections.synchronizedList(new ArrayList<String>());
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(record.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        NativeCleaner.LOG.addHandler(handler);
        try {
            long[] before = settled();
            forget(3);
            long[] during = NativeDriver.openHandleCounts();
            assertTrue(during[0] >= before[0] + 3 && during[2] >= before[2] + 6, Arrays.toString(during));
            long[] after = null;
            for (int i = 0; i < 200; i++) {
                System.gc();
                Thread.sleep(50);
                after = NativeDriver.openHandleCounts();
                if (Arrays.equals(after, before)) {
                    break;
                }
            }
            assertArrayEquals(before, after, "every forgotten handle was freed");
            String all = String.join("\n", warnings);
            assertTrue(all.contains("a connection was not closed"), all);
            assertTrue(all.contains("a result set was not closed"), all);
        } finally {
            NativeCleaner.LOG.removeHandler(handler);
        }
    }

    /** Handle counts once earlier tests' forgotten objects are collected. */
    private static long[] settled() throws Exception {
        long[] last = NativeDriver.openHandleCounts();
        for (int i = 0; i < 20; i++) {
            System.gc();
            Thread.sleep(50);
            long[] now = NativeDriver.openHandleCounts();
            if (Arrays.equals(now, last) && i > 2) {
                return now;
            }
            last = now;
        }
        return last;
    }

    /** Opens connections, statements and result sets, and drops them all unclosed. */
    private static void forget(int connections) throws Exception {
        for (int i = 0; i < connections; i++) {
            Connection c = DriverManager.getConnection(LocalAthena.shared().url());
            ResultSet rs = c.createStatement().executeQuery("SELECT value FROM range(3000)");
            assertTrue(rs.next());
            assertTrue(c.getMetaData().getSchemas().next());
        }
    }
}
