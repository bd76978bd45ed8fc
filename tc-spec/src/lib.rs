#![doc = include_str!("../README.md")]
//!
//! # What it owns
//!
//! This crate owns reading `api-specs/<product>/<version>/{api.json,examples.json,errorcodes.json}` into typed
//! structs and checking them. It is shared by the code generator and the emulator so there is one parser.
//! Every problem is a [`SpecError`] that names the file and the JSON path (`objects.X.members[3].type`).
//!
//! A version may also have [`ENGLISH_FILE`] (`api_en.json`): the same API described in English, as the
//! international edition of tccli ships it. Only its names and documents are read ([`ApiDocs`]): the
//! Chinese `api.json` stays the one source of the API's shape, so an English file can add words but never
//! change a type, and entries it has that `api.json` lacks are simply never looked up.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};

pub mod binary_bodies;
pub mod validate;
pub use binary_bodies::{BinaryBodies, BinaryBody};

/// A problem with a spec file: which file, where in it, and what.
#[derive(Debug, thiserror::Error)]
#[error("{}: {path}{}{message}", file.display(), if path.is_empty() { "" } else { ": " })]
pub struct SpecError {
    /// The file that is wrong.
    pub file: PathBuf,
    /// JSON path inside the file (empty when the file as a whole is the problem).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl SpecError {
    fn new(file: &Path, path: impl Into<String>, message: impl Into<String>) -> Self {
        SpecError {
            file: file.to_path_buf(),
            path: path.into(),
            message: message.into(),
        }
    }
}

/// One `api.json`: every action and object of one product version.
#[derive(Debug, Clone, Deserialize)]
pub struct ApiSpec {
    /// Actions by wire name (`SendSms`).
    pub actions: BTreeMap<String, Action>,
    /// Objects by name: action inputs (`SendSmsRequest`), outputs and the structures they use.
    pub objects: BTreeMap<String, Object>,
    pub metadata: Metadata,
    /// Format version of the file (`"1.0"`).
    #[serde(default)]
    pub version: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Metadata {
    /// Dated API version (`2021-01-11`).
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// Product short name (`sms`): the TC3 signing service and the endpoint prefix.
    #[serde(rename = "serviceShortName")]
    pub service_short_name: String,
    #[serde(rename = "serviceNameCN", default)]
    pub service_name_cn: Option<String>,
    #[serde(default)]
    pub api_brief: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Action {
    /// Description, markdown with some HTML.
    #[serde(default)]
    pub document: String,
    /// Name of the input object.
    pub input: String,
    /// Name of the output object.
    pub output: String,
    /// Human (Chinese) title.
    #[serde(default)]
    pub name: String,
    /// Missing in a few specs; treated as online.
    #[serde(default)]
    pub status: Status,
    /// The action is called unsigned (`Authorization: SKIP`), e.g. STS AssumeRoleWithWebIdentity.
    #[serde(default)]
    pub skip_sign: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Online,
    Deprecated,
    Offline,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Object {
    #[serde(default)]
    pub document: String,
    pub members: Vec<Member>,
    /// Where a shared structure is used: `in`, `out` or `both`; absent on action inputs/outputs.
    #[serde(default)]
    pub usage: Option<Usage>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Usage {
    In,
    Out,
    Both,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Member {
    /// Wire name (`PhoneNumberSet`).
    pub name: String,
    #[serde(rename = "type")]
    pub kind: Kind,
    /// Element or detail type: a primitive name (`int64`, `string`, `datetime`...) or an object name.
    pub member: String,
    /// Required in requests. A few specs write 0/1.
    #[serde(default, deserialize_with = "bool_or_int")]
    pub required: bool,
    /// Always present in responses.
    #[serde(default)]
    pub output_required: bool,
    #[serde(default)]
    pub value_allowed_null: bool,
    /// Disabled members are not part of the API.
    #[serde(default)]
    pub disabled: bool,
    #[serde(default)]
    pub document: String,
    #[serde(default)]
    pub example: Option<String>,
}

/// The `type` of a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    Int,
    Float,
    Bool,
    List,
    Object,
    Binary,
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(match s.as_str() {
            "string" => Kind::String,
            "int" => Kind::Int,
            "float" => Kind::Float,
            "bool" => Kind::Bool,
            "list" => Kind::List,
            "object" => Kind::Object,
            "binary" => Kind::Binary,
            _ => return Err(serde::de::Error::custom(format_args!("unknown type {s:?}"))),
        })
    }
}

fn bool_or_int<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum B {
        B(bool),
        I(i64),
    }
    Ok(match B::deserialize(d)? {
        B::B(b) => b,
        B::I(i) => i != 0,
    })
}

/// A scalar the wire carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Primitive {
    String,
    Int64,
    UInt64,
    Float,
    Bool,
    /// `2006-01-02 15:04:05`, carried as a string.
    DateTime,
    /// `2006-01-02`, carried as a string.
    Date,
    /// ISO 8601 / RFC 3339, carried as a string.
    DateTimeIso,
    /// Base64 text on the JSON wire.
    Binary,
}

impl Primitive {
    fn parse(s: &str) -> Option<Primitive> {
        Some(match s {
            "string" => Primitive::String,
            "int64" => Primitive::Int64,
            "uint64" => Primitive::UInt64,
            "float" => Primitive::Float,
            "bool" => Primitive::Bool,
            "datetime" => Primitive::DateTime,
            "date" => Primitive::Date,
            "datetime_iso" => Primitive::DateTimeIso,
            "binary" => Primitive::Binary,
            _ => return None,
        })
    }
}

/// The resolved type of a member: `type` and `member` together.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TypeRef {
    Primitive(Primitive),
    Object(String),
    List(Box<TypeRef>),
}

