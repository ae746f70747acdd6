"""Spark at scale, measured: the same table read three ways, each written to Spark's
no-op sink (every column of every row read, nothing written).

usage: spark_bench.py DRIVER_JAR SPARK_JAR URL ENDPOINT TABLE ROWS ROUNDS

Runs the three reads in turn, ROUNDS times (so that no read alone gets a cold or a warm JVM), and
prints one line per read and round, ``RESULT {"round": ..., "read": ..., "seconds": ...,
"engine": ..., "queries": ..., "scanned": ..., "partitions": ...}``: ``queries``, ``scanned`` and
``engine`` are the Athena queries the read ran, the table bytes they read and the seconds
athena-local's engine spent on them, from its query record (ENDPOINT/_athena_local/queries).
"""

import json
import sys
import time
import urllib.request

from pyspark.sql import SparkSession


def queries(endpoint):
    with urllib.request.urlopen(endpoint + "/_athena_local/queries") as answer:
        return json.load(answer)


def main():
    driver_jar, spark_jar, url, endpoint, table, rows, rounds = sys.argv[1:8]
    spark = (
        SparkSession.builder.master("local[4]")
        .appName("athena-native-jdbc Spark benchmark")
        .config("spark.jars", driver_jar + "," + spark_jar)
        .config("spark.driver.memory", "2g")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    try:
        def jdbc():
            return spark.read.format("jdbc").option("driver", "io.athenanative.jdbc.AthenaDriver").option("url", url)

        reads = {
            "JDBC source, 1 partition": lambda: jdbc().option("dbtable", table).load(),
            "JDBC source, 4 partitions": lambda: jdbc()
            .option("dbtable", table)
            .option("partitionColumn", "id")
            .option("lowerBound", "0")
            .option("upperBound", rows)
            .option("numPartitions", "4")
            .load(),
            "athena source, 4 partitions": lambda: spark.read.format("athena")
            .option("url", url)
            .option("dbtable", table)
            .option("numPartitions", "4")
            .load(),
        }
        for round_ in range(1, int(rounds) + 1):
            for name, frame in reads.items():
                before = len(queries(endpoint))
                started = time.monotonic()
                df = frame()
                df.write.format("noop").mode("overwrite").save()
                seconds = time.monotonic() - started
                ran = queries(endpoint)[before:]
                print(
                    "RESULT "
                    + json.dumps(
                        {
                            "round": round_,
                            "read": name,
                            "seconds": round(seconds, 2),
                            "engine": round(sum(q.get("engineMillis", 0) for q in ran) / 1000, 2),
                            "queries": len(ran),
                            "scanned": sum(q.get("dataScannedInBytes", 0) for q in ran),
                            "partitions": df.rdd.getNumPartitions(),
                        }
                    ),
                    flush=True,
                )
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
