//! `/admin/overview`: 30 days of sign-ups, logins, failed logins and throttled attempts
//! as bar charts (SVG drawn by the server, no scripts), and the mail queue now.

use super::{AdminTabs, RequireAdmin};
use crate::{
    components::{ErrorView, set_page_title},
    model::{DayCounts, MailQueue},
    server_fns::admin::admin_overview,
};
use leptos::prelude::*;

/// The drawing's own units; CSS scales it to the card's width.
const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 120.0;

#[component]
pub fn AdminOverviewPage() -> impl IntoView {
    set_page_title("Overview · Admin");
    let overview = Resource::new_blocking(|| (), |()| admin_overview());
    view! {
        <RequireAdmin let:_admin>
            <section class="card admin">
                <AdminTabs current="/admin/overview"/>
                <h1>"Overview"</h1>
                <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match overview.await {
                            Ok(o) => view! {
                                <p class="muted">"The last 30 days, one bar per day (UTC), today on the right."</p>
                                <div class="charts">
                                    <Chart title="Sign-ups" days=o.days.clone() pick=|d| d.signups/>
                                    <Chart title="Logins" days=o.days.clone() pick=|d| d.logins/>
                                    <Chart title="Failed logins" days=o.days.clone() pick=|d| d.failed_logins/>
                                    <Chart title="Throttled attempts" days=o.days.clone() pick=|d| d.throttled/>
                                </div>
                                <MailState mail=o.mail/>
                            }.into_any(),
                            Err(e) => view! { <ErrorView error=e/> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </RequireAdmin>
    }
}

/// One series as bars, with its total and today's count in words (the chart's name for
/// screen readers, and what the eye looks for first).
#[component]
fn Chart(title: &'static str, days: Vec<DayCounts>, pick: fn(&DayCounts) -> i64) -> impl IntoView {
    let values: Vec<i64> = days.iter().map(pick).collect();
    let total: i64 = values.iter().sum();
    let today = values.last().copied().unwrap_or_default();
    let max = values.iter().copied().max().unwrap_or_default().max(1);
    let slot = WIDTH / values.len().max(1) as f64;
    let bars = days
        .iter()
        .zip(&values)
        .enumerate()
        .map(|(i, (day, &value))| {
            let height =
                (value as f64 / max as f64 * (HEIGHT - 4.0)).max(if value > 0 { 2.0 } else { 0.0 });
            let x = format!("{:.1}", i as f64 * slot + slot * 0.15);
            let y = format!("{:.1}", HEIGHT - height);
            let w = format!("{:.1}", slot * 0.7);
            let h = format!("{height:.1}");
            view! {
                <rect x=x y=y width=w height=h>
                    <title>{format!("{}: {value}", day.date)}</title>
                </rect>
            }
        })
        .collect_view();
    let label = format!(
        "{title} per day for 30 days: {total} in all, {today} today, at most {max} in a day"
    );
    let summary = format!("{total} in 30 days · {today} today");
    view! {
        <figure class="chart">
            <figcaption><strong>{title}</strong> " " <span class="muted">{summary}</span></figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label preserveAspectRatio="none">
                <line x1="0" y1=HEIGHT x2=WIDTH y2=HEIGHT class="axis"/>
                {bars}
            </svg>
        </figure>
    }
}

#[component]
fn MailState(mail: MailQueue) -> impl IntoView {
    let wait = match mail.oldest_wait_seconds {
        0 => "—".to_string(),
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s => format!("{} h", s / 3600),
    };
    view! {
        <h2>"Mail queue"</h2>
        <div class="table-wrap">
            <table class="data-table">
                <thead><tr><th scope="col">"Waiting"</th><th scope="col">"Oldest waiting for"</th><th scope="col">"Sent in the last 24 h"</th><th scope="col">"Given up"</th></tr></thead>
                <tbody><tr>
                    <td>{mail.waiting}</td>
                    <td>{wait}</td>
                    <td>{mail.sent_last_day}</td>
                    <td>{mail.failed}</td>
                </tr></tbody>
            </table>
        </div>
    }
}
