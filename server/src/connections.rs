//! Spreads accepted connections over the serving threads (see
//! [`crate::Server::run_until_stopped`]).
//!
//! The threads used to accept from one shared listening socket. Whichever thread woke
//! first took every connection waiting, so a burst of connections (a browser opening
//! several, a load balancer, `make bench-thread`) all landed on one thread and one core
//! while the other idled. One acceptor now hands the connections to the threads in turn.

use std::io;
use std::net::{SocketAddr, TcpStream as StdTcpStream};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// A connection on its way to a serving thread. It travels as a std socket: a tokio one
/// belongs to the runtime that registered it, and each thread has its own.
type Handoff = (StdTcpStream, SocketAddr);

/// The connections handed to one serving thread, as a listener for `axum::serve`.
pub struct Handed {
    incoming: UnboundedReceiver<Handoff>,
    local: SocketAddr,
}

impl axum::serve::Listener for Handed {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (TcpStream, SocketAddr) {
        loop {
            match self.incoming.recv().await {
                Some((stream, peer)) => match TcpStream::from_std(stream) {
                    Ok(stream) => return (stream, peer),
                    // The connection is dropped; the thread goes on with the next.
                    Err(error) => tracing::warn!(%error, "could not take over a connection"),
                },
                // The acceptor has stopped, so the server is stopping: nothing more comes.
                None => std::future::pending::<()>().await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.local)
    }
}

/// One listener per serving thread, and the senders the acceptor hands connections to.
pub fn handed(threads: usize, local: SocketAddr) -> (Vec<Handed>, Vec<UnboundedSender<Handoff>>) {
    (0..threads.max(1))
        .map(|_| {
            let (send, incoming) = unbounded_channel();
            (Handed { incoming, local }, send)
        })
        .unzip()
}

/// Accepts connections on `listener` and hands them to `threads` in turn, until every
/// thread has stopped taking them.
pub async fn accept(listener: TcpListener, threads: Vec<UnboundedSender<Handoff>>) {
    let mut next = 0usize;
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors and the like: the same pause axum makes.
                tracing::warn!(%error, "accepting a connection failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let stream = match stream.into_std() {
            Ok(stream) => stream,
            Err(error) => {
                tracing::warn!(%error, "could not hand over a connection");
                continue;
            }
        };
        let mut handoff = (stream, peer);
        // The next thread that still takes connections; none left means stopping.
        let mut tried = 0;
        loop {
            if tried == threads.len() {
                return;
            }
            let thread = &threads[next % threads.len()];
            next = next.wrapping_add(1);
            tried += 1;
            match thread.send(handoff) {
                Ok(()) => break,
                Err(returned) => handoff = returned.0,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::serve::Listener;

    #[tokio::test]
    async fn connections_go_to_the_threads_in_turn() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let local = listener.local_addr().expect("addr");
        let (mut listeners, senders) = handed(2, local);
        let acceptor = tokio::spawn(accept(listener, senders));
        let mut clients = Vec::new();
        for _ in 0..4 {
            clients.push(TcpStream::connect(local).await.expect("connect"));
        }
        let mut peers = Vec::new();
        for listener in &mut listeners {
            for _ in 0..2 {
                let (_, peer) = tokio::time::timeout(Duration::from_secs(5), listener.accept())
                    .await
                    .expect("each thread gets two of the four connections");
                peers.push(peer);
            }
        }
        let mut expected: Vec<SocketAddr> = clients
            .iter()
            .map(|c| c.local_addr().expect("client addr"))
            .collect();
        expected.sort();
        peers.sort();
        assert_eq!(peers, expected);
        assert_eq!(listeners[0].local_addr().expect("local"), local);
        acceptor.abort();
    }

    #[tokio::test]
    async fn the_acceptor_stops_when_no_thread_takes_connections() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let local = listener.local_addr().expect("addr");
        let (listeners, senders) = handed(2, local);
        drop(listeners);
        let acceptor = tokio::spawn(accept(listener, senders));
        let _client = TcpStream::connect(local).await.expect("connect");
        tokio::time::timeout(Duration::from_secs(5), acceptor)
            .await
            .expect("the acceptor ends")
            .expect("without panicking");
    }
}
