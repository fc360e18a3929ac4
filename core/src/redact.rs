//! The one way llmmon shows a URL in logs and messages: without the user-info, query string
//! or fragment that may carry a credential (`http://user:pass@host/p?token=…` is
//! `http://host/p`).

/// `raw` without user-info, query or fragment. A string that does not parse as a URL keeps
/// what it shows only when it cannot hold credentials (no `@`); otherwise it is replaced
/// by `<invalid URL>`.
pub fn url(raw: &str) -> String {
    let no_query = raw.split(['?', '#']).next().unwrap_or(raw);
    if url::Url::parse(raw).is_err() {
        return if raw.contains('@') {
            "<invalid URL>".to_owned()
        } else {
            no_query.to_owned()
        };
    }
    match no_query.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find('/').unwrap_or(rest.len());
            let (authority, path) = rest.split_at(end);
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            format!("{scheme}://{host}{path}")
        }
        None => no_query.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_query_and_fragment_are_left_out() {
        assert_eq!(url("http://u:pw@host:1/p?key=sk"), "http://host:1/p");
        assert_eq!(
            url("https://user@hooks.example/x#frag"),
            "https://hooks.example/x"
        );
        assert_eq!(url("http://host:8000"), "http://host:8000");
    }

    #[test]
    fn a_token_query_parameter_is_left_out() {
        assert_eq!(
            url("https://hooks.example/notify?token=sk-123&x=1"),
            "https://hooks.example/notify"
        );
    }

    #[test]
    fn an_at_sign_in_the_path_is_not_taken_for_credentials() {
        assert_eq!(url("http://host/users/@me"), "http://host/users/@me");
    }

    #[test]
    fn a_url_that_does_not_parse_shows_nothing_that_could_be_a_secret() {
        assert_eq!(url("http://u:pw@host:99999/"), "<invalid URL>");
        assert_eq!(url("not a url?token=sk"), "not a url");
        assert_eq!(url(""), "");
    }
}
