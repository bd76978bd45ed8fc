//! A generic paged list, for testing paginators over real HTTP in the styles that no emulated product
//! has (SMS pages by offset only): [`PagedLists`] is a [`StatefulProduct`] for any product and version
//! whose listed actions answer pages of one list of configurable length, by offset/limit, page
//! number/size or next token, with or without a total.
//!
//! Decisions:
//! - Items are made from their position (`item(i)`), never stored: a list of any length costs nothing,
//!   and a page is at most [`PagedLists::max_page`] items, so no request can make a large answer.
//! - A page size above the cap is capped silently, as some services do: clients must advance by the items
//!   they received, not by the size they asked for. No size means [`PagedLists::default_page`].
//! - A next token is `p<offset>`; one the server did not make is `InvalidParameterValue`. The fault
//!   [`PagedLists::set_repeat_token`] answers the token of the page just served instead of the next one:
//!   a server that makes no progress.
//! - The length can change at any time ([`PagedLists::set_length`], `POST /_emulator/<product>/paged`
//!   with `{"length": n}`), between two pages of a walk: the total changes as it would on a live list.

use std::sync::{Arc, Mutex, MutexGuard};

use hyper::{Method, StatusCode};
use serde_json::{json, Map, Value};

use crate::product::{Answer, StatefulProduct};
use crate::response::ApiError;

/// How an action pages, by the wire names of its members.
#[derive(Debug, Clone)]
pub enum PageStyle {
    Offset { offset: String, limit: String },
    Page { page: String, size: String, first: u64 },
    Token { request: String, response: String },
}

/// One emulated list action.
#[derive(Debug, Clone)]
pub struct PagedAction {
    pub action: String,
    pub style: PageStyle,
    /// The response member holding the page.
    pub list: String,
    /// The response member with the list's length, if the action answers one.
    pub total: Option<String>,
    /// An object member of the response that holds the list and the total (`Data` of
    /// `Response.Data.List`); `None`: both at the top.
    pub within: Option<String>,
    /// The item at a position.
    pub item: fn(u64) -> Value,
}

#[derive(Debug)]
struct State {
    length: u64,
    repeat_token: bool,
}

/// See the [module docs](self). Cheap to clone: clones share the state.
#[derive(Debug, Clone)]
pub struct PagedLists {
    product: String,
    version: String,
    actions: Arc<Vec<PagedAction>>,
    state: Arc<Mutex<State>>,
    max_page: u64,
    default_page: u64,
}

impl PagedLists {
    /// `actions` of `product` `version` over one list of length 0; pages of at most 10 items, 5 when the
    /// request sets no size.
    pub fn new(product: impl Into<String>, version: impl Into<String>, actions: Vec<PagedAction>) -> PagedLists {
        PagedLists {
            product: product.into(),
            version: version.into(),
            actions: Arc::new(actions),
            state: Arc::new(Mutex::new(State {
                length: 0,
                repeat_token: false,
            })),
            max_page: 10,
            default_page: 5,
        }
    }

    /// The most items in one page (a larger size asked for is capped); at least 1.
    pub fn max_page(mut self, n: u64) -> PagedLists {
        self.max_page = n.max(1);
        self
    }

    /// The page size when a request sets none; at least 1.
    pub fn default_page(mut self, n: u64) -> PagedLists {
        self.default_page = n.max(1);
        self
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain numbers behind: still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_length(&self, length: u64) {
        self.lock().length = length;
    }

    pub fn length(&self) -> u64 {
        self.lock().length
    }

    /// The no-progress fault: answer the current page's token as the next one.
    pub fn set_repeat_token(&self, on: bool) {
        self.lock().repeat_token = on;
    }

    fn page(&self, a: &PagedAction, input: &Value) -> Answer {
        let state = self.lock();
        let number = |name: &str| input.get(name).and_then(Value::as_u64);
        let size_of = |name: &str| number(name).unwrap_or(self.default_page).clamp(1, self.max_page);
        let (start, size) = match &a.style {
            PageStyle::Offset { offset, limit } => (number(offset).unwrap_or(0), size_of(limit)),
            PageStyle::Page { page, size, first } => {
                let size = size_of(size);
                let index = number(page).unwrap_or(*first).saturating_sub(*first);
                (index.saturating_mul(size), size)
            }
            PageStyle::Token { request, .. } => (token_offset(input, request)?, size_of("Limit")),
        };
        let end = start.saturating_add(size).min(state.length);
        let items: Vec<Value> = (start..end.max(start)).map(a.item).collect();
        let mut list = Map::new();
        list.insert(a.list.clone(), Value::Array(items));
        if let Some(total) = &a.total {
            list.insert(total.clone(), json!(state.length));
        }
        let mut answer = match &a.within {
            Some(holder) => Map::from_iter([(holder.clone(), Value::Object(list))]),
            None => list,
        };
        if let PageStyle::Token { response, .. } = &a.style {
            let next = if state.repeat_token {
                format!("p{start}")
            } else if end < state.length {
                format!("p{end}")
            } else {
                String::new()
            };
            answer.insert(response.clone(), Value::String(next));
        }
        Ok(answer)
    }
}

/// The offset a request's token stands for (none: 0).
fn token_offset(input: &Value, member: &str) -> Result<u64, ApiError> {
    match input.get(member).and_then(Value::as_str).filter(|t| !t.is_empty()) {
        None => Ok(0),
        Some(t) => t.strip_prefix('p').and_then(|n| n.parse().ok()).ok_or_else(|| {
            ApiError::new(
                "InvalidParameterValue",
                format!("{member} is not a token this server made."),
            )
        }),
    }
}

impl StatefulProduct for PagedLists {
    fn product(&self) -> &str {
        &self.product
    }

