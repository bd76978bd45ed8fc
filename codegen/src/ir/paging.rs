//! Pass 9, paging: sets [`Action::paging`](super::Action::paging) for list actions that page in one of the
//! three styles the runtime walks (`sdk_core::paginate`). The rules live here and only here; the survey
//! of all tccli specs (`cargo xtask paging-report`, `docs/paginators.md`) runs [`classify`] too.
//!
//! # Rules (decided from the 300 tccli specs; counts in `docs/paginators.md`)
//!
//! 1. **The list**: the response has exactly one top-level list member besides `RequestId`. None: the
//!    action does not return a list ([`Outcome::NotAList`]), unless its request pages (rule 2): then the
//!    list may be one level down, in the response's only object member that holds exactly one list
//!    (`Response.Data.List`, [`Paging::within`]); any other shape is [`Skip::NestedList`]. Several lists in a
//!    response whose request pages: which one pages is not knowable ([`Skip::SeveralLists`]).
//! 2. **The style**, first match wins:
//!    - *next token*: a string request member named one of [`TOKENS`] and a string response member of the
//!      same name or `Next` + that name (`Cursor` → `NextCursor`); an integer size member ([`SIZES`]) beside
//!      it gets a default as in rule 4. The request member without its answer is [`Skip::TokenNotAnswered`].
//!    - *offset/limit*: integer `Offset` and `Limit`.
//!    - *page number/size*: an integer page member ([`PAGES`]) and an integer size member ([`SIZES`]).
//!      Pages count from 1 unless the page member's docs say they start at 0 (`从0开始`, "starts from 0").
//!    - string-typed offsets or limits are [`Skip::NotIntegers`] (what an offset means in a string is not
//!      specified); a `Limit` with nothing to move is [`Skip::LimitOnly`]; no paging member at all is
//!      [`Skip::OnePage`].
//! 3. **The total**: an integer (or string) member named one of [`TOTALS`] beside the list (else at the
//!    top of the response), if any; without it the runtime stops on an empty page.
//! 4. **The default size**: the largest value the size member's docs state ("最多100", "最大值为50",
//!    "maximum 100"), from 1 to [`MAX_DEFAULT_SIZE`]; none stated leaves the size to the service.
//! 5. The generated `<method>_pages`/`<method>_items` must not be another action's method
//!    ([`Skip::NameTaken`]).

use super::{Action, Field, Object, Ty, Version};

pub use tc_rules::paging::{PAGES, SIZES, TOKENS, TOTALS};
/// The largest documented size taken as a default; a bigger number in the docs is more likely something else.
pub const MAX_DEFAULT_SIZE: u64 = 10_000;

/// How an action pages, ready to emit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paging {
    pub style: Style,
    /// The response's list: wire name, Rust field name, whether it is a plain `Vec` (else an `Option`).
    pub list_wire: String,
    pub list_field: String,
    pub list_plain: bool,
    /// The response's object member that holds the list, when the list is not at the top (`Data` of
    /// `Response.Data.List`).
    pub within: Option<Within>,
    /// The list's element type.
    pub item: Ty,
    /// Wire name of the total member.
    pub total: Option<String>,
}

/// The object member of the response that holds the list: wire name, Rust field, plain (else `Option`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Within {
    pub wire: String,
    pub field: String,
    pub plain: bool,
}

/// The request (and response) members of a style, by wire name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Style {
    Offset {
        offset: String,
        limit: String,
        default_limit: Option<u64>,
    },
    Page {
        page: String,
        size: String,
        first: u64,
        default_size: Option<u64>,
    },
    Token {
        request: String,
        response: String,
        /// A page-size member ([`SIZES`]) beside the token, and its documented maximum.
        limit: Option<String>,
        default_limit: Option<u64>,
    },
}

impl Style {
    /// Short name for reports: `offset`, `page`, `token`.
    pub fn kind(&self) -> &'static str {
        match self {
            Style::Offset { .. } => "offset",
            Style::Page { .. } => "page",
            Style::Token { .. } => "token",
        }
    }
}

/// Why a list action gets no paginator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Skip {
    /// Paging members in the request, but no list at the top or in the response's one object member.
    NestedList,
    /// More than one top-level list in the response.
    SeveralLists,
    /// A token member in the request, none answered.
    TokenNotAnswered,
    /// `Offset`/`Limit` (or page members) typed as strings.
    NotIntegers,
    /// A `Limit` but no offset, page or token to move with.
    LimitOnly,
    /// No paging member: the whole list comes in one answer.
    OnePage,
    /// `<method>_pages` or `<method>_items` is already another action's method.
    NameTaken,
}