impl fmt::Display for TypeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeRef::Primitive(p) => write!(f, "{p:?}"),
            TypeRef::Object(o) => f.write_str(o),
            TypeRef::List(t) => write!(f, "list of {t}"),
        }
    }
}

impl Member {
    /// Resolve `type` + `member` into one type. `objects` is used to tell object names from typos.
    pub fn type_ref(&self, objects: &BTreeMap<String, Object>) -> Result<TypeRef, String> {
        let element = || -> Result<TypeRef, String> {
            if let Some(p) = Primitive::parse(&self.member) {
                Ok(TypeRef::Primitive(p))
            } else if objects.contains_key(&self.member) {
                Ok(TypeRef::Object(self.member.clone()))
            } else {
                Err(format!(
                    "unknown member type {:?} (not a primitive nor an object of this spec)",
                    self.member
                ))
            }
        };
        let primitive = |allowed: &[Primitive]| -> Result<TypeRef, String> {
            match Primitive::parse(&self.member) {
                Some(p) if allowed.contains(&p) => Ok(TypeRef::Primitive(p)),
                _ => Err(format!("member {:?} does not fit type {:?}", self.member, self.kind)),
            }
        };
        match self.kind {
            Kind::String => primitive(&[
                Primitive::String,
                Primitive::DateTime,
                Primitive::Date,
                Primitive::DateTimeIso,
            ]),
            Kind::Int => primitive(&[Primitive::Int64, Primitive::UInt64]),
            Kind::Float => primitive(&[Primitive::Float]),
            Kind::Bool => primitive(&[Primitive::Bool]),
            Kind::Binary => primitive(&[Primitive::Binary, Primitive::String]),
            Kind::List => Ok(TypeRef::List(Box::new(element()?))),
            Kind::Object => match element()? {
                t @ TypeRef::Object(_) => Ok(t),
                _ => Err(format!("type object needs an object name, got {:?}", self.member)),
            },
        }
    }
}

/// `examples.json`: request/response examples per action.
#[derive(Debug, Clone, Deserialize)]
pub struct Examples {
    pub actions: BTreeMap<String, Vec<Example>>,
    #[serde(default)]
    pub version: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Example {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub document: String,
    /// A whole HTTP request as text: request line, headers, blank line, JSON body.
    pub input: String,
    /// The JSON response (`{"Response": {...}}`).
    pub output: String,
}

impl Example {
    /// The JSON body of the example request (the text after the first blank line), if any.
    pub fn request_body(&self) -> Option<&str> {
        let body = self.input.split_once("\n\n").map(|(_, b)| b)?.trim();
        body.starts_with('{').then_some(body)
    }
}

/// One entry of `errorcodes.json`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ErrorCode {
    /// Wire code (`FailedOperation.InsufficientBalanceInSmsPackage`).
    pub code: String,
    pub description: String,
}

