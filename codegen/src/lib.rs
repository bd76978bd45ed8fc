//! Generates a product SDK crate (`sdk-<product>/`) from the API descriptions under `api-specs/`.
//!
//! This crate writes no files: it returns `(relative path, contents)` pairs, deterministic (sorted maps
//! everywhere, no timestamps), and `xtask` writes or compares them.
//!
//! # Pipeline
//!
//! | stage | owner | output |
//! |---|---|---|
//! | spec model | [`tc_spec`] (`tc-spec/src/lib.rs`) | [`tc_spec::ProductVersion`]: `api.json`, `examples.json`, `errorcodes.json` parsed |
//! | IR passes | [`ir`] (`ir/mod.rs`: the model and [`ir::build`]; one file per pass in `ir/`) | [`ir::Version`]: Rust names, types, shapes, docs, per-action metadata, error codes |
//! | emitters | [`emit`] (one file per artifact in `emit/`) | `quote` token streams, composed per file |
//! | text | [`emit::render`] (`emit/mod.rs`) with `prettyplease` | each file's text, with the generated header |
//! | crate | this file ([`generate_version`], [`assemble_product`]) | [`Crate`]: every file of `sdk-<product>/` |
//!
//! The passes, in order ([`ir`] says what each adds): `resolve` (member types, action objects) → `classify`
//! (request/response role, leniency, plain or `Option`, boxing) → `name` (Rust identifiers and types: the
//! [`ir::Version`]) → `document` → `redact` → `retry` (retry-safe, `ClientToken`) → `error_codes`. The
//! emitters ([`emit`] has the table): `models` (+ `request_builder`, `redacted_debug`), `errors`,
//! `version_module` (composing `action_info`, `client`, `client_token`, `blocking`, `examples`),
//! `crate_root` (`lib.rs`) and `manifest` (`Cargo.toml`). Spec problems are errors naming the file and the
//! JSON path; no stage panics on input.
//!
//! # What is generated, per version module (`src/<module>/`)
//!
//! * `models.rs`: one struct per spec object. Objects reachable from an action input, or marked
//!   `usage: in/both`, are *requests*: members the spec marks `required` are plain fields set by
//!   `Type::new(required..., in spec order)`, the rest are `Option` fields with chainable setters of the same
//!   name; structs are `#[non_exhaustive]`, so outside the crate `new` is the only way to build one and a
//!   forgotten required parameter is a compile error. Everything else is a *response*: `output_required`
//!   members (and `RequestId`) are plain, the rest `Option`, and every field decodes leniently (missing or null
//!   → default, unknown ignored). A request object that is also reachable from an output decodes leniently
//!   too and derives `Default`. Disabled members are left out. A struct field that closes a cycle of structs
//!   is boxed.
//! * `errors.rs`: the version's `ErrorCode` enum.
//! * `mod.rs`: `SERVICE`, one `ActionInfo` static per action, the `Client` newtype with one method per action,
//!   and behind the crate's `blocking` feature `blocking::Client` (a newtype over `sdk_core::blocking::Client`)
//!   with one synchronous method per action, same names and types.
//!
//! Per crate: `src/lib.rs` (a module per version behind the feature of the same name) and `Cargo.toml`.
//!
//! # ClientToken
//!
//! Decided in `ir/retry.rs`, emitted by `emit/client_token.rs`. An action whose input has a string
//! `ClientToken` member gets a private `<method>_with_token` function
//! that both methods send the request through: when the caller left the token unset (or empty), it sends a
//! copy with `sdk_core::idempotency_token()`; a request with a token is sent as it is, not copied. The
//! runtime serializes once and re-sends the same bytes on every retry attempt, so the token is stable
//! across attempts and these actions are retry-safe.
//!
//! Required parameters in practice (these doctests run against the committed `sdk-sms`):
//!
//! ```
//! use sdk_sms::v20210111::{DeleteSmsSignRequest, SendSmsRequest, SendSmsRequired};
//! let req = SendSmsRequest::new(SendSmsRequired {
//!     phone_number_set: vec!["+8618501234444".into()],
//!     sms_sdk_app_id: "1400006666".into(),
//!     template_id: "1110".into(),
//! })
//! .sign_name("腾讯云");
//! assert_eq!((req.sms_sdk_app_id.as_str(), req.template_id.as_str()), ("1400006666", "1110"));
//! // One required member, or none of the same type: positional.
//! let delete = DeleteSmsSignRequest::new(1234);
//! assert_eq!(delete.sign_id, 1234);
//! ```
//!
//! Leaving out the template id does not compile:
//!
//! ```compile_fail
//! use sdk_sms::v20210111::{SendSmsRequest, SendSmsRequired};
//! let req = SendSmsRequest::new(SendSmsRequired {
//!     phone_number_set: vec!["+8618501234444".into()],
//!     sms_sdk_app_id: "1400006666".into(),
//! });
//! ```
//!
//! Two required members of the same type are given by name, so they cannot be swapped silently: the
//! positional call that swaps the 2019 API's template id and app id (`SendSms`) no longer compiles, and
//! neither does one for `SendStatusStatistics` (three strings) or `AddSmsTemplate` (two `u64` flags):
//!
//! ```compile_fail
//! let req = sdk_sms::v20190711::SendSmsRequest::new(vec!["+8618501234444".into()], "1400006666", "1110");
//! ```
//!
//! ```compile_fail
//! let req = sdk_sms::v20210111::SendStatusStatisticsRequest::new("2024010100", "2024010123", "1400006666", 10, 0);
//! ```
//!
//! ```compile_fail
//! let req = sdk_sms::v20210111::AddSmsTemplateRequest::new("name", "content {1}", 0, 1, "remark");
//! ```
//!
//! Nor does building the struct literally (it is `#[non_exhaustive]`), even with every field:
//!
//! ```compile_fail
//! let req = sdk_sms::v20190711::DeleteSmsSignRequest { sign_id: 1 };
//! ```
//!
//! # Retry rule
//!
//! `ActionInfo::retry_safe` is [`tc_rules::is_retry_safe`]: true when the action name starts with
//! `Describe`, `Pull`, `Get`, `List`, `Query` or `Search` or ends with `Statistics` (read-only reports), or
//! when its input has a `ClientToken` member (the service de-duplicates by token). The rule is written once in
//! the dependency-free `tc-rules` crate, which the runtime re-exports (`ir/retry.rs` applies it). Everything else may have side effects and is not re-sent after it
//! reached the service.
//!
//! # Naming
//!
//! See [`naming`]. Generated code names std items by full path (`::std::option::Option`...) so spec objects
//! called `Option`, `Result`, `String`... cannot shadow them.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use tc_spec::ProductVersion;

