//! The `understudy` binary as users start it: a child process on port 0, called over HTTP.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The first line the binary prints, before the URL of its main port.
const LISTENING: &str = "Understudy listening on ";

/// `understudy` with no arguments yet.
pub fn command() -> Command {
    Command::new(env!("CARGO_BIN_EXE_understudy"))
}

/// Runs `understudy --port 0 ARGS` expecting it to fail; returns its stderr.
pub fn failed_start(args: &[&str]) -> String {
    let output = command()
        .args(["--port", "0"])
        .args(args)
        .env_remove("UNDERSTUDY_ADMIN_TOKEN")
        .env_remove("UNDERSTUDY_ADMIN_OPEN")
        .output()
        .expect("run understudy");
    assert!(!output.status.success(), "start-up should fail");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A running `understudy` process, killed when dropped.
pub struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// `understudy --port 0 ARGS`, once its banner says where it listens.
    pub fn start(args: &[&str]) -> Self {
        let mut command = command();
        command
            .args(["--port", "0"])
            .args(args)
            .stderr(Stdio::piped());
        Self::launch(command)
    }

    /// Spawns `command` and calls the main port named by the banner's first line.
    pub fn launch(command: Command) -> Self {
        Self::launch_at(command, |line| {
            let base = line
                .trim()
                .strip_prefix(LISTENING)
                .unwrap_or_else(|| panic!("unexpected banner {line:?}"));
            Some(base.to_owned())
        })
    }

    /// Spawns `command` and reads its banner, line by line, until `url_in` finds the base URL
    /// to call.
    pub fn launch_at(mut command: Command, mut url_in: impl FnMut(&str) -> Option<String>) -> Self {
        let child = command
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn understudy");
        // Owned before the banner is read, so a panic below still kills the child.
        let mut server = Self {
            child,
            base: String::new(),
        };
        server.base = BufReader::new(server.child.stdout.take().expect("stdout"))
            .lines()
            .map(|line| line.expect("read banner"))
            .find_map(|line| url_in(&line))
            .expect("the banner names the URL to call");
        server
    }

    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, headers, None)
    }

    /// A request with the given headers and JSON body; returns status and JSON body
    /// (`Value::Null` if not JSON).
    pub fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let body = body.cloned();
        // reqwest's async client needs a runtime; a small one per call keeps these tests synchronous.
        tokio::runtime::Runtime::new()
            .expect("runtime")
            .block_on(async move {
                let mut request = reqwest::Client::new().request(method, url);
                for (name, value) in headers {
                    request = request.header(name, value);
                }
                if let Some(body) = body {
                    request = request.json(&body);
                }
                let response = request.send().await.expect("send");
                let status = response.status().as_u16();
                (status, response.json().await.unwrap_or(Value::Null))
            })
    }

    pub fn pid(&self) -> String {
        self.child.id().to_string()
    }

    /// `host:port` to connect to (a wildcard bind is reached on 127.0.0.1).
    pub fn address(&self) -> String {
        let port = self.base.rsplit_once(':').expect("host:port").1;
        format!("127.0.0.1:{port}")
    }

    /// One request written by hand with `Connection: close` and `Host: localhost`, `headers` as
    /// `Name: value` lines; the status and JSON body. No client library second-guesses it.
    pub fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[&str],
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut stream = TcpStream::connect(self.address()).expect("connect");
        let body = body.map(Value::to_string).unwrap_or_default();
        let mut request =
            format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
        for header in headers {
            request.push_str(&format!("{header}\r\n"));
        }
        if !body.is_empty() {
            request.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        request.push_str(&format!("\r\n{body}"));
        stream.write_all(request.as_bytes()).expect("write");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read");
        let status = answer
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("no status line in {answer:?}"));
        let body = answer.split_once("\r\n\r\n").map_or("", |(_, body)| body);
        (status, serde_json::from_str(body).unwrap_or(Value::Null))
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.pid()])
            .status()
            .expect("kill");
        assert!(sent.success());
    }

    /// The exit status, if the process ends within `within`.
    pub fn wait_for_exit(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
