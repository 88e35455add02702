//! The consent page and the authorization errors shown to people (never redirected).

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;

use crate::domain::authorization::describe_scope;
use crate::http::pages::{document, escape, CONTENT_SECURITY_POLICY};
use crate::service::connect::{AuthorizeRequest, ConsentScreen};

/// The consent page: who asks, for what, where. The form's answer redirects to the client,
/// so the page's policy lets its form lead there (`form-action` governs redirects too).
pub fn consent(
    screen: &ConsentScreen,
    request: &AuthorizeRequest,
    csrf_token: &str,
) -> HttpResponse {
    let app = &screen.request.application;
    let integrator = screen
        .integrator
        .as_ref()
        .map(|org| format!(" by <strong>{}</strong>", escape(&org.name)))
        .unwrap_or_default();
    let scopes: String = screen
        .request
        .scopes
        .iter()
        .map(|p| {
            format!(
                "<li>{} <code>{}</code></li>\n",
                escape(describe_scope(p)),
                escape(p.as_str())
            )
        })
        .collect();
    let hidden = |name: &str, value: Option<&str>| {
        value
            .map(|v| {
                format!(
                    "<input type=\"hidden\" name=\"{name}\" value=\"{}\">\n",
                    escape(v)
                )
            })
            .unwrap_or_default()
    };
    let choice = if screen.choices.is_empty() {
        "<p class=\"orgraph-error\" role=\"alert\">You administer no organization this \
         application could be authorized on: authorizing needs the permission \
         <code>authorizations:manage</code>.</p>\n"
            .to_owned()
    } else {
        let options: String = screen
            .choices
            .iter()
            .map(|org| {
                format!(
                    "<option value=\"{}\">{}</option>\n",
                    escape(&org.id.to_string()),
                    escape(&org.name)
                )
            })
            .collect();
        format!(
            "<label for=\"organization\">Organization</label>\n\
             <select id=\"organization\" name=\"organization_id\" required autofocus>\n\
             <option value=\"\" selected disabled>Choose an organization…</option>\n{options}</select>\n\
             <label class=\"orgraph-check\"><input type=\"checkbox\" name=\"include_sub_organizations\" value=\"true\"{checked}> \
             Include its sub-organizations</label>\n",
            checked = if request.include_sub_organizations { " checked" } else { "" }
        )
    };
    let approve = if screen.choices.is_empty() {
        ""
    } else {
        "<button type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>\n"
    };
    let body = format!(
        "<h1>Authorize {name}</h1>\n\
         <p><strong>{name}</strong> ({environment}){integrator} asks to act on one of your \
         organizations with these permissions:</p>\n<ul class=\"orgraph-scopes\">\n{scopes}</ul>\n\
         <form method=\"post\" action=\"/oauth/authorize\">\n{choice}\
         {fields}\
         <div class=\"orgraph-actions\">\n{approve}\
         <button type=\"submit\" name=\"decision\" value=\"deny\" formnovalidate>Deny</button>\n</div>\n\
         </form>\n\
         <p class=\"orgraph-note\">You will be sent back to <code>{redirect}</code>. You can revoke \
         this authorization at any time.</p>",
        name = escape(&app.name),
        environment = escape(&app.environment.as_str().to_lowercase()),
        redirect = escape(&screen.request.redirect_uri),
        fields = [
            hidden("response_type", request.response_type.as_deref()),
            hidden("client_id", request.client_id.as_deref()),
            hidden("redirect_uri", Some(&screen.request.redirect_uri)),
            hidden("scope", request.scope.as_deref()),
            hidden("state", request.state.as_deref()),
            hidden("code_challenge", request.code_challenge.as_deref()),
            hidden("code_challenge_method", request.code_challenge_method.as_deref()),
            hidden("csrf_token", Some(csrf_token)),
        ]
        .concat(),
    );
    let mut response = document(StatusCode::OK, &format!("Authorize {}", app.name), &body);
    let policy = CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'",
        &format!(
            "form-action 'self' {}",
            origin_of(&screen.request.redirect_uri)
        ),
    );
    if let Ok(value) = header::HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// `scheme://host[:port]` of a URL, for a CSP source (nothing that could widen it).
fn origin_of(uri: &str) -> String {
    let Ok(url) = url::Url::parse(uri) else {
        return String::new();
    };
    let origin = url.origin().ascii_serialization();
    // An app's private scheme (`com.example.app:/cb`) has no origin: allow the scheme.
    let source = if origin == "null" {
        format!("{}:", url.scheme())
    } else {
        origin
    };
    if source.contains([' ', ';', ',', '\'']) {
        String::new()
    } else {
        source
    }
}

/// An authorization request that can't go back to the client.
pub fn error(status: StatusCode, detail: &str) -> HttpResponse {
    document(
        status,
        "Authorization refused",
        &format!(
            "<h1>This authorization request can't go on</h1>\n<p role=\"alert\">{}</p>",
            escape(detail)
        ),
    )
}