pub mod common_errors;
pub mod docs;
pub mod emit;
pub mod ir;
pub mod naming;
pub mod redaction;
#[cfg(test)]
mod testing;

/// Every generated file's first line contains this; `xtask` only ever touches files that carry it.
pub const HEADER_MARK: &str = "@generated by `cargo xtask gen` from";

/// A generation failure. Spec problems keep the [`tc_spec::SpecError`] (file + JSON path).
#[derive(Debug)]
pub enum Error {
    /// The spec is malformed.
    Spec(tc_spec::SpecError),
    /// The spec is well-formed but uses something the generator cannot express.
    Unsupported {
        file: PathBuf,
        path: String,
        message: String,
    },
    /// A generator bug: the emitted tokens are not valid Rust.
    Internal { file: String, message: String },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Spec(e) => write!(f, "{e}"),
            Error::Unsupported { file, path, message } => {
                write!(f, "{}: {path}: unsupported: {message}", file.display())
            }
            Error::Internal { file, message } => write!(f, "internal generator error in {file}: {message}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<tc_spec::SpecError> for Error {
    fn from(e: tc_spec::SpecError) -> Self {
        Error::Spec(e)
    }
}

/// One generated file, path relative to the crate directory (`src/v20210111/mod.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub path: String,
    pub contents: String,
}

/// Everything generated for one product.
#[derive(Debug, Clone)]
pub struct Crate {
    pub product: String,
    /// Crate directory relative to the workspace root (`sdk-sms`).
    pub dir: String,
    pub files: Vec<File>,
    pub versions: usize,
    pub actions: usize,
    pub types: usize,
}

/// Options that change what is written in generated text.
#[derive(Debug, Clone)]
pub struct Options {
    /// How the spec root is named in generated headers (`api-specs`).
    pub source_root: String,
    /// Products whose crate has hand-written additions in [`CUSTOM_MODULE`]; their `lib.rs` wires it in.
    /// The caller looks at the file system (this crate never does), so generation stays a pure function.
    pub custom_products: BTreeMap<String, Custom>,
    /// Hand-written example sections of product READMEs ([`CUSTOM_README`]), by product.
    pub readme_examples: BTreeMap<String, String>,
    /// The actions whose request body is not JSON (`api-specs/binary-bodies.json`).
    pub binary_bodies: tc_spec::BinaryBodies,
}

/// What a product's hand-written additions ask of the generated crate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Custom {
    /// The text of [`CUSTOM_MANIFEST`] (empty when there is none): lines under `[dependencies]`,
    /// `[dev-dependencies]` and `[features]`, appended to the same tables of the generated `Cargo.toml`.
    pub manifest: String,
}

impl Options {
    /// The options for the workspace at `root`: which product crates (`sdk-<product>/` beside
    /// `api-specs/<product>/`) have hand-written additions ([`CUSTOM_MODULE`], [`CUSTOM_MANIFEST`]) and a
    /// README example ([`CUSTOM_README`]). Reads those files; writes nothing.
    pub fn for_workspace(root: &Path) -> Result<Options, String> {
        let mut options = Options::default();
        let specs = root.join("api-specs");
        options.binary_bodies = tc_spec::BinaryBodies::load(&specs).map_err(|e| e.to_string())?;
        let rd = std::fs::read_dir(&specs).map_err(|e| format!("{}: {e}", specs.display()))?;
        for entry in rd.filter_map(|e| e.ok()) {
            let product = entry.file_name().to_string_lossy().into_owned();
            let krate = root.join(format!("sdk-{product}"));
            if let Some(text) = read_optional(&krate.join(CUSTOM_README))? {
                options.readme_examples.insert(product.clone(), text);
            }
            if krate.join(CUSTOM_MODULE).is_file() {
                let manifest = read_optional(&krate.join(CUSTOM_MANIFEST))?.unwrap_or_default();
                options.custom_products.insert(product, Custom { manifest });
            }
        }
        Ok(options)
    }
}

