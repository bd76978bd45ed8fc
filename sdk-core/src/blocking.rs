//! The same clients for programs without an async runtime (cargo feature `blocking`).
//!
//! ```no_run
//! # fn demo() -> Result<(), sdk_core::Error> {
//! use sdk_core::blocking::CommonClient;
//! use sdk_core::{ClientProfile, Credential};
//!
//! let client = CommonClient::new("cvm", "2017-03-12", Credential::from_env()?, "ap-guangzhou", ClientProfile::default());
//! let regions = client.call_json("DescribeRegions", &serde_json::json!({}))?;
//! # let _ = regions; Ok(()) }
//! ```
//!
//! Requests run on one process-wide background tokio runtime (one worker thread named
//! `tencentcloud-sdk-blocking`, started on first use, never shut down) and the calling thread waits for the
//! result on a channel. So the user never creates a runtime, idle pooled connections keep being looked
//! after between calls, and calling from inside an async runtime does not panic (it blocks that thread for
//! the duration of the call, like any blocking I/O would; prefer the async client there).
//!
//! Generated crates can wrap these the way they wrap the async client:
//! `blocking::Client::from_async(client)` + `call(&ACTION, &request)`.
//!
//! Streaming answers are an [`EventIter`]: each `next` runs the async stream's `next` on the background
//! runtime and waits for it, so nothing reads ahead of the caller and dropping the iterator drops the
//! stream (closing the connection) at once.

use std::sync::mpsc;
use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::call::RawResponse;
use crate::common_client::CallOptions;
use crate::credential::ProvideCredential;
use crate::error::Error;
use crate::profile::ClientProfile;
use crate::service::{ActionInfo, ServiceInfo};
use crate::stream::{EventStream, RawEventStream};
use crate::transport::Transport;

/// Name of the background runtime's worker thread.
pub const THREAD_NAME: &str = "tencentcloud-sdk-blocking";

fn runtime() -> Result<&'static tokio::runtime::Runtime, Error> {
    static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name(THREAD_NAME)
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| Error::transport(format!("cannot start the blocking client's runtime: {e}")))
}

/// Runs `future` on the background runtime and waits for its output on this thread.
fn run<T: Send + 'static>(
    future: impl std::future::Future<Output = Result<T, Error>> + Send + 'static,
) -> Result<T, Error> {
    let rt = runtime()?;
    let (tx, rx) = mpsc::sync_channel(1);
    rt.spawn(async move {
        // The receiver only goes away if the calling thread is gone; nothing to report to then.
        let _ = tx.send(future.await);
    });
    rx.recv()
        .map_err(|_| Error::transport("the blocking client's request task ended without a result (panicked)"))?
}

/// Blocking twin of [`crate::client::Client`]: same constructor arguments, same calls without `.await`.
#[derive(Debug, Clone)]
pub struct Client {
    inner: crate::client::Client,
}

impl Client {
    /// See [`crate::client::Client::new`].
    pub fn new(
        service: &'static ServiceInfo,
        credential: impl ProvideCredential + 'static,
        region: impl Into<String>,
        profile: ClientProfile,
    ) -> Client {
        Client::from_async(crate::client::Client::new(service, credential, region, profile))
    }

    /// See [`crate::client::Client::from_env`].
    pub fn from_env(service: &'static ServiceInfo) -> Result<Client, Error> {
        crate::client::Client::from_env(service).map(Client::from_async)
    }

    /// See [`crate::client::Client::from_config`].
    pub fn from_config(service: &'static ServiceInfo, config: &crate::config::SdkConfig) -> Client {
        Client::from_async(crate::client::Client::from_config(service, config))
    }

    /// Wraps an async client (sharing its connection pool and settings).
    pub fn from_async(client: crate::client::Client) -> Client {
        Client { inner: client }
    }

    /// The async client inside.
    pub fn as_async(&self) -> &crate::client::Client {
        &self.inner
    }

    /// See [`crate::client::Client::with_transport`].
    pub fn with_transport(&self, transport: impl Transport + 'static) -> Client {
        Client::from_async(self.inner.with_transport(transport))
    }

    /// See [`crate::client::Client::call`].
    pub fn call<Req: Serialize + ?Sized, Resp: DeserializeOwned>(
        &self,
        action: &ActionInfo,
        request: &Req,
    ) -> Result<Resp, Error> {
        let payload = serde_json::to_vec(request)
            .map_err(|e| Error::invalid_request("request", format!("cannot serialize {} request: {e}", action.name)))?;
        self.execute(action, payload)?.deserialize()
    }

