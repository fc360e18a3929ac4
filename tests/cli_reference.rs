//! Shell completions (bash, zsh, fish) and man pages are generated from the clap definition
//! and committed under completions/ and man/; this test fails when they drift. Regenerate
//! with `LLMMON_UPDATE_GOLDEN=1 cargo test --test cli_reference`.

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;
use llmmon::cli::Cli;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every generated file: its path and its expected content.
fn generated() -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for (shell, file) in [
        (Shell::Bash, "llmmon.bash"),
        (Shell::Zsh, "_llmmon"),
        (Shell::Fish, "llmmon.fish"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "llmmon", &mut buf);
        out.push((root().join("completions").join(file), buf));
    }
    let cmd = Cli::command();
    let mut pages = vec![(String::from("llmmon"), cmd.clone())];
    for sub in cmd.get_subcommands() {
        pages.push((
            format!("llmmon-{}", sub.get_name()),
            sub.clone().name(format!("llmmon-{}", sub.get_name())),
        ));
    }
    for (name, c) in pages {
        let mut buf = Vec::new();
        clap_mangen::Man::new(c)
            .render(&mut buf)
            .expect("render man page");
        out.push((root().join("man").join(format!("{name}.1")), buf));
    }
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
        "out of date (regenerate with LLMMON_UPDATE_GOLDEN=1 cargo test --test cli_reference): {drifted:?}"
    );
}
