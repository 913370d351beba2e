//! The server's layering, checked rather than only written down (ARCHITECTURE.md, "Layers").
//!
//! Every `.rs` file of `server/src` is parsed (with `syn`, so comments and strings never
//! count) and every path it names inside the crate (`use crate::…`, `super::…`, `self::…`,
//! a child module named from its parent, and such paths written inline in code) becomes an
//! edge from its module to the module it names. A folder's `mod.rs` re-exporting its own
//! children (`pub use child::Item`) is that folder's front door, not a dependency: a path
//! through it (`crate::db::Task`) names the module the item comes from (`db::tasks`).
//! `#[cfg(test)]` code is left out. On that graph:
//!
//! - no circle between modules, file by file, nor between the top-level modules;
//! - `domain` and `signing` (the rules and the formats) name nothing outside themselves and
//!   no crate that does I/O, except the bundle's own file reading in `signing::bundle`;
//! - `work` (the operations) names nothing of HTTP: not `axum`, not `crate::http`, not
//!   `crate::state` (`AppState`) and not `crate::error` (`ApiError`).
//!
//! A planted back-import (say `use crate::db::Db;` in `domain/task.rs`) fails the second
//! check; a planted `use crate::work::tasks;` in `db/tasks.rs` fails the first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// A module of the crate, as its path segments (`["db", "tasks"]`); the crate root is `[]`.
type Module = Vec<String>;

/// Crates and standard modules that do I/O: the rules and the formats must not name them.
const IO: &[&str] = &[
    "sqlx",
    "rusqlite",
    "axum",
    "axum_extra",
    "tower",
    "tower_http",
    "hyper",
    "tokio",
    "tokio_util",
    "reqwest",
    "lettre",
    "openidconnect",
    "std::fs",
    "std::net",
    "std::process",
    "std::env",
];

/// Modules allowed one named kind of I/O, and why.
const IO_ALLOWED: &[(&str, &str)] = &[
    // The bundle is read from and written to a directory (`concord verify DIR`, the export).
    ("signing::bundle", "std::fs"),
];

struct Source {
    module: Module,
    /// `mod.rs` or `lib.rs`: `self` is the module itself and children are named bare.
    is_dir: bool,
    file: syn::File,
}

fn server_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/src")
}

