//! `kf generate`: the committed completions and man pages match the clap definitions.

use std::path::Path;

#[test]
fn committed_completions_and_man_pages_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (path, content) in kf::commands::generate::generated_files().unwrap() {
        let committed = std::fs::read(root.join(&path)).unwrap_or_default();
        assert!(
            committed == content,
            "{path} is stale: run `cargo run -- generate` and commit the result"
        );
    }
}

#[test]
fn every_subcommand_help_has_examples() {
    use clap::CommandFactory;
    fn check(command: &clap::Command, path: &str) {
        for sub in command.get_subcommands() {
            if sub.is_hide_set() || sub.get_name() == "help" {
                continue;
            }
            let name = format!("{path} {}", sub.get_name());
            if sub.has_subcommands() {
                check(sub, &name);
            } else {
                let help = sub
                    .get_after_help()
                    .map(|h| h.to_string())
                    .unwrap_or_default();
                assert!(
                    help.contains("Examples:"),
                    "`{name} --help` has no examples"
                );
            }
        }
    }
    check(&kf::cli::Cli::command(), "kf");
}
