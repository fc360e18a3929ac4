//! `llmmon`: parses arguments, runs the command, maps the outcome to an exit code.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use llmmon::cli::{Cli, Command, StatusArgs};
use llmmon::endpoints::{self, Endpoints};
use llmmon::exit::Exit;
use llmmon::status;

/// Collection interval of the in-process demo exporters.
const DEMO_INTERVAL: Duration = Duration::from_secs(1);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("llmmon: cannot start the async runtime: {e}");
            return Exit::Failure.into();
        }
    };
    let result = rt.block_on(run(cli));
    match result {
        Ok(code) => code.into(),
        Err((code, msg)) => {
            eprintln!("llmmon: {msg}");
            code.into()
        }
    }
}

async fn run(cli: Cli) -> Result<Exit, (Exit, String)> {
    match cli.command {
        Command::Status(args) => status_cmd(args).await,
    }
}

async fn status_cmd(args: StatusArgs) -> Result<Exit, (Exit, String)> {
    let (endpoints, _demo, mode) = if args.demo.demo {
        let demo = endpoints::start_demo(&args.demo, DEMO_INTERVAL)
            .await
            .map_err(|e| (Exit::Usage, e))?;
        let e = demo.endpoints.clone();
        (e, Some(demo), "demo")
    } else {
        let e = Endpoints::from_args(&args.endpoints).map_err(|e| (Exit::Usage, e))?;
        (e, None, "live")
    };
    let s = status::gather(&endpoints, mode).await;
    if !s.any_reachable() {
        return Err((
            Exit::Failure,
            format!(
                "no exporter answered (tried {}); is the stack up? try `llmmon status --demo` for a simulated server",
                endpoints.roles.first().map_or("", |(_, u)| u.as_str())
            ),
        ));
    }
    let text = if args.json {
        serde_json::to_string_pretty(&s).map_err(|e| (Exit::Failure, e.to_string()))? + "\n"
    } else {
        status::render_text(&s)
    };
    // A closed pipe (`llmmon status | head`) is not an error.
    let _ = std::io::stdout().write_all(text.as_bytes());
    Ok(if s.has_critical() {
        Exit::Critical
    } else {
        Exit::Success
    })
}
