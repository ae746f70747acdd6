package io.athenanative.spark;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.sources.AlwaysFalse;
import org.apache.spark.sql.sources.AlwaysTrue;
import org.apache.spark.sql.sources.And;
import org.apache.spark.sql.sources.EqualNullSafe;
import org.apache.spark.sql.sources.EqualTo;
import org.apache.spark.sql.sources.Filter;
import org.apache.spark.sql.sources.GreaterThan;
import org.apache.spark.sql.sources.GreaterThanOrEqual;
import org.apache.spark.sql.sources.In;
import org.apache.spark.sql.sources.IsNotNull;
import org.apache.spark.sql.sources.IsNull;
import org.apache.spark.sql.sources.LessThan;
import org.apache.spark.sql.sources.LessThanOrEqual;
import org.apache.spark.sql.sources.Not;
import org.apache.spark.sql.sources.Or;
import org.apache.spark.sql.sources.StringStartsWith;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;

/**
 * Spark's filters as Athena SQL, only where the SQL selects exactly the rows Spark's filter would:
 * comparisons, IN, IS [NOT] NULL, AND/OR/NOT and string prefixes on top-level columns whose Athena
 * values are Spark's ({@link AthenaColumn#comparable}), with literals of the column's own type written
 * exactly. Anything else gives null and stays in Spark. Both engines use the same three-valued logic,
 * and compare strings by code point (Spark's UTF-8 bytes order the same way).
 */
final class FilterSql {
    private final Map<String, AthenaColumn> columns;

    /** {@code columns}: the scan's columns by name. */
    FilterSql(Map<String, AthenaColumn> columns) {
        this.columns = columns;
    }

    /** The SQL of {@code filter}, or null when it cannot run in Athena with Spark's meaning. */
    String sql(Filter filter) {
        if (filter instanceof And) {
            And and = (And) filter;
            return both(sql(and.left()), "AND", sql(and.right()));
        }
        if (filter instanceof Or) {
            Or or = (Or) filter;
            return both(sql(or.left()), "OR", sql(or.right()));
        }
        if (filter instanceof Not) {
            String child = sql(((Not) filter).child());
            return child == null ? null : "(NOT " + child + ")";
        }
        if (filter instanceof AlwaysTrue) {
            return "true";
        }
        if (filter instanceof AlwaysFalse) {
            return "false";
        }
        if (filter instanceof IsNull) {
            AthenaColumn c = column(((IsNull) filter).attribute(), true);
            return c == null ? null : SqlText.identifier(c.name) + " IS NULL";
        }
        if (filter instanceof IsNotNull) {
            AthenaColumn c = column(((IsNotNull) filter).attribute(), true);
            return c == null ? null : SqlText.identifier(c.name) + " IS NOT NULL";
        }
        if (filter instanceof EqualTo) {
            EqualTo f = (EqualTo) filter;
            return comparison(f.attribute(), "=", f.value());
        }
        if (filter instanceof EqualNullSafe) {
            EqualNullSafe f = (EqualNullSafe) filter;
            AthenaColumn c = column(f.attribute(), false);
            if (c == null) {
                return null;
            }
            if (f.value() == null) {
                return SqlText.identifier(c.name) + " IS NULL";
            }
            String literal = literal(c.sparkType, f.value());
            return literal == null ? null : SqlText.identifier(c.name) + " IS NOT DISTINCT FROM " + literal;
        }
        if (filter instanceof GreaterThan) {
            GreaterThan f = (GreaterThan) filter;
            return comparison(f.attribute(), ">", f.value());
        }
        if (filter instanceof GreaterThanOrEqual) {
            GreaterThanOrEqual f = (GreaterThanOrEqual) filter;
            return comparison(f.attribute(), ">=", f.value());
        }
        if (filter instanceof LessThan) {
            LessThan f = (LessThan) filter;
            return comparison(f.attribute(), "<", f.value());
        }
        if (filter instanceof LessThanOrEqual) {
            LessThanOrEqual f = (LessThanOrEqual) filter;
            return comparison(f.attribute(), "<=", f.value());
        }
        if (filter instanceof In) {
            return in((In) filter);
        }
        if (filter instanceof StringStartsWith) {
            StringStartsWith f = (StringStartsWith) filter;
            AthenaColumn c = column(f.attribute(), false);
            if (c == null || !c.sparkType.equals(DataTypes.StringType) || f.value() == null) {
                return null;
            }
            return "starts_with(" + SqlText.identifier(c.name) + ", " + SqlText.string(f.value()) + ")";
        }
        return null;
    }

    private static String both(String left, String operator, String right) {
        return left == null || right == null ? null : "(" + left + " " + operator + " " + right + ")";
    }

    private String comparison(String attribute, String operator, Object value) {
        AthenaColumn c = column(attribute, false);
        if (c == null || value == null) {
            return null;
        }
        String literal = literal(c.sparkType, value);
        return literal == null ? null : SqlText.identifier(c.name) + " " + operator + " " + literal;
    }

    /** The most characters an IN list pushed into the UNLOAD's SELECT may take. */
    static final int MAX_IN_LIST_CHARS = 100_000;

