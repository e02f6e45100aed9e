//! Where a vendor keeps its tenants: one table whose columns hold each tenant's credentials,
//! named alike in the seed. From that declaration alone the frame lists tenants (the start-up
//! banner, `GET /__admin/tenants`) and finds the tenant a request's credentials select.

use rusqlite::{Connection, OptionalExtension, Row, params_from_iter};

use crate::http::auth::Keys;

/// A vendor's tenants table, `<slug>_<list>`: named after the vendor and the key of the seed
/// section's list of tenants (`agentclara_accounts` holds the `accounts`).
#[derive(Debug, Clone, Copy)]
pub struct TenantTable {
    /// The table; its `id` is the tenant's row id.
    pub table: &'static str,
    /// What a tenant is called in messages, e.g. `account`.
    pub kind: &'static str,
    /// The columns (and seed fields) holding the credentials, in the order of the vendor's
    /// credential scheme: the secret first, then each selector.
    pub credentials: &'static [&'static str],
    /// An SQL expression over the table's columns noting a setting worth knowing when tenants
    /// are listed, e.g. [`RATE_LIMIT_NOTE`]; `NULL` for none.
    pub note: &'static str,
}

/// The note of a tenants table with the rate-limit switch (a `rate_limit` column).
pub const RATE_LIMIT_NOTE: &str = "CASE WHEN rate_limit THEN 'rate limit on' END";

impl TenantTable {
    /// The tenants kept in `table`, each a `kind`, found by the `credentials` columns; nothing
    /// noted when they are listed.
    pub const fn new(
        table: &'static str,
        kind: &'static str,
        credentials: &'static [&'static str],
    ) -> Self {
        Self {
            table,
            kind,
            credentials,
            note: "NULL",
        }
    }

    /// The same table, noting `note` (an SQL expression) when its tenants are listed.
    pub const fn noting(self, note: &'static str) -> Self {
        Self { note, ..self }
    }

    /// The key of the seed section's list of tenants: the table's name after the vendor's
    /// slug, e.g. `accounts`.
    pub fn list(&self) -> &'static str {
        let table = self.table;
        table.split_once('_').map_or(table, |(_, list)| list)
    }
}

/// A tenant as the start-up banner and `GET /__admin/tenants` show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantCard {
    pub keys: Keys,
    /// A setting worth knowing, e.g. "rate limit on".
    pub note: Option<String>,
}

/// Every tenant of `table`, in seed order.
pub fn list(conn: &Connection, table: &TenantTable) -> rusqlite::Result<Vec<TenantCard>> {
    let sql = format!(
        "SELECT {}, {} FROM {} ORDER BY id",
        table.credentials.join(", "),
        table.note,
        table.table
    );
    let count = table.credentials.len();
    conn.prepare(&sql)?
        .query_map([], |row| {
            let mut values = (0..count)
                .map(|index| row.get::<_, String>(index))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let secret = values.remove(0);
            Ok(TenantCard {
                keys: Keys {
                    secret,
                    selectors: values,
                },
                note: row.get(count)?,
            })
        })?
        .collect()
}

/// The tenant whose credentials are `keys`: its row id and `columns` (a comma-separated list,
/// maybe empty) read by `read` from the row, whose first column is the id.
pub fn find<T>(
    conn: &Connection,
    table: &TenantTable,
    columns: &str,
    keys: &Keys,
    read: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Option<T>> {
    let matches: Vec<String> = table
        .credentials
        .iter()
        .enumerate()
        .map(|(index, column)| format!("{column} = ?{}", index + 1))
        .collect();
    let extra = if columns.is_empty() {
        String::new()
    } else {
        format!(", {columns}")
    };
    let sql = format!(
        "SELECT id{extra} FROM {} WHERE {}",
        table.table,
        matches.join(" AND ")
    );
    let values = std::iter::once(&keys.secret).chain(&keys.selectors);
    conn.prepare_cached(&sql)?
        .query_row(params_from_iter(values), read)
        .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_the_table_name_after_the_slug() {
        let table = TenantTable::new("acme_customer_accounts", "account", &["key"]);
        assert_eq!(table.list(), "customer_accounts");
        assert_eq!(table.note, "NULL");
        assert_eq!(table.noting("'x'").note, "'x'");
    }
}
