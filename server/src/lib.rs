//! The `vaern` process: builds the axum router around the Leptos app, with sessions,
//! the viewer middleware and the security middleware, and runs it.

pub mod cli;
pub mod config;
mod connections;
pub mod extraction;
pub mod http;
pub mod indexing;
pub mod live;
pub mod poller;
pub mod telemetry;

use crate::config::{Config, origin_of};
use app::request::Backend;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions_sqlx_store::SqliteStore;

/// What the HTTP layer needs on every request.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub backend: Backend,
    pub security: Arc<http::security::Policy>,
    pub trusted_proxies: Arc<Vec<ipnet::IpNet>>,
    /// How many STIX ingest bodies are read at once (`http::taxii::ingest_gate`).
    pub ingest_slots: Arc<tokio::sync::Semaphore>,
    /// The live event streams open now (`http::events`), at most a few per session.
    pub streams: Arc<http::events::OpenStreams>,
    /// What the live watcher saw change (`live`), for the streams.
    pub live: live::Sender,
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The page routes the app declares, as JSON paths (for the accessibility suite).
pub fn page_routes_json() -> String {
    let paths: Vec<String> = generate_route_list(app::App)
        .iter()
        .map(|r| r.path().to_string())
        .collect();
    serde_json::to_string(&paths).unwrap_or_else(|_| "[]".into())
}

/// A bound, ready server.
pub struct Server {
    listener: TcpListener,
    router: Router,
    url: String,
    /// Pulls from the remote TAXII sources while the server runs.
    poller: poller::Poller,
    /// Reads the text of library files for search while the server runs.
    extraction: Option<extraction::worker::Worker>,
    /// Applies the search outbox to the index while the server runs.
    indexing: (vaern_core::db::Db, Arc<vaern_core::search::LiveIndex>),
    /// Tells the live streams what changed while the server runs.
    live: (vaern_core::db::Db, live::Sender),
}

