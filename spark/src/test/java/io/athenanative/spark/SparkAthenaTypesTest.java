package io.athenanative.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Athena's type texts, in Trino's spelling (queries) and Hive's (the Glue catalog), as Spark types,
 * and the SELECT expression of the types UNLOAD cannot write.
 */
class SparkAthenaTypesTest {
    private static String spark(String athenaType) {
        return render(AthenaColumn.of("c", TypeText.parse(athenaType)).sparkType);
    }

    /** Spark's simpleString, without the SQL configuration (and logging) that StructType's needs. */
    private static String render(DataType type) {
        if (type instanceof ArrayType) {
            return "array<" + render(((ArrayType) type).elementType()) + ">";
        }
        if (type instanceof MapType) {
            return "map<" + render(((MapType) type).keyType()) + "," + render(((MapType) type).valueType()) + ">";
        }
        if (type instanceof StructType) {
            StringBuilder out = new StringBuilder("struct<");
            for (StructField f : ((StructType) type).fields()) {
                out.append(out.length() > 7 ? "," : "").append(f.name()).append(':').append(render(f.dataType()));
            }
            return out.append('>').toString();
        }
        return type.simpleString();
    }

    @Test
    void scalarsMapToSparksExactTypes() {
        assertEquals("boolean", spark("boolean"));
        assertEquals("tinyint", spark("tinyint"));
        assertEquals("smallint", spark("smallint"));
        assertEquals("int", spark("integer"));
        assertEquals("int", spark("int"));
        assertEquals("bigint", spark("bigint"));
        assertEquals("float", spark("real"));
        assertEquals("float", spark("float"));
        assertEquals("double", spark("double"));
        assertEquals("decimal(38,9)", spark("decimal(38,9)"));
        assertEquals("decimal(10,2)", spark("DECIMAL(10, 2)"));
        assertEquals("decimal(10,0)", spark("decimal"));
        assertEquals("string", spark("varchar"));
        assertEquals("string", spark("varchar(20)"));
        assertEquals("string", spark("char(3)"));
        assertEquals("string", spark("string"));
        assertEquals("binary", spark("varbinary"));
        assertEquals("binary", spark("binary"));
        assertEquals("date", spark("date"));
        assertEquals("timestamp_ntz", spark("timestamp"));
        assertEquals("timestamp_ntz", spark("timestamp(3)"));
    }

    @Test
    void nestedTypesInBothSpellingsMapAlike() {
        String expected = "struct<a:int,b:array<map<string,decimal(5,2)>>,c:struct<d:date,e:timestamp_ntz>>";
        assertEquals(expected, spark("row(a integer, b array(map(varchar, decimal(5,2))), c row(d date, e timestamp(3)))"));
        assertEquals(expected, spark("struct<a:int,b:array<map<string,decimal(5,2)>>,c:struct<d:date,e:timestamp>>"));
        assertEquals("array<binary>", spark("array<binary>"));
        assertEquals("map<bigint,array<double>>", spark("map(bigint, array(double))"));
        // Quoted field names keep their case and spaces; anonymous fields get names.
        assertEquals("struct<My Field:int,x\"y:string>", spark("row(\"My Field\" integer, \"x\"\"y\" varchar)"));
        assertEquals("struct<_col0:int,_col1:decimal(3,1)>", spark("row(integer, decimal(3,1))"));
    }

    @Test
    void typesUnloadCannotWriteAreSelectedConverted() {
        AthenaColumn zoned = AthenaColumn.of("at", TypeText.parse("timestamp(3) with time zone"));
        assertEquals("timestamp", render(zoned.sparkType));
        assertEquals("CAST(\"at\" AT TIME ZONE 'UTC' AS timestamp) AS \"at\"", zoned.selectSql);
        assertFalse(zoned.comparable);
        for (String type : Arrays.asList("time", "time(3) with time zone", "interval day to second",
                "interval year to month", "uuid", "ipaddress")) {
            AthenaColumn c = AthenaColumn.of("x", TypeText.parse(type));
            assertEquals("string", render(c.sparkType), type);
            assertEquals("CAST(\"x\" AS varchar) AS \"x\"", c.selectSql, type);
            assertFalse(c.comparable, type);
        }
        AthenaColumn json = AthenaColumn.of("j", TypeText.parse("json"));
        assertEquals("json_format(\"j\") AS \"j\"", json.selectSql);
        AthenaColumn plain = AthenaColumn.of("we\"ird", TypeText.parse("bigint"));
        assertEquals("\"we\"\"ird\"", plain.selectSql);
        assertTrue(plain.comparable);
        assertFalse(AthenaColumn.of("d", TypeText.parse("double")).comparable, "NaN compares differently");
    }

    @Test
    void typesSparkCannotHoldAreRefusedNamingTheColumn() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AthenaColumn.of("shape", TypeText.parse("geometry")));
        assertTrue(e.getMessage().contains("\"shape\"") && e.getMessage().contains("geometry"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> AthenaColumn.of("times", TypeText.parse("array(timestamp(3) with time zone)")));
        assertTrue(e.getMessage().contains("\"times\"") && e.getMessage().contains("array(timestamp(3) with time zone)"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AthenaColumn.of("u", TypeText.parse("uniontype<int,string>")));
        assertTrue(e.getMessage().contains("uniontype"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TypeText.parse("array(integer"));
        assertThrows(IllegalArgumentException.class, () -> TypeText.parse("map<string>"));
    }

    @Test
    void tableNamesSplitIntoCatalogParts() {
        assertEquals(Arrays.asList("t"), SchemaProbe.nameParts("T"));
        assertEquals(Arrays.asList("db", "t"), SchemaProbe.nameParts(" db.t "));
        assertEquals(Arrays.asList("awsdatacatalog", "my.db", "t\"x"), SchemaProbe.nameParts("AwsDataCatalog.\"my.db\".\"t\"\"x\""));
        assertThrows(IllegalArgumentException.class, () -> SchemaProbe.nameParts("db..t"));
        assertThrows(IllegalArgumentException.class, () -> SchemaProbe.nameParts("a.b.c.d"));
        assertEquals("spark\\_orders\\%", SchemaProbe.pattern("spark_orders%", "\\"));
    }
}
