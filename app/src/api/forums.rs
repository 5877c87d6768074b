//! Group forums: the thread list, a thread page, writing (start, reply, quote, edit,
//! delete, preview), watching, and moderation (pin, lock, move, remove). The policy in
//! `vaern_core::forums` decides every case; these functions check the session, call
//! core, publish new notifications to the live stream and record moderation in the
//! audit log by ids only.
//!
//! Forms work without wasm: a plain post that fails or asks for a preview keeps what was
//! written as a draft in the browser's session, and the page puts it back in the form.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Who wrote something, or `None` for "a participant" in a Chatham House thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorView {
    pub name: String,
    pub org_name: String,
}

/// A thread in a forum's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadEntry {
    pub id: i64,
    pub title: String,
    /// Stored form, e.g. "amber+strict".
    pub tlp: String,
    pub author: Option<AuthorView>,
    pub chatham_house: bool,
    pub pinned: bool,
    pub locked: bool,
    pub replies: i64,
    pub last_activity: String,
    pub unread: bool,
}

/// A forum page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForumView {
    pub slug: String,
    pub group_name: String,
    pub threads: Vec<ThreadEntry>,
    pub page: i64,
    pub pages: i64,
    pub can_post: bool,
}

/// The recipients of an AMBER+STRICT or RED item, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientsView {
    pub orgs: Vec<String>,
    pub users: Vec<String>,
    /// Named RED participants alone read it; their names are withheld (Chatham House).
    pub participants_only: bool,
}

/// A post on a thread page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostEntry {
    pub id: i64,
    pub author: Option<AuthorView>,
    pub mine: bool,
    pub tlp: String,
    pub recipients: RecipientsView,
    /// Sanitised HTML, rendered when the post was written; `None` if deleted or removed.
    pub html: Option<String>,
    pub deleted: bool,
    /// The moderator's reason, if removed.
    pub removed: Option<String>,
    pub created: String,
    pub edited: Option<String>,
    pub quoted_post_id: Option<i64>,
}

/// A member or organisation a composer offers as a recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub id: i64,
    pub name: String,
    /// The member's organisation (empty for organisations).
    pub detail: String,
}

/// What a composer offers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComposerChoices {
    pub members: Vec<Choice>,
    pub orgs: Vec<Choice>,
}

/// What was written in a form that was posted without wasm and came back (an error or a
/// preview), to put back in the form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// Which form: `new:{slug}`, `reply:{thread}` or `edit:{post}`.
    pub form: String,
    pub title: String,
    pub body: String,
    pub tlp: String,
    /// The rendered preview, when one was asked for.
    pub preview: Option<String>,
    /// For a library page's editor: the version the text was written on, so that saving
    /// the kept draft again is still checked against it.
    #[serde(default)]
    pub based_on: Option<i64>,
}

/// A thread page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadPageView {
    pub id: i64,
    pub slug: String,
    pub group_name: String,
    pub title: String,
    pub tlp: String,
    pub recipients: RecipientsView,
    pub chatham_house: bool,
    pub pinned: bool,
    pub locked: bool,
    pub opening_post_id: i64,
    pub posts: Vec<PostEntry>,
    pub page: i64,
    pub pages: i64,
    pub first_unread: Option<i64>,
    pub watching: bool,
    pub can_reply: bool,
    pub can_moderate: bool,
    /// For the reply form (when the viewer may reply).
    pub choices: ComposerChoices,
    /// Groups the viewer also moderates, as move targets: (slug, name).
    pub move_targets: Vec<(String, String)>,
    /// The quote to start the reply with (`?quote=`), and the quoted post's id.
    pub quote: Option<(i64, String)>,
    pub draft: Option<Draft>,
    /// The alerts the thread was started about that the reader's organisation works:
    /// (address, what was sighted).
    #[serde(default)]
    pub alerts: Vec<(String, String)>,
    /// The reader's organisation's incidents linking it, and those it may be linked to.
    #[serde(default)]
    pub linked_incidents: crate::api::incidents::IncidentLinksView,
}

