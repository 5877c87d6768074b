//! Crashes during an upload, with the real binary: killed (SIGKILL) while the body
//! streams in, and dead (through the `VAERN_FAILPOINT` failpoint) after the file moved
//! into the store but before the row naming it committed. After a restart there is no
//! document from the upload and no file in the store that no version names.

use reqwest::Client;
use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const EMAIL: &str = "it-chef@aarhus.demo";
const PASSWORD: &str = "demo-kommune-kodeord";
const SLUG: &str = "referencegruppen";

/// A running `vaern serve` on a data directory.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    async fn start(data_dir: &Path, failpoint: Option<&str>) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_vaern"));
        command
            .arg("--data-dir")
            .arg(data_dir)
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .env("VAERN_LOG", "error")
            .env_remove("VAERN_FAILPOINT")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(point) = failpoint {
            command.env("VAERN_FAILPOINT", point);
        }
        let child = command.spawn().expect("vaern serve starts");
        let server = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..300 {
            if reqwest::get(format!("{}/sign-in", server.url))
                .await
                .is_ok()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("vaern serve did not answer within 30 s");
    }

    /// A client signed in as the owner of the demo's first group.
    async fn signed_in(&self) -> Client {
        let client = Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let answer = client
            .post(format!("{}/rpc/sign_in", self.url))
            .header("origin", &self.url)
            .header("accept", "application/json")
            .form(&[("email", EMAIL), ("password", PASSWORD)])
            .send()
            .await
            .expect("sign-in request");
        assert!(answer.status().is_success(), "sign-in: {}", answer.status());
        client
    }

    fn kill(mut self) {
        // SIGKILL: nothing of the server's runs after this.
        self.child.kill().expect("kill");
        self.child.wait().expect("reap");
    }

    /// Waits for the process to end by itself (the failpoint aborts it).
    async fn wait_for_exit(mut self) {
        for _ in 0..100 {
            if self.child.try_wait().expect("status").is_some() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server did not stop at the failpoint");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A multipart upload of one PDF named `name`, as a browser's form sends it.
fn multipart(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "vaern-crash-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n{name}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.resize(size, b'x');
    bytes
}

/// Documents titled `title`, and the store's files no version names, plus files still
/// in the incoming directory.
async fn leftovers(data_dir: &Path, title: &str) -> (i64, Vec<String>, usize) {
    let db = vaern_core::db::open(data_dir).await.expect("db");
    let documents: i64 = sqlx::query_scalar("select count(*) from documents where title = $1")
        .bind(title)
        .fetch_one(&db)
        .await
        .expect("count");
    let named: HashSet<String> = sqlx::query_scalar("select sha256 from document_versions")
        .fetch_all(&db)
        .await
        .expect("versions")
        .into_iter()
        .collect();
    db.close().await;
    let mut orphans = Vec::new();
    for prefix in std::fs::read_dir(data_dir.join("blobs")).expect("blobs dir") {
        let prefix = prefix.expect("entry");
        for file in std::fs::read_dir(prefix.path()).expect("prefix dir") {
            let name = format!(
                "{}{}",
                prefix.file_name().to_string_lossy(),
                file.expect("entry").file_name().to_string_lossy()
            );
            if !named.contains(&name) {
                orphans.push(name);
            }
        }
    }
    let incoming = std::fs::read_dir(data_dir.join("incoming"))
        .map(|entries| entries.count())
        .unwrap_or(0);
    (documents, orphans, incoming)
}

fn demo(data_dir: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_vaern"))
        .arg("--data-dir")
        .arg(data_dir)
        .arg("demo")
        .env("VAERN_LOG", "error")
        .output()
        .expect("vaern demo runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_upload_or_before_the_commit_leaves_no_document_and_no_orphan() {
    let dir = tempfile::tempdir().expect("temp dir");
    demo(dir.path());

    // 1. Killed while the body streams in: the first megabyte arrives, the rest never.
    let server = Server::start(dir.path(), None).await;
    let client = server.signed_in().await;
    let (content_type, body) = multipart("Afbrudt", &pdf(8 * 1024 * 1024));
    let declared = body.len();
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    let request = client
        .post(format!("{}/groups/{SLUG}/library/upload", server.url))
        .header("origin", &server.url)
        .header("content-type", content_type)
        .header("content-length", declared)
        .body(reqwest::Body::wrap_stream(stream))
        .send();
    let upload = tokio::spawn(request);
    sender
        .send(Ok(body[..1024 * 1024].to_vec()))
        .await
        .expect("first megabyte sent");
    // The temporary file exists once the server has begun writing the body.
    let incoming = dir.path().join("incoming");
    let mut begun = false;
    for _ in 0..100 {
        if std::fs::read_dir(&incoming).is_ok_and(|mut e| e.next().is_some()) {
            begun = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(begun, "the upload never reached the incoming directory");
    server.kill();
    drop(sender);
    let _ = upload.await;
    let restarted = Server::start(dir.path(), None).await;
    restarted.kill();
    assert_eq!(leftovers(dir.path(), "Afbrudt").await, (0, vec![], 0));

    // 2. Dead after the file moved into the store, before the row committed.
    let server = Server::start(dir.path(), Some("library_after_place")).await;
    let client = server.signed_in().await;
    let bytes = pdf(64 * 1024);
    let (content_type, body) = multipart("Uafsluttet", &bytes);
    let answer = client
        .post(format!("{}/groups/{SLUG}/library/upload", server.url))
        .header("origin", &server.url)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await;
    assert!(answer.is_err(), "the server answered: {answer:?}");
    server.wait_for_exit().await;
    let (documents, orphans, _) = leftovers(dir.path(), "Uafsluttet").await;
    assert_eq!(documents, 0);
    assert_eq!(
        orphans.len(),
        1,
        "the placed file is there before the restart"
    );
    let restarted = Server::start(dir.path(), None).await;
    // The server still takes the same upload after the restart.
    let client = restarted.signed_in().await;
    let (content_type, body) = multipart("Efter genstart", &pdf(32 * 1024));
    let answer = client
        .post(format!("{}/groups/{SLUG}/library/upload", restarted.url))
        .header("origin", &restarted.url)
        .header("content-type", content_type)
        .header("accept", "application/json")
        .body(body)
        .send()
        .await
        .expect("upload after restart");
    assert!(answer.status().is_success(), "{}", answer.status());
    restarted.kill();
    assert_eq!(leftovers(dir.path(), "Uafsluttet").await, (0, vec![], 0));
    assert_eq!(leftovers(dir.path(), "Efter genstart").await.0, 1);
}
