//! Værn's user interface: the HTML shell, the routes, the pages and the server-function
//! surface. Server functions are thin: get the viewer, call `vaern_core`, map the error.

#![recursion_limit = "256"]

// The generated `i18n` module: the `Locale` enum and one accessor per translation key.
include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

pub mod api;
pub mod components;
pub mod error;
pub mod flash;
#[cfg(feature = "ssr")]
pub mod format;
pub mod locale;
#[cfg(feature = "ssr")]
pub mod mail;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod request;
#[cfg(feature = "ssr")]
pub mod session_state;

use components::layout::Layout;
use leptos::prelude::*;
use leptos_meta::{Formatter, HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// Hydrates the islands on the page; everything else stays the server's HTML. Called by
/// the browser entry crate, which also links this crate's island exports that way.
#[cfg(feature = "hydrate")]
pub fn hydrate_islands() {
    leptos::mount::hydrate_islands();
}

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let locale = locale::current();
    view! {
        <!DOCTYPE html>
        <html lang=locale::tag(locale)>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HydrationScripts options=options.clone() islands=true />
                <HashedStylesheet options id="leptos" />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Every page's `<title>` text. leptos_meta writes the title into the server-rendered
/// `<head>` as it is, and titles carry names people chose (threads, groups), so it is
/// escaped here (titles are only ever rendered on the server).
fn title_text(text: String) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The routes, rendered on the server only: navigation is plain page loads, and only the
/// islands (`#[island]`) hydrate in the browser. Pages that need a signed-in user render
/// through `signed_in_view`. Pages render whole before the response starts
/// (`SsrMode::Async`), so that a redirect to sign-in is a real 302.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(locale::current());
    api::auth::provide_auth();
    view! {
        <Title formatter=Formatter::from(title_text) />
        <Router>
            <Layout>
                <Routes fallback=pages::not_found::NotFoundPage>
                    <Route path=path!("/") view=pages::home::HomePage ssr=SsrMode::Async />
                    <Route path=path!("/sign-in") view=pages::sign_in::SignInPage ssr=SsrMode::Async />
                    <Route path=path!("/sign-in/code") view=pages::second_factor::CodePage ssr=SsrMode::Async />
                    <Route path=path!("/sign-in/enrol") view=pages::second_factor::SignInEnrolPage ssr=SsrMode::Async />
                    <Route path=path!("/forgot-password") view=pages::link::ForgotPasswordPage ssr=SsrMode::Async />
                    <Route path=path!("/link/:token") view=pages::link::LinkPage ssr=SsrMode::Async />
                    <Route path=path!("/account") view=pages::account::AccountPage ssr=SsrMode::Async />
                    <Route path=path!("/account/second-factor") view=pages::second_factor::AccountEnrolPage ssr=SsrMode::Async />
                    <Route path=path!("/account/recovery-codes") view=pages::second_factor::RecoveryCodesPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/people") view=pages::people::PeoplePage ssr=SsrMode::Async />
                    <Route path=path!("/admin/organisations") view=pages::organisations::OrganisationsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/groups") view=pages::groups::AdminGroupsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/identities") view=pages::identities::IdentitiesPage ssr=SsrMode::Async />
                    <Route path=path!("/alerts") view=pages::alerts::AlertsPage ssr=SsrMode::Async />
                    <Route path=path!("/alerts/:id") view=pages::alerts::AlertPage ssr=SsrMode::Async />
                    <Route path=path!("/incidents") view=pages::incidents::IncidentsPage ssr=SsrMode::Async />
                    <Route path=path!("/incidents/:id") view=pages::incidents::IncidentPage ssr=SsrMode::Async />
                    <Route path=path!("/incidents/centre/:row") view=pages::incidents::CentreIncidentPage ssr=SsrMode::Async />
                    <Route path=path!("/search") view=pages::search::SearchPage ssr=SsrMode::Async />
                    <Route path=path!("/groups/:slug") view=pages::groups::GroupPage ssr=SsrMode::Async />
                    <Route path=path!("/groups/:slug/forum") view=pages::forum::ForumPage ssr=SsrMode::Async />
                    <Route path=path!("/groups/:slug/forum/new") view=pages::forum::NewThreadPage ssr=SsrMode::Async />
                    <Route path=path!("/groups/:slug/library") view=pages::library::LibraryPage ssr=SsrMode::Async />
                    <Route path=path!("/documents/:id") view=pages::library::DocumentPage ssr=SsrMode::Async />
                    <Route path=path!("/groups/:slug/library/new-page") view=pages::library_pages::NewPagePage ssr=SsrMode::Async />
                    <Route path=path!("/documents/:id/edit") view=pages::library_pages::EditPagePage ssr=SsrMode::Async />
                    <Route path=path!("/documents/:id/compare") view=pages::library_pages::ComparePage ssr=SsrMode::Async />
                    <Route path=path!("/threads/:id") view=pages::thread::ThreadPage ssr=SsrMode::Async />
                    <Route path=path!("/posts/:id/edit") view=pages::thread::EditPostPage ssr=SsrMode::Async />
                    <Route path=path!("/posts/:id/history") view=pages::thread::PostHistoryPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/tokens") view=pages::tokens::TokensPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/taxii-sources") view=pages::taxii_sources::TaxiiSourcesPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/audit") view=pages::audit::AuditPage ssr=SsrMode::Async />
                    <Route path=path!("/notifications") view=pages::notifications::NotificationsPage ssr=SsrMode::Async />
                    <Route path=path!("/intel/received") view=pages::intel::ReceivedPage ssr=SsrMode::Async />
                    <Route path=path!("/intel/acknowledgements") view=pages::acknowledgements::AcknowledgementsPage ssr=SsrMode::Async />
                    <Route path=path!("/intel/received/:row") view=pages::intel::ReceivedObjectPage ssr=SsrMode::Async />
                </Routes>
            </Layout>
        </Router>
    }
}
