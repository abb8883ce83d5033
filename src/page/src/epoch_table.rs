//! The table beside the Train panel's charts: a row per epoch, each term's mean over its steps
//! and the test metric at its end (the charts' alternative for screen readers, and exact numbers).

use leptos::prelude::*;

use latent_core::chart::{EpochRow, number};

#[component]
pub fn EpochTable(names: Vec<String>, test_name: Option<String>, rows: Vec<EpochRow>) -> impl IntoView {
    view! {
        <table class="epochs" data-testid="chart-table">
            <caption>"Mean of each term over each epoch's steps, and the test metric at its end"</caption>
            <thead><tr>
                <th scope="col">"epoch"</th><th scope="col">"last step"</th>
                {names.into_iter().map(|n| view! { <th scope="col">{n}</th> }).collect_view()}
                {test_name.clone().map(|n| view! { <th scope="col">{n}</th> })}
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|row| view! {
                    <tr>
                        <th scope="row">{if row.finished { row.epoch.to_string() } else { format!("{} (so far)", row.epoch) }}</th>
                        <td>{row.last_step}</td>
                        {row.means.iter().map(|m| view! { <td>{number(*m)}</td> }).collect_view()}
                        {test_name.as_ref().map(|_| view! { <td>{row.test.map(number).unwrap_or_default()}</td> })}
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