    private String in(In filter) {
        AthenaColumn c = column(filter.attribute(), false);
        Object[] values = filter.values();
        // Spark's IN of nothing is false even for a null value; Athena has no empty IN list.
        if (c == null || values.length == 0) {
            return null;
        }
        List<String> literals = new ArrayList<String>();
        int length = 0;
        for (Object value : values) {
            // A null in the list keeps its meaning: no match is then null, not false (it matters under NOT).
            String literal = value == null ? "NULL" : literal(c.sparkType, value);
            if (literal == null) {
                return null;
            }
            literals.add(literal);
            length += literal.length() + 2;
            // Athena's statements end at 262,144 characters: a longer list stays in Spark.
            if (length > MAX_IN_LIST_CHARS) {
                return null;
            }
        }
        return SqlText.identifier(c.name) + " IN (" + String.join(", ", literals) + ")";
    }

    /**
     * The top-level column Spark's filter names, or null: a nested field ({@code a.b}), an unknown
     * name, or a column whose comparisons differ in Athena (unless {@code anyColumn}: null tests mean
     * the same for every column).
     */
    private AthenaColumn column(String attribute, boolean anyColumn) {
        String name = topLevelName(attribute);
        AthenaColumn c = name == null ? null : columns.get(name);
        if (c == null || !(anyColumn || c.comparable)) {
            return null;
        }
        return c;
    }

    /**
     * Spark names a column in a filter as one part, back-quoted when it holds characters other than
     * letters, digits and underscores ({@code `a.b`}, a back quote doubled), and a nested field as its
     * dotted path; the name of a one-part reference, null otherwise.
     */
    static String topLevelName(String attribute) {
        if (attribute == null || attribute.isEmpty()) {
            return null;
        }
        if (attribute.charAt(0) != '`') {
            return attribute.indexOf('.') >= 0 || attribute.indexOf('`') >= 0 ? null : attribute;
        }
        StringBuilder name = new StringBuilder();
        int i = 1;
        while (i < attribute.length()) {
            char c = attribute.charAt(i);
            if (c == '`') {
                if (i + 1 < attribute.length() && attribute.charAt(i + 1) == '`') {
                    name.append('`');
                    i += 2;
                    continue;
                }
                // The closing quote must end the reference: anything after it is a nested path.
                return i == attribute.length() - 1 ? name.toString() : null;
            }
            name.append(c);
            i++;
        }
        return null;
    }

    /**
     * {@code value} (Spark's Scala/Java form of a literal of the column's type) as an Athena literal of
     * that type, or null when it is of another class or cannot be written exactly.
     */
    static String literal(DataType type, Object value) {
        if (type.equals(DataTypes.BooleanType)) {
            return value instanceof Boolean ? value.toString() : null;
        }
        if (type.equals(DataTypes.ByteType) || type.equals(DataTypes.ShortType) || type.equals(DataTypes.IntegerType)
                || type.equals(DataTypes.LongType)) {
            boolean integral = value instanceof Byte || value instanceof Short || value instanceof Integer
                    || value instanceof Long;
            // Athena types a bare number above integer's range as bigint, as Spark's literal is.
            return integral ? value.toString() : null;
        }
        if (type instanceof DecimalType) {
            BigDecimal decimal = value instanceof BigDecimal ? (BigDecimal) value
                    : value instanceof scala.math.BigDecimal ? ((scala.math.BigDecimal) value).bigDecimal() : null;
            return decimal == null ? null : "DECIMAL '" + decimal.toPlainString() + "'";
        }
        if (type.equals(DataTypes.StringType)) {
            return value instanceof String ? SqlText.string((String) value) : null;
        }
        if (type.equals(DataTypes.DateType)) {
            LocalDate date = value instanceof LocalDate ? (LocalDate) value
                    : value instanceof java.sql.Date ? ((java.sql.Date) value).toLocalDate() : null;
            // Before 1583 the java.sql form is in the Julian calendar Spark rebases to: left to Spark.
            return date == null || date.getYear() < 1583 || date.getYear() > 9999 ? null
                    : "DATE '" + date + "'";
        }
        if (type.equals(DataTypes.TimestampNTZType)) {
            if (!(value instanceof LocalDateTime)) {
                return null;
            }
            LocalDateTime t = (LocalDateTime) value;
            if (t.getYear() < 1583 || t.getYear() > 9999) {
                return null;
            }
            return "TIMESTAMP '" + timestampText(t) + "'";
        }
        return null;
    }

    /** {@code 2024-01-31 12:34:56.789}: microseconds when it has them, milliseconds otherwise. */
    static String timestampText(LocalDateTime t) {
        StringBuilder out = new StringBuilder(t.toLocalDate().toString()).append(' ');
        out.append(String.format("%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond()));
        int micros = t.getNano() / 1000;
        if (micros % 1000 == 0) {
            out.append(String.format(".%03d", micros / 1000));
        } else {
            out.append(String.format(".%06d", micros));
        }
        return out.toString();
    }
}
