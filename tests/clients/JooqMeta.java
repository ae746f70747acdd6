// jOOQ's Meta (from Maven Central) over the driver: every catalog, schema, table and column, as
// jOOQ's own code walks DatabaseMetaData. Run in Java's source-file mode by MetadataSurvivalTest:
//   java -cp JOOQ_CLASSPATH:DRIVER_JAR tests/clients/JooqMeta.java JDBC_URL
// Prints one line per object: "catalog C", "schema C.S", "table C.S.T TYPE", "column C.S.T.NAME TYPE SQLTYPE".
import java.sql.Connection;
import java.sql.DriverManager;
import org.jooq.Catalog;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.Meta;
import org.jooq.SQLDialect;
import org.jooq.Schema;
import org.jooq.Table;
import org.jooq.impl.DSL;

public class JooqMeta {
    public static void main(String[] args) throws Exception {
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
        try (Connection connection = DriverManager.getConnection(args[0])) {
            // Athena runs Trino: jOOQ's Trino dialect is the one a user picks for it.
            Meta meta = DSL.using(connection, SQLDialect.TRINO).meta();
            for (Catalog catalog : meta.getCatalogs()) {
                System.out.println("catalog " + catalog.getName());
                for (Schema schema : catalog.getSchemas()) {
                    String s = catalog.getName() + "." + schema.getName();
                    System.out.println("schema " + s);
                    for (Table<?> table : schema.getTables()) {
                        String t = s + "." + table.getName();
                        System.out.println("table " + t + " " + table.getTableType());
                        for (Field<?> field : table.fields()) {
                            DataType<?> type = field.getDataType();
                            System.out.println("column " + t + "." + field.getName() + " " + type.getTypeName() + " "
                                    + type.getSQLType());
                        }
                    }
                }
            }
        }
    }
}