/// The page for starting a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewThreadView {
    pub slug: String,
    pub group_name: String,
    pub default_tlp: String,
    pub choices: ComposerChoices,
    pub draft: Option<Draft>,
}

/// The page for editing one's own post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditPostView {
    pub post_id: i64,
    pub thread_id: i64,
    /// The group's slug (its documents are suggested first for links).
    pub slug: String,
    pub thread_title: String,
    pub opening: bool,
    pub source: String,
    pub tlp: String,
    pub choices: ComposerChoices,
    pub draft: Option<Draft>,
}

/// One version of a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionEntry {
    pub tlp: String,
    pub html: String,
    pub written: String,
    pub current: bool,
}

/// A post's revision history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryView {
    pub post_id: i64,
    pub thread_id: i64,
    pub thread_title: String,
    pub author: Option<AuthorView>,
    pub revisions: Vec<RevisionEntry>,
}

/// What a composer's submit did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ComposeOutcome {
    /// Written; the browser is sent to it.
    Posted { thread_id: i64, post_id: i64 },
    /// The rendered preview of what was written (nothing stored).
    Preview { html: String },
}

/// The thread pages loaded in this request. Opening a thread moves the reader's read
/// marker, and a server render may run a page's loader more than once; every run in one
/// request must show the same page (the same "new since your last visit"), or the
/// browser's hydration meets different HTML than the data. Provided per request by the
/// server.
#[cfg(feature = "ssr")]
#[derive(Clone, Default)]
pub struct ThreadMemo(
    std::sync::Arc<std::sync::Mutex<std::collections::HashMap<ThreadKey, ThreadCell>>>,
);

