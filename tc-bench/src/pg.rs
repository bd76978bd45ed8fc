//! A throwaway PostgreSQL cluster for `bulk_campaign --stores`: a temporary directory, a loopback port,
//! trust authentication, `fsync` off (it measures the store's work, not the disk). The server refuses to
//! run as root, so as root its programs run as `nobody` through `setpriv`. (sdk-sms's
//! tests/bulk_postgres.rs starts its clusters the same way.)

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::process::Command;

const NOBODY: &str = "65534";

/// A running cluster; stopped and removed when dropped.
pub struct Cluster {
    root: PathBuf,
    bin: PathBuf,
    port: u16,
    drop_root: bool,
}

impl Cluster {
    /// Starts one (panics with the reason if it cannot: a benchmark has no other use for it).
    pub fn start() -> Cluster {
        let bin = PathBuf::from(std::env::var("PG_BIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into()));
        assert!(
            bin.join("initdb").is_file(),
            "no PostgreSQL in {} (set PG_BIN)",
            bin.display()
        );
        let root = std::env::temp_dir().join(format!("tc-bench-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("cluster directory");
        let drop_root = std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false);
        if drop_root {
            std::os::unix::fs::chown(&root, Some(65_534), Some(65_534)).expect("chown");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let cluster = Cluster {
            root,
            bin,
            port,
            drop_root,
        };
        let data = cluster.root.join("data").display().to_string();
        cluster.run(
            "initdb",
            &["-D", &data, "-U", "tc", "--auth=trust", "--no-sync", "-E", "UTF8"],
        );
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60",
            cluster.root.display()
        );
        let log = cluster.root.join("log").display().to_string();
        cluster.run("pg_ctl", &["-D", &data, "-l", &log, "-w", "-o", &options, "start"]);
        cluster
    }

    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if self.drop_root {
            let mut c = Command::new("setpriv");
            c.args([
                &format!("--reuid={NOBODY}"),
                &format!("--regid={NOBODY}"),
                "--clear-groups",
            ])
            .arg(program);
            c
        } else {
            Command::new(program)
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let out = self.command(program).args(args).output().expect(program);
        assert!(
            out.status.success(),
            "{program} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Creates a database; its URL.
    pub fn database(&self, name: &str) -> String {
        let port = self.port.to_string();
        self.run("createdb", &["-h", "127.0.0.1", "-p", &port, "-U", "tc", name]);
        format!("postgres://tc@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.root.join("data").display().to_string();
        let _ = self
            .command("pg_ctl")
            .args(["-D", &data, "-m", "immediate", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
