//! Memoreez pages, routes and server functions.
//!
//! Compiled twice: with `ssr` into the server (rendering HTML and running the
//! server functions) and with `hydrate` into the browser bundle (making that
//! HTML interactive).
//!
//! - the shared types and their validation, one module per thing in the
//!   user's words (`creation`, `concept`, `model`, `quote`, `studio`,
//!   `order`, `lab`, `print_job`, `staff`, `report`, `story`, `job`), and
//!   `error`, the one error type both sides speak;
//! - `server_fns`: the server functions the pages call, by area;
//! - `backend` (server side only): the port those functions call, one trait
//!   per area, which the server implements;
//! - `pages`: one file per routed page; `components`: what pages are made of.

// Shared types and their validation.
pub mod concept;
pub mod creation;
pub mod error;
pub mod job;
pub mod lab;
pub mod model;
pub mod order;
pub mod print_job;
pub mod quote;
pub mod report;
pub mod staff;
pub mod story;
pub mod studio;

pub mod server_fns;

#[cfg(feature = "ssr")]
pub mod backend;

pub mod components;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{MetaTags, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::pages::gallery::GalleryPage;
use crate::pages::lab::{LabJobPage, LabSubmitPage};
use crate::pages::model::ModelPage;
use crate::pages::my_models::MyModelsPage;
use crate::pages::order::OrderPage;
use crate::pages::quote::{QuoteJobPage, QuotePage};
use crate::pages::staff::{StaffHomePage, StaffLoginPage, StaffOutboxPage, StaffSetupPage};
use crate::pages::staff_job::StaffJobPage;
use crate::pages::staff_printers::StaffPrintersPage;
use crate::pages::staff_reports::{StaffFunnelPage, StaffOverviewPage};
use crate::pages::studio::StudioPage;
use crate::pages::{creation::CreationPage, home::HomePage, not_found::NotFound};

/// The HTML document around the app; rendered only on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="theme-color" content="#f7f3ee"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <link rel="stylesheet" id="leptos" href="/pkg/memoreez.css"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Router>
            <header class="site-header">
                <A href="/" attr:class="brand">
                    <span class="brand-mark" aria-hidden="true">"◆"</span>
                    " Memoreez"
                </A>
                <p class="tagline">"Their story, printed in 3D."</p>
                <nav class="site-nav" aria-label="Main">
                    <A href="/">"Create a keepsake"</A>
                    <A href="/my">"My models"</A>
                    <A href="/quote">"Price a model"</A>
                    <A href="/lab/submit">"Print lab"</A>
                </nav>
            </header>
            <main class="page">
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=HomePage/>
                    // Async: the page waits for the creation so an unknown id
                    // can answer with a real 404 status, not a 200 error page.
                    <Route path=path!("/create/:id") view=CreationPage ssr=SsrMode::Async/>
                    <Route path=path!("/create/:id/concepts") view=GalleryPage ssr=SsrMode::Async/>
                    <Route path=path!("/create/:id/model") view=ModelPage ssr=SsrMode::Async/>
                    <Route path=path!("/create/:id/studio") view=StudioPage ssr=SsrMode::Async/>
                    <Route path=path!("/my") view=MyModelsPage ssr=SsrMode::Async/>
                    <Route path=path!("/orders/:id") view=OrderPage ssr=SsrMode::Async/>
                    <Route path=path!("/quote") view=QuotePage/>
                    <Route path=path!("/quote/:job") view=QuoteJobPage ssr=SsrMode::Async/>
                    <Route path=path!("/lab/submit") view=LabSubmitPage ssr=SsrMode::Async/>
                    <Route path=path!("/lab/jobs/:id") view=LabJobPage ssr=SsrMode::Async/>
                    <Route path=path!("/staff") view=StaffHomePage ssr=SsrMode::Async/>
                    <Route path=path!("/staff/login") view=StaffLoginPage/>
                    <Route path=path!("/staff/setup") view=StaffSetupPage/>
                    <Route path=path!("/staff/outbox") view=StaffOutboxPage ssr=SsrMode::Async/>
                    <Route path=path!("/staff/jobs/:id") view=StaffJobPage ssr=SsrMode::Async/>
                    <Route path=path!("/staff/printers") view=StaffPrintersPage ssr=SsrMode::Async/>
                    <Route path=path!("/staff/overview") view=StaffOverviewPage ssr=SsrMode::Async/>
                    <Route path=path!("/staff/funnel") view=StaffFunnelPage ssr=SsrMode::Async/>
                </Routes>
            </main>
            <footer class="site-footer">
                <p>"Made with care in a small print lab." " " <a href="/staff">"Staff"</a></p>
            </footer>
        </Router>
    }
}