#[cfg(feature = "ssr")]
type ThreadKey = (i64, Option<i64>, Option<i64>, Option<i64>);
/// One load of a thread page; runs that start while it is under way wait for it.
#[cfg(feature = "ssr")]
type ThreadCell = std::sync::Arc<tokio::sync::OnceCell<Result<ThreadPageView, AppError>>>;

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use super::*;
    use crate::format::format_time;
    use crate::request;
    use vaern_core::forums::{self, Audience, Author, Recipients};
    use vaern_core::policy::Tlp;

    pub const DRAFT_KEY: &str = "forum_draft";

    pub fn author(a: Option<Author>) -> Option<AuthorView> {
        a.map(|a| AuthorView {
            name: a.name,
            org_name: a.org_name,
        })
    }

    pub fn recipients(r: Recipients) -> RecipientsView {
        RecipientsView {
            orgs: r.orgs,
            users: r.users,
            participants_only: r.participants_only,
        }
    }

    pub fn time(at: i64) -> String {
        format_time(at, crate::locale::current())
    }

    /// Reads an optional label from a form ("" or absent: the default).
    pub fn tlp(text: Option<&str>) -> Result<Option<Tlp>, AppError> {
        match text.map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(t) => Tlp::parse(t)
                .map(Some)
                .ok_or_else(|| AppError::invalid("tlp", "unknown")),
        }
    }

    /// Reads the checked recipients: `org{id}` and `user{id}` keys of the form's
    /// `audience[…]` checkboxes.
    pub fn audience(checked: Option<&BTreeMap<String, String>>) -> Result<Audience, AppError> {
        Ok(Audience::from_form_keys(
            checked
                .into_iter()
                .flat_map(|m| m.keys().map(String::as_str)),
        )?)
    }

    pub fn choices(c: forums::writing::Choices) -> ComposerChoices {
        ComposerChoices {
            members: c
                .members
                .into_iter()
                .map(|(id, name, org)| Choice {
                    id: id.0,
                    name,
                    detail: org,
                })
                .collect(),
            orgs: c
                .orgs
                .into_iter()
                .map(|(id, name)| Choice {
                    id: id.0,
                    name,
                    detail: String::new(),
                })
                .collect(),
        }
    }

    /// Whether this request is a form submission after which the browser loads the page
    /// again: a plain post without wasm (which server_fn answers with a redirect back,
    /// losing the response body) or the form island's, which reloads on success.
    pub fn plain_form_post() -> bool {
        use_context::<http::request::Parts>().is_some_and(|parts| {
            parts
                .headers
                .contains_key(crate::components::form::FORM_HEADER)
                || parts
                    .headers
                    .get(http::header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|accept| accept.contains("text/html"))
        })
    }

    /// The draft kept for `form`, if any (it stays until it is posted or replaced).
    pub fn draft_for(
        form: String,
    ) -> Result<impl Future<Output = Result<Option<Draft>, AppError>>, AppError> {
        let session = request::session()?;
        Ok(async move {
            let draft: Option<Draft> = session
                .get(DRAFT_KEY)
                .await
                .map_err(request::session_error)?;
            Ok(draft.filter(|d| d.form == form))
        })
    }

    /// Runs a composer's submit: on a preview, renders; on success, forgets the draft and
    /// sends the browser to the post; on a plain post that fails or previews, keeps the
    /// draft for the page to put back.
    pub async fn compose(
        session: tower_sessions::Session,
        plain: bool,
        draft: Draft,
        preview: bool,
        write: impl Future<Output = Result<vaern_core::forums::writing::Posted, vaern_core::CoreError>>,
        hub: vaern_core::notifications::Hub,
    ) -> Result<ComposeOutcome, AppError> {
        if preview {
            let rendered = vaern_core::markdown::render(&draft.body);
            if plain {
                let preview = rendered.as_ref().ok().cloned();
                session
                    .insert(DRAFT_KEY, Draft { preview, ..draft })
                    .await
                    .map_err(request::session_error)?;
            }
            return Ok(ComposeOutcome::Preview { html: rendered? });
        }
        match write.await {
            Ok(posted) => {
                hub.publish(&posted.notified);
                let _ = session.remove::<Draft>(DRAFT_KEY).await;
                leptos_axum::redirect(&format!(
                    "/threads/{}?post={}#post-{}",
                    posted.thread_id, posted.post_id, posted.post_id
                ));
                Ok(ComposeOutcome::Posted {
                    thread_id: posted.thread_id,
                    post_id: posted.post_id,
                })
            }
            Err(err) => {
                if plain {
                    session
                        .insert(DRAFT_KEY, draft)
                        .await
                        .map_err(request::session_error)?;
                }
                Err(err.into())
            }
        }
    }
}

#[server(prefix = "/rpc", endpoint = "forum")]
pub async fn load_forum(slug: String, page: Option<i64>) -> Result<ForumView, AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let list =
        vaern_core::forums::list_threads(&backend.db, &viewer, &slug, page.unwrap_or(1)).await?;
    Ok(ForumView {
        slug: list.group.slug,
        group_name: list.group.name,
        threads: list
            .threads
            .into_iter()
            .map(|t| ThreadEntry {
                id: t.id,
                title: t.title,
                tlp: t.tlp.as_str().to_string(),
                author: server::author(t.author),
                chatham_house: t.chatham_house,
                pinned: t.pinned,
                locked: t.locked,
                replies: t.replies,
                last_activity: server::time(t.last_activity),
                unread: t.unread,
            })
            .collect(),
        page: list.page,
        pages: list.pages,
        can_post: list.can_post,
    })
}

#[server(prefix = "/rpc", endpoint = "thread")]
pub async fn load_thread(
    id: i64,
    page: Option<i64>,
    post: Option<i64>,
    quote: Option<i64>,
) -> Result<ThreadPageView, AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let draft = server::draft_for(format!("reply:{id}"))?;
    let memo = use_context::<ThreadMemo>().unwrap_or_else(|| {
        tracing::error!("BUG: ThreadMemo missing from context");
        ThreadMemo::default()
    });
    let cell = match memo.0.lock() {
        Ok(mut loads) => loads.entry((id, page, post, quote)).or_default().clone(),
        Err(_) => ThreadCell::default(),
    };
    cell.get_or_init(|| async move {
        load_thread_once(viewer, backend, draft, id, page, post, quote).await
    })
    .await
    .clone()
}

