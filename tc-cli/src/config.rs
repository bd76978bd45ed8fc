//! tccli's own files, read and written as tccli does: `~/.tccli/<profile>.configure` (JSON: `_sys_param`
//! with region, output, language...; one object per product with `version` and `endpoint`) and
//! `~/.tccli/<profile>.credential` (JSON: secretId, secretKey, token, role-arn, role-session-name, type).
//! The profile is `--profile`, else `TCCLI_PROFILE`, else `default`.
//!
//! `configure get` and `list` print secrets as tccli does: sixteen `*` and the last four characters.

use std::path::PathBuf;

use serde_json::{Map, Value};

use crate::error::CliError;

const SYS: &str = "_sys_param";
const SYS_KEYS: &[&str] = &[
    "region",
    "output",
    "arrayCount",
    "warning",
    "language",
    "request-client",
];
const CRED_KEYS: &[&str] = &[
    "secretId",
    "secretKey",
    "token",
    "role-arn",
    "role-session-name",
    "use-cvm-role",
];
const SECRET_KEYS: &[&str] = &["secretId", "secretKey", "token"];
/// Largest configuration file read.
const MAX_FILE: u64 = 1 << 20;

/// One profile's two files, as JSON objects (empty when a file does not exist).
#[derive(Debug, Default)]
pub struct Profile {
    pub name: String,
    pub configure: Map<String, Value>,
    pub credential: Map<String, Value>,
}

/// The profile name in force.
pub fn profile_name(flag: Option<&str>) -> String {
    flag.map(str::to_owned)
        .or_else(|| std::env::var("TCCLI_PROFILE").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "default".to_owned())
}

fn dir() -> Result<PathBuf, CliError> {
    let home = std::env::var_os("HOME").ok_or_else(|| CliError::config("HOME is not set: cannot find ~/.tccli"))?;
    Ok(PathBuf::from(home).join(".tccli"))
}

fn check_name(name: &str) -> Result<(), CliError> {
    let ok =
        !name.is_empty() && name.len() <= 128 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if ok && !name.starts_with('.') {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "profile name {name:?}: letters, digits, - _ . only"
        )))
    }
}

impl Profile {
    pub fn load(name: &str) -> Result<Profile, CliError> {
        check_name(name)?;
        let dir = dir()?;
        Ok(Profile {
            name: name.to_owned(),
            configure: read(&dir.join(format!("{name}.configure")))?,
            credential: read(&dir.join(format!("{name}.credential")))?,
        })
    }

    /// `_sys_param.<key>` as text.
    pub fn sys(&self, key: &str) -> Option<&str> {
        self.configure.get(SYS)?.get(key)?.as_str().filter(|s| !s.is_empty())
    }

    /// `<product>.<key>` (`version`, `endpoint`) as text.
    pub fn product(&self, product: &str, key: &str) -> Option<&str> {
        self.configure
            .get(product)?
            .get(key)?
            .as_str()
            .filter(|s| !s.is_empty())
    }

    pub fn credential(&self, key: &str) -> Option<&str> {
        self.credential.get(key)?.as_str().filter(|s| !s.is_empty())
    }
}

fn read(path: &std::path::Path) -> Result<Map<String, Value>, CliError> {
    use std::io::Read;
    // A FIFO or device would block or never end: only regular files are read.
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => return Err(CliError::config(format!("{} is not a regular file", path.display()))),
        _ => {}
    }
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Map::new()),
        Err(e) => return Err(CliError::config(format!("cannot read {}: {e}", path.display()))),
    };
    let mut text = String::new();
    file.take(MAX_FILE)
        .read_to_string(&mut text)
        .map_err(|e| CliError::config(format!("cannot read {}: {e}", path.display())))?;
    match serde_json::from_str(&text) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(CliError::config(format!("{} is not a JSON object", path.display()))),
    }
}

fn write(path: &std::path::Path, map: &Map<String, Value>) -> Result<(), CliError> {
    let fail = |e: std::io::Error| CliError::config(format!("cannot write {}: {e}", path.display()));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    let text = serde_json::to_string_pretty(map).map_err(|e| CliError::internal(e.to_string()))?;
    std::fs::write(path, text).map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(fail)?;
    }
    Ok(())
}

/// `configure set|get|list ...`: what to print.
pub fn run(words: &[String], profile: Option<&str>) -> Result<String, CliError> {
    let name = profile_name(profile);
    match words.first().map(String::as_str) {
        Some("set") => set(&name, &words[1..]),
        Some("get") => get(&name, &words[1..]),
        Some("list") => list(&name),
        _ => Err(CliError::usage(
            "usage: tcli configure set <name> <value> [...] | get <name> [...] | list [--profile p]",
        )),
    }
}

