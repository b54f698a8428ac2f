//! The staff's navigation bar, the same on every staff page: the queue, the
//! printers, the lab overview, the shop funnel, the email outbox, and
//! signing out. The page it is on is marked (`aria-current="page"`), so a
//! screen reader says where you are, and every link is a plain link.

use leptos::prelude::*;

use crate::pages::staff::SignOut;

/// The staff pages in the bar, as (path, label, test id).
const PAGES: [(&str, &str, &str); 5] = [
    ("/staff", "Queue", "queue-link"),
    ("/staff/printers", "Printers", "printers-link"),
    ("/staff/overview", "Overview", "overview-link"),
    ("/staff/funnel", "Funnel", "funnel-link"),
    ("/staff/outbox", "Outbox", "outbox-link"),
];

/// The bar; `current`: the path of the page it is on (a job's page is the queue's).
#[component]
pub fn StaffNav(current: &'static str) -> impl IntoView {
    view! {
        <nav class="staff-nav" aria-label="Staff" data-testid="staff-nav">
            <ul>
                {PAGES.into_iter().map(|(path, label, test_id)| {
                    let here = path == current;
                    view! {
                        <li>
                            <a href=path class:current=here aria-current=here.then_some("page") data-testid=test_id>{label}</a>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <SignOut/>
        </nav>
    }
}