/// The English description of a version, next to its `api.json`.
pub const ENGLISH_FILE: &str = "api_en.json";

/// The documentation part of an `api.json` in another language ([`ENGLISH_FILE`]): names and documents of
/// actions, objects and members, looked up by the wire names of the main `api.json`. Types, flags and
/// anything else in the file are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ApiDocs {
    #[serde(default)]
    pub actions: BTreeMap<String, ActionDocs>,
    #[serde(default)]
    pub objects: BTreeMap<String, ObjectDocs>,
    pub metadata: DocsMetadata,
}

/// What [`ApiDocs`] reads of `metadata`: the version, to refuse a file of another version.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DocsMetadata {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
}

/// An action's title and document in another language.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ActionDocs {
    /// Title (`Sends SMS messages`).
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub document: String,
}

/// An object's document and its members' documents in another language.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ObjectDocs {
    #[serde(default)]
    pub document: String,
    #[serde(default)]
    pub members: Vec<MemberDocs>,
}

/// A member's document in another language, found by wire name.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MemberDocs {
    pub name: String,
    #[serde(default)]
    pub document: String,
}

impl ObjectDocs {
    /// The document of member `name` (wire name), if the file has that member.
    pub fn member(&self, name: &str) -> Option<&str> {
        self.members
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.document.as_str())
    }
}

impl ApiDocs {
    /// Parse an [`ENGLISH_FILE`] text (`file` is only used in errors).
    pub fn parse(file: &Path, text: &str) -> Result<ApiDocs, SpecError> {
        parse_json(file, text)
    }
}

/// Everything we know about one product version: `api-specs/<product>/<dir>/`.
#[derive(Debug, Clone)]
pub struct ProductVersion {
    /// Product name from the directory (`sms`): names the crate. The signing service and endpoint prefix
    /// are `api.metadata.service_short_name`, which differs for a few products (`autoscaling` → `as`).
    pub product: String,
    /// Version directory name (`v20210111`): also the Rust module name.
    pub module: String,
    pub dir: PathBuf,
    pub api: ApiSpec,
    pub examples: Examples,
    pub error_codes: Vec<ErrorCode>,
    /// Names and documents in English ([`ENGLISH_FILE`]), when the version has that file.
    pub english: Option<ApiDocs>,
    /// Actions that may answer as a stream of events, from the spec root's [`STREAMING_FILE`] (empty when
    /// there is none or it does not list this version).
    pub streaming: BTreeSet<String>,
}

/// The spec root's list of streaming actions (`api-specs/streaming-actions.json`, written by
/// `tools/streaming_actions.py` from the official Python SDK's clients): data, not a list in code.
pub const STREAMING_FILE: &str = "streaming-actions.json";

/// The contents of [`STREAMING_FILE`].
#[derive(Debug, Clone, Deserialize)]
pub struct StreamingActions {
    /// The package scanned (`tencentcloud-sdk-python 3.1.195`).
    pub source: String,
    /// Product → version directory (`v20230901`) → action names.
    pub products: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
}

impl StreamingActions {
    pub fn parse(file: &Path, text: &str) -> Result<StreamingActions, SpecError> {
        parse_json(file, text)
    }

    pub fn load(file: &Path) -> Result<StreamingActions, SpecError> {
        read_json(file)
    }

    /// The streaming actions of one product version (`hunyuan`, `v20230901`).
    pub fn actions(&self, product: &str, module: &str) -> BTreeSet<String> {
        self.products
            .get(product)
            .and_then(|versions| versions.get(module))
            .cloned()
            .unwrap_or_default()
    }
}