impl Skip {
    /// What the reason means, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            Skip::NestedList => "pages, but the list is deeper than one object, or beside other lists or objects",
            Skip::SeveralLists => "several top-level lists in the response: which one pages is not knowable",
            Skip::TokenNotAnswered => "a token member in the request but no next token in the response",
            Skip::NotIntegers => "offset/limit or page members typed as strings",
            Skip::LimitOnly => "a limit but no offset, page or token: the first page only",
            Skip::OnePage => "no paging member: the whole list comes in one answer",
            Skip::NameTaken => "the paginator's method name is another action's method",
        }
    }
}

/// What the rules say about one action.
// Short-lived (one per action while the pass or the survey runs): boxing the large variant buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Paged(Paging),
    Skipped(Skip),
    /// The response has no top-level list.
    NotAList,
}

/// Sets [`Action::paging`] of every action that pages.
pub fn paging(version: &mut Version) {
    let outcomes: Vec<Outcome> = version.actions.iter().map(|a| classify(version, a)).collect();
    for (action, outcome) in version.actions.iter_mut().zip(outcomes) {
        action.paging = match outcome {
            Outcome::Paged(p) => Some(p),
            _ => None,
        };
    }
}

/// The rules for one action of `version` (see the module docs).
pub fn classify(version: &Version, action: &Action) -> Outcome {
    let object = |rust: &str| version.objects.iter().find(|o| o.rust == rust);
    let (Some(input), Some(output)) = (object(&action.input), object(&action.output)) else {
        return Outcome::NotAList;
    };
    let lists = lists_of(output);
    let (list, within, style) = match (lists.as_slice(), style(input, output)) {
        ([], Ok(style)) => match nested_list(version, output) {
            Some((parent, list)) => (list, Some(parent), style),
            // Paging members and no list we can reach: the answer's shape is not one we walk.
            None => return Outcome::Skipped(Skip::NestedList),
        },
        ([], Err(_)) => return Outcome::NotAList,
        (_, Err(skip)) => return Outcome::Skipped(skip),
        ([one], Ok(style)) => (*one, None, style),
        (_, Ok(_)) => return Outcome::Skipped(Skip::SeveralLists),
    };
    let taken = |suffix: &str| {
        let name = format!("{}_{suffix}", crate::naming::unraw(&action.method));
        version.actions.iter().any(|a| a.method == name)
    };
    if taken("pages") || taken("items") {
        return Outcome::Skipped(Skip::NameTaken);
    }
    let Ty::List(item) = &list.ty else {
        unreachable!("filtered lists")
    };
    // The total beside the list first, then at the top of the answer.
    let holder = within.and_then(|w| match &w.ty {
        Ty::Object(name) => object(name),
        _ => None,
    });
    let total = holder.into_iter().chain([output]).find_map(|o| {
        TOTALS
            .iter()
            .find_map(|t| member(o, t).filter(|f| is_int(f) || f.ty == Ty::String))
    });
    Outcome::Paged(Paging {
        style,
        list_wire: list.wire.clone(),
        list_field: list.rust.clone(),
        list_plain: list.plain,
        within: within.map(|w| Within {
            wire: w.wire.clone(),
            field: w.rust.clone(),
            plain: w.plain,
        }),
        item: (**item).clone(),
        total: total.map(|f| f.wire.clone()),
    })
}

/// An object's list members (not `RequestId`).
fn lists_of(object: &Object) -> Vec<&Field> {
    object
        .fields
        .iter()
        .filter(|f| matches!(f.ty, Ty::List(_)) && f.wire != "RequestId")
        .collect()
}

/// The one object member of the response (not boxed) and the one list inside it, if the answer has that
/// shape (rule 1).
fn nested_list<'v>(version: &'v Version, output: &'v Object) -> Option<(&'v Field, &'v Field)> {
    let objects: Vec<&Field> = output.fields.iter().filter(|f| matches!(f.ty, Ty::Object(_))).collect();
    let [parent] = objects.as_slice() else { return None };
    let Ty::Object(name) = &parent.ty else { return None };
    let holder = version.objects.iter().find(|o| &o.rust == name)?;
    match lists_of(holder).as_slice() {
        [list] if !parent.boxed => Some((*parent, *list)),
        _ => None,
    }
}

