//! The sign-in pages: the development sign-in form, the signed-out page and sign-in errors.
//! Plain HTML with the shared stylesheet; every value is escaped.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;

use crate::http::pages::escape;

use crate::http::pages::document as page;

/// The development sign-in: any email, no password, under a banner that says so.
pub fn development_form(return_to: &str, form_token: &str, error: Option<&str>) -> HttpResponse {
    let error = error
        .map(|e| {
            format!(
                "<p class=\"orgraph-error\" role=\"alert\">{}</p>",
                escape(e)
            )
        })
        .unwrap_or_default();
    page(
        if error.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        },
        "Development sign-in",
        &format!(
            "<p class=\"orgraph-banner\" role=\"note\"><strong>Development sign-in.</strong> \
             Anyone can sign in as any email here; it exists only with the generated development \
             secret or <code>--dev-sign-in</code>.</p>\n\
             <h1>Sign in to Orgraph</h1>\n{error}\n\
             <form method=\"post\" action=\"/auth/login\">\n\
             <label for=\"email\">Email</label>\n\
             <input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" required autofocus>\n\
             <input type=\"hidden\" name=\"return_to\" value=\"{return_to}\">\n\
             <input type=\"hidden\" name=\"form_token\" value=\"{form_token}\">\n\
             <button type=\"submit\">Sign in</button>\n</form>",
            return_to = escape(return_to),
            form_token = escape(form_token),
        ),
    )
}

pub fn signed_out() -> HttpResponse {
    page(
        StatusCode::OK,
        "Signed out",
        "<h1>You are signed out</h1>\n<p><a href=\"/auth/login\">Sign in again</a></p>",
    )
}

/// A sign-in that can't go on; `detail` is for the person, never a secret or an internal
/// error's text.
pub fn refused(status: StatusCode, detail: &str) -> HttpResponse {
    page(
        status,
        "Sign-in refused",
        &format!(
            "<h1>Sign-in refused</h1>\n<p>{}</p>\n<p><a href=\"/auth/login\">Start again</a></p>",
            escape(detail)
        ),
    )
}
