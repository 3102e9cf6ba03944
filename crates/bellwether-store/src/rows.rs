//! Reading a result row the same way on both databases, so that each row decoder is written once.
//!
//! The only difference is the date: ISO text in SQLite, `DATE` in PostgreSQL (see `migrations/README.md`).

use chrono::NaiveDate;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use crate::{parse_date, Result, StoreError};

/// The column types the store reads, by column name, on a row of either database.
pub(crate) trait StoreRow: Row {
    fn text(&self, column: &str) -> Result<&str>;
    fn string(&self, column: &str) -> Result<String>;
    fn optional_string(&self, column: &str) -> Result<Option<String>>;
    fn integer(&self, column: &str) -> Result<i64>;
    fn float(&self, column: &str) -> Result<f64>;
    fn optional_float(&self, column: &str) -> Result<Option<f64>>;
    fn optional_date(&self, column: &str) -> Result<Option<NaiveDate>>;

    fn date(&self, column: &str) -> Result<NaiveDate> {
        self.optional_date(column)?
            .ok_or_else(|| StoreError::Corrupt(format!("{column} is null")))
    }
}

macro_rules! common_columns {
    () => {
        fn text(&self, column: &str) -> Result<&str> {
            Ok(self.try_get(column)?)
        }
        fn string(&self, column: &str) -> Result<String> {
            Ok(self.try_get(column)?)
        }
        fn optional_string(&self, column: &str) -> Result<Option<String>> {
            Ok(self.try_get(column)?)
        }
        fn integer(&self, column: &str) -> Result<i64> {
            Ok(self.try_get(column)?)
        }
        fn float(&self, column: &str) -> Result<f64> {
            Ok(self.try_get(column)?)
        }
        fn optional_float(&self, column: &str) -> Result<Option<f64>> {
            Ok(self.try_get(column)?)
        }
    };
}

impl StoreRow for SqliteRow {
    common_columns!();

    fn optional_date(&self, column: &str) -> Result<Option<NaiveDate>> {
        let text: Option<&str> = self.try_get(column)?;
        text.map(|text| {
            parse_date(text).ok_or_else(|| {
                StoreError::Corrupt(format!("{column} {text:?} is not a YYYY-MM-DD date"))
            })
        })
        .transpose()
    }
}

impl StoreRow for PgRow {
    common_columns!();

    fn optional_date(&self, column: &str) -> Result<Option<NaiveDate>> {
        Ok(self.try_get(column)?)
    }
}
