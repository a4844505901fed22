//! The viewer page's files, embedded in the binary at build time so that
//! `sessiontrail view` needs nothing on disk.
//!
//! They are the files of `www/`, served at the same relative paths as there
//! (`/viewer/…` and the recorder's shared modules at `/…`), so the page's
//! relative imports work both here and from `make www`. A test below fails
//! when a module the page imports is missing from the table.

pub struct Asset {
    pub path: &'static str,
    pub body: &'static str,
    pub kind: &'static str,
}

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

macro_rules! www {
    ($($file:literal => $kind:expr),* $(,)?) => {
        &[$(Asset {
            path: concat!("/", $file),
            body: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../www/", $file)),
            kind: $kind,
        }),*]
    };
}

pub const ASSETS: &[Asset] = www! {
    "viewer/index.html" => HTML,
    "viewer/viewer.css" => CSS,
    "viewer/app.js" => JS,
    "viewer/model.js" => JS,
    "viewer/panels.js" => JS,
    "viewer/sources.js" => JS,
    "style.css" => CSS,
    "timeline.js" => JS,
    "event-types.js" => JS,
    "event-schema.js" => JS,
    "icons.js" => JS,
    "integrity-report.js" => JS,
    "line-reader.js" => JS,
    "printable.js" => JS,
};

/// The asset served at `path`.
pub fn find(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every module the page imports, every stylesheet it links and every
    /// file in www/viewer/ is embedded.
    #[test]
    fn the_page_and_everything_it_loads_is_embedded() {
        let www = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../www");
        for entry in std::fs::read_dir(www.join("viewer")).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            assert!(
                find(&format!("/viewer/{name}")).is_some(),
                "www/viewer/{name} is not embedded (add it to ASSETS)"
            );
        }
        for asset in ASSETS {
            let base = asset.path.rsplit_once('/').unwrap().0;
            for quote in ['"', '\''] {
                for piece in asset.body.split(quote).skip(1).step_by(2) {
                    let local = piece.starts_with("./") || piece.starts_with("../");
                    let loaded = [".js", ".css"].iter().any(|ext| piece.ends_with(ext));
                    if !(local && loaded) {
                        continue;
                    }
                    let mut parts: Vec<&str> = base.split('/').collect();
                    for part in piece.split('/') {
                        match part {
                            "." => {}
                            ".." => {
                                parts.pop();
                            }
                            p => parts.push(p),
                        }
                    }
                    let url = parts.join("/");
                    // The wasm package is optional: the page works without it.
                    if url.starts_with("/pkg/") {
                        continue;
                    }
                    assert!(
                        find(&url).is_some(),
                        "{} loads {piece} ({url}), which is not embedded",
                        asset.path
                    );
                }
            }
        }
    }
}
