//! `cargo xtask package <crate>...`: `cargo package` (with verification) of workspace crates that depend on
//! each other, safe to run again in a checkout at the same path.
//!
//! Why this exists: to verify crates that depend on unpublished crates of the same run, cargo puts them in a
//! temporary local registry under `target/package/tmp-registry` and unpacks each `.crate` it needs into
//! `$CARGO_HOME/registry/src/-<hash of that registry's path>/<name>-<version>/`. Cargo never unpacks a crate
//! again once that directory exists, so a later run in a fresh clone at the same path verifies against the
//! crates of the first run. CI failed exactly so: `sdk-hunyuan` was compiled against an `sdk-core` 0.1.0 from an
//! earlier run that had no `de::Members`. Before packaging we remove the unpacked copies of the crates being
//! packaged from every such local-registry directory (their names start with `-`; crates.io's never do).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Unpacked copies of `crates` left by earlier local-registry verifications under `cargo_home`.
pub fn stale_unpacked(cargo_home: &Path, crates: &[&str]) -> Vec<PathBuf> {
    let mut stale = Vec::new();
    let Ok(registries) = std::fs::read_dir(cargo_home.join("registry").join("src")) else {
        return stale;
    };
    for registry in registries.flatten() {
        if !registry.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(registry.path()) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if crates.iter().any(|c| is_version_of(&name, c)) {
                stale.push(entry.path());
            }
        }
    }
    stale.sort();
    stale
}

/// `sdk-core-0.1.0` is a version of `sdk-core`; `sdk-core-x-0.1.0`, `sdk-0.1.0` and `sdk-2fa-0.1.0` are not
/// versions of `sdk`.
fn is_version_of(dir: &str, krate: &str) -> bool {
    let Some(version) = dir.strip_prefix(krate).and_then(|rest| rest.strip_prefix('-')) else {
        return false;
    };
    let core = version.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Where cargo keeps its registries: `$CARGO_HOME`, else `~/.cargo`.
pub fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
}

/// Remove stale unpacked copies, then `cargo package -p <crate>...` in `workspace` (extra args appended).
pub fn run(workspace: &Path, crates: &[&str], extra: &[&str]) -> Result<(), String> {
    if crates.is_empty() {
        return Err("no crate to package".into());
    }
    if let Some(home) = cargo_home() {
        for dir in stale_unpacked(&home, crates) {
            std::fs::remove_dir_all(&dir).map_err(|e| format!("cannot remove stale {}: {e}", dir.display()))?;
        }
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.arg("package").current_dir(workspace);
    for krate in crates {
        cmd.args(["-p", krate]);
    }
    cmd.args(extra);
    let status = cmd.status().map_err(|e| format!("cannot run cargo package: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo package failed ({status})"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_only_our_crates_in_local_registries() {
        let home = std::env::temp_dir().join(format!("xtask-package-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&home);
        for dir in [
            "registry/src/-22c3805da5a543b4/sdk-core-0.1.0",
            "registry/src/-22c3805da5a543b4/tc-spec-0.1.0",
            "registry/src/-22c3805da5a543b4/sdk-core-extra-0.1.0",
            "registry/src/index.crates.io-1949cf8c6b5b557f/sdk-core-0.1.0",
            "registry/src/-14cd1cce6819ff87/sdk-hunyuan-0.2.0-rc.1",
            "registry/src/-14cd1cce6819ff87/sdk-core-2fa-0.1.0",
        ] {
            std::fs::create_dir_all(home.join(dir)).unwrap();
        }
        let found = stale_unpacked(&home, &["sdk-core", "sdk-hunyuan"]);
        let found: Vec<String> = found
            .iter()
            .map(|p| p.strip_prefix(&home).unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            found,
            [
                "registry/src/-14cd1cce6819ff87/sdk-hunyuan-0.2.0-rc.1",
                "registry/src/-22c3805da5a543b4/sdk-core-0.1.0"
            ]
        );
        std::fs::remove_dir_all(&home).unwrap();
    }
}