impl Server {
    /// Opens the database, migrates, and builds the router; does not serve yet.
    pub async fn build(listener: TcpListener, config: Config) -> Result<Self, String> {
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        let url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{local}"));
        let https = url.starts_with("https://");
        let db = vaern_core::db::open(&config.data_dir)
            .await
            .map_err(|e| e.to_string())?;
        // Before the first answer: no page may show HTML an older renderer made.
        vaern_core::forums::rendering::refresh_stored(&db)
            .await
            .map_err(|e| format!("rendering stored posts again: {e}"))?;

        let store = SqliteStore::new(db.clone())
            .with_table_name("tower_sessions")
            .map_err(|e| e.to_string())?;
        store.migrate().await.map_err(|e| e.to_string())?;
        tokio::spawn(
            store
                .clone()
                .continuously_delete_expired(Duration::from_secs(600)),
        );
        {
            let (db, limits) = (db.clone(), config.limits);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(600));
                loop {
                    tick.tick().await;
                    if let Err(err) =
                        vaern_core::accounts::sessions::delete_expired(&db, limits).await
                    {
                        tracing::warn!(%err, "deleting expired sessions");
                    }
                }
            });
        }

        // Rows staged before the last stop (a crash between a commit and its appender)
        // are chained before the first request, then the appender runs for as long as
        // the server does.
        let audit = vaern_core::audit::AuditLog::new(db.clone(), &config.data_dir);
        audit
            .chain()
            .await
            .map_err(|e| format!("chaining staged audit rows: {e}"))?;
        tokio::spawn(audit.clone().run_appender());
        // Uploads cut off by the last stop, and files no document names.
        let files = vaern_core::library::store::BlobStore::new(&config.data_dir);
        let swept = files
            .sweep(&db)
            .await
            .map_err(|e| format!("sweeping the file store: {e}"))?;
        if swept != Default::default() {
            tracing::info!(
                temporary = swept.temporary,
                unreferenced = swept.unreferenced,
                "swept the file store"
            );
        }

        let hash_files = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt").is_file()))
            .unwrap_or(false);
        let leptos_options = LeptosOptions::builder()
            .output_name("vaern")
            .site_root(config.site_root.to_string_lossy().to_string())
            .site_pkg_dir("pkg")
            .site_addr(local)
            .hash_files(hash_files)
            .build();
        // One hub: the library tells watchers through it, and the live streams listen.
        let hub = vaern_core::notifications::Hub::new();
        // Deadline reminders of significant incidents, checked every minute.
        {
            let (db, hub) = (db.clone(), hub.clone());
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(60));
                loop {
                    tick.tick().await;
                    match vaern_core::incidents::reminders::send_due(&db, vaern_core::clock::now())
                        .await
                    {
                        Ok(notified) => hub.publish(&notified),
                        Err(err) => tracing::warn!(%err, "sending deadline reminders"),
                    }
                }
            });
        }
        let search = indexing::open(&config.data_dir)?;
        let state = AppState {
            leptos_options,
            backend: Backend {
                libraries: vaern_core::library::Libraries {
                    db: db.clone(),
                    files,
                    audit: audit.clone(),
                    hub: hub.clone(),
                },
                max_upload_bytes: config.max_upload_bytes,
                search: search.clone(),
                query_key: Arc::new(
                    vaern_core::search::red_audit::QueryKey::load_or_create(&config.data_dir)
                        .map_err(|e| e.to_string())?,
                ),
                audit,
                hub,
                db,
                limits: config.limits,
                mailer: config.mailer.clone(),
                public_url: url.trim_end_matches('/').to_string(),
            },
            security: Arc::new(http::security::Policy {
                public_origin: origin_of(&url),
                https,
            }),
            trusted_proxies: Arc::new(config.trusted_proxies.clone()),
            ingest_slots: Arc::new(tokio::sync::Semaphore::new(http::taxii::INGEST_SLOTS)),
            streams: Arc::default(),
            live: live::channel(),
        };
        let poller = poller::Poller::new(state.backend.db.clone(), state.backend.audit.clone())?;
        let extraction = config.extraction.clone().map(|settings| {
            let libraries = &state.backend.libraries;
            extraction::worker::Worker::new(libraries.db.clone(), libraries.files.clone(), settings)
        });
        let indexing = (state.backend.db.clone(), search);
        let live = (state.backend.db.clone(), state.live.clone());
        let router = routes(state, store, https, config.limits.idle_secs, hash_files);
        Ok(Self {
            listener,
            router,
            url,
            poller,
            extraction,
            indexing,
            live,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until Ctrl-C or SIGTERM; the TAXII poller runs as long as the server does.
    ///
    /// Requests are served by one thread per core, each with a single-threaded runtime;
    /// one acceptor hands them the connections in turn (`connections`). Rendering a page
    /// on the multi-thread runtime occasionally never finished: Leptos spawns the page's
    /// resources as tasks, and a wake-up between two worker threads was lost now and then
    /// (a page load in a few hundred under load in the browser tests; 5 of 12 runs of the
    /// access-table test with six running at once, 0 of 30 once its runtime had one
    /// thread). On one thread a page's tasks never race each other. The acceptor, the
    /// poller and the periodic clean-ups stay on the caller's runtime.
    pub async fn run_until_stopped(self) -> Result<(), String> {
        let poller = self.poller.spawn();
        let extraction = self.extraction.map(extraction::worker::Worker::spawn);
        let indexing = indexing::spawn(self.indexing.0, self.indexing.1);
        let watcher = live::spawn(self.live.0, self.live.1);
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let local = self.listener.local_addr().map_err(|e| e.to_string())?;
        let (listeners, senders) = connections::handed(threads, local);
        let acceptor = tokio::spawn(connections::accept(self.listener, senders));
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let (done, mut finished) = tokio::sync::mpsc::unbounded_channel();
        let mut running = 0;
        for (index, listener) in listeners.into_iter().enumerate() {
            let (router, stopped, done) = (self.router.clone(), stopped.clone(), done.clone());
            std::thread::Builder::new()
                .name(format!("vaern-http-{index}"))
                .spawn(move || {
                    let _ = done.send(serve_on_this_thread(listener, router, stopped));
                })
                .map_err(|e| e.to_string())?;
            running += 1;
        }
        drop(done);
        let mut served = Ok(());
        tokio::select! {
            () = shutdown_signal() => {}
            // A serving thread only ends by itself when it fails: stop the others.
            Some(result) = finished.recv() => {
                running -= 1;
                served = result;
            }
        }
        acceptor.abort();
        let _ = stop.send(true);
        while running > 0 {
            match finished.recv().await {
                Some(result) => {
                    running -= 1;
                    served = served.and(result);
                }
                None => break,
            }
        }
        poller.abort();
        watcher.abort();
        for task in indexing {
            task.abort();
        }
        if let Some(extraction) = extraction {
            // Dropping its task kills a child under way.
            extraction.abort();
        }
        served
    }
}

/// Serves the connections handed to this thread on a single-threaded runtime until
/// `stopped` turns true (or its sender is gone), finishing the requests under way.
fn serve_on_this_thread(
    listener: connections::Handed,
    router: Router,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) -> Result<(), String> {
    use axum::serve::ListenerExt;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        // Responses go out as hyper writes them, not held back for the client's
        // acknowledgement of the previous segment (as nginx's `tcp_nodelay`).
        let listener = listener.tap_io(|stream| {
            if let Err(error) = stream.set_nodelay(true) {
                tracing::debug!(%error, "could not set TCP_NODELAY");
            }
        });
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        })
        .await
        .map_err(|e| e.to_string())
    })
}