#[cfg(feature = "ssr")]
async fn load_thread_once(
    viewer: vaern_core::policy::Viewer,
    backend: crate::request::Backend,
    draft: impl Future<Output = Result<Option<Draft>, AppError>>,
    id: i64,
    page: Option<i64>,
    post: Option<i64>,
    quote: Option<i64>,
) -> Result<ThreadPageView, AppError> {
    use vaern_core::forums::{self, PagePick, PostState, ReadMarker, moderation, writing};
    let db = &backend.db;
    let pick = match (post, page) {
        (Some(post), _) => PagePick::Post(post),
        (None, page) => PagePick::Page(page.unwrap_or(1)),
    };
    let marker = if crate::request::is_navigation()? {
        ReadMarker::Move
    } else {
        ReadMarker::Keep
    };
    let view = forums::thread_page(db, &viewer, id, pick, marker).await?;
    if view.marked_read
        && let Some(me) = viewer.user_id
    {
        // Notifications about these posts are read now: open bells recount.
        backend.hub.publish(&[me]);
    }
    let choices = if view.can_reply {
        server::choices(writing::choices_for_group(db, &viewer, &view.group.slug).await?)
    } else {
        ComposerChoices::default()
    };
    let move_targets = if view.can_moderate {
        moderation::move_targets(db, &viewer, view.group.id).await?
    } else {
        Vec::new()
    };
    let quote = match quote {
        Some(quoted) if view.can_reply => {
            // A post the viewer may not see, or of another thread, quotes nothing.
            match forums::quote(db, &viewer, id, quoted).await {
                Ok(text) => Some((quoted, text)),
                Err(vaern_core::CoreError::NotFound) => None,
                Err(err) => return Err(err.into()),
            }
        }
        _ => None,
    };
    let draft = draft.await?;
    let locale = crate::locale::current();
    let alerts = vaern_core::stix::alerts::about_thread(db, &viewer, id)
        .await?
        .into_iter()
        .map(|a| {
            (
                crate::api::alerts::alert_href(a.id),
                crate::api::alerts::server::what_text(locale, &a.what),
            )
        })
        .collect();
    let linked_incidents = crate::api::incidents::server::around(
        db,
        &viewer,
        vaern_core::incidents::links::Target {
            kind: vaern_core::incidents::links::LinkKind::Thread,
            id,
        },
        format!("/threads/{id}"),
    )
    .await?;
    Ok(ThreadPageView {
        linked_incidents,
        alerts,
        id: view.id,
        slug: view.group.slug,
        group_name: view.group.name,
        title: view.title,
        tlp: view.tlp.as_str().to_string(),
        recipients: server::recipients(view.recipients),
        chatham_house: view.chatham_house,
        pinned: view.pinned,
        locked: view.locked,
        opening_post_id: view.opening_post_id,
        posts: view
            .posts
            .into_iter()
            .map(|p| PostEntry {
                id: p.id,
                author: server::author(p.author),
                mine: p.mine,
                tlp: p.tlp.as_str().to_string(),
                recipients: server::recipients(p.recipients),
                html: p.html,
                deleted: p.state == PostState::Deleted,
                removed: match p.state {
                    PostState::Removed { reason } => Some(reason),
                    _ => None,
                },
                created: server::time(p.created_at),
                edited: p.edited_at.map(server::time),
                quoted_post_id: p.quoted_post_id,
            })
            .collect(),
        page: view.page,
        pages: view.pages,
        first_unread: view.first_unread,
        watching: view.watching,
        can_reply: view.can_reply,
        can_moderate: view.can_moderate,
        choices,
        move_targets,
        quote,
        draft,
    })
}

