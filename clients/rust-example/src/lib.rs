//! A small AgentClara client, standing for the code a project would test against Understudy:
//! it knows only a base URL and the headers to send.

use reqwest::{Method, RequestBuilder, Url};
use serde_json::{Value, json};

pub struct AgentClara {
    base: Url,
    headers: Vec<(String, String)>,
    http: reqwest::Client,
}

impl AgentClara {
    /// # Panics
    /// If `base` is not a URL.
    pub fn new(base: &str, headers: Vec<(String, String)>) -> Self {
        Self {
            base: Url::parse(&format!("{base}/")).expect("the base URL is a URL"),
            headers,
            http: reqwest::Client::new(),
        }
    }

    fn request(&self, method: Method, url: Url) -> RequestBuilder {
        let mut request = self.http.request(method, url);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        request
    }

    fn contacts(&self) -> Url {
        self.base.join("contacts").expect("a relative path")
    }

    /// Creates a contact; its id.
    pub async fn create(&self, name: &str) -> reqwest::Result<String> {
        let answer: Value = self
            .request(Method::POST, self.contacts())
            .json(&json!({ "name": name }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(answer["data"]["id"].as_str().unwrap_or_default().to_owned())
    }

    /// The names of the contacts whose name or email contains `search`.
    pub async fn names(&self, search: &str) -> reqwest::Result<Vec<String>> {
        let mut url = self.contacts();
        url.query_pairs_mut().append_pair("search", search);
        let answer: Value = self
            .request(Method::GET, url)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(answer["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|contact| contact["name"].as_str().map(str::to_owned))
            .collect())
    }
}
