package io.athenanative.jdbc.demo;

import io.athenanative.jdbc.LocalAthena;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;

/** Starts athena-local, signs in, runs a query through the driver jar and prints the rows. */
public final class Demo {
    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        try (LocalAthena athena = LocalAthena.start()) {
            String url = athena.url();
            System.out.println("Connecting to " + url.replace("Password=test", "Password=****"));
            try (Connection connection = DriverManager.getConnection(url);
                 Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery(
                         "SELECT name, country, population, founded FROM cities ORDER BY population DESC")) {
                ResultSetMetaData meta = rows.getMetaData();
                StringBuilder header = new StringBuilder();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    header.append(String.format("%-22s", meta.getColumnLabel(i) + " (" + meta.getColumnTypeName(i) + ")"));
                }
                System.out.println(header);
                int count = 0;
                while (rows.next()) {
                    StringBuilder line = new StringBuilder();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        line.append(String.format("%-22s", rows.getString(i)));
                    }
                    System.out.println(line);
                    count++;
                }
                String id = statement.unwrap(io.athenanative.jdbc.AthenaStatement.class).getQueryExecutionId();
                System.out.println(count + " rows, QueryExecutionId " + id);
            }
        }
    }
}
