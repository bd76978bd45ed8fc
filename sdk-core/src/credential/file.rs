//! Credentials from files: the SDKs' INI profile file and tccli's per-profile JSON files.
//!
//! Both are read again at every request (a few hundred bytes), so an edited file is picked up without a
//! restart. Errors name the file, and the line or key, never a value.

use std::path::{Path, PathBuf};

use super::{ini, message_of, Credential, CredentialFuture, ProvideCredential, Unavailable};
use crate::error::Error;
use crate::safe_file;

/// Variable naming the profile file to use instead of the default locations.
pub const CREDENTIALS_FILE: &str = "TENCENTCLOUD_CREDENTIALS_FILE";
/// Variable naming the `[profile]` of the profile file (default `default`).
pub const PROFILE: &str = "TENCENTCLOUD_PROFILE";
/// Variable naming tccli's profile, i.e. the file `~/.tccli/<profile>.credential` (default `default`).
pub const TCCLI_PROFILE: &str = "TCCLI_PROFILE";
/// The system-wide profile file, tried after `~/.tencentcloud/credentials`.
pub const SYSTEM_CREDENTIALS_FILE: &str = "/etc/tencentcloud/credentials";
/// The profile used when none is named.
pub const DEFAULT_PROFILE: &str = "default";

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// `$HOME` (or `%USERPROFILE%`), unless overridden.
fn home_dir(over: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = over {
        return Some(p.to_owned());
    }
    ["HOME", "USERPROFILE"]
        .into_iter()
        .find_map(|v| std::env::var_os(v).filter(|h| !h.is_empty()))
        .map(PathBuf::from)
}

/// Largest credential or token file read: a profile file with a few profiles, or a JWT, is a few KiB.
pub const MAX_CREDENTIAL_FILE_BYTES: u64 = 64 * 1024;

fn read(kind: &str, path: &Path) -> Result<String, Unavailable> {
    read_capped(path)
        .map_err(|message| Unavailable::broken(Error::credential(format!("{kind} {}: {message}", path.display()))))
}

/// Runs a file-reading probe on tokio's blocking pool when there is a runtime (the runtime's own threads
/// never wait on a disk), inline otherwise.
pub(crate) async fn probe_off_runtime<P>(
    provider: &P,
    probe: fn(&P) -> Result<Credential, Unavailable>,
) -> Result<Credential, Unavailable>
where
    P: Clone + Send + 'static,
{
    if tokio::runtime::Handle::try_current().is_err() {
        return probe(provider);
    }
    let owned = provider.clone();
    tokio::task::spawn_blocking(move || probe(&owned))
        .await
        .unwrap_or_else(|e| {
            Err(Unavailable::broken(Error::credential(format!(
                "credential file reader failed: {e}"
            ))))
        })
}

/// Files read before, by path: (modified time, length, text). A file whose metadata did not change is not
/// read again; the few credential paths a process uses bound its size.
type Snapshots = std::collections::HashMap<std::path::PathBuf, (std::time::SystemTime, u64, String)>;
static SNAPSHOTS: std::sync::Mutex<Option<Snapshots>> = std::sync::Mutex::new(None);

/// Reads a small regular file as text ([`crate::safe_file`]'s rules, [`MAX_CREDENTIAL_FILE_BYTES`]). A file
/// whose modified time and length (of the opened handle) are those of the last read is served from that
/// read.
pub(crate) fn read_capped(path: &Path) -> Result<String, String> {
    let file = safe_file::open_nonblocking(path).map_err(|e| format!("cannot read: {e}"))?;
    let meta = safe_file::checked_len(&file, MAX_CREDENTIAL_FILE_BYTES)?;
    // File times are coarse (a clock tick): a file changed within the last 2 s could change again with the
    // same time and length, so it is only served from a snapshot once it has been quiet that long.
    let modified = meta
        .modified()
        .ok()
        .filter(|m| m.elapsed().is_ok_and(|age| age > std::time::Duration::from_secs(2)));
    let lock = || SNAPSHOTS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(modified) = modified {
        if let Some((m, len, text)) = lock().as_ref().and_then(|s| s.get(path)) {
            if *m == modified && *len == meta.len() {
                return Ok(text.clone());
            }
        }
    }
    let bytes = safe_file::read_at_most(file, MAX_CREDENTIAL_FILE_BYTES)?;
    let text = String::from_utf8(bytes).map_err(|_| "cannot read: not UTF-8 text".to_owned())?;
    if let Some(modified) = modified {
        lock()
            .get_or_insert_with(Default::default)
            .insert(path.to_path_buf(), (modified, meta.len(), text.clone()));
    }
    Ok(text)
}

