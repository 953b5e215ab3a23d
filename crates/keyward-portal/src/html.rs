//! The portal's page frame and shared pieces. Markup is built with maud,
//! which escapes every interpolated value; no page carries inline script or
//! style (the Content-Security-Policy forbids both).

use axum::response::Html;
use maud::{DOCTYPE, Markup, html};

use keyward_store::PortalSession;

/// Which tab of a project is shown.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    AdminApi,
    Applications,
    Explorer,
    Audit,
}

/// A whole page: header with the signed-in operator, then `body`.
pub fn page(title: &str, operator: Option<&PortalSession>, body: Markup) -> Html<String> {
    Html(
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " · keyward" }
                    link rel="icon" type="image/svg+xml" href="/portal/assets/favicon.svg";
                    link rel="stylesheet" href="/portal/assets/portal.css";
                    script src="/portal/assets/portal.js" defer {}
                }
                body {
                    a.skip href="#main" { "Skip to content" }
                    header.topbar {
                        a.brand href="/portal" { "keyward" }
                        @if let Some(op) = operator {
                            nav aria-label="Main" { a href="/portal" { "Projects" } }
                            div.who {
                                span { (op.email) }
                                form method="post" action="/portal/logout" {
                                    (csrf(op))
                                    button.link type="submit" { "Sign out" }
                                }
                            }
                        }
                    }
                    main id="main" { (body) }
                }
            }
        }
        .into_string(),
    )
}

/// A page with one message (errors, confirmations).
pub fn message_page(title: &str, message: &str) -> Html<String> {
    page(
        title,
        None,
        html! {
            section.card.narrow {
                h1 { (title) }
                p { (message) }
                p { a href="/portal" { "Back to the portal" } }
            }
        },
    )
}

/// The hidden CSRF field every form carries.
pub fn csrf(session: &PortalSession) -> Markup {
    html! { input type="hidden" name="csrf" value=(session.csrf_token); }
}

/// A read-only value with a copy button.
pub fn copy_field(label: &str, id: &str, value: &str) -> Markup {
    html! {
        div.copy {
            label for=(id) { (label) }
            div.copyrow {
                input id=(id) type="text" readonly value=(value);
                button.secondary type="button" data-copy=(id) { "Copy" }
            }
        }
    }
}

/// The project's heading and tabs.
pub fn project_header(project: &str, tab: Tab) -> Markup {
    let item = |t: Tab, href: String, label: &str| {
        html! {
            @if t == tab { a href=(href) aria-current="page" { (label) } }
            @else { a href=(href) { (label) } }
        }
    };
    html! {
        p.crumbs { a href="/portal" { "Projects" } " / " (project) }
        h1 { (project) }
        nav.tabs aria-label="Project" {
            (item(Tab::AdminApi, format!("/portal/projects/{project}"), "Admin API"))
            (item(Tab::Applications, format!("/portal/projects/{project}/applications"), "Applications"))
            (item(Tab::Explorer, format!("/portal/projects/{project}/explorer"), "API explorer"))
            (item(Tab::Audit, format!("/portal/projects/{project}/audit"), "Audit log"))
        }
    }
}

/// A Unix time as `2026-11-29 10:04 UTC`.
pub fn time(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|_| "—".into())
}
