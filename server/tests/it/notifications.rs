//! The notification centre and the live count: a mention or a reply reaches the person
//! on the next page load (the bell) and on the open `/events` stream, marking read works
//! for one's own notifications only, and a notification about a post the person may no
//! longer see is gone from count and list.

use crate::helpers::*;
use reqwest::{Client, Response, StatusCode};
use std::time::Duration;
use vaern_core::ids::UserId;
use vaern_core::policy::PlatformRole;

const GROUP: &str = "beredskab";
const AUTHOR: &str = "Anne Holm";
const READER: &str = "Lars Krogh";

/// Two signed-in members of one group, with names that mentions can tell apart: the
/// author (the group's owner) and Lars, who is mentioned and replied to.
struct Forum {
    app: TestApp,
    author: Client,
    lars: Client,
    lars_id: UserId,
}

async fn forum() -> Forum {
    let app = spawn_app().await;
    let (author, author_id) = app
        .signed_in("751", "anne@aarhus.dk", PlatformRole::Member, false)
        .await;
    let (lars, lars_id) = app
        .signed_in("751", "lars@aarhus.dk", PlatformRole::Member, false)
        .await;
    for (id, name) in [(author_id, AUTHOR), (lars_id, READER)] {
        sqlx::query("update users set name = $1 where id = $2")
            .bind(name)
            .bind(id)
            .execute(&app.db)
            .await
            .expect("renamed");
    }
    let group = app.group(GROUP).await;
    app.add_to_group(group, author_id, "owner").await;
    app.add_to_group(group, lars_id, "member").await;
    Forum {
        app,
        author,
        lars,
        lars_id,
    }
}

impl Forum {
    /// Starts a thread in the group and returns its id.
    async fn start_thread(&self, client: &Client, title: &str, body: &str) -> i64 {
        let res = self
            .app
            .rpc(
                client,
                "start_thread",
                &[
                    ("slug", GROUP),
                    ("title", title),
                    ("body", body),
                    ("tlp", "amber"),
                ],
            )
            .await;
        let status = res.status();
        assert_eq!(
            status,
            StatusCode::OK,
            "{}",
            res.text().await.unwrap_or_default()
        );
        sqlx::query_scalar("select id from forum_threads where title = $1")
            .bind(title)
            .fetch_one(&self.app.db)
            .await
            .expect("thread stored")
    }

    async fn reply(&self, client: &Client, thread: i64, body: &str) {
        let thread = thread.to_string();
        let res = self
            .app
            .rpc(
                client,
                "post_reply",
                &[("thread_id", thread.as_str()), ("body", body)],
            )
            .await;
        let status = res.status();
        assert_eq!(
            status,
            StatusCode::OK,
            "{}",
            res.text().await.unwrap_or_default()
        );
    }

    /// The centre's first page as the client's person sees it.
    async fn notifications(&self, client: &Client) -> serde_json::Value {
        let res = self.app.rpc(client, "load_notifications", &[]).await;
        assert_eq!(res.status(), StatusCode::OK);
        json(res).await
    }

    /// The count every page load gives the bell.
    async fn bell_count(&self, client: &Client) -> i64 {
        let me = json(self.app.rpc(client, "whoami", &[]).await).await;
        me["unread_notifications"]
            .as_i64()
            .unwrap_or_else(|| panic!("whoami has a count: {me}"))
    }

    async fn open_events(&self, client: &Client) -> Response {
        client
            .get(format!("{}/events", self.app.url))
            .send()
            .await
            .expect("request")
    }
}

