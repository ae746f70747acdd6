package io.athenanative.jdbc.signin;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** A second JVM that connects once and counts a table, as another BI tool process would. */
public final class SignInProcess {
    private SignInProcess() {}

    public static void main(String[] args) {
        try (Connection c = DriverManager.getConnection(args[0]);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM cities")) {
            rs.next();
            System.out.println("rows=" + rs.getLong(1));
        } catch (SQLException e) {
            System.out.println("error=" + e.getSQLState() + " " + e.getMessage());
            System.exit(1);
        }
    }
}