fn sources() -> Vec<Source> {
    let root = server_src();
    let mut files = Vec::new();
    collect(&root, &mut files);
    files
        .into_iter()
        // `main.rs` is the binary, a crate of its own that names this one as `server::`.
        .filter(|path| path != &root.join("main.rs"))
        .map(|path| {
            let relative = path.strip_prefix(&root).unwrap();
            let mut module: Module = relative
                .with_extension("")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let last = module.last().cloned().unwrap_or_default();
            let is_dir = last == "mod" || (module.len() == 1 && last == "lib");
            if is_dir {
                module.pop();
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let file = syn::parse_file(&text)
                .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
            Source {
                module,
                is_dir,
                file,
            }
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every path a file names, with whether it is a façade re-export (`pub use`).
#[derive(Default)]
struct Names {
    paths: Vec<(Vec<String>, bool)>,
}

impl Names {
    fn use_tree(&mut self, prefix: &[String], tree: &syn::UseTree, facade: bool) {
        match tree {
            syn::UseTree::Path(p) => {
                let mut next = prefix.to_vec();
                next.push(p.ident.to_string());
                self.use_tree(&next, &p.tree, facade);
            }
            syn::UseTree::Name(n) => {
                let mut path = prefix.to_vec();
                if n.ident != "self" {
                    path.push(n.ident.to_string());
                }
                self.paths.push((path, facade));
            }
            syn::UseTree::Rename(r) => {
                let mut path = prefix.to_vec();
                path.push(r.ident.to_string());
                self.paths.push((path, facade));
            }
            syn::UseTree::Glob(_) => self.paths.push((prefix.to_vec(), facade)),
            syn::UseTree::Group(g) => {
                for tree in &g.items {
                    self.use_tree(prefix, tree, facade);
                }
            }
        }
    }
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| m.path().is_ident("test"))
    })
}

impl<'ast> Visit<'ast> for Names {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let facade = matches!(item.vis, syn::Visibility::Public(_));
        self.use_tree(&[], &item.tree, facade);
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        if !is_test_only(&item.attrs) {
            syn::visit::visit_item_mod(self, item);
        }
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        if !is_test_only(&item.attrs) {
            syn::visit::visit_item_fn(self, item);
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if segments.len() > 1 {
            self.paths.push((segments, false));
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        // Paths inside a macro's tokens (`$crate::db::…` in `in_transaction!`, `crate::x` in a
        // `format!` argument) are read as plain tokens.
        let text = mac.tokens.to_string().replace(' ', "");
        for start in ["crate::", "super::"] {
            let mut rest = text.as_str();
            while let Some(at) = rest.find(start) {
                let tail = &rest[at..];
                // `$crate::…` in a macro's definition belongs to where it is expanded.
                if rest[..at].ends_with('$') {
                    rest = &tail[start.len()..];
                    continue;
                }
                let end = tail
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                    .unwrap_or(tail.len());
                let segments: Vec<String> = tail[..end]
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect();
                if segments.len() > 1 {
                    self.paths.push((segments, false));
                }
                rest = &tail[end.max(1)..];
            }
        }
        syn::visit::visit_macro(self, mac);
    }
}

/// What a folder's `mod.rs` (or `lib.rs`) re-exports: item name → the module it comes from.
type Facades = BTreeMap<Module, BTreeMap<String, Module>>;

/// The module a path names, if it is one of the crate's: the longest module prefix, followed
/// through a folder's re-export to the module the item really comes from (so `crate::db::Task`
/// names `db::tasks`, not the front door `db`).
fn resolve(
    source: &Source,
    path: &[String],
    modules: &BTreeSet<Module>,
    facades: &Facades,
) -> Option<Module> {
    let absolute = absolute(source, path, modules)?;
    let mut found = (1..=absolute.len())
        .rev()
        .map(|n| absolute[..n].to_vec())
        .find(|candidate| modules.contains(candidate))?;
    // Follow re-exports (a front door may re-export another's), at most a few hops.
    for _ in 0..4 {
        let Some(item) = absolute.get(found.len()) else {
            break;
        };
        match facades.get(&found).and_then(|f| f.get(item)) {
            Some(origin) if *origin != found => found = origin.clone(),
            _ => break,
        }
    }
    Some(found)
}

/// A path made absolute (from the crate root), if it names something of the crate.
fn absolute(source: &Source, path: &[String], modules: &BTreeSet<Module>) -> Option<Module> {
    let (first, rest) = path.split_first()?;
    let base: Module = if source.is_dir {
        source.module.clone()
    } else {
        source.module[..source.module.len() - 1].to_vec()
    };
    let absolute: Module = match first.as_str() {
        "crate" => rest.to_vec(),
        "self" => source
            .module
            .iter()
            .cloned()
            .chain(rest.iter().cloned())
            .collect(),
        "super" => {
            let mut base = if source.is_dir {
                source.module[..source.module.len().saturating_sub(1)].to_vec()
            } else {
                base.clone()
            };
            let mut rest = rest;
            while let Some(("super", tail)) = rest.split_first().map(|(h, t)| (h.as_str(), t)) {
                base.pop();
                rest = tail;
            }
            base.into_iter().chain(rest.iter().cloned()).collect()
        }
        // A child module named from its parent (`use tasks::Task` in `db/mod.rs`).
        name if source.is_dir && modules.contains(&child(&source.module, name)) => source
            .module
            .iter()
            .cloned()
            .chain(path.iter().cloned())
            .collect(),
        _ => return None,
    };
    Some(absolute)
}

fn child(module: &Module, name: &str) -> Module {
    let mut child = module.clone();
    child.push(name.to_owned());
    child
}

fn name(module: &Module) -> String {
    if module.is_empty() {
        "crate".into()
    } else {
        module.join("::")
    }
}

struct Graph {
    /// Module → modules it names.
    edges: BTreeMap<Module, BTreeSet<Module>>,
    /// Module → every path it names, inside the crate or not, for the I/O checks.
    named: BTreeMap<Module, Vec<String>>,
}

fn graph() -> Graph {
    let sources = sources();
    let modules: BTreeSet<Module> = sources.iter().map(|s| s.module.clone()).collect();
    let mut names_of = Vec::new();
    for source in &sources {
        let mut names = Names::default();
        names.visit_file(&source.file);
        names_of.push(names);
    }
    // The front doors first: what each folder re-exports, and from where.
    let mut facades: Facades = BTreeMap::new();
    for (source, names) in sources.iter().zip(&names_of) {
        if !source.is_dir {
            continue;
        }
        for (path, facade) in &names.paths {
            let (Some(item), true) = (path.last(), *facade) else {
                continue;
            };
            if let Some(origin) = absolute(source, path, &modules).and_then(|a| {
                (1..a.len())
                    .rev()
                    .map(|n| a[..n].to_vec())
                    .find(|candidate| modules.contains(candidate))
            }) {
                facades
                    .entry(source.module.clone())
                    .or_default()
                    .insert(item.clone(), origin);
            }
        }
    }
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    let mut named: BTreeMap<Module, Vec<String>> = BTreeMap::new();
    for (source, names) in sources.iter().zip(&names_of) {
        for (path, facade) in &names.paths {
            named
                .entry(source.module.clone())
                .or_default()
                .push(path.join("::"));
            let Some(target) = resolve(source, path, &modules, &facades) else {
                continue;
            };
            let inside = target.starts_with(&source.module);
            if target == source.module || (*facade && source.is_dir && inside) {
                continue;
            }
            edges
                .entry(source.module.clone())
                .or_default()
                .insert(target);
        }
    }
    Graph { edges, named }
}

/// The circles of a graph: its strongly connected components with more than one module.
fn circles(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<String>> {
    // Tarjan's algorithm, iteratively small enough to write recursively here.
    struct State<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on_stack: BTreeSet<&'a Module>,
        next: usize,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Module) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        if let Some(targets) = s.edges.get(v) {
            for w in targets {
                if !s.index.contains_key(w) {
                    visit(s, w);
                    let low = s.low[v].min(s.low[w]);
                    s.low.insert(v, low);
                } else if s.on_stack.contains(w) {
                    let low = s.low[v].min(s.index[w]);
                    s.low.insert(v, low);
                }
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(name(w));
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let nodes: BTreeSet<&Module> = edges
        .iter()
        .flat_map(|(from, to)| std::iter::once(from).chain(to))
        .collect();
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    for node in nodes {
        if !s.index.contains_key(node) {
            visit(&mut s, node);
        }
    }
    s.found
}

fn top_level(edges: &BTreeMap<Module, BTreeSet<Module>>) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut top: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (from, targets) in edges {
        for to in targets {
            let (a, b) = (
                from.iter().take(1).cloned().collect::<Module>(),
                to.iter().take(1).cloned().collect::<Module>(),
            );
            if a != b && !a.is_empty() && !b.is_empty() {
                top.entry(a).or_default().insert(b);
            }
        }
    }
    top
}

#[test]
fn no_module_of_the_server_depends_on_itself_through_others() {
    let graph = graph();

    let by_file = circles(&graph.edges);
    let by_folder = circles(&top_level(&graph.edges));

    assert!(
        by_file.is_empty() && by_folder.is_empty(),
        "module circles (each group names itself through the others):\n  files: {by_file:?}\n  top-level modules: {by_folder:?}"
    );
}

#[test]
fn the_rules_and_the_formats_name_nothing_outside_themselves_and_do_no_io() {
    let graph = graph();
    let mut wrong = Vec::new();
    for (module, targets) in &graph.edges {
        let Some(layer) = module.first().filter(|m| *m == "domain" || *m == "signing") else {
            continue;
        };
        for target in targets {
            if target.first() != Some(layer) {
                wrong.push(format!("{} names {}", name(module), name(target)));
            }
        }
    }
    for (module, paths) in &graph.named {
        if !matches!(
            module.first().map(String::as_str),
            Some("domain" | "signing")
        ) {
            continue;
        }
        for path in paths {
            for io in IO {
                let names_io = path == io || path.starts_with(&format!("{io}::"));
                let allowed = IO_ALLOWED
                    .iter()
                    .any(|(m, what)| name(module) == *m && what == io);
                if names_io && !allowed {
                    wrong.push(format!("{} names {path} (I/O)", name(module)));
                }
            }
        }
    }

    assert!(
        wrong.is_empty(),
        "domain and signing must stay pure:\n  {}",
        wrong.join("\n  ")
    );
}

#[test]
fn the_operations_know_nothing_of_http() {
    let graph = graph();
    let mut wrong = Vec::new();
    for (module, targets) in &graph.edges {
        if module.first().map(String::as_str) != Some("work") {
            continue;
        }
        for target in targets {
            if matches!(
                target.first().map(String::as_str),
                Some("http" | "state" | "error")
            ) {
                wrong.push(format!("{} names {}", name(module), name(target)));
            }
        }
    }
    for (module, paths) in &graph.named {
        if module.first().map(String::as_str) != Some("work") {
            continue;
        }
        for path in paths {
            if path == "axum"
                || path.starts_with("axum::")
                || path.contains("ApiError")
                || path.contains("AppState")
            {
                wrong.push(format!("{} names {path}", name(module)));
            }
        }
    }

    assert!(
        wrong.is_empty(),
        "work must not know HTTP:\n  {}",
        wrong.join("\n  ")
    );
}

/// The longest a request handler's body may be: a handler extracts, calls one operation and
/// answers; anything longer is logic that belongs in `work/`.
const MAX_HANDLER_LINES: usize = 15;

#[test]
fn every_request_handler_is_thin() {
    let root = server_src().join("http");
    let mut long = Vec::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let file = syn::parse_file(&text).unwrap();
        for item in &file.items {
            let syn::Item::Fn(function) = item else {
                continue;
            };
            let is_handler = function
                .attrs
                .iter()
                .any(|a| a.path().segments.last().is_some_and(|s| s.ident == "path"));
            if !is_handler {
                continue;
            }
            let body = &function.block;
            let (start, end) = (
                body.brace_token.span.open().start().line,
                body.brace_token.span.close().end().line,
            );
            let lines = end.saturating_sub(start + 1);
            if lines > MAX_HANDLER_LINES {
                long.push(format!(
                    "{}: {} ({lines} lines)",
                    path.file_name().unwrap().to_string_lossy(),
                    function.sig.ident
                ));
            }
        }
    }

    assert!(
        long.is_empty(),
        "handlers longer than {MAX_HANDLER_LINES} lines (move the logic into work/): {long:?}"
    );
}
