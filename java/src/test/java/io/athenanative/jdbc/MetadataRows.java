package io.athenanative.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.util.ArrayList;
import java.util.List;

/** What the metadata tests compare: a result set's rows as text, and its warnings. */
final class MetadataRows {
    private MetadataRows() {
    }

    /** Each row as its {@code labels}' values joined by {@code |}. */
    static List<String> rows(ResultSet rs, String... labels) throws SQLException {
        List<String> rows = new ArrayList<String>();
        while (rs.next()) {
            StringBuilder row = new StringBuilder();
            for (String label : labels) {
                row.append(row.length() == 0 ? "" : "|").append(rs.getString(label));
            }
            rows.add(row.toString());
        }
        return rows;
    }

    /** The messages of the result set's warning chain, in order. */
    static List<String> warnings(ResultSet rs) throws SQLException {
        List<String> texts = new ArrayList<String>();
        for (SQLWarning w = rs.getWarnings(); w != null; w = w.getNextWarning()) {
            texts.add(w.getMessage());
        }
        return texts;
    }
}