/// Reads the stream until `wanted` has arrived, for at most 10 seconds.
pub(crate) async fn read_until(stream: &mut Response, seen: &mut String, wanted: &str) {
    let read = async {
        while !seen.contains(wanted) {
            let chunk = stream
                .chunk()
                .await
                .expect("stream readable")
                .unwrap_or_else(|| panic!("stream ended before {wanted:?}; got {seen:?}"));
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    if tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .is_err()
    {
        panic!("no {wanted:?} within 10 s; got {seen:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mention_reaches_the_bell_and_the_centre_and_opening_the_thread_reads_it() {
    let f = forum().await;
    assert_eq!(f.bell_count(&f.lars).await, 0);
    let thread = f
        .start_thread(
            &f.author,
            "Phishing-bølge",
            "Hej @Lars Krogh, har I set denne?",
        )
        .await;

    assert_eq!(f.bell_count(&f.lars).await, 1);
    let home = f.app.get(&f.lars, "/").await.text().await.expect("body");
    assert!(
        home.contains("Notifikationer, 1 ulæste"),
        "the bell names the count"
    );
    let list = f.notifications(&f.lars).await;
    assert_eq!(list["unread"], 1);
    let first = &list["notifications"][0];
    assert_eq!(first["kind"], "Mention");
    assert_eq!(first["actor"], AUTHOR);
    assert_eq!(first["thread_title"], "Phishing-bølge");
    assert_eq!(first["thread_id"], thread);
    assert_eq!(first["read"], false);
    let page = f
        .app
        .get(&f.lars, "/notifications")
        .await
        .text()
        .await
        .expect("body");
    assert!(page.contains("Anne Holm nævnte dig i"), "{page}");
    assert!(page.contains(&format!("/threads/{thread}?post=")));
    assert!(page.contains("Ulæst"));
    // The author is told nothing about their own post.
    assert_eq!(f.bell_count(&f.author).await, 0);

    let res = f.app.get(&f.lars, &format!("/threads/{thread}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(f.bell_count(&f.lars).await, 0);
    let list = f.notifications(&f.lars).await;
    assert_eq!(list["notifications"][0]["read"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_or_all_notifications_are_marked_read_and_nobody_else_can_mark_them() {
    let f = forum().await;
    let thread = f
        .start_thread(&f.lars, "Opdatering af VPN", "Hvem har rullet ud?")
        .await;
    f.reply(&f.author, thread, "Vi har.").await;
    f.start_thread(&f.author, "Øvelse i maj", "@Lars Krogh er du med?")
        .await;
    let list = f.notifications(&f.lars).await;
    assert_eq!(list["unread"], 2);
    // Newest first: the mention, then the reply.
    assert_eq!(list["notifications"][0]["kind"], "Mention");
    assert_eq!(list["notifications"][1]["kind"], "Reply");
    assert_eq!(list["notifications"][1]["actor"], AUTHOR);
    let reply_id = list["notifications"][1]["id"].as_i64().expect("id");
    let reply = reply_id.to_string();

    let res = f
        .app
        .rpc(
            &f.author,
            "mark_notification_read",
            &[("id", reply.as_str())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "not the author's");
    assert_eq!(f.bell_count(&f.lars).await, 2);

    let res = f
        .app
        .rpc(&f.lars, "mark_notification_read", &[("id", reply.as_str())])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json(res).await, 1, "the unread count afterwards");
    let list = f.notifications(&f.lars).await;
    assert_eq!(list["unread"], 1);
    assert_eq!(list["notifications"][1]["read"], true);
    assert_eq!(list["notifications"][0]["read"], false);

    // The button's form, posted without wasm, comes back to the page.
    let res = f
        .app
        .post_without_wasm(
            &f.lars,
            "mark_all_notifications_read",
            "/notifications",
            &[],
        )
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let back = location(&res).expect("sent back to the page");
    assert!(
        back.trim_start_matches(&f.app.url)
            .starts_with("/notifications"),
        "{back}"
    );
    assert_eq!(f.bell_count(&f.lars).await, 0);
    let page = f
        .app
        .get(&f.lars, "/notifications")
        .await
        .text()
        .await
        .expect("body");
    assert!(
        page.contains("Du har ingen ulæste notifikationer."),
        "{page}"
    );
    assert!(!page.contains("Markér alle som læst"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_stream_sends_the_count_and_each_change() {
    let f = forum().await;
    let thread = f
        .start_thread(&f.lars, "Ransomware hos leverandør", "Nogen erfaringer?")
        .await;
    let mut stream = f.open_events(&f.lars).await;
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(
        stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut seen = String::new();
    read_until(&mut stream, &mut seen, "event: count\ndata: 0\n").await;

    f.reply(&f.author, thread, "Ja, vi blev ramt i marts.")
        .await;
    read_until(&mut stream, &mut seen, "event: count\ndata: 1\n").await;
    f.start_thread(&f.author, "Tabletop", "@Lars Krogh kan du deltage?")
        .await;
    read_until(&mut stream, &mut seen, "event: count\ndata: 2\n").await;
    // Reading them elsewhere (another tab) brings this one down too.
    seen.clear();
    let res = f.app.rpc(&f.lars, "mark_all_notifications_read", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    read_until(&mut stream, &mut seen, "event: count\ndata: 0\n").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_stream_is_refused_to_nobody_and_ends_with_the_session() {
    let f = forum().await;
    let res = f.open_events(&browser()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.text().await.expect("body"), "");

    let mut stream = f.open_events(&f.lars).await;
    let mut seen = String::new();
    read_until(&mut stream, &mut seen, "data: 0\n").await;
    let res = f.app.rpc(&f.lars, "sign_out", &[]).await;
    assert!(res.status().is_success() || res.status().is_redirection());
    // The next thing published for Lars finds the session ended, and the stream ends.
    f.start_thread(&f.author, "Efter log ud", "@Lars Krogh hej")
        .await;
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match stream.chunk().await {
                Ok(Some(chunk)) => seen.push_str(&String::from_utf8_lossy(&chunk)),
                Ok(None) | Err(_) => return,
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream did not end; got {seen:?}");
    assert!(!seen.contains("data: 1"), "nothing was sent after sign-out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_about_a_post_no_longer_visible_leaves_count_and_list() {
    let f = forum().await;
    f.start_thread(&f.author, "Intern sag", "@Lars Krogh se her")
        .await;
    assert_eq!(f.bell_count(&f.lars).await, 1);
    assert_eq!(
        f.notifications(&f.lars).await["notifications"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    let lars = f.lars_id.0.to_string();
    let res = f
        .app
        .rpc(
            &f.author,
            "remove_group_member",
            &[("slug", GROUP), ("user", lars.as_str())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    assert_eq!(f.bell_count(&f.lars).await, 0);
    let list = f.notifications(&f.lars).await;
    assert_eq!(list["unread"], 0);
    assert_eq!(list["notifications"], serde_json::json!([]));
    let page = f
        .app
        .get(&f.lars, "/notifications")
        .await
        .text()
        .await
        .expect("body");
    assert!(!page.contains("Intern sag"), "the thread is not named");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_keeps_four_live_streams_and_a_fifth_ends_the_oldest() {
    let f = forum().await;
    let mut streams = Vec::new();
    for _ in 0..5 {
        let mut stream = f.open_events(&f.lars).await;
        read_until(&mut stream, &mut String::new(), "data: 0\n").await;
        streams.push(stream);
    }
    let oldest_ended = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match streams[0].chunk().await {
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => return,
            }
        }
    })
    .await;
    assert!(oldest_ended.is_ok(), "the oldest stream is still open");
    for stream in &mut streams[1..] {
        let quiet = tokio::time::timeout(Duration::from_millis(300), stream.chunk()).await;
        assert!(quiet.is_err(), "a newer stream ended or spoke: {quiet:?}");
    }
}
