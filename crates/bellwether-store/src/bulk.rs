//! Bulk reads on SQLite with plain `rusqlite` connections, one per core.

use std::collections::BTreeMap;
use std::path::Path;

use bellwether_core::{AttrValue, Customer, CustomerRecord, PurchaseStats};
use rusqlite::{Connection, OpenFlags, Row};

use crate::{parse_date, Result, StoreError};

fn open_read(path: &Path) -> Result<Connection> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    connection.execute_batch("PRAGMA cache_size = -131072; PRAGMA busy_timeout = 10000")?;
    Ok(connection)
}

/// Every customer record, in `id` order, decoded by one thread per core over ranges of `id`.
pub(crate) fn customer_records(path: &Path) -> Result<Vec<CustomerRecord>> {
    let connection = open_read(path)?;
    let (low, high): (Option<i64>, Option<i64>) =
        connection.query_row("SELECT min(id), max(id) FROM customers", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?;
    let (Some(low), Some(high)) = (low, high) else {
        return Ok(Vec::new());
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8) as i64;
    let span = (high - low) / threads + 1;
    let ranges: Vec<(i64, i64)> = (0..threads)
        .map(|index| (low + index * span, (low + (index + 1) * span - 1).min(high)))
        .collect();
    let parts: Vec<Result<Vec<CustomerRecord>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = ranges
            .iter()
            .map(|&(first, last)| scope.spawn(move || customer_range(path, first, last)))
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|_| Err(StoreError::Corrupt("a reader thread panicked".into())))
            })
            .collect()
    });
    let mut records = Vec::new();
    for part in parts {
        records.extend(part?);
    }
    Ok(records)
}

fn customer_range(path: &Path, first: i64, last: i64) -> Result<Vec<CustomerRecord>> {
    let connection = open_read(path)?;
    let mut statement = connection.prepare(
        "SELECT c.customer_id, c.name, c.industry, c.country, c.employees, c.annual_revenue, c.created_at, c.domain, \
         c.attributes, coalesce(s.n_transactions, 0), coalesce(s.n_coupon, 0), coalesce(s.n_discounted, 0), \
         coalesce(s.total_amount, 0), coalesce(s.total_discount, 0), s.first_purchase, s.last_purchase \
         FROM customers c LEFT JOIN customer_stats s ON s.customer = c.id WHERE c.id BETWEEN ?1 AND ?2 ORDER BY c.id",
    )?;
    let mut rows = statement.query([first, last])?;
    let mut records = Vec::new();
    while let Some(row) = rows.next()? {
        records.push(decode(row)?);
    }
    Ok(records)
}

fn optional_date(row: &Row<'_>, index: usize) -> Result<Option<chrono::NaiveDate>> {
    match row.get_ref(index)?.as_str_or_null()? {
        None => Ok(None),
        Some(text) => parse_date(text)
            .map(Some)
            .ok_or_else(|| StoreError::Corrupt(format!("{text:?} is not a YYYY-MM-DD date"))),
    }
}

fn decode(row: &Row<'_>) -> Result<CustomerRecord> {
    let attributes_json = row.get_ref(8)?.as_str()?;
    let attributes: BTreeMap<String, AttrValue> = serde_json::from_str(attributes_json)
        .map_err(|error| StoreError::Corrupt(format!("attributes {attributes_json:?}: {error}")))?;
    let customer = Customer {
        customer_id: row.get(0)?,
        name: row.get(1)?,
        industry: row.get(2)?,
        country: row.get(3)?,
        employees: row.get(4)?,
        annual_revenue: row.get(5)?,
        created_at: optional_date(row, 6)?,
        domain: row.get(7)?,
        attributes,
    };
    let stats = PurchaseStats {
        n_transactions: row.get::<_, i64>(9)? as u64,
        n_coupon: row.get::<_, i64>(10)? as u64,
        n_discounted: row.get::<_, i64>(11)? as u64,
        total_amount: row.get(12)?,
        total_discount: row.get(13)?,
        first_date: optional_date(row, 14)?,
        last_date: optional_date(row, 15)?,
    };
    Ok(CustomerRecord { customer, stats })
}

