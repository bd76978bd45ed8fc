//! Stateful products as plug-ins. The generic server answers every action of every served spec from the
//! spec's examples; a product that must remember things (SMS: signs, templates, sent messages) implements
//! [`StatefulProduct`] and is registered for its product and version. The server asks the registry, never
//! a named product.
//!
//! # Adding a second stateful product
//!
//! 1. Write a type holding its state behind interior mutability (it is shared by every connection) and
//!    implement [`StatefulProduct`] for it: `product`/`version` say what it serves (the spec must be in
//!    `api-specs/`), `handle` answers the actions it emulates (return `None` for the others: they get the
//!    spec's example), `admin` serves its paths under `/_emulator/<product>/...`, `reset` forgets its state.
//!    `handle` gets the request's input already decoded and validated against the spec.
//! 2. Register it: `Emulator::builder().product(MyProduct::new())`; built-in ones are registered by the
//!    builder (SMS by default). Keep an `Arc` of it to inspect its state from tests, as `Emulator::sms`
//!    does.
//! 3. Test it over real HTTP with a signed client and through its admin paths (`tests/plugins.rs` shows a
//!    minimal product).

use std::fmt;
use std::sync::Arc;

use hyper::{Method, StatusCode};
use serde_json::{Map, Value};

use crate::response::ApiError;

/// The members of a successful `Response` (without `RequestId`, which the server adds).
pub type Answer = Result<Map<String, Value>, ApiError>;

/// A product whose actions change and read state. See the [module docs](self).
pub trait StatefulProduct: Send + Sync + 'static {
    /// Product name, e.g. `sms`.
    fn product(&self) -> &str;
    /// API version, e.g. `2021-01-11`.
    fn version(&self) -> &str;
    /// The answer to `action` with its validated `input`, at emulator time `now` (Unix seconds); `None`
    /// when this product does not emulate the action (the spec's example answers it).
    fn handle(&self, action: &str, input: &Value, now: i64) -> Option<Answer>;
    /// An admin request to `/_emulator/<product>/<path...>` (already authorized); `None` when there is no
    /// such path. `body` is the JSON body, `Null` when there is none.
    fn admin(&self, method: &Method, path: &[&str], body: &Value) -> Option<(StatusCode, Value)>;
    /// Forgets all state (`POST /_emulator/reset`, `Emulator::reset`).
    fn reset(&self);
}

/// The registered stateful products, looked up by product and version.
#[derive(Clone, Default)]
pub(crate) struct Products {
    list: Vec<Arc<dyn StatefulProduct>>,
}

impl fmt::Debug for Products {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.list.iter().map(|p| format!("{} {}", p.product(), p.version())))
            .finish()
    }
}

impl Products {
    /// Adds `product`; a later registration for the same product and version replaces an earlier one.
    pub fn register(&mut self, product: Arc<dyn StatefulProduct>) {
        self.list
            .retain(|p| !(p.product() == product.product() && p.version() == product.version()));
        self.list.push(product);
    }

    /// The product serving `product` `version`, if one is registered.
    pub fn get(&self, product: &str, version: &str) -> Option<&dyn StatefulProduct> {
        self.list
            .iter()
            .find(|p| p.product() == product && p.version() == version)
            .map(|p| &**p)
    }

    /// The admin answer of the first product named `product` that knows `path`.
    pub fn admin(&self, method: &Method, product: &str, path: &[&str], body: &Value) -> Option<(StatusCode, Value)> {
        self.list
            .iter()
            .filter(|p| p.product() == product)
            .find_map(|p| p.admin(method, path, body))
    }

    pub fn list(&self) -> &[Arc<dyn StatefulProduct>] {
        &self.list
    }

    pub fn reset(&self) {
        for p in &self.list {
            p.reset();
        }
    }
}
