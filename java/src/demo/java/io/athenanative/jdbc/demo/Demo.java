package io.athenanative.jdbc.demo;

import io.athenanative.local.junit.AthenaLocal;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;

/**
 * Starts athena-local, signs in with JWT trusted identity propagation (a token from
 * athena-local's test issuer, exchanged as an Identity Center user), runs a query
 * through the driver jar and prints the rows.
 *
 * <p>It runs on the class path a user's application has: the driver jar and athena-local's launcher
 * ({@link AthenaLocal}, from the athena-local-junit jar, used without JUnit), nothing else.
 */
public final class Demo {
    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        String binary = System.getProperty("athena.local.binary", "target/release/athena-local");
        try (AthenaLocal athena = AthenaLocal.builder().binary(Paths.get(binary).toAbsolutePath())
                .configFile(Paths.get("tests/data/athena-local.toml")).start()) {
            String token = athena.mintToken("{\"sub\":\"demo-user\",\"email\":\"demo-user@example.com\"}", "valid");
            String e = athena.endpoint();
            String url = "jdbc:athena://Region=us-east-1;AthenaEndpoint=" + e + ";StsEndpoint=" + e
                    + ";SsoOidcEndpoint=" + e + ";SsoAdminEndpoint=" + e
                    + ";CredentialsProvider=JWT_TIP"
                    + ";WorkGroupArn=arn:aws:athena:us-east-1:111122223333:workgroup/tip"
                    + ";ApplicationRoleArn=arn:aws:iam::111122223333:role/applicationRole"
                    + ";JwtRoleSessionName=demo-user;JwtWebIdentityToken=";
            System.out.println("Connecting to " + url + "****");
            url += token;
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
                System.out.println("Sign-in calls athena-local served:");
                java.util.regex.Matcher m = java.util.regex.Pattern
                        .compile("\"operation\":\"([A-Za-z]+)\"[^{}]*?\"service\":\"([a-z-]+)\"|\"service\":\"([a-z-]+)\"[^{}]*?\"operation\":\"([A-Za-z]+)\"")
                        .matcher(athena.admin("GET", "/_athena_local/calls", null));
                while (m.find()) {
                    String operation = m.group(1) != null ? m.group(1) : m.group(4);
                    String service = m.group(2) != null ? m.group(2) : m.group(3);
                    if (!service.equals("athena") || operation.equals("ListTagsForResource")) {
                        System.out.println("  " + service + " " + operation);
                    }
                }
            }
        }
    }
}
