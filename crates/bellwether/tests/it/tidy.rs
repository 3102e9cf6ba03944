//! Tidy checks of the repository itself: no test, script or benchmark reads outside it.
//!
//! A fresh clone is all a user has, so a path in the tests, examples, scripts or browser tests
//! that climbs above the repository root (three `..` from a crate) or names the workplace's
//! shared folder breaks their `scripts/test`.

use std::path::{Path, PathBuf};

/// The repository root: this crate is `crates/bellwether`.
fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Folders that hold no code of ours (build output, installed packages, artefacts).
const NOT_OURS: &[&str] = &[
    "target",
    "node_modules",
    ".git",
    "test-artifacts",
    ".venv-bench",
    ".venv-fuzz",
    ".hypothesis",
];

/// Files that can hold a path a test or script reads: code and scripts, by extension, and every
/// file of `scripts/` and `.ci/` (which have none).
fn is_code(path: &Path, root: &Path) -> bool {
    let relative = path.strip_prefix(root).unwrap_or(path);
    if relative.starts_with("scripts") || relative.starts_with(".ci") {
        return true;
    }
    matches!(
        path.extension().and_then(|extension| extension.to_str()),
        Some("rs" | "js" | "mjs" | "cjs" | "py" | "sh" | "toml")
    )
}

fn files_under(directory: &Path, root: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if NOT_OURS.contains(&name.as_ref()) || name.starts_with(".venv") {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            files_under(&path, root, found);
        } else if kind.is_file() && is_code(&path, root) {
            found.push(path);
        }
    }
}

/// The number of components of `path` below the repository root (`crates/x` is 2).
fn depth(path: &Path, root: &Path) -> usize {
    path.strip_prefix(root)
        .map_or(0, |relative| relative.components().count())
}

/// Where relative paths on `line` of `file` start from: a Rust test or build runs in its crate's
/// folder, and `env!("CARGO_MANIFEST_DIR")` is that folder too, while `include_str!` and the
/// like, and every script, start from the file's own folder (scripts `cd` to the root first,
/// which is shallower still, so the file's folder is the lenient choice).
fn base_depth(file: &Path, line: &str, root: &Path) -> usize {
    let relative = file.strip_prefix(root).unwrap_or(file);
    let in_crate = relative.starts_with("crates") && relative.components().count() > 2;
    let is_rust = file.extension().is_some_and(|extension| extension == "rs");
    if is_rust && in_crate && !line.contains("include_") {
        2
    } else {
        depth(file.parent().unwrap_or(root), root)
    }
}

/// The reasons `line` reads outside the repository when relative paths start `base_depth`
/// folders below the root: a run of `..` components longer than that, or the shared folder.
fn escapes(line: &str, base_depth: usize) -> Vec<String> {
    let mut reasons = Vec::new();
    // Spelled in pieces, so that this file does not itself contain the paths it looks for.
    let shared = ["..", "/shared/"].concat();
    let shared_data = ["shared", "/data/"].concat();
    let work_shared = ["/work", "/shared"].concat();
    for pattern in [shared.as_str(), shared_data.as_str(), work_shared.as_str()] {
        if line.contains(pattern) {
            reasons.push(format!("names the workplace's shared folder ({pattern})"));
        }
    }
    let bytes = line.as_bytes();
    let mut index = 0;
    while index + 1 < bytes.len() {
        let starts_component = index == 0
            || !matches!(bytes[index - 1], b'.' | b'_' | b'-')
                && !bytes[index - 1].is_ascii_alphanumeric();
        if starts_component && bytes[index] == b'.' && bytes[index + 1] == b'.' {
            // Count `..` components joined by `/`: `../../..` is three.
            let mut ups = 0;
            let mut at = index;
            while at + 1 < bytes.len() && bytes[at] == b'.' && bytes[at + 1] == b'.' {
                let after = bytes.get(at + 2).copied();
                if matches!(after, Some(b'.')) || after.is_some_and(|b| b.is_ascii_alphanumeric()) {
                    break;
                }
                ups += 1;
                at += 2;
                if bytes.get(at) == Some(&b'/') {
                    at += 1;
                } else {
                    break;
                }
            }
            if ups > base_depth {
                reasons.push(format!(
                    "climbs {ups} folders from {base_depth} below the repository root"
                ));
            }
            index = at.max(index + 1);
        } else {
            index += 1;
        }
    }
    reasons
}

#[test]
fn no_test_script_or_benchmark_reads_outside_the_repository() {
    let root = repository_root();
    let mut files = Vec::new();
    for top in ["crates", "scripts", "browser-tests", ".ci"] {
        files_under(&root.join(top), &root, &mut files);
    }
    assert!(
        files.len() > 50,
        "the tidy check found only {} files under {}: is the walk broken?",
        files.len(),
        root.display()
    );
    let mut problems = Vec::new();
    // This file names the patterns it looks for, on purpose.
    let this_file = root.join(file!());
    for file in files.iter().filter(|file| **file != this_file) {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for (number, line) in text.lines().enumerate() {
            for reason in escapes(line, base_depth(file, line, &root)) {
                problems.push(format!(
                    "{}:{}: {reason}: {}",
                    file.strip_prefix(&root).unwrap_or(file).display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "paths that leave the repository (a fresh clone has nothing beside it; carry the data \
         inside the repository, e.g. under the crate's tests/data):\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_tidy_check_catches_what_broke_a_fresh_clone_and_passes_paths_inside() {
    let root = repository_root();
    let crate_test = root.join("crates/bellwether-clv/tests/it/cdnow_fixtures.rs");
    let old = [
        r#"    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../"#,
        "shared",
        r#"/data/cdnow")"#,
    ]
    .concat();
    let old = old.as_str();
    assert!(!escapes(old, base_depth(&crate_test, old, &root)).is_empty());
    let sibling = r#"        .join("../bellwether-clv/tests/data/cdnow")"#;
    assert!(escapes(sibling, base_depth(&crate_test, sibling, &root)).is_empty());
    let up_three = r#"        .join("../../../data")"#;
    assert!(!escapes(up_three, base_depth(&crate_test, up_three, &root)).is_empty());
    // `include_str!` starts from the file's folder, four below the root here.
    let include = r#"include_str!("../../../../README.md")"#;
    assert!(escapes(include, base_depth(&crate_test, include, &root)).is_empty());
    let script = root.join("scripts/test");
    let cd_root = r#"cd "$(dirname "$0")/..""#;
    assert!(escapes(cd_root, base_depth(&script, cd_root, &root)).is_empty());
    let out = r#"cp ../../elsewhere/data.csv ."#;
    assert!(!escapes(out, base_depth(&script, out, &root)).is_empty());
    let readme = ["see /work", "/shared", "/data/cdnow/README.md"].concat();
    assert!(!escapes(&readme, 9).is_empty());
    // Ranges and file names with dots are not paths.
    assert!(escapes("for i in 0..n { x.len()...; a..=b }", 0).is_empty());
}