/// The file's text, `None` when it does not exist.
fn read_optional(path: &Path) -> Result<Option<String>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            source_root: "api-specs".into(),
            custom_products: BTreeMap::new(),
            readme_examples: BTreeMap::new(),
            binary_bodies: tc_spec::BinaryBodies::default(),
        }
    }
}

/// The home of hand-written additions inside a product crate, relative to the crate directory. The generator
/// never writes or removes anything there; when the file exists, the generated `lib.rs` declares
/// `mod custom;` and re-exports its public items at the crate root (`pub use custom::*;`), so an addition
/// such as `sdk_sms::bulk` reads like part of the crate.
pub const CUSTOM_MODULE: &str = "src/custom/mod.rs";

/// Dependencies and features that the hand-written additions need, relative to the crate directory (not
/// named `Cargo.toml`: `cargo package` leaves out folders that hold one).
pub const CUSTOM_MANIFEST: &str = "src/custom/manifest.toml";

/// A product README's hand-written example section, relative to the crate directory: when it exists, the
/// generated `README.md` (the crate's root documentation) ends with it instead of a generic example. Its
/// Rust code blocks are doctests of the crate.
pub const CUSTOM_README: &str = "src/custom/README.md";

/// The three files of one version module, paths relative to the module directory (`mod.rs`...).
pub fn generate_version(pv: &ProductVersion, options: &Options) -> Result<(ir::Version, Vec<File>), Error> {
    if naming::snake_ident(&pv.module).as_deref() != Some(pv.module.as_str()) {
        return Err(Error::Unsupported {
            file: pv.dir.clone(),
            path: String::new(),
            message: format!("version directory {:?} is not a valid Rust module name", pv.module),
        });
    }
    let mut v = ir::build(pv, &options.source_root)?;
    let data = Path::new(&options.source_root).join(tc_spec::binary_bodies::FILE);
    ir::binary_body::binary_body(&mut v, &pv.product, &options.binary_bodies, &data)?;
    let files = vec![
        File {
            path: "mod.rs".into(),
            contents: emit::module(&v)?,
        },
        File {
            path: "models.rs".into(),
            contents: emit::models(&v)?,
        },
        File {
            path: "errors.rs".into(),
            contents: emit::errors(&v)?,
        },
    ];
    Ok((v, files))
}

/// A whole product crate from its versions (any order; sorted here).
pub fn generate_product(product: &str, versions: &[&ProductVersion], options: &Options) -> Result<Crate, Error> {
    let generated = versions
        .iter()
        .map(|pv| generate_version(pv, options))
        .collect::<Result<Vec<_>, _>>()?;
    assemble_product(product, generated, options)
}

/// A whole product crate from versions already generated with [`generate_version`] (any order; sorted here).
pub fn assemble_product(
    product: &str,
    mut versions: Vec<(ir::Version, Vec<File>)>,
    options: &Options,
) -> Result<Crate, Error> {
    versions.sort_by(|a, b| a.0.module.cmp(&b.0.module));
    let mut files = Vec::new();
    let mut irs = Vec::new();
    for (v, vfiles) in versions {
        files.extend(vfiles.into_iter().map(|f| File {
            path: format!("src/{}/{}", v.module, f.path),
            contents: f.contents,
        }));
        irs.push(v);
    }
    let source = format!("{}/{product}", options.source_root);
    files.push(File {
        path: "src/lib.rs".into(),
        contents: emit::lib_rs(&irs, &source, options.custom_products.contains_key(product))?,
    });
    let example = options.readme_examples.get(product).map(String::as_str);
    files.push(File {
        path: "README.md".into(),
        contents: emit::readme_md(product, &irs, &source, example),
    });
    files.push(File {
        path: "Cargo.toml".into(),
        contents: emit::cargo_toml(product, &irs, &source, options.custom_products.get(product))?,
    });
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Crate {
        product: product.to_string(),
        dir: format!("sdk-{product}"),
        files,
        versions: irs.len(),
        actions: irs.iter().map(|v| v.actions.len()).sum(),
        types: irs.iter().map(|v| v.objects.len()).sum(),
    })
}

/// Discover every spec under `root` and generate one crate per product, sorted by product.
pub fn generate_all(root: &Path, options: &Options) -> Result<Vec<Crate>, Error> {
    let all = tc_spec::discover(root)?;
    let mut by_product: BTreeMap<&str, Vec<&ProductVersion>> = BTreeMap::new();
    for pv in &all {
        by_product.entry(pv.product.as_str()).or_default().push(pv);
    }
    by_product
        .into_iter()
        .map(|(product, versions)| generate_product(product, &versions, options))
        .collect()
}
