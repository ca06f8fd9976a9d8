//! What the SuiteQL endpoint writes: a page (`links`, `count`, `hasMore`, `offset`,
//! `totalResults`, `items`, each item with `"links": []`) or an error in NetSuite's REST
//! shape (`type`, `title`, `status`, `o:errorDetails[{detail, o:errorCode}]`), sheet §2.2 and
//! §2.4.

use serde_json::{json, Map, Value as Json};

use crate::model::permissions::Permission;

/// The content type of REST errors.
pub(crate) const ERROR_CONTENT_TYPE: &str = "application/vnd.oracle.resource+json; type=error";
/// The content type of a page.
pub(crate) const PAGE_CONTENT_TYPE: &str = "application/vnd.oracle.resource+json; type=collection";
/// The detail of every login failure (sheet §2.4).
pub(crate) const INVALID_LOGIN_DETAIL: &str = "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail.";

/// An error answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RestError {
    /// HTTP status.
    pub status: u16,
    /// `o:errorCode`.
    pub code: String,
    /// `detail`.
    pub detail: String,
}

impl RestError {
    /// A 400 `INVALID_PARAMETER` with this detail.
    pub(crate) fn bad_parameter(detail: impl Into<String>) -> Self {
        Self { status: 400, code: "INVALID_PARAMETER".into(), detail: detail.into() }
    }

    /// A 400 for a query the simulator cannot run: `Invalid search query. … <why>`.
    pub(crate) fn search(why: impl AsRef<str>) -> Self {
        Self::bad_parameter(format!(
            "Invalid search query. Detailed unprocessed description follows. Search error occurred: {}",
            why.as_ref()
        ))
    }

    /// A query outside the grammar.
    pub(crate) fn unsupported() -> Self {
        Self::search("Invalid or unsupported search.")
    }

    /// A 401 `INVALID_LOGIN`.
    pub(crate) fn invalid_login() -> Self {
        Self { status: 401, code: "INVALID_LOGIN".into(), detail: INVALID_LOGIN_DETAIL.into() }
    }

    /// A 403 `INSUFFICIENT_PERMISSION` naming `p`.
    pub(crate) fn permission(p: Permission) -> Self {
        Self { status: 403, code: "INSUFFICIENT_PERMISSION".into(), detail: p.violation_message() }
    }

    /// A 429 `CONCURRENCY_LIMIT_EXCEEDED` (sheet Unsure 1: the simulator's choice).
    pub(crate) fn concurrency() -> Self {
        Self {
            status: 429,
            code: "CONCURRENCY_LIMIT_EXCEEDED".into(),
            detail: "Concurrent request limit exceeded. Request blocked.".into(),
        }
    }

    /// A 500 `UNEXPECTED_ERROR`.
    pub(crate) fn unexpected() -> Self {
        Self {
            status: 500,
            code: "UNEXPECTED_ERROR".into(),
            detail: "An unexpected error occurred. Error ID: simulated".into(),
        }
    }

    /// The JSON body.
    pub(crate) fn body(&self) -> Vec<u8> {
        let (section, title) = match self.status {
            400 => ("https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1", "Bad Request"),
            401 => ("https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.2", "Unauthorized"),
            403 => ("https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.4", "Forbidden"),
            404 => ("https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.5", "Not Found"),
            429 => ("https://tools.ietf.org/html/rfc6585#section-4", "Too Many Requests"),
            _ => ("https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.1", "Internal Server Error"),
        };
        let body = json!({
            "type": section,
            "title": title,
            "status": self.status,
            "o:errorDetails": [{"detail": self.detail, "o:errorCode": self.code}],
        });
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

/// One page of results.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Page {
    /// The items (without their `links`).
    pub items: Vec<Map<String, Json>>,
    /// Rows matching the query.
    pub total: usize,
    /// Whether rows follow within the reachable 100,000.
    pub has_more: bool,
    /// The page's `offset`.
    pub offset: usize,
    /// The page's `limit`.
    pub limit: usize,
    /// The offset of the last reachable page.
    pub last_offset: usize,
}

impl Page {
    /// The JSON body; `href_base` is `scheme://host/path` of the links.
    pub(crate) fn body(self, href_base: &str) -> Vec<u8> {
        let href = |offset: usize| format!("{href_base}?limit={}&offset={offset}", self.limit);
        let mut links = Vec::new();
        if self.has_more {
            links.push(json!({"rel": "next", "href": href(self.offset + self.limit)}));
        }
        links.push(json!({"rel": "last", "href": href(self.last_offset)}));
        links.push(json!({"rel": "self", "href": href(self.offset)}));
        let count = self.items.len();
        let items: Vec<Json> = self
            .items
            .into_iter()
            .map(|mut m| {
                m.insert("links".into(), Json::Array(Vec::new()));
                Json::Object(m)
            })
            .collect();
        let body = json!({
            "links": links,
            "count": count,
            "hasMore": self.has_more,
            "offset": self.offset,
            "totalResults": self.total,
            "items": items,
        });
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_shape() {
        let body: Json = serde_json::from_slice(&RestError::invalid_login().body()).unwrap();
        assert_eq!(body["status"], 401);
        assert_eq!(body["title"], "Unauthorized");
        assert_eq!(body["o:errorDetails"][0]["o:errorCode"], "INVALID_LOGIN");
        assert!(body["o:errorDetails"][0]["detail"].as_str().unwrap().starts_with("Invalid login attempt."));
    }

    #[test]
    fn page_shape() {
        let mut item = Map::new();
        item.insert("id".into(), Json::String("7".into()));
        let page =
            Page { items: vec![item], total: 2500, has_more: true, offset: 1000, limit: 1000, last_offset: 2000 };
        let body: Json = serde_json::from_slice(&page.body("http://h/services/rest/query/v1/suiteql")).unwrap();
        assert_eq!(body["count"], 1);
        assert_eq!(body["links"][0]["rel"], "next");
        assert_eq!(body["links"][0]["href"], "http://h/services/rest/query/v1/suiteql?limit=1000&offset=2000");
        assert_eq!(body["links"][1]["rel"], "last");
        assert_eq!(body["items"][0]["links"], json!([]));
        assert_eq!(body["totalResults"], 2500);
    }
}
