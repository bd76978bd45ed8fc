//! `cargo xtask msrv`: the declared `rust-version` is true of the lockfile. Every package `cargo metadata`
//! resolves (dependencies of every kind, locked) must need no newer compiler than the workspace declares;
//! otherwise a user on the declared compiler gets a build error from a dependency instead of a clear
//! "requires rustc X" from cargo. The code itself is held to the declared version by clippy's
//! `incompatible_msrv` lint (CI denies warnings).

use serde_json::Value;

/// A version `major.minor[.patch]` as numbers, for comparing.
fn parse(v: &str) -> Option<(u64, u64, u64)> {
    let mut parts = v.trim().split('.').map(|p| p.parse::<u64>().ok());
    let major = parts.next()??;
    let minor = parts.next().unwrap_or(Some(0))?;
    let patch = parts.next().unwrap_or(Some(0))?;
    Some((major, minor, patch))
}

/// The packages of `metadata` (the JSON of `cargo metadata --format-version 1`) that need a newer compiler
/// than `declared`, as `name version (rust-version X)`, sorted.
pub fn too_new(metadata: &Value, declared: &str) -> Result<Vec<String>, String> {
    let limit = parse(declared).ok_or_else(|| format!("rust-version `{declared}` is not a version"))?;
    let packages = metadata["packages"].as_array().ok_or("cargo metadata: no `packages`")?;
    let mut out: Vec<String> = packages
        .iter()
        .filter_map(|p| {
            let needs = p["rust_version"].as_str()?;
            let (name, version) = (p["name"].as_str()?, p["version"].as_str()?);
            (parse(needs)? > limit).then(|| format!("{name} {version} (rust-version {needs})"))
        })
        .collect();
    out.sort();
    Ok(out)
}

/// The workspace's declared `rust-version` (`[workspace.package]`), from the root manifest's text.
pub fn declared(root_manifest: &str) -> Result<String, String> {
    let section = root_manifest
        .split("[workspace.package]")
        .nth(1)
        .ok_or("Cargo.toml: no [workspace.package]")?;
    let section = section.split("\n[").next().unwrap_or_default();
    section
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("rust-version")?
                .trim()
                .strip_prefix('=')
                .map(str::trim)
        })
        .map(|v| v.trim_matches('"').to_owned())
        .ok_or_else(|| "Cargo.toml: [workspace.package] has no rust-version".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_packages_that_need_a_newer_compiler() {
        let metadata = serde_json::json!({"packages": [
            {"name": "old", "version": "1.0.0", "rust_version": "1.70"},
            {"name": "new", "version": "2.0.0", "rust_version": "1.89.1"},
            {"name": "none", "version": "1.0.0", "rust_version": null},
        ]});
        assert_eq!(too_new(&metadata, "1.88").unwrap(), ["new 2.0.0 (rust-version 1.89.1)"]);
        assert!(too_new(&metadata, "1.90").unwrap().is_empty());
        assert!(too_new(&metadata, "x").is_err());
    }

    #[test]
    fn reads_the_declared_version() {
        let manifest = "[workspace]\nmembers = []\n\n[workspace.package]\nversion = \"0.1.0\"\nrust-version = \"1.88\"\n\n[workspace.dependencies]\nrust-version = \"no\"\n";
        assert_eq!(declared(manifest).unwrap(), "1.88");
        assert!(declared("[workspace]\n").is_err());
    }
}
