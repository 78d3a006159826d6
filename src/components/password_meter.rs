//! Shows how guessable a new password is while it is typed, with the same zxcvbn rules
//! the server applies on submit.

use crate::validate::password_strength;
use leptos::prelude::*;

const LABELS: [&str; 5] = ["Very weak", "Weak", "Fair", "Strong", "Very strong"];

#[component]
pub fn PasswordMeter(
    password: Signal<String>,
    /// The user's own details, which make a password weaker when it contains them.
    user_inputs: Signal<Vec<String>>,
    min_score: u8,
) -> impl IntoView {
    let strength = Memo::new(move |_| {
        let pw = password.get();
        if pw.is_empty() {
            return None;
        }
        let inputs = user_inputs.get();
        let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        Some(password_strength(&pw, &inputs))
    });
    let score = move || strength.get().map_or(0, |s| s.score);
    let bar_class = move || {
        let s = score();
        format!(
            "meter-bar score-{s}{}",
            if s >= min_score { " ok" } else { "" }
        )
    };
    let meter_class = move || {
        if strength.get().is_none() {
            "meter hidden"
        } else {
            "meter"
        }
    };
    view! {
        <div class=meter_class aria-hidden=move || strength.get().is_none().then_some("true")>
            <div class=bar_class>
                <span></span>
                <span></span>
                <span></span>
                <span></span>
            </div>
            <p class="meter-label">
                {move || strength.get().map(|s| format!("Strength: {}", LABELS[usize::from(s.score.min(4))]))}
            </p>
        </div>
    }
}
