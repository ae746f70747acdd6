//! Bytes scanned, as Athena bills them (`DataScannedInBytes`): for each table
//! scan in a query's optimized plan, the bytes of table data it reads.
//!
//! - CSV (and any other non-columnar) files: every byte of every file of the
//!   table, whatever the query selects or filters, as Athena reads text
//!   files whole.
//! - Parquet files: the compressed size of the column chunks of the columns
//!   the scan reads, in every row group (no row group is skipped by its
//!   statistics; footers are not counted).
//! - In-memory tables (made by `CREATE TABLE ... AS`, `CREATE TABLE` and
//!   `INSERT`): the Arrow data size of the columns read.
//!
//! Scans of anything else (`information_schema`, table functions such as
//! `range`) read no table data and are not counted. A table read twice
//! counts twice. Views are counted through the tables they read.

use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::DataFusionError;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::ListingTable;
use datafusion::datasource::physical_plan::parquet::metadata::DFParquetMetadata;
use datafusion::datasource::{source_as_provider, MemTable};
use datafusion::execution::context::SessionState;
use datafusion::logical_expr::{LogicalPlan, TableScan};

/// One table scan of a query and the bytes it counts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRead {
    /// `database.table` for a table of the main catalog,
    /// `catalog.database.table` for one of another (nested) catalog.
    pub table: String,
    pub bytes: u64,
}

/// The table scans of `plan` once optimized (so only the columns and
/// partitions it really reads count), in plan order. Names are resolved
/// against the query's `catalog` and `database`; `main` is the main catalog.
pub async fn tables_read(
    state: &SessionState,
    plan: &LogicalPlan,
    catalog: &str,
    database: &str,
    main: &str,
) -> Result<Vec<TableRead>, DataFusionError> {
    let optimized = state.optimize(plan)?;
    let mut scans = Vec::new();
    optimized.apply_with_subqueries(|node| {
        if let LogicalPlan::TableScan(scan) = node {
            scans.push(scan.clone());
        }
        Ok(TreeNodeRecursion::Continue)
    })?;
    let mut out = Vec::new();
    for scan in scans {
        let name = scan.table_name.clone().resolve(catalog, database);
        // Athena's information_schema is metadata, not table data (athena-local
        // keeps it in memory tables, which would count otherwise).
        if name.schema.eq_ignore_ascii_case("information_schema") {
            continue;
        }
        let Some(bytes) = scan_bytes(state, &scan).await? else {
            continue;
        };
        let table = if name.catalog.eq_ignore_ascii_case(main) {
            format!("{}.{}", name.schema, name.table)
        } else {
            format!("{}.{}.{}", name.catalog, name.schema, name.table)
        };
        out.push(TableRead { table, bytes });
    }
    Ok(out)
}

/// The bytes one scan reads; `None` when it reads no table data.
async fn scan_bytes(
    state: &SessionState,
    scan: &TableScan,
) -> Result<Option<u64>, DataFusionError> {
    let provider = source_as_provider(&scan.source)?;
    let schema = provider.schema();
    // Projection indices are into the table's schema; `None` reads every column.
    let read: Vec<usize> = match &scan.projection {
        Some(p) => p.clone(),
        None => (0..schema.fields().len()).collect(),
    };
    if let Some(table) = provider.downcast_ref::<ListingTable>() {
        // Only filters on partition columns prune files (as Athena's
        // partitions do); the listing takes no others.
        let partition_columns: Vec<&str> = table
            .options()
            .table_partition_cols
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        let partition_filters: Vec<_> = scan
            .filters
            .iter()
            .filter(|f| {
                let refs = f.column_refs();
                !refs.is_empty()
                    && refs
                        .iter()
                        .all(|c| partition_columns.contains(&c.name.as_str()))
            })
            .cloned()
            .collect();
        let listed = table
            .list_files_for_scan(state, &partition_filters, None)
            .await?;
        let files: Vec<_> = listed
            .file_groups
            .into_iter()
            .flat_map(|g| g.into_inner())
            .collect();
        let is_parquet = table.options().format.is::<ParquetFormat>();
        if !is_parquet {
            return Ok(Some(files.iter().map(|f| f.object_meta.size).sum()));
        }
        let Some(url) = table.table_paths().first() else {
            return Ok(Some(0));
        };
        let store = state.runtime_env().object_store(url)?;
        // Columns only a pushed-down filter uses may be missing from the
        // projection, yet they are read too.
        let mut columns: Vec<&str> = read
            .iter()
            .filter_map(|&i| schema.fields().get(i))
            .map(|f| f.name().as_str())
            .collect();
        for filter in &scan.filters {
            columns.extend(filter.column_refs().into_iter().map(|c| c.name.as_str()));
        }
        let mut total = 0u64;
        for f in files {
            let metadata = DFParquetMetadata::new(store.as_ref(), &f.object_meta)
                .fetch_metadata()
                .await?;
            for row_group in metadata.row_groups() {
                for chunk in row_group.columns() {
                    let root = chunk.column_path().parts().first();
                    if root.is_some_and(|r| columns.contains(&r.as_str())) {
                        total += u64::try_from(chunk.compressed_size()).unwrap_or(0);
                    }
                }
            }
        }
        return Ok(Some(total));
    }
    if let Some(table) = provider.downcast_ref::<MemTable>() {
        let mut total = 0u64;
        for partition in &table.batches {
            for batch in partition.read().await.iter() {
                for column in read.iter().filter_map(|&i| batch.columns().get(i)) {
                    let size = column.to_data().get_slice_memory_size()?;
                    total += u64::try_from(size).unwrap_or(u64::MAX);
                }
            }
        }
        return Ok(Some(total));
    }
    Ok(None)
}