    /// See [`crate::client::Client::execute`].
    pub fn execute(&self, action: &ActionInfo, payload: Vec<u8>) -> Result<RawResponse, Error> {
        let client = self.inner.clone();
        let action = *action;
        run(async move { client.execute(&action, payload).await })
    }

    /// See [`crate::client::Client::call_octet_stream`].
    pub fn call_octet_stream<Req: Serialize + ?Sized, Resp: DeserializeOwned>(
        &self,
        action: &ActionInfo,
        request: &Req,
        body: bytes::Bytes,
    ) -> Result<Resp, Error> {
        let params = serde_json::to_vec(request)
            .map_err(|e| Error::invalid_request("request", format!("cannot serialize {} request: {e}", action.name)))?;
        let client = self.inner.clone();
        let action = *action;
        run(async move { client.execute_octet_stream(&action, &params, body).await })?.deserialize()
    }

    /// See [`crate::client::Client::call_stream`]: the events as an iterator.
    pub fn call_stream<Req: Serialize + ?Sized, Resp: DeserializeOwned + Send + 'static>(
        &self,
        action: &ActionInfo,
        request: &Req,
    ) -> Result<EventIter<Resp>, Error> {
        let payload = serde_json::to_vec(request)
            .map_err(|e| Error::invalid_request("request", format!("cannot serialize {} request: {e}", action.name)))?;
        Ok(EventIter::new(self.execute_stream(action, payload)?.typed()))
    }

    /// See [`crate::client::Client::execute_stream`].
    pub fn execute_stream(&self, action: &ActionInfo, payload: Vec<u8>) -> Result<RawEventStream, Error> {
        let client = self.inner.clone();
        let action = *action;
        run(async move { client.execute_stream(&action, payload).await })
    }
}

/// Blocking twin of [`EventStream`]: the events of a streaming answer, in order; after an error or the
/// end, `None`. Dropping it closes the connection.
pub struct EventIter<T> {
    stream: Option<EventStream<T>>,
}

impl<T> std::fmt::Debug for EventIter<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventIter").field("stream", &self.stream).finish()
    }
}

impl<T: DeserializeOwned + Send + 'static> EventIter<T> {
    /// Iterates over `stream` (opened on this module's runtime, as [`Client::call_stream`] does).
    pub fn new(stream: EventStream<T>) -> EventIter<T> {
        EventIter { stream: Some(stream) }
    }
}

impl<T: DeserializeOwned + Send + 'static> Iterator for EventIter<T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Result<T, Error>> {
        let mut stream = self.stream.take()?;
        // The stream moves to the runtime for one event and comes back with it.
        match run(async move {
            let item = stream.next().await;
            Ok((stream, item))
        }) {
            Ok((stream, item)) => {
                if item.is_some() {
                    self.stream = Some(stream);
                }
                item
            }
            Err(e) => Some(Err(e)),
        }
    }
}

/// Blocking twin of [`crate::common_client::CommonClient`].
#[derive(Debug, Clone)]
pub struct CommonClient {
    inner: crate::common_client::CommonClient,
}

impl CommonClient {
    /// See [`crate::common_client::CommonClient::new`].
    pub fn new(
        product: impl Into<String>,
        version: impl Into<String>,
        credential: impl ProvideCredential + 'static,
        region: impl Into<String>,
        profile: ClientProfile,
    ) -> CommonClient {
        CommonClient::from_async(crate::common_client::CommonClient::new(
            product, version, credential, region, profile,
        ))
    }

    /// See [`crate::common_client::CommonClient::from_config`].
    pub fn from_config(
        product: impl Into<String>,
        version: impl Into<String>,
        config: &crate::config::SdkConfig,
    ) -> CommonClient {
        CommonClient::from_async(crate::common_client::CommonClient::from_config(
            product, version, config,
        ))
    }

    /// Wraps an async common client.
    pub fn from_async(client: crate::common_client::CommonClient) -> CommonClient {
        CommonClient { inner: client }
    }

    /// The async client inside.
    pub fn as_async(&self) -> &crate::common_client::CommonClient {
        &self.inner
    }

    /// See [`crate::common_client::CommonClient::with_transport`].
    pub fn with_transport(&self, transport: impl Transport + 'static) -> CommonClient {
        CommonClient::from_async(self.inner.with_transport(transport))
    }

    /// See [`crate::common_client::CommonClient::call_json`].
    pub fn call_json<Req: Serialize + ?Sized>(&self, action: &str, params: &Req) -> Result<serde_json::Value, Error> {
        self.call_with(action, params, &CallOptions::default())
    }

