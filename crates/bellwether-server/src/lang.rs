//! The language of the pages: chosen with `/lang/{code}` (remembered in a cookie),
//! else the browser's `Accept-Language`, else English. Texts come from the same
//! Fluent messages as the report (`bellwether-i18n`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::header::{ACCEPT_LANGUAGE, SET_COOKIE};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use bellwether_i18n::{Locale, Messages};
use serde::Deserialize;

use crate::error::AppError;

/// The cookie remembering the chosen language.
pub const LANG_COOKIE: &str = "bw_lang";

/// The request's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lang(pub Locale);

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(locale) = crate::auth::cookie(parts, LANG_COOKIE).and_then(|v| v.parse().ok()) {
            return Ok(Lang(locale));
        }
        let accepted = parts
            .headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(',')
            .filter_map(|item| item.split(';').next())
            .find_map(|tag| tag.parse::<Locale>().ok());
        Ok(Lang(accepted.unwrap_or(Locale::En)))
    }
}

thread_local! {
    /// Parsed messages per locale, per thread (a Fluent bundle is not `Sync`).
    static MESSAGES: RefCell<HashMap<Locale, Rc<Messages>>> = RefCell::new(HashMap::new());
}

/// The messages of `locale` (parsed once per thread).
pub fn messages(locale: Locale) -> Result<Rc<Messages>, AppError> {
    MESSAGES.with(|cache| {
        if let Some(messages) = cache.borrow().get(&locale) {
            return Ok(messages.clone());
        }
        let messages = Rc::new(
            Messages::new(locale).map_err(|e| AppError::internal(format!("messages: {e}")))?,
        );
        cache.borrow_mut().insert(locale, messages.clone());
        Ok(messages)
    })
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    pub next: Option<String>,
}

/// Where to go back to: a path on this site only, as a browser would read it.
///
/// `next` is resolved against a placeholder origin with the WHATWG URL rules browsers follow
/// (tabs and newlines removed, `\` read as `/`, control characters percent-encoded), and kept
/// only if it stays on that origin; the answer is the cleaned path and query, which never holds
/// a character that cannot go in a header. `//evil.example`, `/\t/evil.example` and
/// `https://evil.example` all give `/`.
fn safe_next(next: Option<&str>) -> String {
    const BASE: &str = "http://bellwether.invalid/";
    let Some(next) = next.filter(|next| next.starts_with('/')) else {
        return "/".to_string();
    };
    let Ok(base) = url::Url::parse(BASE) else {
        return "/".to_string();
    };
    match base.join(next) {
        Ok(resolved) if resolved.origin() == base.origin() => {
            let mut target = resolved.path().to_string();
            if let Some(query) = resolved.query() {
                target.push('?');
                target.push_str(query);
            }
            // A path that still begins with `//` would be read as another host by a browser.
            if target.starts_with("//") || target.starts_with("/\\") {
                "/".to_string()
            } else {
                target
            }
        }
        _ => "/".to_string(),
    }
}

/// `GET /lang/{code}?next=/path`: remembers the language and goes back.
pub async fn choose(
    code: Result<Path<String>, PathRejection>,
    query: Result<Query<NextQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let Path(code) = code.map_err(|e| AppError::NotFound(e.body_text()))?;
    // A `next` that is not text is no place to go back to.
    let query = query.map_or(NextQuery { next: None }, |Query(query)| query);
    let locale: Locale = Locale::ALL
        .into_iter()
        .find(|l| l.tag() == code)
        .ok_or_else(|| AppError::NotFound(format!("no language `{code}`: en, fr, it or et")))?;
    let mut response = Redirect::to(&safe_next(query.next.as_deref())).into_response();
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
        locale.tag()
    );
    if let Ok(value) = cookie.parse() {
        response.headers_mut().append(SET_COOKIE, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next(Some("/customers/C1")), "/customers/C1");
        assert_eq!(safe_next(Some("/?page=2&q=a%20b")), "/?page=2&q=a%20b");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\n/evil.example")), "/");
        assert_eq!(safe_next(Some("\t//evil.example")), "/");
        // Newlines are removed, so no header can be injected.
        assert_eq!(
            safe_next(Some("/x\r\nSet-Cookie: a=b")),
            "/xSet-Cookie:%20a=b"
        );
        // Control characters are percent-encoded.
        assert_eq!(safe_next(Some("/a\0b")), "/a%00b");
        assert_eq!(safe_next(Some("/a/../../b")), "/b");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn every_page_text_exists_in_every_language() {
        for locale in Locale::ALL {
            let m = messages(locale).unwrap();
            for key in [
                "ui-sign-in",
                "ui-ranking-title",
                "ui-page-of",
                "ui-why",
                "quadrant-strategic",
            ] {
                assert!(m.has(key), "{key} in {locale}");
            }
        }
    }
}