/// The paging style of a request (rule 2).
fn style(input: &Object, output: &Object) -> Result<Style, Skip> {
    if let Some(request) = TOKENS
        .iter()
        .find_map(|t| member(input, t).filter(|f| f.ty == Ty::String))
    {
        let answered = [request.wire.clone(), format!("Next{}", request.wire)]
            .into_iter()
            .find(|name| member(output, name).is_some_and(|f| f.ty == Ty::String));
        return match answered {
            Some(response) => {
                let limit = SIZES.iter().find_map(|s| member(input, s)).filter(|f| is_int(f));
                Ok(Style::Token {
                    request: request.wire.clone(),
                    response,
                    limit: limit.map(|f| f.wire.clone()),
                    default_limit: limit.and_then(|f| documented_max(&f.doc)),
                })
            }
            None => Err(Skip::TokenNotAnswered),
        };
    }
    let limit = member(input, "Limit");
    match (member(input, "Offset"), limit) {
        (Some(offset), Some(limit)) if is_int(offset) && is_int(limit) => {
            return Ok(Style::Offset {
                offset: offset.wire.clone(),
                limit: limit.wire.clone(),
                default_limit: documented_max(&limit.doc),
            })
        }
        (Some(_), Some(_)) => return Err(Skip::NotIntegers),
        _ => {}
    }
    let page = PAGES.iter().find_map(|p| member(input, p));
    let size = SIZES.iter().find_map(|s| member(input, s));
    match (page, size) {
        (Some(page), Some(size)) if is_int(page) && is_int(size) => Ok(Style::Page {
            page: page.wire.clone(),
            size: size.wire.clone(),
            first: if counts_from_zero(&page.doc) { 0 } else { 1 },
            default_size: documented_max(&size.doc),
        }),
        (Some(_), Some(_)) => Err(Skip::NotIntegers),
        _ if limit.is_some() => Err(Skip::LimitOnly),
        _ => Err(Skip::OnePage),
    }
}

fn member<'a>(object: &'a Object, wire: &str) -> Option<&'a Field> {
    object.fields.iter().find(|f| f.wire == wire && !f.disabled)
}

fn is_int(f: &Field) -> bool {
    matches!(f.ty, Ty::I64 | Ty::U64)
}

/// Page numbers start at 0 when the docs say so.
fn counts_from_zero(doc: &str) -> bool {
    let compact: String = doc
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    ["从0开始", "startsfrom0", "startingfrom0", "startsat0", "startfrom0"]
        .iter()
        .any(|p| compact.contains(p))
}

/// The largest value the docs give after a word for "at most" (rule 4), within a short clause.
fn documented_max(doc: &str) -> Option<u64> {
    const WORDS: [&str; 7] = ["最多", "最大", "上限", "不超过", "不能超过", "maximum", "max"];
    let lower = doc.to_lowercase();
    let mut best: Option<u64> = None;
    for word in WORDS {
        for (at, _) in lower.match_indices(word) {
            if let Some(n) = number_in_clause(&lower[at + word.len()..]) {
                best = Some(best.map_or(n, |b| b.max(n)));
            }
        }
    }
    best.filter(|n| (1..=MAX_DEFAULT_SIZE).contains(n))
}

