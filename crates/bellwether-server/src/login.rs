//! What stands between a password guesser and the accounts: back-off per account and client,
//! a failure budget per client, bounded form fields, and password hashing off the request threads.
//!
//! - Every sign-in attempt is counted as a failure *before* the password is checked, and given
//!   back when it succeeds, so parallel guesses cannot slip through while the slow check runs.
//! - Failures are keyed by (account, client address): after [`LoginPolicy::free_failures`] failures
//!   that client waits an exponentially growing delay before its next attempt at that account.
//!   The owner, signing in from another address, is not held back by what others did.
//! - Each client address also has a failure budget per window over all accounts, which stops one
//!   client from guessing across many accounts.
//! - Both maps are bounded: entries expire, and when a map is full the oldest entry goes.
//! - Known and unknown accounts take the same path (one store lookup, one password check), so
//!   neither the answer nor its timing tells which e-mails exist.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use tokio::sync::Semaphore;

use crate::error::AppError;

/// The longest e-mail address accepted anywhere (RFC 5321's path limit), in bytes.
pub const MAX_EMAIL_BYTES: usize = 254;
/// The longest password accepted, in bytes: longer adds nothing but hashing work.
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// The longest CSRF token accepted, in bytes (ours are 64 hex digits).
pub const MAX_TOKEN_BYTES: usize = 128;
/// The largest sign-in request body: three short fields.
pub const LOGIN_BODY_BYTES: usize = 4 * 1024;
/// The largest body of any other form or JSON request (uploads have their own limit).
pub const FORM_BODY_BYTES: usize = 64 * 1024;

/// Fails with 400 when `value` of field `name` is longer than `max` bytes.
pub fn check_length(name: &str, value: &str, max: usize) -> Result<(), AppError> {
    if value.len() > max {
        return Err(AppError::BadRequest(format!(
            "the {name} is too long: at most {max} bytes"
        )));
    }
    Ok(())
}

/// The client's address as the limits see it: the TCP peer, with an IPv6 address cut to its /64
/// (one subscriber usually has a whole /64) and an IPv4-mapped IPv6 address read as IPv4.
///
/// Requests that carry no connection information (the router driven in process, as the tests
/// do) all count as one client, `0.0.0.0`. Behind a reverse proxy every client has the proxy's
/// address, so the per-client budget becomes a budget for everyone: serve directly, or raise the
/// budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    pub fn new(ip: IpAddr) -> ClientAddr {
        match ip {
            IpAddr::V4(_) => ClientAddr(ip),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientAddr(IpAddr::V4(v4)),
                None => {
                    let segments = v6.segments();
                    ClientAddr(IpAddr::V6(Ipv6Addr::new(
                        segments[0],
                        segments[1],
                        segments[2],
                        segments[3],
                        0,
                        0,
                        0,
                        0,
                    )))
                }
            },
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(ClientAddr(IpAddr::V4(Ipv4Addr::UNSPECIFIED)), |info| {
                ClientAddr::new(info.0.ip())
            }))
    }
}

/// The numbers of the sign-in limits.
#[derive(Debug, Clone)]
pub struct LoginPolicy {
    /// Failures of one client at one account before it has to wait.
    pub free_failures: u32,
    /// The wait after the first failure beyond the free ones; it doubles with each further failure.
    pub base_delay: Duration,
    /// The longest wait.
    pub max_delay: Duration,
    /// A client's failures (over all accounts) allowed per [`LoginPolicy::client_window`].
    pub client_failures: u32,
    pub client_window: Duration,
    /// An account and client's failures are forgotten this long after the last one.
    pub forget_after: Duration,
    /// The most entries each map holds.
    pub max_entries: usize,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        LoginPolicy {
            free_failures: crate::MAX_LOGIN_FAILURES,
            base_delay: Duration::from_secs(30),
            max_delay: Duration::from_secs(15 * 60),
            client_failures: 50,
            client_window: Duration::from_secs(15 * 60),
            forget_after: Duration::from_secs(60 * 60),
            max_entries: 20_000,
        }
    }
}

impl LoginPolicy {
    /// How long a client waits after `failures` failures at one account.
    pub fn delay(&self, failures: u32) -> Duration {
        if failures < self.free_failures {
            return Duration::ZERO;
        }
        let doublings = (failures - self.free_failures).min(30);
        self.base_delay
            .saturating_mul(1 << doublings)
            .min(self.max_delay)
    }
}

/// Why an attempt is refused, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TryLater(pub Duration);

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    /// The last failure (for the back-off) or the start of the window (for the client budget).
    since: Instant,
}

/// A map of at most `max_entries` entries, whose entries expire.
#[derive(Debug)]
struct BoundedMap<K> {
    entries: HashMap<K, Failures>,
}

impl<K: Eq + Hash + Clone> BoundedMap<K> {
    fn new() -> Self {
        BoundedMap {
            entries: HashMap::new(),
        }
    }