fn set(name: &str, pairs: &[String]) -> Result<String, CliError> {
    if pairs.is_empty() || !pairs.len().is_multiple_of(2) {
        return Err(CliError::usage(
            "configure set takes name value pairs: tcli configure set region ap-guangzhou",
        ));
    }
    let mut p = Profile::load(name)?;
    let mut cred_changed = false;
    let sys = p.configure.entry(SYS).or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(sys) = sys else {
        return Err(CliError::config("_sys_param in the configure file is not an object"));
    };
    let mut extra = Vec::new();
    for kv in pairs.chunks(2) {
        let (k, v) = (kv[0].as_str(), kv[1].clone());
        if k == "use-cvm-role" {
            let t = match v.to_ascii_lowercase().as_str() {
                "true" => "cvm-role",
                "false" => "default",
                _ => return Err(CliError::usage("use-cvm-role must be true or false")),
            };
            p.credential.insert("type".into(), Value::from(t));
            cred_changed = true;
        } else if CRED_KEYS.contains(&k) {
            p.credential.insert(k.into(), Value::from(v));
            cred_changed = true;
        } else if SYS_KEYS.contains(&k) {
            let v = match k {
                "output" if !["json", "text", "table"].contains(&v.as_str()) => "json".to_owned(),
                _ => v,
            };
            sys.insert(k.into(), Value::from(v));
        } else {
            extra.push((k, v));
        }
    }
    add_product_defaults(&mut p.configure);
    for (k, v) in extra {
        let (product, key) = k
            .split_once('.')
            .filter(|(_, key)| *key == "version" || *key == "endpoint")
            .ok_or_else(|| CliError::usage(format!("unknown setting `{k}`: {}", settable())))?;
        let entry = p.configure.entry(product).or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = entry {
            m.insert(key.into(), Value::from(v));
        }
    }
    let dir = dir()?;
    write(&dir.join(format!("{name}.configure")), &p.configure)?;
    if cred_changed {
        write(&dir.join(format!("{name}.credential")), &p.credential)?;
    }
    Ok(String::new())
}

fn settable() -> String {
    format!(
        "{}, {}, <product>.version, <product>.endpoint",
        SYS_KEYS.join(", "),
        CRED_KEYS.join(", ")
    )
}

/// tccli records every product's endpoint and default version in the configure file.
fn add_product_defaults(conf: &mut Map<String, Value>) {
    for product in crate::specs::products() {
        if conf.contains_key(product) {
            continue;
        }
        let version = crate::specs::default_version(product);
        let mut m = Map::new();
        m.insert("endpoint".into(), Value::from(format!("{product}.tencentcloudapi.com")));
        m.insert("version".into(), Value::from(version.unwrap_or_default()));
        conf.insert(product.into(), Value::Object(m));
    }
}

/// Sixteen `*` and the last four characters, as tccli shows secrets.
pub fn mask(value: &str) -> String {
    let tail: String = value
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{}{tail}", "*".repeat(16))
}

fn shown(key: &str, value: &str) -> String {
    if SECRET_KEYS.contains(&key) {
        mask(value)
    } else {
        value.to_owned()
    }
}

fn get(name: &str, keys: &[String]) -> Result<String, CliError> {
    let p = Profile::load(name)?;
    let mut out = String::new();
    for k in keys {
        let value = p.sys(k).or_else(|| p.credential(k)).or_else(|| {
            let (product, key) = k.split_once('.')?;
            p.product(product, key)
        });
        let value = value.ok_or_else(|| CliError::config(format!("{k} in {name}.configure not exist")))?;
        out.push_str(&format!("{k} = {}\n", shown(k, value)));
    }
    Ok(out)
}

fn list(name: &str) -> Result<String, CliError> {
    let p = Profile::load(name)?;
    let mut out = String::from("credential:\n");
    for k in CRED_KEYS {
        if let Some(v) = p.credential(k) {
            out.push_str(&format!("{k} = {}\n", shown(k, v)));
        }
    }
    out.push_str("configure:\n");
    for k in SYS_KEYS {
        if let Some(v) = p.sys(k) {
            out.push_str(&format!("{k} = {v}\n"));
        }
    }
    let mut products: Vec<&String> = p.configure.keys().filter(|k| *k != SYS).collect();
    products.sort();
    for product in products {
        if let (Some(v), Some(e)) = (p.product(product, "version"), p.product(product, "endpoint")) {
            out.push_str(&format!("{product}.version = {v}\n{product}.endpoint = {e}\n"));
        }
    }
    Ok(out)
}
