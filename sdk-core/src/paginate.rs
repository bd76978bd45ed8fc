//! Paginators: a list action called page after page, as a lazy [`Stream`] of pages ([`Pages`]) or of the
//! list's items ([`Items`]). Generated crates emit `<action>_pages` / `<action>_items` methods for every
//! action whose spec matches one of the three [`Style`]s (the detection rules are the generator's,
//! `codegen/src/ir/paging.rs`); the blocking twins are `sdk_core::blocking::{Pages, Items}`.
//!
//! # How it works
//!
//! The request is serialized once into a JSON object; each page sets the paging member by its wire name
//! (`Offset`, `PageNumber`, `NextToken`, ...) in that object and goes through [`Client::execute`], the one
//! request path (signing, retries, errors). The facts that decide the next page (the list's length, the
//! total, the next token) are read from the raw `Response` by wire name, so the state machine below is not
//! generic; only decoding a page into the response type is. One request is sent per poll of the next page,
//! never ahead of the caller.
//!
//! # Stop rules (all in one private function, `Walk::advance`)
//!
//! - **An empty page** ends every style, whatever the total or token says (a server that keeps promising
//!   more but sends nothing cannot loop us).
//! - **Offset/limit**: the offset advances by the number of items received (not by `Limit`: a service may
//!   cap the page below the limit asked for). With a total member, the walk ends when the offset reaches
//!   the total of the *latest* page. Without one (SMS lists), only an empty page ends it: a short page is
//!   not taken as the last, since a capped page is short too; this costs one request more.
//! - **Page number/size**: the page number advances by one; the position is the items received (plus
//!   `(start page - first page) * size` when the caller started later and the size is known), compared
//!   with the latest total as above.
//! - **Next token**: a missing or empty next token ends the walk. The total is not used (the token is the
//!   service's own word on what is left).
//!
//! # Decisions
//!
//! - **A total that changes between pages**: the newest total wins. A list that grows while it is walked
//!   is followed to its new end; one that shrinks ends the walk as soon as the position passes the new
//!   total. Offset paging over a list that changes is not a snapshot: an item removed before the current
//!   offset shifts the rest down, so one item may be skipped (and an insertion may show one twice). Use a
//!   token style API when that matters.
//! - **No progress is an error, never a hang**: a next token that was already sent (the same one again,
//!   or an older one: a cycle) ends the stream with a decode error saying so, after the page that carried
//!   it; so does a page whose list is byte for byte one already received (a service that ignores the
//!   offset or page number, or cycles A, B, A, B, even with a fresh token each time: issue 26, finding 9).
//!   Tokens and lists are remembered as 64-bit hashes: two per page, never the text.
//! - **A page limit**: one walk fetches at most [`DEFAULT_MAX_PAGES`] pages (10,000; [`Pages::max_pages`]
//!   changes it), so the memory of those hashes and the number of requests are bounded whatever the service
//!   answers; reaching it is an error after the last page, never a silent end.
//! - **Default page size**: when the caller sets no `Limit`/`PageSize` (in any style), the paginator sends the maximum
//!   the spec documents for that member (the generator reads it from the member's docs, e.g. SMS's
//!   "最多100"); when the spec documents none, the member is left unset and the service's own default
//!   applies, which is always a size the service accepts. A size the caller sets is sent as is.
//! - **A list one level down** (`Response.Data.List`, [`Paging::within`]): read through its holder; a
//!   missing or null holder is an empty page; a total beside the list wins over one at the top.
//! - **Errors** (of a request, or of decoding a page) end the stream: the error is its last item, and the
//!   stream is finished after it (a caller may start a new walk from the last good position).
//! - Tokens, totals and list contents are never logged or put into errors.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashSet;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

pub use futures_core::Stream;
use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::call::RawResponse;
use crate::client::Client;
use crate::error::Error;
use crate::service::ActionInfo;