/// The first number within a dozen characters, before any punctuation that ends the clause.
fn number_in_clause(text: &str) -> Option<u64> {
    let start = text
        .char_indices()
        .take(12)
        .take_while(|(_, c)| !"，。；,;\n(（".contains(*c))
        .find(|(_, c)| c.is_ascii_digit())?
        .0;
    let digits: String = text[start..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::testing::ir;

    fn int(name: &str, doc: &str) -> Value {
        json!({"name": name, "type": "int", "member": "int64", "document": doc})
    }
    fn string(name: &str) -> Value {
        json!({"name": name, "type": "string", "member": "string"})
    }
    fn list(name: &str, member: &str) -> Value {
        json!({"name": name, "type": "list", "member": member})
    }

    /// The outcome of action `ListThings` with these request and response members.
    fn outcome(request: Value, response: Value) -> Outcome {
        let v = ir(
            json!({
                "ListThingsRequest": {"members": request},
                "ListThingsResponse": {"members": response},
                "Thing": {"members": [string("Id")]},
            }),
            json!({"ListThings": {"input": "ListThingsRequest", "output": "ListThingsResponse"}}),
        );
        v.actions[0]
            .paging
            .clone()
            .map_or_else(|| classify(&v, &v.actions[0]), Outcome::Paged)
    }

    #[test]
    fn offset_limit_with_a_total_and_a_documented_maximum() {
        let got = outcome(
            json!([int("Offset", "偏移量"), int("Limit", "返回数量，默认20，最大值为100。")]),
            json!([int("TotalCount", ""), list("ThingSet", "Thing"), string("RequestId")]),
        );
        let Outcome::Paged(p) = got else { panic!("{got:?}") };
        assert_eq!(
            p.style,
            Style::Offset {
                offset: "Offset".into(),
                limit: "Limit".into(),
                default_limit: Some(100)
            }
        );
        assert_eq!(
            (
                p.list_wire.as_str(),
                p.list_field.as_str(),
                p.list_plain,
                p.total.as_deref()
            ),
            ("ThingSet", "thing_set", false, Some("TotalCount"))
        );
        assert_eq!(p.item, Ty::Object("Thing".into()));
    }

    #[test]
    fn page_number_and_size_counting_from_zero_or_one() {
        let from = |doc: &str| match outcome(
            json!([int("PageNumber", doc), int("PageSize", "每页条数")]),
            json!([int("Total", ""), list("Names", "string")]),
        ) {
            Outcome::Paged(Paging {
                style: Style::Page {
                    first, default_size, ..
                },
                total,
                item,
                ..
            }) => (first, default_size, total, item),
            other => panic!("{other:?}"),
        };
        assert_eq!(from("页码，从 0 开始"), (0, None, Some("Total".into()), Ty::String));
        assert_eq!(from("页码"), (1, None, Some("Total".into()), Ty::String));
    }

    #[test]
    fn tokens_of_the_same_or_the_next_name() {
        let token = |req: &str, resp: &str| {
            outcome(
                json!([string(req), int("Limit", "")]),
                json!([string(resp), list("Things", "Thing")]),
            )
        };
        let Outcome::Paged(p) = token("Cursor", "NextCursor") else {
            panic!()
        };
        assert_eq!(
            p.style,
            Style::Token {
                request: "Cursor".into(),
                response: "NextCursor".into(),
                limit: Some("Limit".into()),
                default_limit: None,
            }
        );
        assert!(matches!(token("NextToken", "NextToken"), Outcome::Paged(_)));
        assert_eq!(token("Context", "Other"), Outcome::Skipped(Skip::TokenNotAnswered));
        // A session context is not a page token: this one only has a limit.
        assert_eq!(
            token("SessionContext", "SessionContext"),
            Outcome::Skipped(Skip::LimitOnly)
        );
    }

    #[test]
    fn lists_that_do_not_page_say_why() {
        let things = json!([list("Things", "Thing")]);
        assert_eq!(outcome(json!([]), things.clone()), Outcome::Skipped(Skip::OnePage));
        assert_eq!(
            outcome(json!([string("Offset"), string("Limit")]), things.clone()),
            Outcome::Skipped(Skip::NotIntegers)
        );
        assert_eq!(
            outcome(
                json!([int("Offset", ""), int("Limit", "")]),
                json!([list("A", "Thing"), list("B", "string")])
            ),
            Outcome::Skipped(Skip::SeveralLists)
        );
        assert_eq!(
            outcome(json!([int("Offset", "")]), json!([int("TotalCount", "")])),
            Outcome::NotAList
        );
    }

    #[test]
    fn a_list_one_object_down_with_its_total_beside_it() {
        let v = ir(
            json!({
                "Req": {"members": [int("PageNumber", ""), int("PageSize", "")]},
                "Resp": {"members": [
                    {"name": "Data", "type": "object", "member": "Page", "output_required": true},
                    int("Total", "a top-level total loses to the one beside the list"),
                ]},
                "Page": {"members": [int("TotalCount", ""), list("List", "string")]},
            }),
            json!({"ListThings": {"input": "Req", "output": "Resp"}}),
        );
        let p = v.actions[0].paging.clone().expect("paged");
        assert_eq!(
            (p.list_wire.as_str(), p.total.as_deref(), p.within),
            (
                "List",
                Some("TotalCount"),
                Some(Within {
                    wire: "Data".into(),
                    field: "data".into(),
                    plain: true
                })
            )
        );
    }

    #[test]
    fn a_method_name_that_exists_is_not_reused() {
        let v = ir(
            json!({
                "Req": {"members": [int("Offset", ""), int("Limit", "")]},
                "Resp": {"members": [list("Things", "string")]},
            }),
            json!({
                "ListThings": {"input": "Req", "output": "Resp"},
                "ListThingsPages": {"input": "Req", "output": "Resp"},
            }),
        );
        let by_name = |n: &str| v.actions.iter().find(|a| a.wire == n).unwrap();
        assert_eq!(classify(&v, by_name("ListThings")), Outcome::Skipped(Skip::NameTaken));
        assert!(by_name("ListThingsPages").paging.is_some());
    }

    #[test]
    fn documented_maximums() {
        assert_eq!(documented_max("最大上限，最多100。"), Some(100));
        assert_eq!(documented_max("默认为10，最大值为50"), Some(50));
        assert_eq!(documented_max("Maximum value: 200. 最大值：200"), Some(200));
        assert_eq!(documented_max("默认20"), None);
        assert_eq!(documented_max("最大 1000000"), None);
        assert_eq!(documented_max("最大，不限制。100"), None);
    }
}
