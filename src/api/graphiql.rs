//! GraphiQL, served from this binary: the page and the vendored assets in `graphiql/`
//! (see its LICENSES.md), so the IDE works without a CDN and under a same-origin CSP.

use axum::{
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::api::ApiState;

/// The GraphiQL release vendored in `graphiql/`; asset URLs carry it, so they can be cached forever.
pub const GRAPHIQL_VERSION: &str = "3.9.0";

/// The page's policy: everything from this origin; styles may be inline (GraphiQL sets some).
pub const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

const PAGE: &str = include_str!("graphiql/index.html");

const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "graphiql.min.js",
        JAVASCRIPT,
        include_bytes!("graphiql/graphiql.min.js"),
    ),
    ("graphiql.min.css", CSS, include_bytes!("graphiql/graphiql.min.css")),
    (
        "react.production.min.js",
        JAVASCRIPT,
        include_bytes!("graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        JAVASCRIPT,
        include_bytes!("graphiql/react-dom.production.min.js"),
    ),
    ("init.js", JAVASCRIPT, include_bytes!("graphiql/init.js")),
    ("page.css", CSS, include_bytes!("graphiql/page.css")),
];
const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// The GraphiQL page (the handler has already checked that GraphiQL is enabled).
pub fn page() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_CSP)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        PAGE,
    )
        .into_response()
}

/// `GET /graphiql/{version}/{file}`: one vendored asset, or 404 (also when GraphiQL is off).
pub async fn asset(State(http): State<ApiState>, Path((version, file)): Path<(String, String)>) -> Response {
    let found = ASSETS.iter().find(|(name, _, _)| *name == file);
    match found {
        Some((_, content_type, bytes)) if http.config.graphiql && version == GRAPHIQL_VERSION => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ),
            ],
            *bytes,
        )
            .into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_links_only_assets_that_are_served() {
        let prefix = format!("/graphiql/{GRAPHIQL_VERSION}/");
        let linked: Vec<&str> = PAGE
            .split(['"', '\''])
            .filter_map(|part| part.strip_prefix(prefix.as_str()))
            .collect();
        assert_eq!(linked.len(), ASSETS.len(), "{linked:?}");
        for file in linked {
            assert!(ASSETS.iter().any(|(name, _, _)| *name == file), "{file} is not served");
        }
    }
}