    /// See [`crate::common_client::CommonClient::call`].
    pub fn call<Req: Serialize + ?Sized, Resp: DeserializeOwned>(
        &self,
        action: &str,
        request: &Req,
    ) -> Result<Resp, Error> {
        self.call_with(action, request, &CallOptions::default())
    }

    /// See [`crate::common_client::CommonClient::call_with`].
    pub fn call_with<Req: Serialize + ?Sized, Resp: DeserializeOwned>(
        &self,
        action: &str,
        request: &Req,
        options: &CallOptions,
    ) -> Result<Resp, Error> {
        let payload = serde_json::to_vec(request)
            .map_err(|e| Error::invalid_request("request", format!("cannot serialize {action} request: {e}")))?;
        self.execute(action, options, payload)?.deserialize()
    }

    /// See [`crate::common_client::CommonClient::execute`].
    pub fn execute(&self, action: &str, options: &CallOptions, payload: Vec<u8>) -> Result<RawResponse, Error> {
        let client = self.inner.clone();
        let action = action.to_owned();
        let options = options.clone();
        run(async move { client.execute(&action, &options, payload).await })
    }

    /// See [`crate::common_client::CommonClient::call_stream`]: the events as an iterator.
    pub fn call_stream<Req: Serialize + ?Sized, Resp: DeserializeOwned + Send + 'static>(
        &self,
        action: &str,
        request: &Req,
        options: &CallOptions,
    ) -> Result<EventIter<Resp>, Error> {
        let payload = serde_json::to_vec(request)
            .map_err(|e| Error::invalid_request("request", format!("cannot serialize {action} request: {e}")))?;
        let client = self.inner.clone();
        let action = action.to_owned();
        let options = options.clone();
        let raw = run(async move { client.execute_stream(&action, &options, payload).await })?;
        Ok(EventIter::new(raw.typed()))
    }
}

/// Blocking twin of [`crate::paginate::Pages`]: an [`Iterator`] of pages, each fetched on the background
/// runtime when `next` is called (the same stop rules; an error is the last item).
pub struct Pages<Resp> {
    /// `None` once the background runtime could not run the walk (its error was the last item).
    inner: Option<crate::paginate::Pages<Resp>>,
}

impl<Resp> std::fmt::Debug for Pages<Resp> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("blocking::Pages").field("inner", &self.inner).finish()
    }
}

impl<Resp: DeserializeOwned + Send + 'static> Pages<Resp> {
    /// Wraps an async paginator.
    pub fn from_async(pages: crate::paginate::Pages<Resp>) -> Pages<Resp> {
        Pages { inner: Some(pages) }
    }

    /// The items of each page, taken out by `extract`.
    /// [`crate::paginate::Pages::max_pages`].
    pub fn max_pages(mut self, pages: u64) -> Pages<Resp> {
        self.inner = self.inner.map(|p| p.max_pages(pages));
        self
    }

    pub fn items<Item>(self, extract: fn(Resp) -> Vec<Item>) -> Items<Resp, Item> {
        Items {
            pages: self,
            extract,
            buffered: Vec::new().into_iter(),
        }
    }
}

impl<Resp: DeserializeOwned + Send + 'static> Iterator for Pages<Resp> {
    type Item = Result<Resp, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut pages = self.inner.take()?;
        // The walk moves to the runtime for one page and comes back with it.
        match run(async move {
            let page = pages.next_page().await;
            Ok((pages, page))
        }) {
            Ok((pages, page)) => {
                self.inner = Some(pages);
                page
            }
            Err(e) => Some(Err(e)),
        }
    }
}

/// Blocking twin of [`crate::paginate::Items`]: an [`Iterator`] of the list's items, a page fetched when
/// the previous page's items are used up.
pub struct Items<Resp, Item> {
    pages: Pages<Resp>,
    extract: fn(Resp) -> Vec<Item>,
    buffered: std::vec::IntoIter<Item>,
}

impl<Resp, Item> std::fmt::Debug for Items<Resp, Item> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("blocking::Items")
            .field("pages", &self.pages)
            .finish_non_exhaustive()
    }
}

impl<Resp: DeserializeOwned + Send + 'static, Item> Iterator for Items<Resp, Item> {
    type Item = Result<Item, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.buffered.next() {
                return Some(Ok(item));
            }
            match self.pages.next()? {
                Ok(page) => self.buffered = (self.extract)(page).into_iter(),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}
