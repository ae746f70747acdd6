"""Reads Athena tables with the ``athena`` Spark source (and, to compare, Spark's JDBC source), as a Spark
user would, and reports what each read gave and what it made Athena do.

usage: spark_athena.py DRIVER_JAR SPARK_JAR URL ENDPOINT STORAGE_DIR BIG_TABLE ROWS NESTED_TABLE USER PASSWORD

URL names no keys: the reads give USER and PASSWORD as the options ``user`` and ``password`` (the
JDBC source) or inside the URL (most ``athena`` reads), so both ways are covered and the test can look
for the password in everything Spark printed. ENDPOINT is athena-local's, whose admin API gives the
Athena queries each read ran (``/_athena_local/queries``) and arms faults; STORAGE_DIR is its S3
storage, for the UNLOAD files left.

Runs Spark in local[4] and prints one line per read, ``RESULT {json}``, with ``read`` naming it,
``queries`` the Athena queries it ran (text, state, table bytes read) and what it read.
"""

import json
import os
import sys
import time
import urllib.request

from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def main():
    (driver_jar, spark_jar, url, endpoint, storage, big, rows, nested, user, password) = sys.argv[1:11]
    keyed_url = f"{url};User={user};Password={password}"
    spark = (
        SparkSession.builder.master("local[4]")
        .appName("athena source client test")
        .config("spark.jars", driver_jar + "," + spark_jar)
        .config("spark.driver.memory", "1g")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    # INFO, and DEBUG for the source and the driver: the secrets check then covers what they log about
    # tasks, plans, partitions and exports.
    # (Loggers named explicitly: pyspark's shell filter drops what only the root level lets through.)
    log4j = spark._jvm.org.apache.logging.log4j
    log4j.core.config.Configurator.setLevel("org.apache.spark", log4j.Level.INFO)
    log4j.core.config.Configurator.setLevel("io.athenanative", log4j.Level.DEBUG)

    def admin(method, path, body=None):
        request = urllib.request.Request(endpoint + path, method=method,
                                         data=None if body is None else json.dumps(body).encode())
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request) as answer:
            return json.load(answer)

    def athena(**options):
        reader = spark.read.format("athena").option("url", keyed_url)
        for key, value in options.items():
            reader = reader.option(key, value)
        return reader

    def report(name, queries_before, **values):
        ran = admin("GET", "/_athena_local/queries")[queries_before:]
        values["queries"] = [
            {
                "query": " ".join(q.get("query", "").split()),
                "state": q.get("state"),
                "tables": q.get("tablesRead", []),
            }
            for q in ran
        ]
        print("RESULT " + json.dumps({"read": name, **values}), flush=True)

    def checked(read, action):
        """The action's error message (the Java exception's text), or None when it succeeded."""
        try:
            action()
            return None
        except Exception as e:  # noqa: BLE001 - Py4J and pyspark raise several kinds
            return str(e)

    def unload_files():
        found = []
        for folder, _, files in os.walk(storage):
            for f in files:
                path = os.path.join(folder, f)
                if "athena-jdbc-unload/" in path:
                    found.append(path)
        return found

    def wait_for_cleanup():
        """Listeners run after the action returns: the files go shortly after."""
        for _ in range(100):
            if not unload_files():
                return 0
            time.sleep(0.1)
        return len(unload_files())

    def aggregates(frame):
        """The big table's figures as Spark computes them, per scan partition and in total."""
        per_partition = (
            frame.groupBy(F.spark_partition_id().alias("p"))
            .agg(
                F.count(F.lit(1)).alias("count"),
                F.sum("id").alias("sum_id"),
                F.sum("amount").alias("sum_amount"),
                F.sum("price").alias("sum_price"),
                F.min("day").alias("min_day"),
                F.max("day").alias("max_day"),
                F.min("ts").alias("min_ts"),
                F.max("ts").alias("max_ts"),
                F.sum(F.length("name")).alias("name_chars"),
                F.sum(F.when(F.col("flag"), 1).otherwise(0)).alias("flags"),
                F.min("ratio").alias("min_ratio"),
                F.max("ratio").alias("max_ratio"),
            )
            .collect()
        )
        total = {
            "count": sum(r["count"] for r in per_partition),
            "sum_id": sum(r["sum_id"] for r in per_partition),
            "sum_amount": sum(r["sum_amount"] for r in per_partition),
            "sum_price": str(sum(r["sum_price"] for r in per_partition)),
            "min_day": str(min(r["min_day"] for r in per_partition)),
            "max_day": str(max(r["max_day"] for r in per_partition)),
            "min_ts": min(r["min_ts"] for r in per_partition).strftime("%Y-%m-%d %H:%M:%S"),
            "max_ts": max(r["max_ts"] for r in per_partition).strftime("%Y-%m-%d %H:%M:%S"),
            "name_chars": sum(r["name_chars"] for r in per_partition),
            "flags": sum(r["flags"] for r in per_partition),
            "min_ratio": repr(min(r["min_ratio"] for r in per_partition)),
            "max_ratio": repr(max(r["max_ratio"] for r in per_partition)),
        }
        total["partition_rows"] = sorted(r["count"] for r in per_partition)
        total["types"] = {f.name: f.dataType.simpleString() for f in frame.schema.fields}
        return total

    try:
        # Spark's JDBC source over 4 partitions: 4 queries, each reading the table.
        before = len(admin("GET", "/_athena_local/queries"))
        jdbc = (
            spark.read.format("jdbc")
            .option("driver", "io.athenanative.jdbc.AthenaDriver")
            .option("url", url)
            .option("user", user)
            .option("password", password)
            .option("dbtable", big)
            .option("partitionColumn", "id")
            .option("lowerBound", "0")
            .option("upperBound", rows)
            .option("numPartitions", "4")
            .load()
        )
        report("jdbc", before, **aggregates(jdbc))

        # The athena source: one UNLOAD, its row groups over 4 partitions.
        before = len(admin("GET", "/_athena_local/queries"))
        report("athena", before, **aggregates(athena(dbtable=big, numPartitions="4").load()),
               files_left=wait_for_cleanup())

        # Pushdown: the filters Athena evaluates as Spark does go into the UNLOAD; the double's stays.
        before = len(admin("GET", "/_athena_local/queries"))
        pushed = (
            athena(dbtable=big).load()
            .where((F.col("amount") >= 0) & F.col("name").startswith("n1") & (F.col("ratio") > 0.5))
            .agg(F.count(F.lit(1)).alias("n"), F.sum("amount").alias("s"))
            .collect()[0]
        )
        report("pushdown", before, count=pushed["n"], sum=pushed["s"])

        # count(): a SELECT count(*), no UNLOAD; with a filter, the filter goes with it.
        before = len(admin("GET", "/_athena_local/queries"))
        counted = athena(dbtable=big).load().count()
        counted_filtered = athena(dbtable=big).load().where(F.col("amount") >= 0).count()
        report("count", before, count=counted, count_filtered=counted_filtered)

        # LIMIT goes into the UNLOAD.
        before = len(admin("GET", "/_athena_local/queries"))
        limited = athena(dbtable=big).load().select("id").limit(5).collect()
        report("limit", before, count=len(limited))

        # No row matches: the UNLOAD writes no file, Spark reads no partition.
        before = len(admin("GET", "/_athena_local/queries"))
        empty = athena(dbtable=big).load().where(F.col("id") < 0).select("id")
        report("empty", before, count=len(empty.collect()), partitions=empty.rdd.getNumPartitions())

        # A query with a timestamp with time zone: read as Spark's TimestampType, the instant exact.
        before = len(admin("GET", "/_athena_local/queries"))
        zoned = athena(
            query=f"SELECT id, amount, from_unixtime(1706704496 + id * 86400, 'Europe/Paris') AS at "
                  f"FROM {big} WHERE id < 1000 AND amount >= 0;"
        ).load()
        z = zoned.agg(F.count(F.lit(1)).alias("n"), F.sum("amount").alias("s"),
                      F.sum(F.unix_millis("at")).alias("millis"), F.min(F.unix_millis("at")).alias("first")).collect()[0]
        report("query", before, count=z["n"], sum=z["s"], millis=z["millis"], first=z["first"],
               types={f.name: f.dataType.simpleString() for f in zoned.schema.fields})

        # Nested and typed columns, each row as Spark's JSON of it.
        before = len(admin("GET", "/_athena_local/queries"))
        typed = athena(dbtable=nested).load()
        rows_json = [r[0] for r in typed.orderBy("id").select(F.to_json(F.struct(*typed.columns))).collect()]
        report("nested", before, rows=rows_json,
               types={f.name: f.dataType.simpleString() for f in typed.schema.fields})

        # The same columns through a query: the element types come from a typeof() probe.
        before = len(admin("GET", "/_athena_local/queries"))
        typed = athena(query=f"SELECT * FROM {nested}").load()
        rows_json = [r[0] for r in typed.orderBy("id").select(F.to_json(F.struct(*typed.columns))).collect()]
        report("nested_query", before, rows=rows_json,
               types={f.name: f.dataType.simpleString() for f in typed.schema.fields})

        # Two failing GetObject calls during the read: retried, the same figures.
        admin("POST", "/_athena_local/faults", {"operation": "GetObject", "kind": "internal_error", "count": 2})
        before = len(admin("GET", "/_athena_local/queries"))
        faulted = aggregates(athena(dbtable=big, numPartitions="4").load())
        faults_left = admin("GET", "/_athena_local/faults")
        admin("DELETE", "/_athena_local/faults")
        report("faults", before, faults_left=len(faults_left), **faulted)

        # explain(): the plans Spark shows name the source, columns and pushed filters, and no secret.
        before = len(admin("GET", "/_athena_local/queries"))
        athena(dbtable=big).load().where(F.col("amount") > 990).select("id", "name").explain("extended")
        athena(dbtable=big, user=user, password=password).option("url", url).load() \
            .where(F.col("id") < 3).explain("formatted")
        report("explain", before)

        # A URL that expired before the executors read: the driver's message, what to set.
        before = len(admin("GET", "/_athena_local/queries"))
        short = athena(dbtable=big, urlExpirySeconds="1").load().where(F.col("id") < 1000).select("id")
        short_rdd = short.rdd
        short_rdd.getNumPartitions()  # plans: the UNLOAD runs and its URLs are signed now
        time.sleep(2.5)
        report("expired", before, error=checked("expired", short_rdd.count))

        # A DataFrame's plan run again after its action ended: its files are gone, and the message says so.
        before = len(admin("GET", "/_athena_local/queries"))
        again = athena(dbtable=big).load().where(F.col("id") < 1000).select("id")
        first = len(again.collect())
        error = None
        for _ in range(100):
            error = checked("again", again.collect)
            if error is not None:
                break
            time.sleep(0.1)
        report("again", before, count=first, error=error)

        # cache() before the first action: later actions read the cache, not the files.
        before = len(admin("GET", "/_athena_local/queries"))
        cached = athena(dbtable=big).load().where(F.col("id") < 1000).select("id").cache()
        counts = [cached.count(), len(cached.collect()), cached.agg(F.sum("id")).collect()[0][0]]
        cached.unpersist()
        report("cached", before, counts=counts)

        # An UNLOAD Athena refuses (a given schema skips the probe): Athena's message and the query's id.
        before = len(admin("GET", "/_athena_local/queries"))
        refused = athena(dbtable=big).schema("id bigint, no_such_column bigint").load()
        report("refused", before, error=checked("refused", refused.collect))

        # Results this reader cannot read back: refused with the reason, before any UNLOAD runs.
        before = len(admin("GET", "/_athena_local/queries"))
        cse = athena(dbtable=big, WorkGroup="cse").load().select("id")
        report("workgroups", before, cse=checked("cse", cse.collect))
        report("end", len(admin("GET", "/_athena_local/queries")), files_left_before_exit=len(unload_files()))
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
