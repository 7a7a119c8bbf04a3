//! `kf generate`: shell completions and man pages from the clap definitions, committed under
//! `completions/` and `man/` (a test fails when they are stale).

use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, GenerateArgs};

pub fn run(args: &GenerateArgs) -> anyhow::Result<()> {
    write_all(&args.out_dir)
}

/// Every generated file: its path under the output directory and its content.
pub fn generated_files() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::PowerShell,
        Shell::Elvish,
    ] {
        let mut command = Cli::command();
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut command, "kf", &mut out);
        let name = match shell {
            Shell::Bash => "kf.bash".to_string(),
            Shell::Zsh => "_kf".to_string(),
            Shell::Fish => "kf.fish".to_string(),
            Shell::PowerShell => "_kf.ps1".to_string(),
            _ => "kf.elv".to_string(),
        };
        files.push((format!("completions/{name}"), out));
    }
    let command = Cli::command();
    man_pages(&command, "kf", &mut files)?;
    Ok(files)
}

/// One page for the command and one per (nested) subcommand, named like git's: kf-cluster-up.1.
fn man_pages(
    command: &clap::Command,
    name: &str,
    files: &mut Vec<(String, Vec<u8>)>,
) -> anyhow::Result<()> {
    let command = command
        .clone()
        .name(name.to_string())
        .bin_name(name.to_string());
    let mut out = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut out)?;
    files.push((format!("man/{name}.1"), out));
    for sub in command.get_subcommands() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        man_pages(sub, &format!("{name}-{}", sub.get_name()), files)?;
    }
    Ok(())
}

fn write_all(out_dir: &Path) -> anyhow::Result<()> {
    for (path, content) in generated_files()? {
        let path = out_dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, content)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}
