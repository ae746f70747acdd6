package io.athenanative.spark;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits an export's row groups into at most N contiguous partitions of about equal compressed bytes
 * (what reading them downloads and decodes). Row groups keep their order; a file's row groups may go
 * to different partitions; row groups without rows are left out; no partition is empty.
 */
final class PartitionPlan {
    private PartitionPlan() {
    }

    /** Row groups {@code [from, to)} of file {@code file}. */
    static final class Range {
        final int file;
        final int from;
        final int to;

        Range(int file, int from, int to) {
            this.file = file;
            this.from = from;
            this.to = to;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Range && ((Range) o).file == file && ((Range) o).from == from && ((Range) o).to == to;
        }

        @Override
        public int hashCode() {
            return (file * 31 + from) * 31 + to;
        }

        @Override
        public String toString() {
            return file + ":" + from + ".." + to;
        }
    }

    /**
     * {@code rows[f][g]} and {@code bytes[f][g]}: rows and compressed bytes of row group g of file f.
     * Each partition is the list of its ranges, in file order.
     */
    static List<List<Range>> plan(long[][] rows, long[][] bytes, int maxPartitions) {
        if (maxPartitions < 1) {
            throw new IllegalArgumentException("numPartitions must be at least 1, not " + maxPartitions);
        }
        long total = 0;
        int groups = 0;
        for (int f = 0; f < rows.length; f++) {
            for (int g = 0; g < rows[f].length; g++) {
                if (rows[f][g] > 0) {
                    total += weight(bytes[f][g]);
                    groups++;
                }
            }
        }
        List<List<Range>> partitions = new ArrayList<List<Range>>();
        if (groups == 0) {
            return partitions;
        }
        int n = Math.min(maxPartitions, groups);
        // Each row group goes to the partition its middle byte falls in, of n equal shares of the
        // bytes: contiguous, and balanced as well as whole row groups allow. A partition whose share
        // lies inside one large row group gets nothing and is dropped.
        long before = 0;
        int current = -1;
        List<Range> ranges = null;
        for (int f = 0; f < rows.length; f++) {
            for (int g = 0; g < rows[f].length; g++) {
                if (rows[f][g] <= 0) {
                    continue;
                }
                long w = weight(bytes[f][g]);
                double middle = before + w / 2.0;
                int share = (int) Math.min(n - 1, Math.floor(middle * n / total));
                before += w;
                if (share != current) {
                    current = share;
                    ranges = new ArrayList<Range>();
                    partitions.add(ranges);
                }
                Range last = ranges.isEmpty() ? null : ranges.get(ranges.size() - 1);
                if (last != null && last.file == f && last.to == g) {
                    ranges.set(ranges.size() - 1, new Range(f, last.from, g + 1));
                } else {
                    ranges.add(new Range(f, g, g + 1));
                }
            }
        }
        return partitions;
    }

    /** A row group's bytes, at least 1 so that groups of unknown size still spread. */
    private static long weight(long bytes) {
        return Math.max(1, bytes);
    }

    /** {@code rows} split into at most {@code maxPartitions} near-equal counts, none zero. */
    static List<Long> splitCount(long rows, int maxPartitions) {
        List<Long> counts = new ArrayList<Long>();
        if (rows <= 0) {
            return counts;
        }
        long n = Math.min(maxPartitions, rows);
        for (long i = 0; i < n; i++) {
            counts.add(rows / n + (i < rows % n ? 1 : 0));
        }
        return counts;
    }
}
