//! Registry names for `cargo xtask dist`: the release workspace's crates are published under
//! `tencentcloud-api-<name>` ([`codegen::naming::registry_name`]), because the repository's package names
//! are taken on crates.io (`sdk-core`, and `tencentcloud-sdk-core`/`-sms`, `tencentcloud-sms` by unrelated
//! crates). Decisions (docs/release.md):
//!
//! * The repository keeps its package names (folder = package: `cargo test -p sdk-sms`); only the release
//!   workspace that `dist` writes is renamed, so nothing a developer types changes.
//! * Users keep writing `use sdk_sms::...`: each renamed manifest gets `[lib] name = "sdk_sms"`, and the
//!   workspace dependencies say `package = "tencentcloud-api-core"`, so `sdk_core::` paths inside the crates
//!   resolve as before.
//! * No `repository`/`homepage`: the project has no public repository yet, and a manifest must not point at
//!   one that does not exist. They are removed from every released manifest.

use std::path::Path;

/// Rename every crate of the release workspace `out` (its folders `crates`) and its workspace manifest.
pub fn apply(out: &Path, crates: &[String]) -> Result<(), String> {
    for krate in crates {
        let file = out.join(krate).join("Cargo.toml");
        let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        std::fs::write(&file, renamed_manifest(krate, &text)?).map_err(|e| format!("{}: {e}", file.display()))?;
    }
    let file = out.join("Cargo.toml");
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    std::fs::write(&file, renamed_workspace(&text, crates)).map_err(|e| format!("{}: {e}", file.display()))
}

/// A member manifest with its registry name, its library name kept, and no repository or homepage.
pub fn renamed_manifest(krate: &str, text: &str) -> Result<String, String> {
    let old = format!("name = \"{krate}\"");
    if !text.lines().any(|l| l.trim() == old) {
        return Err(format!("{krate}/Cargo.toml: no `{old}` line"));
    }
    let lib = krate.replace('-', "_");
    let mut out = String::new();
    let mut renamed = false;
    let mut lib_named = false;
    let mut section = "";
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            section = t;
        }
        // A `[lib]` that names itself already (the emulator's) gets the one name line written below.
        let lib_name_line = section == "[lib]" && t.split('=').next().is_some_and(|k| k.trim() == "name");
        if t.starts_with("repository") || t.starts_with("homepage") || lib_name_line {
            continue;
        }
        if t == old && !renamed {
            out.push_str(&format!("name = \"{}\"\n", codegen::naming::registry_name(krate)));
            renamed = true;
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if t == "[lib]" {
            out.push_str(&format!("name = \"{lib}\"\n"));
            lib_named = true;
        }
    }
    if !lib_named && has_library(text) {
        out.push_str(&format!("\n[lib]\nname = \"{lib}\"\n"));
    }
    Ok(out)
}

/// Binary-only crates (the CLI) have no library to name.
fn has_library(text: &str) -> bool {
    !text.contains("[[bin]]") || text.contains("[lib]")
}

/// The workspace manifest: dependencies on released crates say their registry `package`, and no
/// repository or homepage.
pub fn renamed_workspace(text: &str, crates: &[String]) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("repository") || t.starts_with("homepage") {
            continue;
        }
        let key = t.split_once(" = {").map(|(k, _)| k.trim());
        match key {
            Some(k) if crates.iter().any(|c| c == k) && t.ends_with('}') && !t.contains("package =") => {
                let body = t.trim_end_matches('}').trim_end();
                let registry = codegen::naming::registry_name(k);
                out.push_str(&format!("{body}, package = \"{registry}\" }}\n"));
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_is_renamed_and_keeps_its_library_name() {
        let text = "[package]\nname = \"sdk-sms\"\nrepository.workspace = true\nhomepage.workspace = true\n\n[dependencies]\nsdk-core.workspace = true\n";
        let out = renamed_manifest("sdk-sms", text).unwrap();
        assert!(out.contains("name = \"tencentcloud-api-sms\"\n"), "{out}");
        assert!(out.contains("[lib]\nname = \"sdk_sms\"\n"), "{out}");
        assert!(!out.contains("repository") && !out.contains("homepage"), "{out}");
        assert!(out.contains("sdk-core.workspace = true"), "{out}");
        let with_lib =
            renamed_manifest("tc-cli", "[package]\nname = \"tc-cli\"\n[lib]\npath = \"src/lib.rs\"\n").unwrap();
        assert_eq!(with_lib.matches("[lib]").count(), 1, "{with_lib}");
        assert!(with_lib.contains("[lib]\nname = \"tc_cli\"\npath"), "{with_lib}");
        let named_lib = renamed_manifest(
            "tc-emulator",
            "[package]\nname = \"tc-emulator\"\n[lib]\nname = \"tc_emulator\"\npath = \"src/lib.rs\"\n[[bin]]\nname = \"tc-emulator\"\n",
        )
        .unwrap();
        assert_eq!(named_lib.matches("name = \"tc_emulator\"").count(), 1, "{named_lib}");
        assert!(named_lib.contains("[[bin]]\nname = \"tc-emulator\""), "{named_lib}");
        assert!(renamed_manifest("sdk-x", "[package]\nname = \"other\"\n").is_err());
    }

    #[test]
    fn workspace_dependencies_name_their_registry_package() {
        let text = "[workspace.package]\nrepository = \"https://example.invalid\"\n[workspace.dependencies]\nsdk-core = { path = \"sdk-core\", version = \"0.1.0\" }\nserde = { version = \"1\" }\n";
        let out = renamed_workspace(text, &["sdk-core".to_string()]);
        assert!(
            out.contains(
                "sdk-core = { path = \"sdk-core\", version = \"0.1.0\", package = \"tencentcloud-api-core\" }"
            ),
            "{out}"
        );
        assert!(
            out.contains("serde = { version = \"1\" }") && !out.contains("repository"),
            "{out}"
        );
    }
}