fn read_json<T: serde::de::DeserializeOwned>(file: &Path) -> Result<T, SpecError> {
    let text = std::fs::read_to_string(file).map_err(|e| SpecError::new(file, "", format!("cannot read: {e}")))?;
    parse_json(file, &text)
}

/// Parse `text` as the contents of `file` (the name is only used in errors).
pub fn parse_json<T: serde::de::DeserializeOwned>(file: &Path, text: &str) -> Result<T, SpecError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let path = if path == "." { String::new() } else { path };
        let msg = match inner.classify() {
            serde_json::error::Category::Data => strip_position(&inner.to_string()),
            _ => inner.to_string(),
        };
        SpecError::new(file, path, msg)
    })
}

// serde_json appends " at line L column C" to data errors; the JSON path already says where.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

impl ApiSpec {
    /// Parse and check an `api.json` text.
    pub fn parse(file: &Path, text: &str) -> Result<ApiSpec, SpecError> {
        let spec: ApiSpec = parse_json(file, text)?;
        spec.check(file)?;
        Ok(spec)
    }

    pub fn load(file: &Path) -> Result<ApiSpec, SpecError> {
        let spec: ApiSpec = read_json(file)?;
        spec.check(file)?;
        Ok(spec)
    }

    /// References resolve and every member's type is one we know.
    pub fn check(&self, file: &Path) -> Result<(), SpecError> {
        for (name, action) in &self.actions {
            for (field, object) in [("input", &action.input), ("output", &action.output)] {
                if !self.objects.contains_key(object) {
                    return Err(SpecError::new(
                        file,
                        format!("actions.{name}.{field}"),
                        format!("unknown object {object:?}"),
                    ));
                }
            }
        }
        for (name, object) in &self.objects {
            for (i, m) in object.members.iter().enumerate() {
                m.type_ref(&self.objects)
                    .map_err(|msg| SpecError::new(file, format!("objects.{name}.members[{i}].member"), msg))?;
            }
        }
        Ok(())
    }

    /// The resolved type of `objects[object].members[index]`. Only valid after [`ApiSpec::check`].
    pub fn member_type(&self, member: &Member) -> TypeRef {
        member
            .type_ref(&self.objects)
            .expect("checked when the spec was loaded")
    }
}

impl ProductVersion {
    /// Load `dir` = `api-specs/<product>/<version>/`.
    pub fn load(dir: &Path) -> Result<ProductVersion, SpecError> {
        let name = |p: &Path| p.file_name().and_then(|n| n.to_str()).map(str::to_owned);
        let module = name(dir).ok_or_else(|| SpecError::new(dir, "", "not a version directory"))?;
        let product = dir
            .parent()
            .and_then(name)
            .ok_or_else(|| SpecError::new(dir, "", "not under a product directory"))?;
        let read = |file: &str| {
            let path = dir.join(file);
            std::fs::read_to_string(&path).map_err(|e| SpecError::new(&path, "", format!("cannot read: {e}")))
        };
        let error_codes = match dir.join("errorcodes.json").exists() {
            true => Some(read("errorcodes.json")?),
            false => None,
        };
        let api = read("api.json")?;
        let examples = match read("examples.json") {
            Ok(text) => text,
            // A broken api.json is the first thing to report.
            Err(e) => return Err(ApiSpec::parse(&dir.join("api.json"), &api).err().unwrap_or(e)),
        };
        let english = match dir.join(ENGLISH_FILE).exists() {
            true => Some(read(ENGLISH_FILE)?),
            false => None,
        };
        let texts = SpecTexts {
            api: &api,
            examples: &examples,
            error_codes: error_codes.as_deref(),
        };
        let mut pv = ProductVersion::from_texts(dir, &product, &module, &texts)?;
        let streaming = dir
            .parent()
            .and_then(Path::parent)
            .map(|root| root.join(STREAMING_FILE));
        if let Some(file) = streaming.filter(|f| f.exists()) {
            pv.streaming = StreamingActions::load(&file)?.actions(&product, &module);
        }
        match english {
            Some(text) => pv.with_english(&text),
            None => Ok(pv),
        }
    }