    fn version(&self) -> &str {
        &self.version
    }

    fn handle(&self, action: &str, input: &Value, _now: i64) -> Option<Answer> {
        let a = self.actions.iter().find(|a| a.action == action)?;
        Some(self.page(a, input))
    }

    fn admin(&self, method: &Method, path: &[&str], body: &Value) -> Option<(StatusCode, Value)> {
        if path != ["paged"] {
            return None;
        }
        if method == Method::POST {
            if let Some(n) = body.get("length").and_then(Value::as_u64) {
                self.set_length(n);
            }
            if let Some(on) = body.get("repeat_token").and_then(Value::as_bool) {
                self.set_repeat_token(on);
            }
        }
        let state = self.lock();
        Some((
            StatusCode::OK,
            json!({"length": state.length, "repeat_token": state.repeat_token}),
        ))
    }

    fn reset(&self) {
        let mut state = self.lock();
        state.length = 0;
        state.repeat_token = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lists() -> PagedLists {
        let item = |i| json!({"Id": i});
        PagedLists::new(
            "demo",
            "2020-01-01",
            vec![
                PagedAction {
                    action: "ByPage".into(),
                    style: PageStyle::Page {
                        page: "PageNumber".into(),
                        size: "PageSize".into(),
                        first: 1,
                    },
                    list: "Things".into(),
                    total: Some("Total".into()),
                    within: None,
                    item,
                },
                PagedAction {
                    action: "ByToken".into(),
                    style: PageStyle::Token {
                        request: "NextToken".into(),
                        response: "NextToken".into(),
                    },
                    list: "Things".into(),
                    total: None,
                    within: Some("Data".into()),
                    item,
                },
            ],
        )
    }

    fn ids(answer: &Map<String, Value>) -> Vec<u64> {
        let holder = answer.get("Data").and_then(Value::as_object).unwrap_or(answer);
        holder["Things"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["Id"].as_u64().unwrap())
            .collect()
    }

    #[test]
    fn pages_are_capped_bounded_and_empty_past_the_end() {
        let l = lists();
        l.set_length(23);
        let page = |input: Value| l.handle("ByPage", &input, 0).unwrap().unwrap();
        let p3 = page(json!({"PageNumber": 3, "PageSize": 1000}));
        assert_eq!((ids(&p3), p3["Total"].as_u64()), ((20..23).collect(), Some(23)));
        assert_eq!(ids(&page(json!({}))), vec![0, 1, 2, 3, 4]);
        assert!(ids(&page(json!({"PageNumber": u64::MAX, "PageSize": 10}))).is_empty());
        assert!(l.handle("Other", &json!({}), 0).is_none());
    }

    #[test]
    fn tokens_walk_to_the_end_or_repeat_under_the_fault() {
        let l = lists();
        l.set_length(12);
        let scan = |token: &str| {
            l.handle("ByToken", &json!({"NextToken": token, "Limit": 10}), 0)
                .unwrap()
        };
        let first = scan("").unwrap();
        assert_eq!((ids(&first).len(), first["NextToken"].as_str()), (10, Some("p10")));
        assert!(
            first["Data"]["Things"].is_array(),
            "the list is in its holder: {first:?}"
        );
        assert_eq!(scan("p10").unwrap()["NextToken"], "");
        assert_eq!(scan("bogus").unwrap_err().code, "InvalidParameterValue");
        l.set_repeat_token(true);
        assert_eq!(scan("p10").unwrap()["NextToken"], "p10");
    }

    #[test]
    fn the_admin_path_sets_and_reads_the_state() {
        let l = lists();
        let (status, body) = l
            .admin(&Method::POST, &["paged"], &json!({"length": 7, "repeat_token": true}))
            .unwrap();
        assert_eq!(
            (status, body),
            (StatusCode::OK, json!({"length": 7, "repeat_token": true}))
        );
        assert_eq!(l.admin(&Method::GET, &["paged"], &Value::Null).unwrap().1["length"], 7);
        assert!(l.admin(&Method::GET, &["other"], &Value::Null).is_none());
        l.reset();
        assert_eq!(l.length(), 0);
    }
}
