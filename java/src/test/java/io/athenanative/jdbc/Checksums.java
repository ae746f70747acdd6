package io.athenanative.jdbc;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/** Digests and counts of rows read, to compare a read under faults or another network path with a plain one. */
public final class Checksums {
    private Checksums() {}

    /** Connects to {@code url}, runs {@code sql} and reads every row: how many there were. */
    public static long rowCount(String url, String sql) throws java.sql.SQLException {
        long rows = 0;
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(url);
                java.sql.Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                rows++;
            }
        }
        return rows;
    }

    /** SHA-256 (hex) of the lines in their order, each ended by a newline. */
    public static String sha256(List<String> lines) throws NoSuchAlgorithmException {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        for (String line : lines) {
            digest.update((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
        StringBuilder hex = new StringBuilder();
        for (byte b : digest.digest()) {
            hex.append(String.format("%02x", b));
        }
        return hex.toString();
    }
}