    /// Add the English names and documents from the text of an [`ENGLISH_FILE`] (read as if it were in
    /// `dir`). The file must describe the same `apiVersion` as `api.json`: a file copied into the wrong
    /// version folder would otherwise attach the wrong words to matching names.
    pub fn with_english(mut self, text: &str) -> Result<ProductVersion, SpecError> {
        let file = self.dir.join(ENGLISH_FILE);
        let docs = ApiDocs::parse(&file, text)?;
        if docs.metadata.api_version != self.api.metadata.api_version {
            return Err(SpecError::new(
                &file,
                "metadata.apiVersion",
                format!(
                    "{:?} differs from {:?} in api.json",
                    docs.metadata.api_version, self.api.metadata.api_version
                ),
            ));
        }
        self.english = Some(docs);
        Ok(self)
    }

    /// Parse one version from the texts of its files, as if they were in `dir` (used in errors only): for
    /// specs compiled into a program (the emulator's bundle). English documents, if wanted, are added with
    /// [`ProductVersion::with_english`].
    pub fn from_texts(
        dir: &Path,
        product: &str,
        module: &str,
        texts: &SpecTexts<'_>,
    ) -> Result<ProductVersion, SpecError> {
        // The directory name is the crate's product name; `metadata.serviceShortName` is the signing service
        // and endpoint prefix. They differ for a few products (autoscaling → "as"), so no check here.
        let api = ApiSpec::parse(&dir.join("api.json"), texts.api)?;
        let examples: Examples = parse_json(&dir.join("examples.json"), texts.examples)?;
        let error_codes = match texts.error_codes {
            Some(text) => parse_json(&dir.join("errorcodes.json"), text)?,
            None => Vec::new(),
        };
        Ok(ProductVersion {
            product: product.to_owned(),
            module: module.to_owned(),
            dir: dir.to_path_buf(),
            api,
            examples,
            error_codes,
            english: None,
            streaming: BTreeSet::new(),
        })
    }
}

/// The contents of one version's files: `api.json`, `examples.json` and, when there is one,
/// `errorcodes.json`.
#[derive(Debug, Clone, Copy)]
pub struct SpecTexts<'a> {
    pub api: &'a str,
    pub examples: &'a str,
    pub error_codes: Option<&'a str>,
}

/// Every `<root>/<product>/<version>/api.json`, sorted by product then version.
pub fn discover(root: &Path) -> Result<Vec<ProductVersion>, SpecError> {
    spec_dirs(root)?.iter().map(|d| ProductVersion::load(&d.dir)).collect()
}

/// One `<root>/<product>/<version>/` directory that holds an `api.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecDir {
    /// `sms`.
    pub product: String,
    /// The version directory's name, `v20210111`.
    pub module: String,
    pub dir: PathBuf,
}