/// How an action pages: its paging style and the wire names of the response's list and total.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub style: Style,
    /// The response member holding the page's items (`TemplateStatusSet`).
    pub list: &'static str,
    /// The response member with the total number of items (`TotalCount`), if the action has one: looked
    /// for beside the list, then at the top of the response.
    pub total: Option<&'static str>,
    /// The response's object member that holds the list when it is not at the top (`Data` of
    /// `Response.Data.List`); a missing or null one is an empty page.
    pub within: Option<&'static str>,
}

/// The three paging styles, with the wire names of their request (and response) members.
#[derive(Debug, Clone, Copy)]
pub enum Style {
    /// `Offset` (items to skip) and `Limit` (page size).
    Offset {
        offset: &'static str,
        limit: &'static str,
        /// Sent as the limit when the caller set none: the documented maximum.
        default_limit: Option<u64>,
    },
    /// A page number (`PageNumber`, from `first`) and a page size (`PageSize`).
    Page {
        page: &'static str,
        size: &'static str,
        /// The number of the first page (1 unless the spec says pages count from 0).
        first: u64,
        /// Sent as the size when the caller set none: the documented maximum.
        default_size: Option<u64>,
    },
    /// A token sent in `request` and answered, for the next page, in `response` (`NextToken`/`NextToken`,
    /// `Cursor`/`NextCursor`).
    Token {
        request: &'static str,
        response: &'static str,
        /// The page-size member, if the request has one (`Limit`), and its default as above.
        limit: Option<&'static str>,
        default_limit: Option<u64>,
    },
}

/// Most pages one walk fetches unless [`Pages::max_pages`] says otherwise: 10,000 pages (a million items at
/// 100 a page). Reaching it ends the walk with an error, never silently.
pub const DEFAULT_MAX_PAGES: u64 = 10_000;

type InFlight = Pin<Box<dyn Future<Output = Result<RawResponse, Error>> + Send>>;

/// Where the walk stands: what the next request sends.
enum Cursor {
    Offset(u64),
    Page(u64),
    /// `None`: the first request, without a token unless the caller set one.
    Token(Option<String>),
}

enum State {
    /// The next request is sent on the next poll.
    Ready,
    InFlight(InFlight),
    /// Yield this error next, then end.
    Failing(Error),
    Done,
}

/// What one page says about the walk, read from the raw `Response` by wire name.
struct Facts {
    len: u64,
    total: Option<u64>,
    token: Option<String>,
    /// Hash of the list's JSON text, to notice a page served twice.
    list_hash: u64,
}

/// The non-generic state machine behind [`Pages`].
struct Walk {
    client: Client,
    action: &'static ActionInfo,
    paging: &'static Paging,
    request: Map<String, Value>,
    cursor: Cursor,
    /// Items before the first page the caller asked for, when known (for comparing with the total).
    skipped: Option<u64>,
    /// Items received so far.
    seen: u64,
    /// Hashes of the tokens sent.
    tokens: HashSet<u64>,
    /// Hashes of every page's list: a page seen before (a cycle of any length) is no progress.
    lists: HashSet<u64>,
    /// Pages received so far, and the most one walk fetches.
    pages: u64,
    max_pages: u64,
    state: State,
}

impl Walk {
    fn new(client: Client, action: &'static ActionInfo, paging: &'static Paging, request: Map<String, Value>) -> Walk {
        let mut walk = Walk {
            client,
            action,
            paging,
            cursor: Cursor::Token(None),
            request,
            skipped: Some(0),
            seen: 0,
            tokens: HashSet::new(),
            lists: HashSet::new(),
            pages: 0,
            max_pages: DEFAULT_MAX_PAGES,
            state: State::Ready,
        };
        walk.start();
        walk
    }

