//! The page's title: "Log in · Gatehouse".

/// Sets the page's `<title>` to `text` followed by the product's name (the name alone for
/// an empty `text`); called as a page is made. The server writes it into the head with
/// `leptos_meta`; the browser, on a navigation, sets `document.title` itself, which keeps
/// `leptos_meta`'s code out of the wasm (3 KiB gzip, measured). Not a view: a view that
/// writes nothing on the server must hydrate nothing in the browser, and `()` does not
/// (it is a placeholder).
pub fn set_page_title(text: &'static str) {
    let title = if text.is_empty() {
        "Gatehouse".to_string()
    } else {
        format!("{text} · Gatehouse")
    };
    // `leptos_meta` records the title for the head when its `Title` is made; the view it
    // returns writes nothing.
    #[cfg(feature = "ssr")]
    {
        use leptos::prelude::*;
        let _ = view! { <leptos_meta::Title text=title/> };
    }
    #[cfg(not(feature = "ssr"))]
    leptos::prelude::document().set_title(&title);
}
