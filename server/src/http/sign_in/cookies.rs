//! The cookies of signing in: the session, the `state` of a sign-in at the provider, and the
//! form token of the development sign-in.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::HttpRequest;

/// The session cookie: `__Host-` (bound to this exact origin, `Secure`, `Path=/`) when Orgraph
/// is reached over https.
pub fn session_name(secure: bool) -> &'static str {
    if secure {
        "__Host-orgraph-session"
    } else {
        "orgraph-session"
    }
}

/// The `state` of the sign-in this browser started: the callback must carry the same, so a
/// sign-in can't be completed in someone else's browser.
pub const SIGN_IN_STATE: &str = "orgraph-sign-in";
/// The development sign-in form's token (double submit: the form field must match it).
pub const FORM_TOKEN: &str = "orgraph-form";

/// An HttpOnly, `SameSite=Lax` cookie for this server's paths; `Secure` over https.
pub fn cookie(
    name: &'static str,
    value: String,
    secure: bool,
    max_age_secs: i64,
) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::seconds(max_age_secs))
        .finish()
}

/// A cookie that removes `name`.
pub fn removal(name: &'static str, secure: bool) -> Cookie<'static> {
    cookie(name, String::new(), secure, 0)
}

pub fn read(req: &HttpRequest, name: &str) -> Option<String> {
    req.cookie(name).map(|c| c.value().to_owned())
}

/// Constant-time equality of two secrets.
pub fn same_secret(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}
