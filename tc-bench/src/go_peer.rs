//! The official Go SDK as a benchmark peer: builds `tc-bench/go_reference/main.go` (ours) against the Go
//! SDK's source, offline, with the machine's Go toolchain (Debian's `golang-go`).
//!
//! The Go SDK's source is not part of this repository: it is found at `TC_GO_SDK_SRC`, either a checkout
//! (a directory holding `tencentcloud/common` and `tencentcloud/sms`) or a git directory (a snapshot, read
//! with `git archive`). Without Go or the source, the peer is skipped and the reason printed.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The variable naming the Go SDK's source.
pub const SOURCE_VARIABLE: &str = "TC_GO_SDK_SRC";

/// The built peer, or why there is none.
pub fn build() -> Result<PathBuf, String> {
    let source = std::env::var_os(SOURCE_VARIABLE)
        .map(PathBuf::from)
        .ok_or_else(|| format!("{SOURCE_VARIABLE} is not set (a tencentcloud-sdk-go checkout or git directory)"))?;
    let go = which("go").ok_or("no `go` on PATH (Debian: apt-get install golang-go)")?;
    let work = std::env::temp_dir().join(format!("tc-bench-go-{}", std::process::id()));
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let sdk = sdk_tree(&source, &work)?;
    let program = concat!(env!("CARGO_MANIFEST_DIR"), "/go_reference/main.go");
    std::fs::copy(program, work.join("main.go")).map_err(|e| format!("{program}: {e}"))?;
    std::fs::write(work.join("go.mod"), go_mod(&sdk)).map_err(|e| format!("go.mod: {e}"))?;
    let output = Command::new(go)
        .args(["build", "-o", "go_reference", "."])
        .current_dir(&work)
        // Offline: the two modules come from `replace` directives, nothing from a proxy.
        .env("GOPROXY", "off")
        .env("GOFLAGS", "-mod=mod")
        .env("GOCACHE", work.join("cache"))
        .env("GOPATH", work.join("gopath"))
        .output()
        .map_err(|e| format!("go build: {e}"))?;
    if !output.status.success() {
        return Err(format!("go build failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    Ok(work.join("go_reference"))
}

/// The directory holding `tencentcloud/common` and `tencentcloud/sms` of the Go SDK.
fn sdk_tree(source: &Path, work: &Path) -> Result<PathBuf, String> {
    if source.join("tencentcloud/common").is_dir() {
        return Ok(source.to_owned());
    }
    let tree = work.join("sdk");
    std::fs::create_dir_all(&tree).map_err(|e| format!("{}: {e}", tree.display()))?;
    let archive = Command::new("git")
        .arg("--git-dir")
        .arg(source)
        .args(["archive", "HEAD", "tencentcloud/common", "tencentcloud/sms"])
        .output()
        .map_err(|e| format!("git archive: {e}"))?;
    if !archive.status.success() {
        return Err(format!(
            "{} is neither a checkout nor a git directory of tencentcloud-sdk-go",
            source.display()
        ));
    }
    let mut tar = Command::new("tar")
        .args(["-x", "-C"])
        .arg(&tree)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("tar: {e}"))?;
    std::io::Write::write_all(tar.stdin.as_mut().ok_or("tar stdin")?, &archive.stdout).map_err(|e| e.to_string())?;
    if !tar.wait().map_err(|e| e.to_string())?.success() {
        return Err("tar failed".to_owned());
    }
    Ok(tree)
}

fn go_mod(sdk: &Path) -> String {
    let module = "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud";
    format!(
        "module tc-bench/go_reference\n\ngo 1.19\n\nrequire (\n\t{module}/common v1.0.0\n\t{module}/sms v1.0.0\n)\n\n\
         replace {module}/common => {common}\n\nreplace {module}/sms => {sms}\n",
        common = sdk.join("tencentcloud/common").display(),
        sms = sdk.join("tencentcloud/sms").display(),
    )
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|path| path.is_file())
}
