//! Passwords, tokens and who is asking.
//!
//! - Passwords are hashed with argon2id (a random 16-byte salt each).
//! - Session and API tokens are 32 random bytes, hex; the store keeps only their
//!   SHA-256 digests, so a copy of the database opens no session.
//! - A browser session carries a CSRF token; every form and every cookie-based
//!   API write must send it back. API tokens (`Authorization: Bearer …`) need none:
//!   browsers never attach them on their own.
//! - The sign-in form, which has no session yet, uses a double-submit cookie whose form
//!   token is an HMAC of the cookie's value under a key only the server knows
//!   ([`login_csrf_token`]), so a cookie planted by another service on the same host is
//!   worthless without a token the server made for it.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use bellwether_store::{Role, User};
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::AppState;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "bw_session";

/// The hasher of new passwords: argon2id with the library's recommended parameters.
fn argon2() -> Argon2<'static> {
    Argon2::default()
}

/// Hashes a password with argon2id and a fresh random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt)
        .map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::internal(e.to_string()))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AppError::internal(format!("cannot hash the password: {e}")))
}

/// Whether `password` matches the PHC string `hash` (with the parameters the hash names).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// The hash checked when a sign-in names no account: a hash of a random password made at
/// start-up (`AppState::load` calls this first) with the same parameters as real hashes, so that an unknown e-mail costs
/// exactly the work of a known one, whatever the library's defaults become.
pub fn dummy_hash() -> &'static str {
    static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let password = new_token().unwrap_or_else(|_| "no randomness".to_string());
        // Hashing cannot fail with our parameters; if it ever did, an unparsable hash would
        // skip the work, so fall back to a fixed hash made with the same parameters.
        hash_password(&password).unwrap_or_else(|_| {
            let salt = SaltString::encode_b64(b"bellwether-dummy").expect("a valid salt");
            argon2()
                .hash_password(password.as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .unwrap_or_default()
        })
    });
    &DUMMY_HASH
}

/// The sign-in form's CSRF token for the cookie value `cookie`: HMAC-SHA256 under `key`, hex.
pub fn login_csrf_token(key: &[u8; 32], cookie: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    mac.update(b"bellwether login csrf\0");
    mac.update(cookie.as_bytes());
    hex(&mac.finalize().into_bytes())
}

/// Whether `sent` is the sign-in token the server made for the cookie value `cookie`.
pub fn check_login_csrf(key: &[u8; 32], cookie: Option<&str>, sent: &str) -> bool {
    cookie.is_some_and(|cookie| {
        !cookie.is_empty() && constant_time_eq(&login_csrf_token(key, cookie), sent)
    })
}

/// A fresh random token: 32 bytes, hex.
pub fn new_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
    Ok(hex(&bytes))
}

/// The SHA-256 digest of a token, hex: what the store keeps.
pub fn token_digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A browser session, with its CSRF token.
    Session { token: String, csrf_token: String },
    /// An API token.
    ApiToken,
}

/// The signed-in user of a request. Extracting it refuses anonymous requests:
/// 401 with a JSON body under `/api`, a redirect to the login page elsewhere.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub credential: Credential,
}

impl CurrentUser {
    /// Fails with 403 unless the user has at least `role`.
    pub fn require(&self, role: Role) -> Result<(), AppError> {
        if self.user.role >= role {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "this needs the {} role; you are {}",
                role.as_str(),
                self.user.role.as_str()
            )))
        }
    }

    /// Checks the CSRF token sent with a write made with a session cookie.
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), AppError> {
        match &self.credential {
            Credential::ApiToken => Ok(()),
            Credential::Session { csrf_token, .. } => match sent {
                Some(sent) if constant_time_eq(sent, csrf_token) => Ok(()),
                _ => Err(AppError::Forbidden(
                    "missing or wrong CSRF token".to_string(),
                )),
            },
        }
    }

    /// The CSRF token to put in forms (empty for API tokens).
    pub fn csrf_token(&self) -> &str {
        match &self.credential {
            Credential::Session { csrf_token, .. } => csrf_token,
            Credential::ApiToken => "",
        }
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    cookie_in(&parts.headers, name)
}

/// The value of cookie `name` in `Cookie` headers.
pub fn cookie_in<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let api = parts.uri.path().starts_with("/api/");
        let anonymous = || {
            if api {
                AppError::Unauthorized
            } else {
                AppError::LoginRequired
            }
        };
        if let Some(header) = parts.headers.get(AUTHORIZATION) {
            let token = header
                .to_str()
                .ok()
                .and_then(|h| h.strip_prefix("Bearer "))
                .ok_or_else(anonymous)?;
            let user = state
                .store
                .user_by_api_token(&token_digest(token.trim()))
                .await?
                .ok_or_else(anonymous)?;
            return Ok(CurrentUser {
                user,
                credential: Credential::ApiToken,
            });
        }
        let token = cookie(parts, &state.cookie_name(SESSION_COOKIE))
            .ok_or_else(anonymous)?
            .to_string();
        let session = state
            .store
            .session(&token_digest(&token))
            .await?
            .ok_or_else(anonymous)?;
        Ok(CurrentUser {
            user: session.user,
            credential: Credential::Session {
                token,
                csrf_token: session.csrf_token,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct horsE", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
        // A fresh salt each time.
        assert_ne!(hash, hash_password("correct horse").unwrap());
    }

    #[test]
    fn the_dummy_hash_has_the_parameters_of_real_hashes() {
        // An unknown email must cost a full verification, or timing tells which emails exist.
        let real = hash_password("correct horse").unwrap();
        let real = PasswordHash::new(&real).unwrap();
        let dummy = PasswordHash::new(dummy_hash()).unwrap();
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.version, real.version);
        assert_eq!(dummy.params, real.params);
        assert!(!verify_password("anything", dummy_hash()));
    }

    #[test]
    fn the_login_token_is_bound_to_the_cookie_and_the_key() {
        let key = [7u8; 32];
        let token = login_csrf_token(&key, "cookie-value");
        assert_eq!(token.len(), 64);
        assert!(check_login_csrf(&key, Some("cookie-value"), &token));
        // The cookie's value itself is not a token; another cookie or key is not either.
        assert!(!check_login_csrf(
            &key,
            Some("cookie-value"),
            "cookie-value"
        ));
        assert!(!check_login_csrf(&key, Some("other"), &token));
        assert!(!check_login_csrf(&[8u8; 32], Some("cookie-value"), &token));
        assert!(!check_login_csrf(&key, None, &token));
        assert!(!check_login_csrf(
            &key,
            Some(""),
            &login_csrf_token(&key, "")
        ));
    }

    #[test]
    fn tokens_are_random_and_stored_as_digests() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_digest(&a), token_digest(&a));
        assert_ne!(token_digest(&a), a);
        // SHA-256 of "abc" (FIPS 180-2, appendix B.1).
        assert_eq!(
            token_digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
