//! The specs compiled into the binary (`build.rs`): an index of product versions and their compressed
//! `api.json` / `api_en.json` texts, inflated only for the version a command uses.
//!
//! Decisions: a product's default version is tccli's: the newest, except for the few products listed in
//! `default-versions.json` (written by `tools/tccli_golden.py --default-versions` from tccli's own table);
//! `--version` takes a dated (`2019-07-11`) or module (`v20190711`) form.

use std::path::Path;

use tc_spec::validate::Schema;
use tc_spec::ProductVersion;

use crate::error::CliError;

/// Where one version's texts are in [`BLOB`].
pub(crate) struct Entry {
    pub product: &'static str,
    /// `v20210111`.
    pub module: &'static str,
    api: (usize, usize),
    english: Option<(usize, usize)>,
}

static BLOB: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/specs.bin"));
include!(concat!(env!("OUT_DIR"), "/specs_index.rs"));

/// Largest inflated spec text accepted (the largest api.json of all products is a few MB).
const MAX_TEXT: usize = 64 << 20;

/// Every product compiled in, sorted, once each.
pub fn products() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = INDEX.iter().map(|e| e.product).collect();
    v.dedup();
    v
}

/// The versions of `product`, oldest first.
pub(crate) fn versions(product: &str) -> Vec<&'static Entry> {
    INDEX.iter().filter(|e| e.product == product).collect()
}

/// `v20210111` → `2021-01-11`.
pub fn dated(module: &str) -> String {
    let d = module.trim_start_matches('v');
    if d.len() == 8 {
        format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..])
    } else {
        d.to_owned()
    }
}

/// A loaded product version: the spec and its compiled validator.
pub struct Loaded {
    pub pv: ProductVersion,
    pub schema: Schema,
}

impl Loaded {
    /// The dated API version (`2021-01-11`).
    pub fn version(&self) -> &str {
        &self.pv.api.metadata.api_version
    }
}

/// Loads `product` at `version` (dated or module form; `None`: the newest).
pub fn load(product: &str, version: Option<&str>) -> Result<Loaded, CliError> {
    let all = versions(product);
    if all.is_empty() {
        let close = tc_spec::validate::close_matches(product, products().into_iter());
        return Err(CliError::usage(format!(
            "unknown product `{product}`.{} (`tcli help` lists the products)",
            tc_spec::validate::did_you_mean(&close)
        )));
    }
    let entry = match version.or_else(|| tccli_default(product)) {
        None => *all.last().expect("not empty"),
        Some(v) => {
            let module = format!("v{}", v.trim_start_matches('v').replace('-', ""));
            *all.iter().find(|e| e.module == module).ok_or_else(|| {
                let known: Vec<String> = all.iter().map(|e| dated(e.module)).collect();
                CliError::usage(format!(
                    "product `{product}` has no API version `{v}`; available: {}",
                    known.join(", ")
                ))
            })?
        }
    };
    parse(entry)
}

/// tccli's default version of `product` when it is not the newest.
fn tccli_default(product: &str) -> Option<&'static str> {
    static TEXT: &str = include_str!("../default-versions.json");
    // A few lines of `"product": "yyyy-mm-dd"`; read without building a JSON tree at every start.
    let key = format!("\"{product}\": \"");
    let at = TEXT.find(&key)? + key.len();
    TEXT[at..].split('"').next()
}

/// The default version of `product` as a dated string (for `configure`).
pub fn default_version(product: &str) -> Option<String> {
    tccli_default(product)
        .map(str::to_owned)
        .or_else(|| versions(product).last().map(|e| dated(e.module)))
}

fn parse(e: &Entry) -> Result<Loaded, CliError> {
    let dir = Path::new("specs").join(e.product).join(e.module);
    let api = inflate(e.api)?;
    let texts = tc_spec::SpecTexts {
        api: &api,
        examples: r#"{"actions":{}}"#,
        error_codes: None,
    };
    let bad = |err: tc_spec::SpecError| CliError::internal(format!("compiled-in spec: {err}"));
    let mut pv = ProductVersion::from_texts(&dir, e.product, e.module, &texts).map_err(bad)?;
    if let Some(en) = e.english {
        pv = pv.with_english(&inflate(en)?).map_err(bad)?;
    }
    if let Some(s) = STREAMING {
        let list = tc_spec::StreamingActions::parse(Path::new("streaming-actions.json"), &inflate(s)?).map_err(bad)?;
        pv.streaming = list.actions(e.product, e.module);
    }
    let schema = Schema::compile(&pv.api);
    Ok(Loaded { pv, schema })
}

fn inflate((start, len): (usize, usize)) -> Result<String, CliError> {
    let bytes = miniz_oxide::inflate::decompress_to_vec_with_limit(&BLOB[start..start + len], MAX_TEXT)
        .map_err(|e| CliError::internal(format!("compiled-in spec does not inflate: {e:?}")))?;
    String::from_utf8(bytes).map_err(|_| CliError::internal("compiled-in spec is not UTF-8"))
}

/// Bytes of compressed specs in the binary, and the number of product versions.
pub fn bundle_size() -> (usize, usize) {
    (BLOB.len(), INDEX.len())
}