#[server(prefix = "/rpc", endpoint = "new_thread")]
pub async fn load_new_thread(slug: String) -> Result<NewThreadView, AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let draft = server::draft_for(format!("new:{}", slug.trim()))?;
    let choices = vaern_core::forums::writing::choices_for_group(&backend.db, &viewer, &slug)
        .await
        .map_err(|err| match err {
            // A reader sees the forum but has nowhere to write: the page is not theirs.
            vaern_core::CoreError::Forbidden => AppError::NotFound,
            other => other.into(),
        })?;
    let group = vaern_core::forums::forum_group(&backend.db, &viewer, &slug).await?;
    Ok(NewThreadView {
        slug: group.slug,
        group_name: group.name,
        default_tlp: group.default_tlp.as_str().to_string(),
        choices: server::choices(choices),
        draft: draft.await?,
    })
}

#[server(prefix = "/rpc", endpoint = "start_thread")]
pub async fn start_thread(
    slug: String,
    title: String,
    body: String,
    tlp: Option<String>,
    audience: Option<BTreeMap<String, String>>,
    chatham_house: Option<String>,
    intent: Option<String>,
) -> Result<ComposeOutcome, AppError> {
    use crate::request;
    use vaern_core::forums::writing::{self, NewThread};
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let session = request::session()?;
    let plain = server::plain_form_post();
    let draft = Draft {
        form: format!("new:{}", slug.trim()),
        title: title.clone(),
        body: body.clone(),
        tlp: tlp.clone().unwrap_or_default(),
        preview: None,
        based_on: None,
    };
    let preview = intent.as_deref() == Some("preview");
    let new = NewThread {
        group_slug: slug,
        title,
        body,
        tlp: server::tlp(tlp.as_deref())?,
        audience: server::audience(audience.as_ref())?,
        chatham_house: chatham_house.is_some(),
    };
    let db = backend.db.clone();
    server::compose(
        session,
        plain,
        draft,
        preview,
        async move { writing::create_thread(&db, &viewer, new).await },
        backend.hub,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "post_reply")]
pub async fn post_reply(
    thread_id: i64,
    body: String,
    tlp: Option<String>,
    audience: Option<BTreeMap<String, String>>,
    quoted_post_id: Option<i64>,
    intent: Option<String>,
) -> Result<ComposeOutcome, AppError> {
    use crate::request;
    use vaern_core::forums::writing::{self, NewReply};
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let session = request::session()?;
    let plain = server::plain_form_post();
    let draft = Draft {
        form: format!("reply:{thread_id}"),
        title: String::new(),
        body: body.clone(),
        tlp: tlp.clone().unwrap_or_default(),
        preview: None,
        based_on: None,
    };
    let preview = intent.as_deref() == Some("preview");
    let new = NewReply {
        thread_id,
        body,
        tlp: server::tlp(tlp.as_deref())?,
        audience: server::audience(audience.as_ref())?,
        quoted_post_id,
    };
    let db = backend.db.clone();
    server::compose(
        session,
        plain,
        draft,
        preview,
        async move { writing::reply(&db, &viewer, new).await },
        backend.hub,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "post_edit")]
pub async fn load_post_edit(post_id: i64) -> Result<EditPostView, AppError> {
    use crate::request;
    use vaern_core::forums::writing;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let draft = server::draft_for(format!("edit:{post_id}"))?;
    let post = writing::editable(&backend.db, &viewer, post_id).await?;
    let choices = writing::choices_for_group(&backend.db, &viewer, &post.group_slug).await?;
    Ok(EditPostView {
        post_id,
        slug: post.group_slug,
        thread_id: post.thread_id,
        thread_title: post.thread_title,
        opening: post.opening,
        source: post.source,
        tlp: post.tlp.as_str().to_string(),
        choices: server::choices(choices),
        draft: draft.await?,
    })
}

