package io.athenanative.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Row groups into at most N contiguous, non-empty partitions of about equal bytes. */
class SparkAthenaPlanTest {
    private static String plan(long[][] rows, long[][] bytes, int max) {
        return PartitionPlan.plan(rows, bytes, max).toString();
    }

    @Test
    void equalRowGroupsSpreadEvenlyAcrossFiles() {
        long[][] rows = {{100, 100, 100}, {100, 100, 100}};
        long[][] bytes = {{10, 10, 10}, {10, 10, 10}};
        assertEquals("[[0:0..3], [1:0..3]]", plan(rows, bytes, 2));
        assertEquals("[[0:0..2], [0:2..3, 1:0..1], [1:1..3]]", plan(rows, bytes, 3));
        assertEquals("[[0:0..1], [0:1..2], [0:2..3], [1:0..1], [1:1..2], [1:2..3]]", plan(rows, bytes, 6));
        // No more partitions than row groups, and one when asked for one.
        assertEquals(6, PartitionPlan.plan(rows, bytes, 100).size());
        assertEquals("[[0:0..3, 1:0..3]]", plan(rows, bytes, 1));
    }

    @Test
    void bytesNotRowsDecideAndNoPartitionIsEmpty() {
        // One large row group: the shares inside it would be empty and are dropped.
        long[][] rows = {{10, 10, 10, 10}};
        long[][] bytes = {{1000, 1, 1, 1}};
        List<List<PartitionPlan.Range>> partitions = PartitionPlan.plan(rows, bytes, 4);
        assertEquals("[[0:0..1], [0:1..4]]", partitions.toString());
        for (List<PartitionPlan.Range> p : partitions) {
            assertTrue(!p.isEmpty());
        }
        assertEquals("[[0:0..2], [0:2..3], [0:3..4]]", plan(new long[][] {{5, 5, 5, 5}}, new long[][] {{10, 10, 40, 40}}, 3));
    }

    @Test
    void rowGroupsAndFilesWithoutRowsAreLeftOut() {
        long[][] rows = {{}, {0}, {7, 0, 7}, {}};
        long[][] bytes = {{}, {50}, {10, 99, 10}, {}};
        assertEquals("[[2:0..1], [2:2..3]]", plan(rows, bytes, 2));
        assertEquals("[[2:0..1, 2:2..3]]", plan(rows, bytes, 1));
        assertEquals("[]", plan(new long[][] {{}, {0}}, new long[][] {{}, {1}}, 4));
        assertEquals("[]", plan(new long[0][], new long[0][], 4));
        assertThrows(IllegalArgumentException.class, () -> PartitionPlan.plan(rows, bytes, 0));
    }

    @Test
    void everyRowGroupIsReadOnceInOrder() {
        long[][] rows = new long[7][];
        long[][] bytes = new long[7][];
        java.util.Random random = new java.util.Random(19);
        int groups = 0;
        for (int f = 0; f < rows.length; f++) {
            int n = random.nextInt(5);
            rows[f] = new long[n];
            bytes[f] = new long[n];
            for (int g = 0; g < n; g++) {
                rows[f][g] = 1 + random.nextInt(100);
                bytes[f][g] = random.nextInt(3) == 0 ? 0 : random.nextInt(1_000_000);
                groups++;
            }
        }
        for (int max = 1; max <= groups + 2; max++) {
            List<List<PartitionPlan.Range>> partitions = PartitionPlan.plan(rows, bytes, max);
            assertTrue(partitions.size() <= max && partitions.size() >= 1, max + ": " + partitions);
            StringBuilder seen = new StringBuilder();
            for (List<PartitionPlan.Range> p : partitions) {
                assertTrue(!p.isEmpty());
                for (PartitionPlan.Range r : p) {
                    for (int g = r.from; g < r.to; g++) {
                        seen.append(r.file).append(':').append(g).append(' ');
                    }
                }
            }
            StringBuilder all = new StringBuilder();
            for (int f = 0; f < rows.length; f++) {
                for (int g = 0; g < rows[f].length; g++) {
                    all.append(f).append(':').append(g).append(' ');
                }
            }
            assertEquals(all.toString(), seen.toString(), "max " + max);
        }
    }

    @Test
    void aCountSplitsIntoNearEqualNonZeroShares() {
        assertEquals(Arrays.asList(3L, 3L, 2L, 2L), PartitionPlan.splitCount(10, 4));
        assertEquals(Arrays.asList(1L, 1L), PartitionPlan.splitCount(2, 4));
        assertEquals(Collections.emptyList(), PartitionPlan.splitCount(0, 4));
    }
}
