//! Shell completions (bash, zsh, fish) and man pages are generated from the clap definition
//! and committed under completions/ and man/; this test fails when they drift. Regenerate
//! with `LLMMON_UPDATE_GOLDEN=1 cargo test --test integration cli_reference::`.

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;
use llmmon::cli::Cli;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Completions for each shell and a man page per command and subcommand of `cmd`.
fn generated_for(name: &str, cmd: clap::Command, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    for (shell, file) in [
        (Shell::Bash, format!("{name}.bash")),
        (Shell::Zsh, format!("_{name}")),
        (Shell::Fish, format!("{name}.fish")),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut cmd.clone(), name, &mut buf);
        out.push((root().join("completions").join(file), buf));
    }
    let mut pages = vec![(name.to_owned(), cmd.clone())];
    for sub in cmd.get_subcommands() {
        pages.push((
            format!("{name}-{}", sub.get_name()),
            sub.clone().name(format!("{name}-{}", sub.get_name())),
        ));
    }
    for (page, c) in pages {
        let mut buf = Vec::new();
        clap_mangen::Man::new(c)
            .render(&mut buf)
            .expect("render man page");
        out.push((root().join("man").join(format!("{page}.1")), buf));
    }
}

/// Every generated file: its path and its expected content.
fn generated() -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    generated_for("llmmon", Cli::command(), &mut out);
    generated_for(
        "llmmon-exporter",
        llmmon_exporter::cli::Cli::command(),
        &mut out,
    );
    out
}

#[test]
fn completions_and_man_pages_match_the_cli_definition() {
    let update = std::env::var_os("LLMMON_UPDATE_GOLDEN").is_some();
    let mut drifted = Vec::new();
    for (path, content) in generated() {
        if update {
            std::fs::create_dir_all(path.parent().unwrap_or(Path::new("."))).expect("mkdir");
            std::fs::write(&path, &content).expect("write");
        } else if std::fs::read(&path).ok().as_deref() != Some(content.as_slice()) {
            drifted.push(path.display().to_string());
        }
    }
    assert!(
        drifted.is_empty(),
        "out of date (regenerate with LLMMON_UPDATE_GOLDEN=1 cargo test --test integration \
         cli_reference::): {drifted:?}"
    );
}
