"""Reads a table through the driver with Spark's JDBC source, as a Spark user would.

usage: spark_read.py DRIVER_JAR URL TABLE ID_COLUMN AMOUNT_COLUMN ROWS [TIME_COLUMN]

Runs Spark in local[2] and prints one line per read,
``RESULT {"read": ..., "count": ..., "sum": ..., "partitions": ..., "collected": ..., "collected_sum": ...,
"columns": [...], "time_type": ..., "time_millis_sum": ..., "time_millis_min": ...}``:
``count`` and ``sum`` come from Spark's own aggregation, ``collected`` and
``collected_sum`` from the rows Spark fetched, for the three ways to read:
the table (``dbtable``), a query (``query``), and the table split over 4
partitions on ``ID_COLUMN`` between 0 and ROWS. With TIME_COLUMN (a
``timestamp with time zone``), the query reads it too, and each read gives
its Spark type and the sum and least of its instants in epoch milliseconds
(null without it).
"""

import json
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def main():
    jar, url, table, id_column, amount_column, rows = sys.argv[1:7]
    time_column = sys.argv[7] if len(sys.argv) > 7 else None
    query_columns = ", ".join(c for c in (id_column, amount_column, time_column) if c)
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("athena-native-jdbc client test")
        .config("spark.jars", jar)
        .config("spark.driver.memory", "512m")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    try:
        def reader():
            return (
                spark.read.format("jdbc")
                .option("driver", "io.athenanative.jdbc.AthenaDriver")
                .option("url", url)
            )

        reads = {
            "plain": reader().option("dbtable", table).load(),
            "query": reader()
            .option("query", f"SELECT {query_columns} FROM {table} WHERE {amount_column} >= 0")
            .load(),
            "partitioned": reader()
            .option("dbtable", table)
            .option("partitionColumn", id_column)
            .option("lowerBound", "0")
            .option("upperBound", rows)
            .option("numPartitions", "4")
            .load(),
        }
        for name, frame in reads.items():
            aggregate = frame.agg(F.count(F.lit(1)).alias("n"), F.sum(amount_column).alias("s")).collect()[0]
            collected = frame.select(amount_column).collect()
            time = {"time_type": None, "time_millis_sum": None, "time_millis_min": None}
            if time_column:
                # Epoch milliseconds: the instants Spark got, whatever its session time zone.
                millis = F.unix_millis(F.col(time_column))
                instants = frame.agg(F.sum(millis).alias("s"), F.min(millis).alias("m")).collect()[0]
                time = {
                    "time_type": frame.schema[time_column].dataType.simpleString(),
                    "time_millis_sum": instants["s"],
                    "time_millis_min": instants["m"],
                }
            print(
                "RESULT "
                + json.dumps(
                    {
                        "read": name,
                        "count": aggregate["n"],
                        "sum": aggregate["s"],
                        "partitions": frame.rdd.getNumPartitions(),
                        "collected": len(collected),
                        "collected_sum": sum(row[0] for row in collected),
                        "columns": frame.columns,
                        **time,
                    }
                ),
                flush=True,
            )
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