#[server(prefix = "/rpc", endpoint = "edit_post")]
pub async fn edit_post(
    post_id: i64,
    title: Option<String>,
    body: String,
    tlp: Option<String>,
    audience: Option<BTreeMap<String, String>>,
    intent: Option<String>,
) -> Result<ComposeOutcome, AppError> {
    use crate::request;
    use vaern_core::forums::writing::{self, PostEdit};
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let session = request::session()?;
    let plain = server::plain_form_post();
    let draft = Draft {
        form: format!("edit:{post_id}"),
        title: title.clone().unwrap_or_default(),
        body: body.clone(),
        tlp: tlp.clone().unwrap_or_default(),
        preview: None,
        based_on: None,
    };
    let preview = intent.as_deref() == Some("preview");
    let edit = PostEdit {
        post_id,
        title,
        body,
        tlp: server::tlp(tlp.as_deref())?,
        audience: server::audience(audience.as_ref())?,
    };
    let db = backend.db.clone();
    server::compose(
        session,
        plain,
        draft,
        preview,
        async move { writing::edit(&db, &viewer, edit).await },
        backend.hub,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "delete_post")]
pub async fn delete_post(post_id: i64) -> Result<(), AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let thread = vaern_core::forums::writing::delete(&backend.db, &viewer, post_id).await?;
    leptos_axum::redirect(&format!("/threads/{thread}?post={post_id}#post-{post_id}"));
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "post_history")]
pub async fn load_post_history(post_id: i64) -> Result<HistoryView, AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let history = vaern_core::forums::history(&backend.db, &viewer, post_id).await?;
    Ok(HistoryView {
        post_id: history.post_id,
        thread_id: history.thread_id,
        thread_title: history.thread_title,
        author: server::author(history.author),
        revisions: history
            .revisions
            .into_iter()
            .map(|r| RevisionEntry {
                tlp: r.tlp.as_str().to_string(),
                html: r.html,
                written: server::time(r.written_at),
                current: r.current,
            })
            .collect(),
    })
}

/// The live preview while writing: the post as it will be shown, or why it cannot be.
#[server(prefix = "/rpc", endpoint = "preview_post")]
pub async fn preview_post(body: String) -> Result<String, AppError> {
    crate::request::signed_in()?;
    Ok(vaern_core::markdown::render(&body)?)
}

#[server(prefix = "/rpc", endpoint = "watch_thread")]
pub async fn watch_thread(thread_id: i64, watch: String) -> Result<bool, AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let on = match watch.as_str() {
        "on" => true,
        "off" => false,
        _ => return Err(AppError::invalid("watch", "unknown")),
    };
    vaern_core::forums::writing::set_watching(&backend.db, &viewer, thread_id, on).await?;
    Ok(on)
}

#[server(prefix = "/rpc", endpoint = "moderate_thread")]
pub async fn moderate_thread(thread_id: i64, action: String) -> Result<(), AppError> {
    use crate::request;
    use vaern_core::forums::moderation;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let address = request::context()?.address;
    let (db, audit) = (&backend.db, &backend.audit);
    match action.as_str() {
        "pin" | "unpin" => {
            let pinned = action == "pin";
            moderation::set_pinned(db, audit, &viewer, thread_id, pinned, &address).await?;
        }
        "lock" | "unlock" => {
            let locked = action == "lock";
            moderation::set_locked(db, audit, &viewer, thread_id, locked, &address).await?;
        }
        _ => return Err(AppError::invalid("action", "unknown")),
    }
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "move_thread")]
pub async fn move_thread(thread_id: i64, target: String) -> Result<(), AppError> {
    use crate::request;
    use vaern_core::forums::moderation;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let address = request::context()?.address;
    let (db, audit) = (&backend.db, &backend.audit);
    moderation::move_thread(db, audit, &viewer, thread_id, &target, &address).await?;
    leptos_axum::redirect(&format!("/threads/{thread_id}"));
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "remove_post")]
pub async fn remove_post(post_id: i64, reason: String) -> Result<(), AppError> {
    use crate::request;
    use vaern_core::forums::moderation;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let address = request::context()?.address;
    let (db, audit) = (&backend.db, &backend.audit);
    moderation::remove_post(db, audit, &viewer, post_id, &reason, &address).await?;
    Ok(())
}
