//! Organization Connect without a browser: an integrator's application, and access tokens
//! from consents given with the administrator's bearer token (the consent page accepts one).

use serde_json::{json, Value};

use super::TestServer;

const REDIRECT: &str = "http://127.0.0.1:9/callback";

/// A confidential application of a new integrator network, allowed every scope.
pub struct TestApplication {
    pub client_id: String,
    pub client_secret: String,
}

impl TestServer {
    pub fn create_application(&self, integrator_email: &str, scopes: &[&str]) -> TestApplication {
        let integrator = self.token(integrator_email);
        let org = self.gql(
            Some(&integrator),
            "mutation { addOrganization(input: { name: \"Integrator\", kind: INTEGRATOR }) { organization { id } } }",
            json!({}),
        );
        let org = org.ok()["addOrganization"]["organization"]["id"].clone();
        let app = self.gql(
            Some(&integrator),
            "mutation($input: CreateApplicationInput!) { createApplication(input: $input) { clientSecret application { clientId } } }",
            json!({ "input": { "organizationId": org, "name": "Test App", "environment": "DEVELOPMENT",
                               "redirectUris": [REDIRECT], "allowedScopes": scopes } }),
        );
        let created = &app.ok()["createApplication"];
        TestApplication {
            client_id: created["application"]["clientId"]
                .as_str()
                .expect("client id")
                .to_owned(),
            client_secret: created["clientSecret"].as_str().expect("secret").to_owned(),
        }
    }

    /// The administrator (`admin_token`) authorizes `app` on `organization`; returns the
    /// token response of the code's exchange.
    pub fn authorize(
        &self,
        admin_token: &str,
        app: &TestApplication,
        organization: &str,
        scopes: &[&str],
        include_sub_organizations: bool,
    ) -> Value {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .build()
            .into();
        let scope = scopes.join(" ");
        let mut form = vec![
            ("response_type", "code"),
            ("client_id", app.client_id.as_str()),
            ("redirect_uri", REDIRECT),
            ("scope", scope.as_str()),
            ("state", "s"),
            ("decision", "approve"),
            ("organization_id", organization),
        ];
        if include_sub_organizations {
            form.push(("include_sub_organizations", "true"));
        }
        let approved = agent
            .post(&format!("{}/oauth/authorize", self.base))
            .header("authorization", &format!("Bearer {admin_token}"))
            .send_form(form)
            .expect("consent");
        let location = approved
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_else(|| panic!("the consent did not redirect: {}", approved.status()))
            .to_owned();
        let code = url::Url::parse(&location)
            .expect("a URL")
            .query_pairs()
            .find(|(name, _)| name == "code")
            .map(|(_, code)| code.into_owned())
            .unwrap_or_else(|| panic!("no code in {location}"));
        agent
            .post(&format!("{}/oauth/token", self.base))
            .send_form([
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT),
                ("client_id", app.client_id.as_str()),
                ("client_secret", app.client_secret.as_str()),
            ])
            .expect("token")
            .body_mut()
            .read_json()
            .expect("JSON")
    }
}