/// The INI profile file of the official SDKs:
///
/// ```ini
/// [default]
/// secret_id = AKID...
/// secret_key = ...
/// token = ...        ; optional, for temporary credentials
/// ```
///
/// Which file: the one given with [`path`](Self::path), else `$TENCENTCLOUD_CREDENTIALS_FILE` (both must
/// exist), else the first that exists of `~/.tencentcloud/credentials` and `/etc/tencentcloud/credentials`.
/// Which profile: the one given with [`profile`](Self::profile), else `$TENCENTCLOUD_PROFILE`, else
/// `default`. A file that exists but lacks the profile or a key is an error, not "no credential here".
#[derive(Debug, Clone)]
pub struct ProfileFileProvider {
    path: Option<PathBuf>,
    home: Option<PathBuf>,
    system_path: Option<PathBuf>,
    profile: Option<String>,
}

impl Default for ProfileFileProvider {
    fn default() -> Self {
        ProfileFileProvider {
            path: None,
            home: None,
            system_path: Some(PathBuf::from(SYSTEM_CREDENTIALS_FILE)),
            profile: None,
        }
    }
}

impl ProfileFileProvider {
    /// The default locations and profile, resolved at each request.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads exactly this file (which must exist).
    pub fn path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Uses this profile instead of `$TENCENTCLOUD_PROFILE` / `default`.
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }

    /// Uses this directory instead of `$HOME` for `~/.tencentcloud/credentials`.
    pub fn home_dir(mut self, home: impl Into<PathBuf>) -> Self {
        self.home = Some(home.into());
        self
    }

    /// Replaces `/etc/tencentcloud/credentials`; `None` skips the system-wide file.
    pub fn system_path(mut self, path: Option<PathBuf>) -> Self {
        self.system_path = path;
        self
    }

    fn profile_name(&self) -> String {
        self.profile
            .clone()
            .or_else(|| env_nonempty(PROFILE))
            .unwrap_or_else(|| DEFAULT_PROFILE.to_owned())
    }

    fn locate(&self) -> Result<PathBuf, Unavailable> {
        if let Some(p) = &self.path {
            return Ok(p.clone());
        }
        if let Some(p) = env_nonempty(CREDENTIALS_FILE) {
            return Ok(PathBuf::from(p));
        }
        let mut tried = Vec::new();
        let home = home_dir(self.home.as_deref()).map(|h| h.join(".tencentcloud").join("credentials"));
        for candidate in home.into_iter().chain(self.system_path.clone()) {
            if candidate.exists() {
                return Ok(candidate);
            }
            tried.push(candidate.display().to_string());
        }
        let message = if tried.is_empty() {
            format!("{CREDENTIALS_FILE} is not set and there is no home directory")
        } else {
            format!(
                "{CREDENTIALS_FILE} is not set and there is no file at {}",
                tried.join(" or ")
            )
        };
        Err(Unavailable::not_configured(message))
    }

    pub(crate) fn probe(&self) -> Result<Credential, Unavailable> {
        let path = self.locate()?;
        let profile = self.profile_name();
        let text = read("profile file", &path)?;
        profile_from_text(&text, &profile)
            .map_err(|what| Unavailable::broken(Error::credential(format!("profile file {}: {what}", path.display()))))
    }
}