fn routes(
    state: AppState,
    store: SqliteStore,
    https: bool,
    idle_secs: i64,
    hashed: bool,
) -> Router {
    use axum::middleware::from_fn_with_state;
    use axum::routing::{any, get, post};

    let page_routes = generate_route_list(app::App);
    let backend = state.backend.clone();
    let context = move || {
        app::request::provide_page_nonce();
        provide_context(backend.clone());
        provide_context(app::api::forums::ThreadMemo::default());
        provide_context(app::session_state::FreshCodes::default());
    };
    let shell_options = state.leptos_options.clone();
    let shell = move || app::shell(shell_options.clone());
    let fallback_options = state.leptos_options.clone();

    let router = Router::new()
        .route("/lang/{code}", get(http::lang::switch))
        .route("/admin/audit.csv", get(http::audit_export::export))
        .route("/alerts.csv", get(http::alerts_export::export))
        .route(
            "/intel/acknowledgements.csv",
            get(http::acknowledgements_export::export),
        )
        .route(
            "/incidents/{id}/drafts/{file}",
            get(http::incident_drafts::download),
        )
        .route("/live/dashboard", get(http::live_panels::dashboard))
        .route("/live/alerts", get(http::live_panels::alerts))
        .route(
            "/live/incidents/{id}/timeline",
            get(http::live_panels::incident_timeline),
        )
        .route(
            "/groups/{slug}/library/upload",
            // The route streams its body under its own limit (`--max-upload-mb`).
            post(http::library::upload).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/documents/{id}/download", get(http::library::download))
        .route("/documents/{id}/raw", get(http::library::raw))
        .route("/files/{id}", get(http::library::image))
        .route(
            "/documents/{id}/versions",
            // Like the library's upload route: its own streaming limit.
            post(http::library::new_version).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/documents/{id}/versions/{version}/download",
            get(http::library::download_version),
        )
        .route("/events", get(http::events::stream))
        .route("/api/v1/whoami", get(http::api::whoami))
        .route(
            "/api/v1/stix/bundles",
            post(http::taxii::add_bundle)
                .layer(http::taxii::body_limit())
                .layer(from_fn_with_state(state.clone(), http::taxii::ingest_gate)),
        )
        .route("/taxii2/", get(http::taxii::discovery))
        .route("/taxii2/vaern/", get(http::taxii::api_root))
        .route("/taxii2/vaern/collections/", get(http::taxii::collections))
        .route(
            "/taxii2/vaern/collections/{id}/",
            get(http::taxii::collection_resource),
        )
        .route(
            "/taxii2/vaern/collections/{id}/objects/",
            post(http::taxii::add_objects)
                .layer(http::taxii::body_limit())
                .layer(from_fn_with_state(state.clone(), http::taxii::ingest_gate))
                .get(http::taxii::get_objects),
        )
        .route(
            "/taxii2/vaern/collections/{id}/objects/{object_id}/",
            get(http::taxii::get_object),
        )
        .route(
            "/taxii2/vaern/collections/{id}/objects/{object_id}/versions/",
            get(http::taxii::get_versions),
        )
        .route(
            "/taxii2/vaern/collections/{id}/manifest/",
            get(http::taxii::get_manifest),
        )
        .route("/taxii2/vaern/status/{id}/", get(http::taxii::status))
        .route("/taxii2/{*rest}", any(http::taxii::unknown))
        .leptos_routes_with_context(&state, page_routes, context.clone(), shell)
        .nest_service(
            "/pkg",
            http::assets::pkg_service(&state.leptos_options, hashed),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, move |_| {
            app::shell(fallback_options.clone())
        }))
        // Server functions are registered by `leptos_routes_with_context`; their errors get
        // their real status here.
        .layer(axum::middleware::from_fn(http::rpc::status_from_error))
        .layer(axum::middleware::from_fn(http::flash::carry))
        .layer(from_fn_with_state(state.clone(), http::viewer::attach))
        .layer(http::sessions::layer(store, https, idle_secs))
        .layer(axum::middleware::from_fn(http::limits::body_limit))
        .layer(from_fn_with_state(
            state.clone(),
            http::security::origin_check,
        ))
        .layer(from_fn_with_state(state.clone(), http::security::headers))
        .layer(http::compression::layer());
    http::trace::apply(router.with_state(state))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
