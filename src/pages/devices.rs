//! `/sessions`: the devices signed in to this account, and signing them out.

use super::flash_resource;
use crate::{
    app::account_action,
    components::{FormAlerts, RequireLogin, reloading, set_page_title},
    errors::AppError,
    forms::{specs::DEVICES, use_form},
    model::{DeviceView, FormFlash},
    server_fns::devices::{SignOutDevice, SignOutEverywhere, SignOutOtherDevices, devices},
};
use leptos::prelude::*;

#[component]
pub fn DevicesPage() -> impl IntoView {
    set_page_title("Your devices");
    let flash = flash_resource(&[&DEVICES]);
    let sign_out_one = ServerAction::<SignOutDevice>::new();
    let sign_out_others = ServerAction::<SignOutOtherDevices>::new();
    // App-wide: signing this device out too, the header's user reloads.
    let sign_out_everywhere = account_action::<SignOutEverywhere>();
    // Made here, outside the suspended parts, so both renders see the same values.
    // Keyed with `versions_key`, which outlives this page's actions (no disposed reads).
    let list = Resource::new(
        crate::app::versions_key([sign_out_one.version(), sign_out_others.version()]),
        |_| devices(),
    );
    view! {
        <RequireLogin path="/sessions" let:_user>
            // One `Suspend`, not a closure: see the profile page.
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let flash = flash.await.ok().flatten().unwrap_or_default();
                    // On the server the list draws straight from its data (`reloading`).
                    #[cfg(feature = "ssr")]
                    list.ready().await;
                    view! { <Devices flash list sign_out_one sign_out_others sign_out_everywhere/> }
                })}
            </Suspense>
        </RequireLogin>
    }
}

#[component]
fn Devices(
    flash: FormFlash,
    list: Resource<Result<Vec<DeviceView>, AppError>>,
    sign_out_one: ServerAction<SignOutDevice>,
    sign_out_others: ServerAction<SignOutOtherDevices>,
    sign_out_everywhere: ServerAction<SignOutEverywhere>,
) -> impl IntoView {
    // Two forms, one place for their outcome: the flash a no-JavaScript post left is
    // either's, so it is handed to one of them.
    let one = use_form(&DEVICES, &flash, sign_out_one);
    let others = use_form(&DEVICES, &FormFlash::default(), sign_out_others);
    // The outcome of whichever action ran last, else what a no-JavaScript post left.
    let others_last = RwSignal::new(false);
    Effect::new(move |_| {
        if sign_out_one.version().get() > 0 {
            others_last.set(false);
        }
    });
    Effect::new(move |_| {
        if sign_out_others.version().get() > 0 {
            others_last.set(true);
        }
    });
    let latest = move || if others_last.get() { others } else { one };
    let error = Signal::derive(move || latest().error.get());
    let notice = Signal::derive(move || latest().notice.get());
    view! {
        <section class="card devices" aria-labelledby="devices-heading">
            <h1 id="devices-heading">"Your devices"</h1>
            <p class="muted">"Everywhere you are logged in. If you don't recognise a device, sign it out and change your password."</p>
            <FormAlerts error notice/>
            {reloading(list, Some("Loading…"), move |items| {
                let items = items.unwrap_or_default();
                let others = items.iter().filter(|d| !d.current).count();
                view! {
                    <ul class="device-list">
                        {items.into_iter().map(|d| view! { <DeviceRow device=d sign_out_one/> }).collect_view()}
                    </ul>
                    <div class="device-actions">
                        {(others > 0).then(|| view! {
                            <ActionForm action=sign_out_others>
                                <button type="submit" class="btn btn-ghost">"Sign out all other devices"</button>
                            </ActionForm>
                        })}
                        <ActionForm action=sign_out_everywhere>
                            <button type="submit" class="btn btn-danger">"Sign out everywhere"</button>
                        </ActionForm>
                    </div>
                }
            })}
        </section>
    }
}

#[component]
fn DeviceRow(device: DeviceView, sign_out_one: ServerAction<SignOutDevice>) -> impl IntoView {
    let label = format!("Sign out {}", device.description);
    view! {
        <li class="device" class:device-current=device.current>
            <div>
                <strong>{device.description.clone()}</strong>
                {device.current.then(|| view! { <span class="badge badge-ok">"This device"</span> })}
                <p class="muted small">
                    {device.ip.clone().map(|ip| format!("{ip} · ")).unwrap_or_default()}
                    "Signed in " {device.signed_in.clone()} " · active " {device.last_active.clone()}
                </p>
            </div>
            {(!device.current).then(|| view! {
                <ActionForm action=sign_out_one>
                    <input type="hidden" name="session_id" value=device.id.clone()/>
                    <button type="submit" class="btn btn-ghost" aria-label=label>"Sign out"</button>
                </ActionForm>
            })}
        </li>
    }
}