/// The credential of `[profile]` in the text of a profile file, or what is wrong (a line number or a key,
/// never a value). The parser of outside bytes behind [`ProfileFileProvider`].
pub(crate) fn profile_from_text(text: &str, profile: &str) -> Result<Credential, String> {
    let sections = ini::parse(text).map_err(|e| format!("line {}: {}", e.line, e.message))?;
    let Some(section) = sections.iter().rev().find(|s| s.name == profile) else {
        let names: Vec<&str> = sections.iter().map(|s| s.name.as_str()).collect();
        let names = if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        };
        return Err(format!("no [{profile}] profile (profiles: {names})"));
    };
    let get = |key: &str| {
        section
            .get(key)
            .filter(|(v, _)| !v.is_empty())
            .ok_or_else(|| format!("[{profile}] has no `{key}`"))
    };
    let (id, id_line) = get("secret_id")?;
    let (key, key_line) = get("secret_key")?;
    let credential = Credential::new(id, key).map_err(|e| {
        // Say which line: the whitespace check names the field only.
        let line = if e.to_string().contains("SecretId") {
            id_line
        } else {
            key_line
        };
        format!("line {line}: {}", message_of(&e))
    })?;
    Ok(match section.get("token") {
        Some((token, _)) => credential.with_token(token),
        None => credential,
    })
}

impl ProvideCredential for ProfileFileProvider {
    fn provide_credential(&self) -> CredentialFuture<'_> {
        Box::pin(async move {
            probe_off_runtime(self, Self::probe)
                .await
                .map_err(Unavailable::into_error)
        })
    }
}

/// tccli's credential file `~/.tccli/<profile>.credential`: JSON with `secretId`, `secretKey` and an
/// optional `token`, as written by `tccli configure`.
///
/// Profile: the one given with [`profile`](Self::profile), else `$TCCLI_PROFILE`, else `default`.
#[derive(Debug, Clone, Default)]
pub struct TccliProvider {
    home: Option<PathBuf>,
    profile: Option<String>,
}

impl TccliProvider {
    /// `~/.tccli/<$TCCLI_PROFILE or default>.credential`, resolved at each request.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses this tccli profile.
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }

    /// Uses this directory instead of `$HOME`.
    pub fn home_dir(mut self, home: impl Into<PathBuf>) -> Self {
        self.home = Some(home.into());
        self
    }

    pub(crate) fn probe(&self) -> Result<Credential, Unavailable> {
        let profile = self
            .profile
            .clone()
            .or_else(|| env_nonempty(TCCLI_PROFILE))
            .unwrap_or_else(|| DEFAULT_PROFILE.to_owned());
        if profile.contains(['/', '\\']) || profile == ".." {
            return Err(Unavailable::broken(Error::credential(format!(
                "tccli profile name {profile:?} is not a file name"
            ))));
        }
        let Some(home) = home_dir(self.home.as_deref()) else {
            return Err(Unavailable::not_configured("no home directory for ~/.tccli"));
        };
        let path = home.join(".tccli").join(format!("{profile}.credential"));
        if !path.exists() {
            return Err(Unavailable::not_configured(format!("no file at {}", path.display())));
        }
        let text = read("tccli file", &path)?;
        tccli_from_text(&text)
            .map_err(|what| Unavailable::broken(Error::credential(format!("tccli file {}: {what}", path.display()))))
    }
}

/// The credential in the text of a tccli credential file, or what is wrong (a position or a key, never a
/// value). The parser of outside bytes behind [`TccliProvider`].
pub(crate) fn tccli_from_text(text: &str) -> Result<Credential, String> {
    // serde_json's message may quote a value: keep only the position.
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not valid JSON (line {}, column {})", e.line(), e.column()))?;
    let get = |key: &str| match json.get(key) {
        Some(serde_json::Value::String(s)) if !s.is_empty() => Ok(Some(s.as_str())),
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(_)) => Ok(None),
        Some(_) => Err(format!("`{key}` is not a string")),
    };
    let id = get("secretId")?.ok_or_else(|| "no `secretId`".to_owned())?;
    let key = get("secretKey")?.ok_or_else(|| "no `secretKey`".to_owned())?;
    let credential = Credential::new(id, key).map_err(|e| message_of(&e))?;
    Ok(match get("token")? {
        Some(token) => credential.with_token(token),
        None => credential,
    })
}

impl ProvideCredential for TccliProvider {
    fn provide_credential(&self) -> CredentialFuture<'_> {
        Box::pin(async move {
            probe_off_runtime(self, Self::probe)
                .await
                .map_err(Unavailable::into_error)
        })
    }
}