    /// The live entry of `key`, inserting a fresh one (after making room) if needed.
    fn entry(
        &mut self,
        key: &K,
        now: Instant,
        lifetime: Duration,
        max_entries: usize,
    ) -> &mut Failures {
        if let Some(failures) = self.entries.get(key) {
            if now.saturating_duration_since(failures.since) >= lifetime {
                self.entries.remove(key);
            }
        }
        if !self.entries.contains_key(key) && self.entries.len() >= max_entries.max(1) {
            self.entries
                .retain(|_, failures| now.saturating_duration_since(failures.since) < lifetime);
            while self.entries.len() >= max_entries.max(1) {
                let oldest = self
                    .entries
                    .iter()
                    .min_by_key(|(_, failures)| failures.since)
                    .map(|(key, _)| key.clone());
                match oldest {
                    Some(oldest) => self.entries.remove(&oldest),
                    None => break,
                };
            }
        }
        self.entries.entry(key.clone()).or_insert(Failures {
            count: 0,
            since: now,
        })
    }
}

#[derive(Debug)]
struct Maps {
    accounts: BoundedMap<(String, ClientAddr)>,
    clients: BoundedMap<ClientAddr>,
}

/// Failed sign-ins per (account, client) and per client; see the module's documentation.
#[derive(Debug)]
pub struct LoginLimiter {
    policy: LoginPolicy,
    maps: Mutex<Maps>,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        LoginLimiter::new(LoginPolicy::default())
    }
}

impl LoginLimiter {
    pub fn new(policy: LoginPolicy) -> LoginLimiter {
        LoginLimiter {
            policy,
            maps: Mutex::new(Maps {
                accounts: BoundedMap::new(),
                clients: BoundedMap::new(),
            }),
        }
    }

    pub fn policy(&self) -> &LoginPolicy {
        &self.policy
    }

    /// Counts an attempt of `client` at `account` as a failure, before the password is checked,
    /// or refuses it while that client must wait. [`LoginLimiter::succeeded`] gives it back.
    pub fn begin(&self, account: &str, client: ClientAddr) -> Result<(), TryLater> {
        self.begin_at(account, client, Instant::now())
    }

    fn begin_at(&self, account: &str, client: ClientAddr, now: Instant) -> Result<(), TryLater> {
        let policy = &self.policy;
        let mut maps = self.maps.lock().unwrap_or_else(|e| e.into_inner());
        let budget = maps
            .clients
            .entry(&client, now, policy.client_window, policy.max_entries);
        if budget.count >= policy.client_failures {
            let left = policy
                .client_window
                .saturating_sub(now.saturating_duration_since(budget.since));
            return Err(TryLater(left));
        }
        let key = (account.to_string(), client);
        let failures = maps
            .accounts
            .entry(&key, now, policy.forget_after, policy.max_entries);
        let wait = policy
            .delay(failures.count)
            .saturating_sub(now.saturating_duration_since(failures.since));
        if failures.count > 0 && !wait.is_zero() {
            return Err(TryLater(wait));
        }
        failures.count += 1;
        failures.since = now;
        maps.clients
            .entry(&client, now, policy.client_window, policy.max_entries)
            .count += 1;
        Ok(())
    }

    /// The attempt begun by [`LoginLimiter::begin`] signed in: forgets the failures of this client
    /// at this account, and gives the attempt back to the client's budget.
    pub fn succeeded(&self, account: &str, client: ClientAddr) {
        let mut maps = self.maps.lock().unwrap_or_else(|e| e.into_inner());
        maps.accounts.entries.remove(&(account.to_string(), client));
        if let Some(budget) = maps.clients.entries.get_mut(&client) {
            budget.count = budget.count.saturating_sub(1);
        }
    }

    /// How many (account, client) and client entries are held (bounded by the policy).
    pub fn len(&self) -> (usize, usize) {
        let maps = self.maps.lock().unwrap_or_else(|e| e.into_inner());
        (maps.accounts.entries.len(), maps.clients.entries.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == (0, 0)
    }
}

/// Called inside every password check (a test hook: counts checks, or holds them).
pub type CheckHook = Arc<dyn Fn() + Send + Sync>;

/// Password hashing and checking on tokio's blocking pool, at most `max_concurrent` at once, so
/// that argon2 (tens of milliseconds and 19 MiB each) never holds a request thread and a burst of
/// sign-ins cannot take all the memory.
pub struct PasswordHashing {
    permits: Semaphore,
    max_concurrent: usize,
    hook: Option<CheckHook>,
}

impl std::fmt::Debug for PasswordHashing {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("PasswordHashing")
            .field("max_concurrent", &self.max_concurrent)
            .finish_non_exhaustive()
    }
}

impl Default for PasswordHashing {
    /// As many at once as there are cores.
    fn default() -> Self {
        PasswordHashing::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    }
}

impl PasswordHashing {
    pub fn new(max_concurrent: usize) -> PasswordHashing {
        let max_concurrent = max_concurrent.max(1);
        PasswordHashing {
            permits: Semaphore::new(max_concurrent),
            max_concurrent,
            hook: None,
        }
    }

