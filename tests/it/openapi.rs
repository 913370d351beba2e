//! The REST contract: the OpenAPI document the server describes (generated from its handlers
//! and their request and response types) is the one committed as `docs/openapi.json`, and the
//! one it serves at `GET /api/openapi.json`.
//!
//! When a change to the API is meant, regenerate the file and commit it with the change:
//!
//! ```sh
//! UPDATE_OPENAPI=1 cargo test -p tests --test it openapi
//! ```
//!
//! (the web client's types are generated from it in turn: `web/src/lib/generated/`).

use crate::support::server::{workspace_root, TestServer};

fn committed_path() -> std::path::PathBuf {
    workspace_root().join("docs/openapi.json")
}

/// Where two texts first differ, as "line N: committed … / described …", for the message.
fn first_difference(committed: &str, described: &str) -> String {
    for (n, (a, b)) in committed.lines().zip(described.lines()).enumerate() {
        if a != b {
            return format!("line {}:\n  committed: {a}\n  described: {b}", n + 1);
        }
    }
    format!(
        "the committed file has {} lines, the described document {}",
        committed.lines().count(),
        described.lines().count()
    )
}

#[test]
fn the_committed_openapi_document_is_the_one_the_server_describes() {
    let described = server::http::openapi_json();
    let path = committed_path();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, described).expect("docs/openapi.json is writable");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();

    assert!(
        committed == described,
        "docs/openapi.json is not what the server describes ({}); if the API change is meant, \
         run `UPDATE_OPENAPI=1 cargo test -p tests --test it openapi` and commit the file",
        first_difference(&committed, described)
    );
}

#[tokio::test]
async fn the_server_serves_its_openapi_document_as_json() {
    let server = TestServer::start().await;

    let response = reqwest::get(format!("http://{}/api/openapi.json", server.addr))
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "the document is served as JSON"
    );
    let served = response.text().await.unwrap();
    assert_eq!(served, server::http::openapi_json());
    let document: serde_json::Value = serde_json::from_str(&served).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
}

/// Every `.route("…")` call left in `server/src/http`: a route registered without its
/// description.
fn undescribed_routes() -> Vec<String> {
    struct Routes(Vec<String>, String);
    impl<'ast> syn::visit::Visit<'ast> for Routes {
        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            if call.method == "route" {
                if let Some(syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(path),
                    ..
                })) = call.args.first()
                {
                    self.0.push(format!("{}: {}", self.1, path.value()));
                }
            }
            syn::visit::visit_expr_method_call(self, call);
        }
    }
    let dir = workspace_root().join("server/src/http");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let file = syn::parse_file(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut routes = Routes(Vec::new(), name);
        syn::visit::Visit::visit_file(&mut routes, &file);
        found.extend(routes.0);
    }
    found
}

#[test]
fn every_route_of_the_server_is_registered_with_its_description() {
    let undescribed = undescribed_routes();

    assert!(
        undescribed.is_empty(),
        "routes registered with `.route(…)` are missing from the OpenAPI document; register \
         them with `routes!(handler)` and a `#[utoipa::path]`: {undescribed:?}"
    );
    let document: serde_json::Value = serde_json::from_str(server::http::openapi_json()).unwrap();
    let paths = document["paths"].as_object().unwrap();
    for path in [
        "/api/openapi.json",
        "/api/tasks",
        "/api/auth/login",
        "/ws/docs/{doc_id}",
    ] {
        assert!(paths.contains_key(path), "{path} is not described");
    }
}

/// Every type of `server/src` that derives `ToSchema`, by name, with where it is.
fn schema_types() -> Vec<(String, String)> {
    struct Schemas(Vec<(String, String)>, String);
    impl<'ast> syn::visit::Visit<'ast> for Schemas {
        fn visit_derive_input(&mut self, _: &'ast syn::DeriveInput) {}
        fn visit_item_struct(&mut self, item: &'ast syn::ItemStruct) {
            if derives_schema(&item.attrs) {
                self.0.push((item.ident.to_string(), self.1.clone()));
            }
        }
        fn visit_item_enum(&mut self, item: &'ast syn::ItemEnum) {
            if derives_schema(&item.attrs) {
                self.0.push((item.ident.to_string(), self.1.clone()));
            }
        }
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            // The vocabularies (`labelled_enum! { pub enum TaskState { … } }`) and the command
            // enums (`commands! { … pub enum TaskAction … }`) derive their schema inside the
            // macro: take the name after `enum`.
            let tokens: Vec<String> = mac
                .tokens
                .clone()
                .into_iter()
                .map(|t| t.to_string())
                .collect();
            let named = mac
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "labelled_enum" || s.ident == "commands");
            if named {
                for pair in tokens.windows(2) {
                    if pair[0] == "enum" {
                        self.0.push((pair[1].clone(), self.1.clone()));
                    }
                }
            }
        }
    }
    fn derives_schema(attrs: &[syn::Attribute]) -> bool {
        attrs.iter().any(|a| {
            a.path().is_ident("derive")
                && a.meta
                    .require_list()
                    .is_ok_and(|l| l.tokens.to_string().contains("ToSchema"))
        })
    }
    fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let file = syn::parse_file(&std::fs::read_to_string(&path).unwrap()).unwrap();
                let mut found = Schemas(Vec::new(), path.display().to_string());
                syn::visit::Visit::visit_file(&mut found, &file);
                out.extend(found.0);
            }
        }
    }
    let mut out = Vec::new();
    walk(&workspace_root().join("server/src"), &mut out);
    out
}

#[test]
fn no_two_body_types_share_a_schema_name() {
    // utoipa keys schemas by the type's name: a second type of the same name would silently
    // replace the first in the document, and the client would be generated from the wrong one.
    let mut seen: std::collections::BTreeMap<String, String> = Default::default();
    let mut twice = Vec::new();
    for (name, place) in schema_types() {
        if let Some(first) = seen.insert(name.clone(), place.clone()) {
            twice.push(format!("{name}: {first} and {place}"));
        }
    }

    assert!(twice.is_empty(), "rename one of each pair: {twice:?}");
}