    /// The first cursor from the caller's request, and the default page size.
    fn start(&mut self) {
        let req = &mut self.request;
        match self.paging.style {
            Style::Offset {
                offset,
                limit,
                default_limit,
            } => {
                set_default(req, limit, default_limit);
                let start = req.get(offset).and_then(Value::as_u64).unwrap_or(0);
                self.skipped = Some(start);
                self.cursor = Cursor::Offset(start);
            }
            Style::Page {
                page,
                size,
                first,
                default_size,
            } => {
                set_default(req, size, default_size);
                let start = req.get(page).and_then(Value::as_u64).unwrap_or(first).max(first);
                let size = req.get(size).and_then(Value::as_u64);
                self.skipped = if start == first {
                    Some(0)
                } else {
                    size.and_then(|s| s.checked_mul(start - first))
                };
                self.cursor = Cursor::Page(start);
            }
            Style::Token {
                request,
                limit,
                default_limit,
                ..
            } => {
                if let Some(limit) = limit {
                    set_default(req, limit, default_limit);
                }
                let token = req.get(request).and_then(Value::as_str).filter(|t| !t.is_empty());
                self.cursor = Cursor::Token(token.map(str::to_owned));
            }
        }
    }

    /// The next page's raw response; `None` once the walk has ended.
    fn poll_raw(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<RawResponse, Error>>> {
        loop {
            match &mut self.state {
                State::Done => return Poll::Ready(None),
                State::Failing(_) => {
                    let State::Failing(e) = std::mem::replace(&mut self.state, State::Done) else {
                        unreachable!("matched above")
                    };
                    return Poll::Ready(Some(Err(e)));
                }
                State::Ready => match self.send() {
                    Ok(fut) => self.state = State::InFlight(fut),
                    Err(e) => self.state = State::Failing(e),
                },
                State::InFlight(fut) => {
                    let result = std::task::ready!(fut.as_mut().poll(cx));
                    return Poll::Ready(Some(self.received(result)));
                }
            }
        }
    }

    /// Starts the request for the current cursor.
    fn send(&mut self) -> Result<InFlight, Error> {
        let (name, value) = match (&self.cursor, self.paging.style) {
            (Cursor::Offset(o), Style::Offset { offset, .. }) => (offset, Value::from(*o)),
            (Cursor::Page(p), Style::Page { page, .. }) => (page, Value::from(*p)),
            (Cursor::Token(t), Style::Token { request, .. }) => match t {
                Some(t) => {
                    self.tokens.insert(hash_of(t));
                    (request, Value::from(t.as_str()))
                }
                None => ("", Value::Null),
            },
            _ => unreachable!("the cursor is made from the style"),
        };
        if !name.is_empty() {
            self.request.insert(name.to_owned(), value);
        }
        let payload = serde_json::to_vec(&self.request).map_err(|e| {
            Error::invalid_request("request", format!("cannot serialize {} request: {e}", self.action.name))
        })?;
        let client = self.client.clone();
        let action = self.action;
        Ok(Box::pin(async move { client.execute(action, payload).await }))
    }

    /// Reads a page's facts and decides what comes next; an error ends the walk.
    fn received(&mut self, result: Result<RawResponse, Error>) -> Result<RawResponse, Error> {
        let raw = result.inspect_err(|_| self.state = State::Done)?;
        let facts = read_facts(&raw, self.paging).inspect_err(|_| self.state = State::Done)?;
        self.state = match self.advance(&facts) {
            Ok(true) => State::Ready,
            Ok(false) => State::Done,
            Err(e) => State::Failing(e),
        };
        Ok(raw)
    }

    /// The stop rules (see the module docs): `Ok(true)` to fetch another page, `Ok(false)` to end, an
    /// error when the service makes no progress.
    fn advance(&mut self, facts: &Facts) -> Result<bool, Error> {
        if facts.len == 0 {
            return Ok(false);
        }
        if !self.lists.insert(facts.list_hash) {
            return Err(self.no_progress("sent a page it had already sent (the same page twice, or a cycle)"));
        }
        self.seen = self.seen.saturating_add(facts.len);
        self.pages = self.pages.saturating_add(1);
        if self.pages >= self.max_pages {
            return Err(self.no_progress(&format!(
                "was still answering after {} pages, the limit of one walk (`Pages::max_pages`)",
                self.pages
            )));
        }
        let position = self.skipped.map(|s| s.saturating_add(self.seen));
        let reached_total = matches!((position, facts.total), (Some(p), Some(t)) if p >= t);
        match &mut self.cursor {
            Cursor::Offset(o) => {
                *o = o.saturating_add(facts.len);
                Ok(!reached_total)
            }
            Cursor::Page(p) => match p.checked_add(1) {
                Some(next) if !reached_total => {
                    *p = next;
                    Ok(true)
                }
                _ => Ok(false),
            },
            Cursor::Token(t) => match facts.token.as_deref().filter(|n| !n.is_empty()) {
                None => Ok(false),
                Some(next) if self.tokens.contains(&hash_of(next)) => {
                    Err(self.no_progress("answered a next token it had already been sent"))
                }
                Some(next) => {
                    *t = Some(next.to_owned());
                    Ok(true)
                }
            },
        }
    }

    fn no_progress(&self, what: &str) -> Error {
        Error::decode(
            format!(
                "pagination of {} stopped after {} items: the service {what}, which would repeat pages forever",
                self.action.name, self.seen
            ),
            None,
            b"",
        )
    }
}

/// Reads a page's facts with a paging description that has every part (a list one level down, a total,
/// a token): `crate::fuzz`'s entry to the page reader. True when the page was understood.
#[cfg(feature = "fuzz")]
pub(crate) fn fuzz_page(json: &str) -> bool {
    static ALL_PARTS: Paging = Paging {
        style: Style::Token {
            request: "NextToken",
            response: "NextToken",
            limit: Some("Limit"),
            default_limit: Some(100),
        },
        list: "Items",
        total: Some("TotalCount"),
        within: Some("Data"),
    };
    facts_of(json, &ALL_PARTS).is_ok()
}

/// Sets `member` to `default` when the request leaves it unset (or null).
fn set_default(request: &mut Map<String, Value>, member: &str, default: Option<u64>) {
    if let Some(d) = default {
        if request.get(member).is_none_or(Value::is_null) {
            request.insert(member.to_owned(), Value::from(d));
        }
    }
}

fn hash_of(text: &str) -> u64 {
    let mut h = DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// The list's length, the total and the next token of a page, read by wire name in one pass over the
/// `Response` object that decodes nothing else (the page is decoded once more, into its type, after this).
fn read_facts(raw: &RawResponse, paging: &Paging) -> Result<Facts, Error> {
    facts_of(raw.json(), paging).map_err(|e| {
        Error::decode(
            format!("page of a paginated call: {}", crate::error::json_error_summary(&e)),
            Some(raw.status()),
            b"",
        )
    })
}

fn facts_of(json: &str, paging: &Paging) -> Result<Facts, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(json);
    let reader = FactsReader {
        paging,
        holds_list: paging.within.is_none(),
    };
    serde::Deserializer::deserialize_map(&mut de, reader)
}

/// The map visitor of [`read_facts`]: the members it needs by wire name, every other one skipped. Runs on
/// the `Response` object and, when the list is one level down, on the object holding it.
struct FactsReader<'p> {
    paging: &'p Paging,
    /// This object has the list (else it is the top of a response whose list is in `paging.within`).
    holds_list: bool,
}

