//! The live watcher: once a second it reads whether anything that dashboards and alert
//! lists show has changed (`vaern_core::stix::live`) and, when it has, tells every open
//! event stream what moved. Each stream then checks, for its own viewer, whether that
//! changes anything they may see (`http::events`). Reading once a second is what
//! coalesces: a poller burst of 100,000 objects is a handful of messages, not 100,000.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;
use vaern_core::db::Db;
use vaern_core::stix::live::{self, Changes};

/// How often the watcher reads; also the most often a page is told.
pub const TICK: Duration = Duration::from_secs(1);
/// Messages a slow stream may fall behind by before it is told "everything changed".
const BACKLOG: usize = 16;

/// What the watcher sends and the streams receive.
pub type Sender = broadcast::Sender<Arc<Changes>>;

pub fn channel() -> Sender {
    broadcast::channel(BACKLOG).0
}

/// Watches `db` for as long as the server runs.
pub fn spawn(db: Db, sender: Sender) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut seen = None;
        loop {
            tick.tick().await;
            let Some(before) = seen else {
                match live::watermark(&db).await {
                    Ok(now) => seen = Some(now),
                    Err(err) => tracing::warn!(%err, "reading the live watermark"),
                }
                continue;
            };
            match live::changes_since(&db, before).await {
                Ok((now, changes)) => {
                    seen = Some(now);
                    // Nobody listening is no failure.
                    if !changes.is_empty() {
                        let _ = sender.send(Arc::new(changes));
                    }
                }
                Err(err) => tracing::warn!(%err, "reading what changed for the live streams"),
            }
        }
    })
}
