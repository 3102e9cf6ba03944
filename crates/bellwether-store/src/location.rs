//! Where a store lives: a SQLite file (the default) or a PostgreSQL database named by its URL.

use std::fmt;
use std::path::{Path, PathBuf};

/// The database behind a `--db` argument. `Display` and `Debug` hide the URL's passwords.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file, created at the first import.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://` or `postgresql://`); the database must exist.
    Postgres(String),
}

impl Location {
    /// A PostgreSQL URL when `text` starts with `postgres://` or `postgresql://`, otherwise a SQLite path.
    pub fn parse(text: &str) -> Location {
        let is_url = ["postgres://", "postgresql://"].iter().any(|scheme| {
            text.get(..scheme.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(scheme))
        });
        if is_url {
            Location::Postgres(text.to_string())
        } else {
            Location::Sqlite(PathBuf::from(text))
        }
    }

    /// The SQLite file, if this is one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Location::Sqlite(path) => Some(path),
            Location::Postgres(_) => None,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Location::Postgres(_))
    }
}

impl std::str::FromStr for Location {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Location, Self::Err> {
        Ok(Location::parse(text))
    }
}

impl From<PathBuf> for Location {
    fn from(path: PathBuf) -> Location {
        Location::Sqlite(path)
    }
}

impl From<&Path> for Location {
    fn from(path: &Path) -> Location {
        Location::Sqlite(path.to_path_buf())
    }
}

/// The path, or the URL with its passwords (`user:pass@`, `?password=`, `?sslpassword=`) replaced by
/// `***`, so that messages and logs never show them.
impl fmt::Display for Location {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(path) => write!(formatter, "{}", path.display()),
            Location::Postgres(url) => {
                formatter.write_str(&redact_query_passwords(&redact_password(url)))
            }
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(path) => formatter.debug_tuple("Sqlite").field(path).finish(),
            Location::Postgres(_) => formatter
                .debug_tuple("Postgres")
                .field(&self.to_string())
                .finish(),
        }
    }
}

/// `url` without the password of its user information, if it has one.
fn redact_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|index| index + 3) else {
        return url.to_string();
    };
    let authority_end = url[scheme_end..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |index| scheme_end + index);
    let authority = &url[scheme_end..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let Some(colon) = authority[..at].find(':') else {
        return url.to_string();
    };
    format!(
        "{}{}:***{}",
        &url[..scheme_end],
        &authority[..colon],
        &url[scheme_end + at..]
    )
}

/// `url` with the values of its `password` and `sslpassword` query parameters replaced by `***`.
fn redact_query_passwords(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let (query, fragment) = match query.split_once('#') {
        Some((query, fragment)) => (query, Some(fragment)),
        None => (query, None),
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _))
                if key.eq_ignore_ascii_case("password")
                    || key.eq_ignore_ascii_case("sslpassword") =>
            {
                format!("{key}=***")
            }
            _ => pair.to_string(),
        })
        .collect();
    let mut redacted = format!("{base}?{}", pairs.join("&"));
    if let Some(fragment) = fragment {
        redacted.push('#');
        redacted.push_str(fragment);
    }
    redacted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_postgres_and_everything_else_a_file() {
        let url = "postgres://bw@127.0.0.1:5432/bellwether";
        assert_eq!(Location::parse(url), Location::Postgres(url.to_string()));
        assert!(Location::parse("postgresql://localhost/bw").is_postgres());
        assert!(Location::parse("POSTGRES://localhost/bw").is_postgres());
        for path in [
            "bellwether.db",
            "postgres.db",
            "./postgres://x",
            "/tmp/postgres",
        ] {
            assert_eq!(
                Location::parse(path).sqlite_path(),
                Some(Path::new(path)),
                "{path}"
            );
        }
    }

    #[test]
    fn display_hides_the_password() {
        let check = |url: &str, shown: &str| assert_eq!(Location::parse(url).to_string(), shown);
        check(
            "postgres://bw:s3cr:et@db.example:5432/bw?sslmode=require",
            "postgres://bw:***@db.example:5432/bw?sslmode=require",
        );
        check("postgres://bw@127.0.0.1/bw", "postgres://bw@127.0.0.1/bw");
        check(
            "postgres://bw@db.example/bw?sslmode=require&password=hunter2&application_name=x",
            "postgres://bw@db.example/bw?sslmode=require&password=***&application_name=x",
        );
        check(
            "postgresql://db.example/bw?PASSWORD=a%26b&sslpassword=key",
            "postgresql://db.example/bw?PASSWORD=***&sslpassword=***",
        );
        check(
            "postgres://u:p@h/bw?user=u&password=p",
            "postgres://u:***@h/bw?user=u&password=***",
        );
        check("postgresql://localhost", "postgresql://localhost");
        check("/data/bellwether.db", "/data/bellwether.db");
        let debug = format!(
            "{:?}",
            Location::parse("postgres://u:p4ss@h/bw?password=p4ss")
        );
        assert!(!debug.contains("p4ss"), "{debug}");
    }
}
