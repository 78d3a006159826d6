//! Devices in words: a user agent as "Firefox 128 on Linux".

use std::sync::LazyLock;

/// Browser and system in words, from a user agent; "Unknown device" when it says nothing.
pub fn describe(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent.map(str::trim).filter(|ua| !ua.is_empty()) else {
        return "Unknown device".into();
    };
    // Parsing is most of the cost of a line in the activity and devices lists (about 30k
    // instructions each), and the same few user agents come back on every render of them.
    static DESCRIBED: LazyLock<quick_cache::sync::Cache<String, String>> =
        LazyLock::new(|| quick_cache::sync::Cache::new(1024));
    if let Some(words) = DESCRIBED.get(ua) {
        return words;
    }
    let words = parse(ua);
    DESCRIBED.insert(ua.to_owned(), words.clone());
    words
}

fn parse(ua: &str) -> String {
    let known = |s: &str| !s.is_empty() && s != "UNKNOWN";
    match woothee::parser::Parser::new().parse(ua) {
        // Browsers only; for tools and crawlers the product token says more.
        Some(r)
            if known(r.name)
                && matches!(
                    r.category,
                    "pc" | "smartphone" | "mobilephone" | "appliance"
                ) =>
        {
            let major = r.version.split('.').next().filter(|v| known(v));
            let browser = match major {
                Some(v) => format!("{} {v}", r.name),
                None => r.name.to_string(),
            };
            if known(r.os) {
                format!("{browser} on {}", r.os)
            } else {
                browser
            }
        }
        // Not a browser woothee knows: the product token is still better than nothing.
        _ => ua
            .split_whitespace()
            .next()
            .map(|token| token.chars().take(40).collect())
            .unwrap_or_else(|| "Unknown device".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn user_agents_read_as_browser_and_system() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(describe(Some(firefox)), "Firefox 128 on Linux");
        // Again, from the cache; and the same agent with spaces around it.
        assert_eq!(describe(Some(firefox)), "Firefox 128 on Linux");
        assert_eq!(
            describe(Some(&format!(" {firefox} "))),
            "Firefox 128 on Linux"
        );
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(describe(Some(chrome)), "Chrome 131 on Windows 10");
        assert_eq!(describe(Some("curl/8.5.0")), "curl/8.5.0");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        assert_eq!(describe(Some(iphone)), "Safari 17 on iPhone");
        let headless = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36";
        assert_eq!(describe(Some(headless)), "Chrome 156 on Linux");
        assert_eq!(describe(None), "Unknown device");
        assert_eq!(describe(Some("  ")), "Unknown device");
        assert_eq!(describe(Some("gatehouse-tests/1.0")), "gatehouse-tests/1.0");
    }
}
