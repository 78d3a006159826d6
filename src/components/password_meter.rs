//! Shows how guessable a new password is while it is typed. The score comes from the
//! server (zxcvbn stays out of the browser bundle): asked once typing pauses, and the same
//! answer feeds the field's inline message, so the page says what submit would say.

use crate::{
    server_fns::passwords::score_password,
    validate::{self, PasswordPolicy, PasswordStrength},
};
use leptos::prelude::*;
use std::time::Duration;

const LABELS: [&str; 5] = ["Very weak", "Weak", "Fair", "Strong", "Very strong"];
/// How long typing must pause before the server is asked.
const DEBOUNCE: Duration = Duration::from_millis(300);

/// The server's latest score for a new-password field, with the password it scored.
#[derive(Clone, Copy)]
pub struct StrengthCheck {
    scored: RwSignal<Option<(String, PasswordStrength)>>,
    policy: PasswordPolicy,
}

impl StrengthCheck {
    /// Asks the server about `password` (and the person's own details, which make a
    /// password weaker when it contains them) whenever either changes and typing pauses.
    /// Effects run only in the browser: without JavaScript nothing is asked.
    pub fn new(
        password: Signal<String>,
        user_inputs: Signal<Vec<String>>,
        policy: PasswordPolicy,
    ) -> Self {
        let scored = RwSignal::new(None::<(String, PasswordStrength)>);
        let mut ask = debounce(DEBOUNCE, move |(pw, inputs): (String, Vec<String>)| {
            leptos::task::spawn_local(async move {
                let answer = score_password(pw.clone(), inputs).await;
                // A late answer about an earlier password must not replace a newer one.
                let current = password.try_with_untracked(|now| *now == pw);
                if let (Ok(strength), Some(true)) = (answer, current) {
                    scored.try_set(Some((pw, strength)));
                }
            });
        });
        Effect::new(move |_| {
            let pw = password.get();
            let inputs = user_inputs.get();
            // The server refuses what no field takes; the length rule speaks for it.
            if pw.is_empty() || pw.chars().count() > policy.max_length {
                scored.set(None);
            } else {
                ask((pw, inputs));
            }
        });
        Self { scored, policy }
    }

    /// The latest score, kept on show while the next one is on its way.
    fn latest(self) -> Option<PasswordStrength> {
        self.scored
            .with(|s| s.as_ref().map(|(_, strength)| strength.clone()))
    }

    /// The field's rule: length inline, then the strength once the server has scored
    /// this very password.
    pub fn rule(self) -> impl Fn(&str) -> Option<String> + Copy + Send + Sync + 'static {
        move |pw: &str| {
            validate::new_password_length(pw, &self.policy)
                .err()
                .or_else(|| {
                    self.scored.with(|s| {
                        s.as_ref()
                            .filter(|(scored_pw, _)| scored_pw == pw)
                            .and_then(|(_, strength)| validate::too_weak(strength, &self.policy))
                    })
                })
        }
    }
}

#[component]
pub fn PasswordMeter(check: StrengthCheck) -> impl IntoView {
    let min_score = check.policy.min_score;
    let strength = Memo::new(move |_| check.latest());
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