/// Every customer's purchases as `(day, amount)`, days counted from 1970-01-01, in the
/// order of [`customer_records`] (`customers.id`), with the customer ids in that order.
///
/// Read by one thread per core over ranges of the transaction table's `rowid`, without the
/// join and sort that `Store::for_each_transaction` pays for.
pub(crate) fn purchase_histories(path: &Path) -> Result<crate::PurchaseHistories> {
    use chrono::Datelike;
    let connection = open_read(path)?;
    let mut statement = connection.prepare("SELECT id, customer_id FROM customers ORDER BY id")?;
    let mut rows = statement.query([])?;
    let mut customer_ids = Vec::new();
    let mut internal_ids = Vec::new();
    while let Some(row) = rows.next()? {
        internal_ids.push(row.get::<_, i64>(0)?);
        customer_ids.push(row.get::<_, String>(1)?);
    }
    drop(rows);
    drop(statement);
    let (Some(&low_id), Some(&high_id)) = (internal_ids.first(), internal_ids.last()) else {
        return Ok(crate::PurchaseHistories::default());
    };
    // Internal id -> position, through a dense table (ids are an integer primary key).
    let mut position = vec![u32::MAX; (high_id - low_id + 1) as usize];
    for (index, id) in internal_ids.iter().enumerate() {
        position[(id - low_id) as usize] = index as u32;
    }
    let (low, high): (Option<i64>, Option<i64>) = connection.query_row(
        "SELECT min(rowid), max(rowid) FROM transactions",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let mut histories: Vec<Vec<(i32, f64)>> = vec![Vec::new(); customer_ids.len()];
    let (Some(low), Some(high)) = (low, high) else {
        return Ok(crate::PurchaseHistories {
            customer_ids,
            histories,
        });
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8) as i64;
    let span = (high - low) / threads + 1;
    let ranges: Vec<(i64, i64)> = (0..threads)
        .map(|index| (low + index * span, (low + (index + 1) * span - 1).min(high)))
        .collect();
    let epoch =
        chrono::NaiveDate::from_ymd_opt(1970, 1, 1).map_or(719_163, |date| date.num_days_from_ce());
    let read_range = |first: i64, last: i64| -> Result<Vec<(u32, i32, f64)>> {
        let connection = open_read(path)?;
        let mut statement = connection.prepare(
            "SELECT customer, date, amount FROM transactions WHERE rowid BETWEEN ?1 AND ?2",
        )?;
        let mut rows = statement.query([first, last])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let customer: i64 = row.get(0)?;
            let index = usize::try_from(customer - low_id)
                .ok()
                .and_then(|offset| position.get(offset).copied())
                .filter(|&index| index != u32::MAX)
                .ok_or_else(|| {
                    StoreError::Corrupt(format!("a transaction refers to no customer ({customer})"))
                })?;
            let text = row.get_ref(1)?.as_str()?;
            let date = parse_date(text)
                .ok_or_else(|| StoreError::Corrupt(format!("{text:?} is not a YYYY-MM-DD date")))?;
            out.push((index, date.num_days_from_ce() - epoch, row.get(2)?));
        }
        Ok(out)
    };
    let parts: Vec<Result<Vec<(u32, i32, f64)>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = ranges
            .iter()
            .map(|&(first, last)| {
                let read_range = &read_range;
                scope.spawn(move || read_range(first, last))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|_| Err(StoreError::Corrupt("a reader thread panicked".into())))
            })
            .collect()
    });
    let parts = parts.into_iter().collect::<Result<Vec<_>>>()?;
    // Exact capacities first: growing a million vectors by doubling copied and page-faulted
    // about as much memory again as the histories themselves.
    let mut counts = vec![0u32; histories.len()];
    for &(index, _, _) in parts.iter().flatten() {
        counts[index as usize] += 1;
    }
    for (history, count) in histories.iter_mut().zip(counts) {
        history.reserve_exact(count as usize);
    }
    for part in parts {
        for (index, day, amount) in part {
            histories[index as usize].push((day, amount));
        }
    }
    Ok(crate::PurchaseHistories {
        customer_ids,
        histories,
    })
}