impl Facts {
    fn empty() -> Facts {
        Facts {
            len: 0,
            total: None,
            token: None,
            list_hash: hash_of("null"),
        }
    }
}

/// The object holding the list: may be null (an empty page).
impl<'de> DeserializeSeed<'de> for FactsReader<'_> {
    type Value = Facts;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Facts, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for FactsReader<'_> {
    type Value = Facts;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the Response object")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Facts, E> {
        Ok(Facts::empty())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Facts, E> {
        Ok(Facts::empty())
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Facts, D::Error> {
        d.deserialize_map(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Facts, A::Error> {
        let token = match self.paging.style {
            Style::Token { response, .. } => Some(response),
            _ => None,
        };
        let mut facts = Facts::empty();
        let mut inner: Option<Facts> = None;
        while let Some(key) = map.next_key::<String>()? {
            let key = Some(key.as_str());
            if self.holds_list && key == Some(self.paging.list) {
                (facts.len, facts.list_hash) = map.next_value_seed(ListReader)?;
            } else if !self.holds_list && key == self.paging.within {
                let holder = FactsReader {
                    paging: self.paging,
                    holds_list: true,
                };
                inner = Some(map.next_value_seed(holder)?);
            } else if key == self.paging.total {
                facts.total = count_of(&map.next_value::<Value>()?);
            } else if key == token {
                facts.token = map.next_value::<Option<String>>()?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        // What is found beside the list wins over the top of the response.
        Ok(match inner {
            Some(inner) => Facts {
                total: inner.total.or(facts.total),
                token: inner.token.or(facts.token),
                ..inner
            },
            None => facts,
        })
    }
}

/// Counts a list's elements and hashes their JSON text without decoding them; `null` is an empty list.
struct ListReader;

impl<'de> DeserializeSeed<'de> for ListReader {
    type Value = (u64, u64);

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(u64, u64), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for ListReader {
    type Value = (u64, u64);

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the page's list")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<(u64, u64), E> {
        Ok((0, hash_of("null")))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(u64, u64), E> {
        self.visit_none()
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<(u64, u64), D::Error> {
        d.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(u64, u64), A::Error> {
        let mut hasher = DefaultHasher::new();
        let mut len = 0u64;
        while let Some(item) = seq.next_element::<&'de RawValue>()? {
            item.get().hash(&mut hasher);
            len += 1;
        }
        Ok((len, hasher.finish()))
    }
}

/// A total as a number or a string of digits (some specs type it `string`); anything else is no total.
fn count_of(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The pages of a list action, as a lazy [`Stream`] of decoded responses (see the [module docs](self)).
/// `next_page().await` works without any stream library.
pub struct Pages<Resp> {
    walk: Walk,
    _resp: PhantomData<fn() -> Resp>,
}

impl<Resp> std::fmt::Debug for Pages<Resp> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("action", &self.walk.action.name)
            .field("items_seen", &self.walk.seen)
            .finish_non_exhaustive()
    }
}

impl<Resp: DeserializeOwned> Pages<Resp> {
    /// Pages of `action` starting from `request` (its offset, page or token, if set, is where the walk
    /// starts). A request that cannot be serialized into a JSON object is the stream's one error.
    pub fn new(
        client: Client,
        action: &'static ActionInfo,
        paging: &'static Paging,
        request: &(impl Serialize + ?Sized),
    ) -> Pages<Resp> {
        let (request, failure) = match serde_json::to_value(request) {
            Ok(Value::Object(map)) => (map, None),
            Ok(_) => (
                Map::new(),
                Some(Error::invalid_request("request", "a request must be a JSON object")),
            ),
            Err(e) => (
                Map::new(),
                Some(Error::invalid_request(
                    "request",
                    format!("cannot serialize {} request: {e}", action.name),
                )),
            ),
        };
        let mut walk = Walk::new(client, action, paging, request);
        if let Some(e) = failure {
            walk.state = State::Failing(e);
        }
        Pages {
            walk,
            _resp: PhantomData,
        }
    }

    /// The next page: `None` once the list is done or after an error.
    pub async fn next_page(&mut self) -> Option<Result<Resp, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Fetch at most `pages` pages (default [`DEFAULT_MAX_PAGES`]): the walk ends with an error after the
    /// last one if the service still has more. A bound on any walk, whatever the service answers.
    pub fn max_pages(mut self, pages: u64) -> Pages<Resp> {
        self.walk.max_pages = pages.max(1);
        self
    }

    /// Items received so far.
    pub fn items_seen(&self) -> u64 {
        self.walk.seen
    }

    /// The items of each page, taken out by `extract` (what generated `<action>_items` methods pass).
    pub fn items<Item>(self, extract: fn(Resp) -> Vec<Item>) -> Items<Resp, Item> {
        Items {
            pages: self,
            extract,
            buffered: Vec::new().into_iter(),
        }
    }
}

impl<Resp: DeserializeOwned> Stream for Pages<Resp> {
    type Item = Result<Resp, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let raw = match std::task::ready!(this.walk.poll_raw(cx)) {
            None => return Poll::Ready(None),
            Some(Err(e)) => return Poll::Ready(Some(Err(e))),
            Some(Ok(raw)) => raw,
        };
        let page = raw.deserialize::<Resp>();
        if page.is_err() {
            this.walk.state = State::Done;
        }
        Poll::Ready(Some(page))
    }
}

/// The items of a list action, page after page, as a lazy [`Stream`] (one request per page, sent when
/// the previous page's items are used up).
pub struct Items<Resp, Item> {
    pages: Pages<Resp>,
    extract: fn(Resp) -> Vec<Item>,
    buffered: std::vec::IntoIter<Item>,
}

impl<Resp, Item> std::fmt::Debug for Items<Resp, Item> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Items")
            .field("pages", &self.pages)
            .finish_non_exhaustive()
    }
}

impl<Resp: DeserializeOwned, Item> Items<Resp, Item> {
    /// [`Pages::max_pages`] of the pages behind these items.
    pub fn max_pages(mut self, pages: u64) -> Items<Resp, Item> {
        self.pages = self.pages.max_pages(pages);
        self
    }

    /// The next item: `None` once the list is done or after an error.
    pub async fn next_item(&mut self) -> Option<Result<Item, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

// Nothing is pinned structurally: the in-flight request is boxed.
impl<Resp, Item> Unpin for Items<Resp, Item> {}

impl<Resp: DeserializeOwned, Item> Stream for Items<Resp, Item> {
    type Item = Result<Item, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.buffered.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            match std::task::ready!(Pin::new(&mut this.pages).poll_next(cx)) {
                Some(Ok(page)) => this.buffered = (this.extract)(page).into_iter(),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => return Poll::Ready(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::Credential;
    use crate::profile::ClientProfile;
    use crate::service::ServiceInfo;

    static DEMO: ServiceInfo = ServiceInfo {
        product: "demo",
        version: "2020-01-01",
    };
    static LIST: ActionInfo = ActionInfo {
        name: "ListThings",
        skip_sign: false,
        retry_safe: true,
        body: crate::body::BodyMode::Json,
    };
    static BY_TOKEN: Paging = Paging {
        style: Style::Token {
            request: "NextToken",
            response: "NextToken",
            limit: Some("Limit"),
            default_limit: Some(50),
        },
        list: "Things",
        total: Some("TotalCount"),
        within: None,
    };
    static BY_PAGE: Paging = Paging {
        style: Style::Page {
            page: "Page",
            size: "Size",
            first: 1,
            default_size: None,
        },
        list: "Things",
        total: Some("Total"),
        within: Some("Data"),
    };

    fn walk(paging: &'static Paging, request: Value) -> Walk {
        let credential = Credential::new("AKIDtest", "key").unwrap();
        let client = Client::new(&DEMO, credential, "ap-guangzhou", ClientProfile::default());
        let Value::Object(map) = request else {
            panic!("an object")
        };
        Walk::new(client, &LIST, paging, map)
    }

    fn page(len: u64, total: Option<u64>, token: Option<&str>, list: u64) -> Facts {
        Facts {
            len,
            total,
            token: token.map(str::to_owned),
            list_hash: list,
        }
    }

    /// Marks a token as sent, as `send` does.
    fn sent(w: &mut Walk, token: &str) {
        w.tokens.insert(hash_of(token));
    }

    #[test]
    fn a_token_cycle_is_caught_not_only_an_immediate_repeat() {
        let mut w = walk(&BY_TOKEN, serde_json::json!({}));
        assert_eq!(w.request.get("Limit"), Some(&Value::from(50)), "the documented default");
        assert!(w.advance(&page(3, None, Some("tok-1"), 1)).unwrap());
        sent(&mut w, "tok-1");
        assert!(w.advance(&page(3, None, Some("tok-2"), 2)).unwrap());
        sent(&mut w, "tok-2");
        let err = w.advance(&page(3, None, Some("tok-1"), 3)).unwrap_err();
        assert!(err.is_decode() && err.to_string().contains("after 9 items"), "{err}");
        assert!(!format!("{err} {err:?}").contains("tok-"), "tokens stay out of errors");
    }

    #[test]
    fn tokens_end_on_empty_or_missing_and_ignore_the_total() {
        let mut w = walk(&BY_TOKEN, serde_json::json!({"Limit": 7}));
        assert_eq!(
            w.request.get("Limit"),
            Some(&Value::from(7)),
            "the caller's size is kept"
        );
        // A total already reached does not end a token walk: the token is the service's word.
        assert!(w.advance(&page(5, Some(1), Some("A"), 1)).unwrap());
        assert!(!w.advance(&page(5, None, Some(""), 2)).unwrap());
        let mut w = walk(&BY_TOKEN, serde_json::json!({}));
        assert!(!w.advance(&page(5, None, None, 1)).unwrap());
        // An empty page ends the walk even with a token.
        let mut w = walk(&BY_TOKEN, serde_json::json!({}));
        assert!(!w.advance(&page(0, None, Some("A"), 1)).unwrap());
    }

    #[test]
    fn pages_count_positions_from_where_the_caller_started() {
        // Starting at page 3 of size 10: 20 items are behind, so 25 of 25 is reached after 5 items.
        let mut w = walk(&BY_PAGE, serde_json::json!({"Page": 3, "Size": 10}));
        assert!(!w.advance(&page(5, Some(25), None, 1)).unwrap());
        // Without a size, where page 3 starts is unknown: only an empty page ends the walk.
        let mut w = walk(&BY_PAGE, serde_json::json!({"Page": 3}));
        assert!(w.advance(&page(5, Some(25), None, 1)).unwrap());
        assert!(w.advance(&page(5, Some(25), None, 2)).unwrap());
        assert!(!w.advance(&page(0, Some(25), None, 3)).unwrap());
        // The last page number there is: the walk ends instead of wrapping around.
        let mut w = walk(&BY_PAGE, serde_json::json!({"Page": u64::MAX}));
        assert!(!w.advance(&page(5, None, None, 1)).unwrap());
    }

    #[test]
    fn the_same_page_twice_is_no_progress() {
        let mut w = walk(&BY_PAGE, serde_json::json!({}));
        assert!(w.advance(&page(5, None, None, 7)).unwrap());
        let err = w.advance(&page(5, None, None, 7)).unwrap_err();
        assert!(err.to_string().contains("same page twice"), "{err}");
        assert!(err.to_string().contains("page it had already sent"), "{err}");
    }

    static BY_OFFSET: Paging = Paging {
        style: Style::Offset {
            offset: "Offset",
            limit: "Limit",
            default_limit: None,
        },
        list: "Things",
        total: None,
        within: None,
    };

    /// Issue 26 finding 9: pages A, B, A, B never ended (only the previous page was compared). Every style
    /// now remembers the hash of every page's list, so a cycle of any length ends with an error, also when
    /// the service answers a fresh token each time.
    #[test]
    fn a_page_cycle_is_caught_in_every_style_also_with_fresh_tokens() {
        for paging in [&BY_OFFSET, &BY_PAGE, &BY_TOKEN] {
            let mut w = walk(paging, serde_json::json!({}));
            let tokens = ["t-1", "t-2", "t-3", "t-4"];
            let lists = [0xA, 0xB, 0xA, 0xB];
            let mut ended = None;
            for (i, (token, list)) in tokens.iter().zip(lists).enumerate() {
                match w.advance(&page(2, None, Some(token), list)) {
                    Ok(more) => assert!(more, "{paging:?}: page {i} ended the walk"),
                    Err(e) => {
                        ended = Some((i, e));
                        break;
                    }
                }
            }
            let (at, err) = ended.unwrap_or_else(|| panic!("{paging:?}: the cycle A, B, A, B was followed"));
            assert_eq!(at, 2, "{paging:?}: caught at the first repeat");
            assert!(err.to_string().contains("page it had already sent"), "{err}");
            assert!(!format!("{err} {err:?}").contains("t-"), "tokens stay out of errors");
        }
    }

    /// Issue 26 finding 9: a default page limit ([`DEFAULT_MAX_PAGES`], set with `Pages::max_pages`) ends
    /// any walk, however the service answers, with an error saying so (never a silent cut).
    #[test]
    fn the_page_limit_ends_the_walk_with_an_error() {
        let mut w = walk(&BY_OFFSET, serde_json::json!({}));
        assert_eq!(w.max_pages, DEFAULT_MAX_PAGES);
        w.max_pages = 3;
        assert!(w.advance(&page(2, None, None, 1)).unwrap());
        assert!(w.advance(&page(2, None, None, 2)).unwrap());
        let err = w.advance(&page(2, None, None, 3)).unwrap_err();
        assert!(
            err.to_string().contains("3 pages") && err.to_string().contains("max_pages"),
            "{err}"
        );
        // The last page within the limit that ends the walk anyway is no error.
        let mut w = walk(&BY_OFFSET, serde_json::json!({}));
        w.max_pages = 1;
        assert!(!w.advance(&page(0, None, None, 1)).unwrap());
    }

    #[test]
    fn facts_are_read_by_wire_name_in_any_order() {
        let json = r#"{"RequestId":"r","NextToken":"n\"1","Things":[{"A":[1,2]},"x",null],"TotalCount":"7","Other":{"Things":[]}}"#;
        let facts = facts_of(json, &BY_TOKEN).unwrap();
        assert_eq!(
            (facts.len, facts.total, facts.token.as_deref()),
            (3, Some(7), Some("n\"1"))
        );
        let same = facts_of(r#"{"Things":[{"A":[1,2]},"x",null]}"#, &BY_TOKEN).unwrap();
        assert_eq!(
            facts.list_hash, same.list_hash,
            "the hash is the list's, not the page's"
        );
        // BY_PAGE's list is in `Data`; a total beside it wins over one at the top.
        let nested = facts_of(
            r#"{"Things":[1],"Total":9,"Data":{"Things":[1,2],"Total":2}}"#,
            &BY_PAGE,
        )
        .unwrap();
        assert_eq!((nested.len, nested.total), (2, Some(2)));
        let top_total = facts_of(r#"{"Total":9,"Data":{"Things":[1,2]}}"#, &BY_PAGE).unwrap();
        assert_eq!((top_total.len, top_total.total), (2, Some(9)));
        for empty in [r#"{"Data":null}"#, r#"{"Data":{"Things":null}}"#, "{}"] {
            let none = facts_of(empty, &BY_PAGE).unwrap();
            assert_eq!((none.len, none.total, none.token), (0, None, None), "{empty}");
        }
        for bad in [r#"{"Things":{"a":1}}"#, r#"{"NextToken":5}"#, "[]"] {
            assert!(facts_of(bad, &BY_TOKEN).is_err(), "{bad}");
        }
    }

    #[test]
    fn totals_as_numbers_or_digit_strings() {
        let count = |json: &str| count_of(&serde_json::from_str(json).unwrap());
        assert_eq!(count("12"), Some(12));
        assert_eq!(count("\" 12 \""), Some(12));
        for other in ["-1", "1.5", "null", "\"x\"", "[]"] {
            assert_eq!(count(other), None, "{other}");
        }
    }
}