/// Every spec directory under `root`, sorted by product then version, without loading any: the one
/// discovery rule, for callers that load each spec themselves and go on past a bad one (`gen-all`).
pub fn spec_dirs(root: &Path) -> Result<Vec<SpecDir>, SpecError> {
    let list = |d: &Path| -> Result<Vec<PathBuf>, SpecError> {
        let rd = std::fs::read_dir(d).map_err(|e| SpecError::new(d, "", format!("cannot list: {e}")))?;
        let mut v: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        v.sort();
        Ok(v)
    };
    let name = |p: &Path| p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
    let mut dirs = Vec::new();
    for product in list(root)? {
        for version in list(&product)? {
            if version.join("api.json").is_file() {
                dirs.push(SpecDir {
                    product: name(&product),
                    module: name(&version),
                    dir: version,
                });
            }
        }
    }
    Ok(dirs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_actions_per_version_and_errors_naming_the_path() {
        let file = Path::new("api-specs/streaming-actions.json");
        let text =
            r#"{"source":"sdk 1","rule":"r","products":{"hunyuan":{"v20230901":["ChatCompletions","FilesList"]}}}"#;
        let list = StreamingActions::parse(file, text).unwrap();
        assert_eq!(list.source, "sdk 1");
        let actions: Vec<String> = list.actions("hunyuan", "v20230901").into_iter().collect();
        assert_eq!(actions, ["ChatCompletions", "FilesList"]);
        assert!(list.actions("hunyuan", "v20990101").is_empty());
        assert!(list.actions("sms", "v20210111").is_empty());
        let e = StreamingActions::parse(file, r#"{"source":"s","products":{"hunyuan":{"v1":[1]}}}"#).unwrap_err();
        assert_eq!(e.path, "products.hunyuan.v1[0]");
    }

    #[test]
    fn the_repository_lists_hunyuan_chat_completions_as_streaming() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../api-specs");
        let pv = ProductVersion::load(&root.join("hunyuan/v20230901")).unwrap();
        assert!(pv.streaming.contains("ChatCompletions"));
        let pv = ProductVersion::load(&root.join("sms/v20210111")).unwrap();
        assert!(pv.streaming.is_empty());
    }

    fn spec_with_member(member: &str) -> String {
        format!(
            r#"{{"actions":{{"A":{{"input":"AReq","output":"AResp","document":"","name":"a","status":"online"}}}},
                "objects":{{"AReq":{{"document":"","members":[{member}]}},"AResp":{{"document":"","members":[]}}}},
                "metadata":{{"apiVersion":"2021-01-11","serviceShortName":"sms"}},"version":"1.0"}}"#
        )
    }

    #[test]
    fn spec_dirs_lists_version_dirs_with_an_api_json_sorted() {
        let root = std::env::temp_dir().join(format!("tc-spec-dirs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for (d, api) in [
            ("vpc/v20170312", true),
            ("cvm/v20170312", true),
            ("cvm/notes", false),
            ("sms/v20210111", true),
        ] {
            std::fs::create_dir_all(root.join(d)).unwrap();
            if api {
                std::fs::write(root.join(d).join("api.json"), "not json").unwrap();
            }
        }
        let found: Vec<(String, String)> = spec_dirs(&root)
            .unwrap()
            .into_iter()
            .map(|d| (d.product, d.module))
            .collect();
        let expected = [("cvm", "v20170312"), ("sms", "v20210111"), ("vpc", "v20170312")];
        assert_eq!(found, expected.map(|(p, m)| (p.to_owned(), m.to_owned())));
        // Loading is separate: the first broken spec names its file.
        let err = discover(&root).unwrap_err().to_string();
        assert!(err.contains("cvm") && err.contains("api.json"), "{err}");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn unknown_type_names_file_and_path() {
        let text = spec_with_member(r#"{"name":"X","type":"blob","member":"string"}"#);
        let err = ApiSpec::parse(Path::new("api-specs/sms/v20210111/api.json"), &text).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"api-specs/sms/v20210111/api.json: objects.AReq.members[0].type: unknown type "blob""#
        );
    }

    #[test]
    fn unknown_member_object_is_reported() {
        let text = spec_with_member(r#"{"name":"X","type":"object","member":"Nope"}"#);
        let err = ApiSpec::parse(Path::new("f.json"), &text).unwrap_err();
        assert_eq!(err.path, "objects.AReq.members[0].member");
        assert!(err.message.contains("\"Nope\""), "{err}");
    }

    #[test]
    fn int_with_string_member_is_rejected() {
        let text = spec_with_member(r#"{"name":"X","type":"int","member":"string"}"#);
        let err = ApiSpec::parse(Path::new("f.json"), &text).unwrap_err();
        assert!(err.to_string().contains("does not fit type Int"), "{err}");
    }

    #[test]
    fn missing_field_and_bad_json_are_reported() {
        let err = ApiSpec::parse(Path::new("f.json"), r#"{"actions":{},"objects":{}}"#).unwrap_err();
        assert!(err.to_string().starts_with("f.json: "), "{err}");
        assert!(err.message.contains("metadata"), "{err}");
        let err = ApiSpec::parse(Path::new("f.json"), "{").unwrap_err();
        assert!(err.message.contains("EOF"), "{err}");
    }

    #[test]
    fn missing_action_input_is_reported() {
        let text = r#"{"actions":{"A":{"input":"Gone","output":"Gone"}},"objects":{},
            "metadata":{"apiVersion":"x","serviceShortName":"sms"}}"#;
        let err = ApiSpec::parse(Path::new("f.json"), text).unwrap_err();
        assert_eq!(err.path, "actions.A.input");
    }

    #[test]
    fn required_accepts_ints() {
        let text = spec_with_member(r#"{"name":"X","type":"string","member":"string","required":1}"#);
        let spec = ApiSpec::parse(Path::new("f.json"), &text).unwrap();
        assert!(spec.objects["AReq"].members[0].required);
    }

    fn write_version(root: &Path, english: Option<&str>) -> PathBuf {
        let dir = root.join("sms/v20210111");
        let _ = std::fs::remove_dir_all(root);
        std::fs::create_dir_all(&dir).unwrap();
        let api = spec_with_member(r#"{"name":"X","type":"string","member":"string","document":"某值"}"#);
        std::fs::write(dir.join("api.json"), api).unwrap();
        std::fs::write(dir.join("examples.json"), r#"{"actions":{}}"#).unwrap();
        if let Some(text) = english {
            std::fs::write(dir.join(ENGLISH_FILE), text).unwrap();
        }
        dir
    }

    #[test]
    fn english_docs_load_when_the_file_is_there() {
        let root = std::env::temp_dir().join(format!("tc-spec-english-{}", std::process::id()));
        let dir = write_version(&root, None);
        assert!(ProductVersion::load(&dir).unwrap().english.is_none());

        let english = r#"{"actions":{"A":{"name":"Does A","document":"A does.","input":"AReq","status":"online"}},
            "objects":{"AReq":{"document":"A request.","members":[{"name":"X","type":"string","document":"A value."}]}},
            "metadata":{"apiVersion":"2021-01-11","serviceShortName":"sms"}}"#;
        let dir = write_version(&root, Some(english));
        let pv = ProductVersion::load(&dir).unwrap();
        let docs = pv.english.as_ref().unwrap();
        assert_eq!(docs.actions["A"].name, "Does A");
        assert_eq!(docs.objects["AReq"].document, "A request.");
        assert_eq!(docs.objects["AReq"].member("X"), Some("A value."));
        assert_eq!(docs.objects["AReq"].member("Y"), None);
        // The Chinese spec is untouched.
        assert_eq!(pv.api.objects["AReq"].members[0].document, "某值");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_bad_english_file_names_file_and_path() {
        let root = std::env::temp_dir().join(format!("tc-spec-english-bad-{}", std::process::id()));
        let dir = write_version(
            &root,
            Some(r#"{"objects":{"AReq":{"members":[{"document":"no name"}]}},"metadata":{"apiVersion":"x"}}"#),
        );
        let err = ProductVersion::load(&dir).unwrap_err();
        assert!(err.file.ends_with("sms/v20210111/api_en.json"), "{err}");
        assert_eq!(err.path, "objects.AReq.members[0]");
        assert!(err.message.contains("`name`"), "{err}");

        let other_version = r#"{"metadata":{"apiVersion":"2019-07-11"}}"#;
        let dir = write_version(&root, Some(other_version));
        let err = ProductVersion::load(&dir).unwrap_err();
        assert_eq!(err.path, "metadata.apiVersion");
        assert!(
            err.to_string().contains(r#""2019-07-11" differs from "2021-01-11""#),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn real_sms_specs_load() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../api-specs");
        let all = discover(&root).unwrap();
        let v = all
            .iter()
            .find(|p| p.product == "sms" && p.module == "v20210111")
            .unwrap();
        assert_eq!(v.api.actions.len(), 20);
        assert_eq!(v.error_codes.len(), 94);
        let send = &v.examples.actions["SendSms"][0];
        let body: serde_json::Value = serde_json::from_str(send.request_body().unwrap()).unwrap();
        assert_eq!(body["SmsSdkAppId"], "1400006666");
        let english = v.english.as_ref().expect("sms 2021-01-11 has an api_en.json");
        assert_eq!(english.actions["SendSms"].name, "Sends SMS messages");
    }
}
