//! `llmmon announce`: publish, list, expire announcements and set service status, through
//! the announcements service's API (`announcements` in the config, port 23004). Writes use
//! the bearer token from `LLMMON_ANNOUNCEMENTS_TOKEN`.

use anyhow::anyhow;
pub(crate) mod client;
pub(crate) mod render;
mod when;

use clap::{Args, Subcommand};
use llmmon_announcements::model::{Health, Kind, Priority, ServiceStatus};
use llmmon_announcements::view::{AnnouncementList, AnnouncementView, StatusList};
use serde_json::json;

use crate::context::Context;
use crate::exit::{CliError, CmdResult, Exit};

use self::client::Client;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct AnnounceArgs {
    #[command(subcommand)]
    pub command: Option<AnnounceCommand>,
    #[command(flatten)]
    pub publish: PublishArgs,
}

/// `llmmon announce "TITLE" …`: publish one announcement.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The headline users see.
    #[arg(required = true, value_name = "TITLE")]
    pub title: Option<String>,
    /// Details: plain text or limited Markdown (**bold**, *em*, `code`, lists, links).
    #[arg(long)]
    pub body: Option<String>,
    /// critical, warning or info.
    #[arg(long, default_value = "info")]
    pub priority: Priority,
    /// maintenance, deprecation, new_model, endpoint_change, advisory, changelog,
    /// migration_guide.
    #[arg(long, default_value = "changelog")]
    pub kind: Kind,
    /// When it takes effect: RFC 3339, `2026-12-01 22:00` (UTC), `now` or `+2h`.
    #[arg(long, value_name = "WHEN")]
    pub starts: Option<String>,
    /// When it ends (deprecation: the retirement date), same forms as --starts.
    #[arg(long, value_name = "WHEN")]
    pub ends: Option<String>,
    /// Affected service (repeatable).
    #[arg(long = "service", value_name = "NAME")]
    pub services: Vec<String>,
    /// Affected model (repeatable).
    #[arg(long = "model", value_name = "NAME")]
    pub models: Vec<String>,
    /// The model to use instead (deprecations; shown on the status page).
    #[arg(long, value_name = "MODEL")]
    pub replacement: Option<String>,
    /// Author shown to users [default: $USER].
    #[arg(long = "by", value_name = "NAME")]
    pub created_by: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AnnounceCommand {
    /// Announcements in force or upcoming (`--all` includes ended ones).
    List {
        #[arg(long)]
        all: bool,
        #[arg(long)]
        priority: Option<Priority>,
        #[arg(long)]
        kind: Option<Kind>,
    },
    /// One announcement in full.
    Show { id: u64 },
    /// End an announcement now (withdraws it from feeds and dashboards).
    Expire { id: u64 },
    /// Service status: list all, or set one (`announce status litellm degraded`).
    Status {
        /// The service (a model name, litellm, langfuse …); none lists every status.
        service: Option<String>,
        /// operational, degraded, down or maintenance.
        status: Option<Health>,
        /// A short explanation shown with the status.
        #[arg(long)]
        note: Option<String>,
        /// Drop the status set by hand (back to the one derived from Prometheus).
        #[arg(long, conflicts_with_all = ["status", "note"], requires = "service")]
        clear: bool,
    },
}

pub async fn run(args: AnnounceArgs, ctx: &Context) -> CmdResult {
    let client = Client::new(&ctx.config.announcements_url());
    let out = match args.command {
        None => publish(&client, args.publish, ctx.json).await?,
        Some(AnnounceCommand::List {
            all,
            priority,
            kind,
        }) => {
            let mut query = vec![("state", if all { "all" } else { "current" }.to_owned())];
            query.extend(priority.map(|p| ("priority", p.to_string())));
            query.extend(kind.map(|k| ("kind", k.to_string())));
            let v: AnnouncementList = client.get("/api/announcements", &query).await?;
            if ctx.json {
                render::json(&v.announcements)
            } else {
                render::list(&v.announcements)
            }
        }
        Some(AnnounceCommand::Show { id }) => {
            let v: AnnouncementView = client.get(&format!("/api/announcements/{id}"), &[]).await?;
            if ctx.json {
                render::json(&v)
            } else {
                render::one(&v)
            }
        }
        Some(AnnounceCommand::Expire { id }) => {
            let v: AnnouncementView = client
                .post(&format!("/api/announcements/{id}/expire"), &json!({}))
                .await?;
            if ctx.json {
                render::json(&v)
            } else {
                format!("expired {id}: {}\n", render::title(&v))
            }
        }
        Some(AnnounceCommand::Status {
            service,
            status,
            note,
            clear,
        }) => status_cmd(&client, service, status, note, clear, ctx.json).await?,
    };
    // A closed pipe (`| head`) is not an error.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), out.as_bytes());
    Ok(Exit::Success)
}

async fn publish(client: &Client, p: PublishArgs, json_out: bool) -> Result<String, CliError> {
    let now = chrono::Utc::now();
    let parse = |flag: &str, v: &Option<String>| -> Result<Option<String>, CliError> {
        v.as_deref()
            .map(|s| when::parse(s, now).map(llmmon_announcements::model::rfc3339))
            .transpose()
            .map_err(|e| CliError::usage(anyhow!("--{flag}: {e}")))
    };
    let by = p
        .created_by
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "llmmon".into());
    let mut body = json!({
        "title": p.title.unwrap_or_default(),
        "priority": p.priority,
        "kind": p.kind,
        "services": p.services,
        "models": p.models,
        "created_by": by,
    });
    if let Some(b) = p.body {
        body["body"] = json!(b);
    }
    if let Some(r) = p.replacement {
        body["replacement"] = json!(r);
    }
    if let Some(s) = parse("starts", &p.starts)? {
        body["starts_at"] = json!(s);
    }
    if let Some(e) = parse("ends", &p.ends)? {
        body["ends_at"] = json!(e);
    }
    let v: AnnouncementView = client.post("/api/announcements", &body).await?;
    Ok(if json_out {
        render::json(&v)
    } else {
        format!(
            "published {} ({} {}): {}\n",
            v.announcement.id,
            v.announcement.priority,
            v.announcement.kind,
            render::title(&v)
        )
    })
}

async fn status_cmd(
    client: &Client,
    service: Option<String>,
    status: Option<Health>,
    note: Option<String>,
    clear: bool,
    json_out: bool,
) -> Result<String, CliError> {
    match (service, status) {
        (Some(service), _) if clear => {
            client.delete(&format!("/api/status/{service}")).await?;
            Ok(format!("{service}: status set by hand cleared\n"))
        }
        (Some(service), Some(status)) => {
            let body = json!({"status": status, "note": note.unwrap_or_default()});
            let v: ServiceStatus = client.put(&format!("/api/status/{service}"), &body).await?;
            Ok(if json_out {
                render::json(&v)
            } else {
                format!("{service}: {status}\n")
            })
        }
        (Some(service), None) => {
            let v: StatusList = client.get("/api/status", &[]).await?;
            let one: Vec<ServiceStatus> = v
                .services
                .into_iter()
                .filter(|s| s.service == service)
                .collect();
            if one.is_empty() {
                return Err(CliError::failure(anyhow!(
                    "no status known for '{service}'"
                )));
            }
            Ok(if json_out {
                render::json(&one)
            } else {
                render::statuses(&one)
            })
        }
        (None, _) => {
            let v: StatusList = client.get("/api/status", &[]).await?;
            Ok(if json_out {
                render::json(&v.services)
            } else {
                render::statuses(&v.services)
            })
        }
    }
}
