package io.athenanative.spark;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The columns of a {@code dbtable} or {@code query}, with their Athena types: a table's from the catalog
 * (GetTableMetadata, no query runs), a query's from {@code SELECT * FROM (query) t LIMIT 0}, which Athena
 * answers without reading any data (LIMIT 0 plans to an empty result).
 */
final class SchemaProbe {
    private SchemaProbe() {
    }

    static List<AthenaColumn> columns(AthenaOptions options) {
        try (Connection connection = options.connect()) {
            List<AthenaColumn> columns = options.dbtable != null ? tableColumns(connection, options.dbtable)
                    : queryColumns(connection, options.query);
            Set<String> names = new HashSet<String>();
            for (AthenaColumn c : columns) {
                if (!names.add(c.name.toLowerCase(Locale.ROOT))) {
                    throw new AthenaSourceException("The column name " + SqlText.identifier(c.name)
                            + " appears twice; give the columns distinct names (AS) in the query option");
                }
            }
            return columns;
        } catch (SQLException e) {
            throw new AthenaSourceException("The athena source could not read the columns of " + options.describe()
                    + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new AthenaSourceException(e.getMessage(), e);
        }
    }

    private static List<AthenaColumn> tableColumns(Connection connection, String dbtable) throws SQLException {
        List<String> parts = nameParts(dbtable);
        String table = parts.get(parts.size() - 1);
        String schema = parts.size() >= 2 ? parts.get(parts.size() - 2) : connection.getSchema();
        String catalog = parts.size() == 3 ? parts.get(0) : connection.getCatalog();
        DatabaseMetaData meta = connection.getMetaData();
        String escape = meta.getSearchStringEscape();
        List<AthenaColumn> columns = new ArrayList<AthenaColumn>();
        try (ResultSet rs = meta.getColumns(catalog, pattern(schema, escape), pattern(table, escape), "%")) {
            while (rs.next()) {
                if (!table.equalsIgnoreCase(rs.getString("TABLE_NAME"))
                        || (schema != null && !schema.equalsIgnoreCase(rs.getString("TABLE_SCHEM")))) {
                    continue;
                }
                String name = rs.getString("COLUMN_NAME");
                columns.add(AthenaColumn.of(name, TypeText.parse(rs.getString("TYPE_NAME"))));
            }
        }
        if (columns.isEmpty()) {
            throw new SQLException("Athena's catalog has no table " + dbtable.trim()
                    + (parts.size() == 1 ? " in the database " + schema : ""), "42S02");
        }
        return columns;
    }

    /**
     * {@code db.t}, {@code "db"."t"} or {@code catalog.db.t} in parts, unquoted, in lower case as the
     * catalog keeps names.
     */
    static List<String> nameParts(String dbtable) {
        List<String> parts = new ArrayList<String>();
        String text = dbtable.trim();
        int i = 0;
        while (i <= text.length()) {
            StringBuilder part = new StringBuilder();
            if (i < text.length() && text.charAt(i) == '"') {
                i++;
                while (true) {
                    if (i >= text.length()) {
                        throw new IllegalArgumentException("The dbtable " + dbtable + " has an unterminated quote");
                    }
                    char c = text.charAt(i++);
                    if (c == '"') {
                        if (i < text.length() && text.charAt(i) == '"') {
                            part.append('"');
                            i++;
                            continue;
                        }
                        break;
                    }
                    part.append(c);
                }
            } else {
                while (i < text.length() && text.charAt(i) != '.') {
                    part.append(text.charAt(i++));
                }
            }
            String name = part.toString().trim();
            if (name.isEmpty()) {
                throw new IllegalArgumentException("The dbtable " + dbtable
                        + " is not a table name (table, database.table or catalog.database.table)");
            }
            parts.add(AthenaOptions.lower(name));
            if (i < text.length() && text.charAt(i) != '.') {
                throw new IllegalArgumentException("The dbtable " + dbtable
                        + " is not a table name (table, database.table or catalog.database.table)");
            }
            i++;
        }
        if (parts.size() > 3) {
            throw new IllegalArgumentException("The dbtable " + dbtable
                    + " has more than three parts (catalog.database.table)");
        }
        return parts;
    }

    /** The exact name as a JDBC metadata pattern: its {@code _} and {@code %} escaped. */
    static String pattern(String name, String escape) {
        if (name == null) {
            return null;
        }
        StringBuilder out = new StringBuilder();
        for (char c : name.toCharArray()) {
            if (c == '_' || c == '%' || escape.indexOf(c) >= 0) {
                out.append(escape);
            }
            out.append(c);
        }
        return out.toString();
    }

    private static List<AthenaColumn> queryColumns(Connection connection, String query) throws SQLException {
        String source = SqlText.source(null, query);
        List<String> names = new ArrayList<String>();
        List<String> types = new ArrayList<String>();
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT * FROM " + source + " LIMIT 0")) {
            ResultSetMetaData meta = rs.getMetaData();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                names.add(meta.getColumnLabel(i));
                String type = meta.getColumnTypeName(i);
                // Athena's result metadata names a decimal's precision and scale apart from its type.
                if (type.trim().equalsIgnoreCase("decimal")) {
                    type = "decimal(" + meta.getPrecision(i) + "," + meta.getScale(i) + ")";
                }
                types.add(type);
            }
        }
        List<Integer> bare = new ArrayList<Integer>();
        for (int i = 0; i < types.size(); i++) {
            // The bare names, without their element types, which TypeText cannot read.
            String type = types.get(i).trim().toLowerCase(java.util.Locale.ROOT);
            if (type.equals("array") || type.equals("map") || type.equals("row")) {
                bare.add(i);
            }
        }
        if (!bare.isEmpty()) {
            elementTypes(connection, source, names, types, bare);
        }
        List<AthenaColumn> columns = new ArrayList<AthenaColumn>();
        for (int i = 0; i < names.size(); i++) {
            columns.add(AthenaColumn.of(names.get(i), TypeText.parse(types.get(i))));
        }
        return columns;
    }

    /**
     * Athena's result metadata says only {@code array}, {@code map} or {@code row}: typeof() gives the
     * whole type, from a row of nulls of the query's types (one row joined to the query's none).
     */
    private static void elementTypes(Connection connection, String source, List<String> names, List<String> types,
            List<Integer> bare) throws SQLException {
        List<String> selected = new ArrayList<String>();
        for (int i : bare) {
            selected.add("typeof(t." + SqlText.identifier(names.get(i)) + ")");
        }
        String sql = "SELECT " + String.join(", ", selected) + " FROM (VALUES (1)) AS one(x) LEFT JOIN (SELECT * FROM "
                + source + " LIMIT 0) t ON true";
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            if (!rs.next()) {
                throw new SQLException("typeof() gave no row", "XX000");
            }
            for (int j = 0; j < bare.size(); j++) {
                types.set(bare.get(j), rs.getString(j + 1));
            }
        } catch (SQLException e) {
            throw new SQLException("Athena did not give the element types of the query's column "
                    + SqlText.identifier(names.get(bare.get(0))) + " (" + e.getMessage()
                    + "); give the schema with .schema(...)", e.getSQLState(), e);
        }
    }
}