    /// Calls `hook` on the blocking thread before each password check.
    pub fn with_hook(mut self, hook: CheckHook) -> PasswordHashing {
        self.hook = Some(hook);
        self
    }

    pub fn max_concurrent(&self) -> usize {
        self.max_concurrent
    }

    /// Runs `work` on the blocking pool once a permit is free.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| AppError::internal(format!("password hashing stopped: {e}")))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| AppError::internal(format!("password hashing failed: {e}")))
    }

    /// Whether `password` matches the PHC string `hash`.
    pub async fn verify(&self, password: String, hash: String) -> Result<bool, AppError> {
        let hook = self.hook.clone();
        self.run(move || {
            if let Some(hook) = hook {
                hook();
            }
            crate::auth::verify_password(&password, &hash)
        })
        .await
    }

    /// The argon2id hash of `password`.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.run(move || crate::auth::hash_password(&password))
            .await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(last: u8) -> ClientAddr {
        ClientAddr(IpAddr::V4(Ipv4Addr::new(192, 0, 2, last)))
    }

    #[test]
    fn the_delay_doubles_after_the_free_failures_up_to_a_cap() {
        let policy = LoginPolicy::default();
        assert_eq!(policy.delay(0), Duration::ZERO);
        assert_eq!(policy.delay(4), Duration::ZERO);
        assert_eq!(policy.delay(5), Duration::from_secs(30));
        assert_eq!(policy.delay(6), Duration::from_secs(60));
        assert_eq!(policy.delay(9), Duration::from_secs(480));
        assert_eq!(policy.delay(40), policy.max_delay);
        assert_eq!(policy.delay(u32::MAX), policy.max_delay);
    }

    #[test]
    fn a_client_waits_after_its_free_failures_and_others_do_not() {
        let limiter = LoginLimiter::default();
        let start = Instant::now();
        for _ in 0..5 {
            assert_eq!(limiter.begin_at("a@x", client(1), start), Ok(()));
        }
        assert_eq!(
            limiter.begin_at("a@x", client(1), start),
            Err(TryLater(Duration::from_secs(30)))
        );
        // Another client at the same account, and the same client at another account, go on.
        assert_eq!(limiter.begin_at("a@x", client(2), start), Ok(()));
        assert_eq!(limiter.begin_at("b@x", client(1), start), Ok(()));
        // After the delay, one more attempt; then twice the delay.
        let later = start + Duration::from_secs(30);
        assert_eq!(limiter.begin_at("a@x", client(1), later), Ok(()));
        assert_eq!(
            limiter.begin_at("a@x", client(1), later),
            Err(TryLater(Duration::from_secs(60)))
        );
        // A success forgets this client's failures at this account.
        limiter.succeeded("a@x", client(1));
        assert_eq!(limiter.begin_at("a@x", client(1), later), Ok(()));
    }

    #[test]
    fn a_client_has_a_failure_budget_over_all_accounts() {
        let policy = LoginPolicy::default();
        let limiter = LoginLimiter::new(policy.clone());
        let start = Instant::now();
        for i in 0..policy.client_failures {
            assert_eq!(
                limiter.begin_at(&format!("{i}@x"), client(1), start),
                Ok(())
            );
        }
        assert_eq!(
            limiter.begin_at("new@x", client(1), start),
            Err(TryLater(policy.client_window))
        );
        assert_eq!(limiter.begin_at("new@x", client(2), start), Ok(()));
        // The budget comes back with the next window.
        let later = start + policy.client_window;
        assert_eq!(limiter.begin_at("new@x", client(1), later), Ok(()));
    }

    #[test]
    fn the_maps_are_bounded_and_forget() {
        let policy = LoginPolicy {
            max_entries: 10,
            client_failures: u32::MAX,
            ..LoginPolicy::default()
        };
        let limiter = LoginLimiter::new(policy.clone());
        let start = Instant::now();
        for i in 0..1000u32 {
            let at = start + Duration::from_millis(u64::from(i));
            limiter
                .begin_at(&format!("{i}@x"), client((i % 200) as u8), at)
                .unwrap();
            let (accounts, clients) = limiter.len();
            assert!(accounts <= 10 && clients <= 10, "{accounts} {clients}");
        }
        // An expired entry is forgotten: five more free failures.
        for _ in 0..5 {
            limiter.begin_at("z@x", client(250), start).unwrap();
        }
        assert!(limiter.begin_at("z@x", client(250), start).is_err());
        let later = start + policy.forget_after;
        for _ in 0..5 {
            limiter.begin_at("z@x", client(250), later).unwrap();
        }
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_bit_prefix() {
        let a: IpAddr = "2001:db8:1:2:3:4:5:6".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::1".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(ClientAddr::new(a), ClientAddr::new(b));
        assert_ne!(ClientAddr::new(a), ClientAddr::new(c));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(ClientAddr::new(mapped), client(1));
    }
}
