//! What the status page shows, worked out from the store, the statuses in effect, the
//! models vLLM serves and the time — no HTML here, so every rule is tested on its own:
//! a service named by a maintenance window in force is in maintenance, a model past its
//! retirement date is retired whatever vLLM says, and the overall state is the worst of
//! the services still in service.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::derive::ModelFacts;
use crate::model::{Announcement, Health, Kind, Phase, Priority, ServiceStatus};
use crate::store::State;

/// Announcements listed under "Recent changes".
pub const RECENT: usize = 10;

/// Retirements stay listed this long after the date.
const RETIRED_SHOWN_DAYS: i64 = 90;

/// One row of "Services".
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceRow {
    pub name: String,
    pub health: Health,
    pub note: String,
    /// `manual`, `derived`, or `announced` (a maintenance window in force names it).
    pub source: String,
    pub updated_at: DateTime<Utc>,
}

/// The whole server at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overall {
    /// Nothing published: no status, no derivation.
    Unknown,
    Operational,
    Maintenance,
    Degraded,
    /// Some services down.
    Partial,
    /// Every service down.
    Major,
}

impl Overall {
    /// The state word (`data-state` on the page; the wording of /api/status where it has one).
    pub fn as_str(self) -> &'static str {
        match self {
            Overall::Unknown => "unknown",
            Overall::Operational => "operational",
            Overall::Maintenance => "maintenance",
            Overall::Degraded => "degraded",
            Overall::Partial | Overall::Major => "down",
        }
    }

    /// What a person reads.
    pub fn headline(self) -> &'static str {
        match self {
            Overall::Unknown => "No status published",
            Overall::Operational => "All services operational",
            Overall::Maintenance => "Maintenance in progress",
            Overall::Degraded => "Degraded service",
            Overall::Partial => "Partial outage",
            Overall::Major => "Major outage",
        }
    }
}

/// Where a model stands, as its catalog row says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelState {
    Up,
    Loading,
    Degraded,
    Down,
    Maintenance,
    /// Announced but not yet served.
    Coming,
    Retired,
    /// Nobody said (no Prometheus, no status set by hand).
    Unknown,
}

impl ModelState {
    pub fn as_str(self) -> &'static str {
        match self {
            ModelState::Up => "up",
            ModelState::Loading => "loading",
            ModelState::Degraded => "degraded",
            ModelState::Down => "down",
            ModelState::Maintenance => "maintenance",
            ModelState::Coming => "coming",
            ModelState::Retired => "retired",
            ModelState::Unknown => "unknown",
        }
    }
}

/// A deprecation of one model.
#[derive(Debug, Clone, PartialEq)]
pub struct Deprecation {
    pub announcement: u64,
    pub since: DateTime<Utc>,
    pub retires: Option<DateTime<Utc>>,
    pub replacement: Option<String>,
}

/// One row of the model catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelRow {
    pub id: String,
    pub facts: ModelFacts,
    pub state: ModelState,
    pub deprecation: Option<Deprecation>,
    /// When an announced new model becomes available.
    pub available_from: Option<DateTime<Utc>>,
}

/// Everything the page shows.
#[derive(Debug, Clone)]
pub struct Page<'a> {
    pub now: DateTime<Utc>,
    pub overall: Overall,
    pub services: Vec<ServiceRow>,
    pub models: Vec<ModelRow>,
    /// Critical announcements in force or upcoming.
    pub banner: Vec<&'a Announcement>,
    /// Maintenance in force or upcoming, soonest first.
    pub maintenance: Vec<&'a Announcement>,
    /// Deprecation announcements not yet retired (or retired lately), soonest first.
    pub deprecations: Vec<&'a Announcement>,
    /// The latest announcements of any kind, newest first.
    pub recent: Vec<&'a Announcement>,
}

/// Not withdrawn by hand.
fn live(a: &Announcement) -> bool {
    a.expired_at.is_none()
}

/// Whether the maintenance announcement `a` is in force at `now` and names `name`.
fn in_maintenance(a: &Announcement, name: &str, now: DateTime<Utc>) -> bool {
    a.kind == Kind::Maintenance
        && a.phase(now) == Phase::Active
        && (a.services.iter().any(|s| s == name) || a.models.iter().any(|m| m == name))
}

impl<'a> Page<'a> {
    /// The page for `state` with the statuses in effect and the models vLLM serves.
    pub fn new(
        state: &'a State,
        statuses: &[ServiceStatus],
        served: &BTreeMap<String, ModelFacts>,
        now: DateTime<Utc>,
    ) -> Self {
        let live_ones: Vec<&Announcement> =
            state.announcements.values().filter(|a| live(a)).collect();
        let models = catalog(&live_ones, statuses, served, now);
        let retired: Vec<&str> = models
            .iter()
            .filter(|m| m.state == ModelState::Retired)
            .map(|m| m.id.as_str())
            .collect();
        let services = services(&live_ones, statuses, &retired, now);
        Self {
            now,
            overall: overall(&services),
            services,
            models,
            banner: select(&live_ones, now, |a| a.priority == Priority::Critical),
            maintenance: select(&live_ones, now, |a| a.kind == Kind::Maintenance),
            deprecations: deprecations(&live_ones, now),
            recent: recent(&live_ones),
        }
    }
}

/// Announcements in force or upcoming for which `keep` holds, soonest first.
fn select<'a>(
    all: &[&'a Announcement],
    now: DateTime<Utc>,
    keep: impl Fn(&Announcement) -> bool,
) -> Vec<&'a Announcement> {
    let mut v: Vec<&Announcement> = all
        .iter()
        .copied()
        .filter(|a| a.phase(now) != Phase::Ended && keep(a))
        .collect();
    v.sort_by_key(|a| (a.effective_start(), a.id));
    v
}

fn deprecations<'a>(all: &[&'a Announcement], now: DateTime<Utc>) -> Vec<&'a Announcement> {
    let shown_after = now - chrono::Duration::days(RETIRED_SHOWN_DAYS);
    let mut v: Vec<&Announcement> = all
        .iter()
        .copied()
        .filter(|a| a.kind == Kind::Deprecation && a.ends_at.is_none_or(|e| e > shown_after))
        .collect();
    v.sort_by_key(|a| (a.ends_at.unwrap_or(DateTime::<Utc>::MAX_UTC), a.id));
    v
}

fn recent<'a>(all: &[&'a Announcement]) -> Vec<&'a Announcement> {
    let mut v = all.to_vec();
    v.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    v.truncate(RECENT);
    v
}

/// The statuses in effect, with the services and models a maintenance window in force names
/// shown in maintenance (unless set by hand); retired models left out.
fn services(
    all: &[&Announcement],
    statuses: &[ServiceStatus],
    retired: &[&str],
    now: DateTime<Utc>,
) -> Vec<ServiceRow> {
    let mut rows: BTreeMap<String, ServiceRow> = statuses
        .iter()
        .filter(|s| !retired.contains(&s.service.as_str()))
        .map(|s| {
            let row = ServiceRow {
                name: s.service.clone(),
                health: s.status,
                note: s.note.clone(),
                source: s.source.clone(),
                updated_at: s.updated_at,
            };
            (s.service.clone(), row)
        })
        .collect();
    for a in all
        .iter()
        .filter(|a| a.kind == Kind::Maintenance && a.phase(now) == Phase::Active)
    {
        for name in &a.services {
            rows.entry(name.clone()).or_insert_with(|| ServiceRow {
                name: name.clone(),
                health: Health::Maintenance,
                note: String::new(),
                source: String::new(),
                updated_at: a.updated_at,
            });
        }
        // Models named get the state where they are listed; none is added for them.
        for name in a.services.iter().chain(&a.models) {
            let Some(row) = rows.get_mut(name) else {
                continue;
            };
            if row.source != "manual" {
                row.health = Health::Maintenance;
                row.source = "announced".into();
                row.note = crate::text::plain(&a.title);
            }
        }
    }
    rows.into_values().collect()
}

fn overall(services: &[ServiceRow]) -> Overall {
    let count = |h: Health| services.iter().filter(|s| s.health == h).count();
    if services.is_empty() {
        Overall::Unknown
    } else if count(Health::Down) == services.len() {
        Overall::Major
    } else if count(Health::Down) > 0 {
        Overall::Partial
    } else if count(Health::Degraded) > 0 {
        Overall::Degraded
    } else if count(Health::Maintenance) > 0 {
        Overall::Maintenance
    } else {
        Overall::Operational
    }
}

/// Every model vLLM serves or an announcement names, with its state and lifecycle.
fn catalog(
    all: &[&Announcement],
    statuses: &[ServiceStatus],
    served: &BTreeMap<String, ModelFacts>,
    now: DateTime<Utc>,
) -> Vec<ModelRow> {
    let mut rows: BTreeMap<String, ModelRow> = served
        .iter()
        .map(|(id, facts)| (id.clone(), row(id, facts.clone())))
        .collect();
    // Ids ascend: a later announcement about the same model wins.
    for a in all {
        match a.kind {
            Kind::NewModel => {
                for m in &a.models {
                    let r = rows
                        .entry(m.clone())
                        .or_insert_with(|| row(m, ModelFacts::default()));
                    r.available_from = Some(a.effective_start());
                }
            }
            Kind::Deprecation => {
                for m in &a.models {
                    let r = rows
                        .entry(m.clone())
                        .or_insert_with(|| row(m, ModelFacts::default()));
                    r.deprecation = Some(Deprecation {
                        announcement: a.id,
                        since: a.effective_start(),
                        retires: a.ends_at,
                        replacement: a.replacement.clone(),
                    });
                }
            }
            _ => {}
        }
    }
    for r in rows.values_mut() {
        r.state = model_state(r, all, statuses, served.contains_key(&r.id), now);
    }
    rows.into_values().collect()
}

fn row(id: &str, facts: ModelFacts) -> ModelRow {
    ModelRow {
        id: id.to_owned(),
        facts,
        state: ModelState::Unknown,
        deprecation: None,
        available_from: None,
    }
}

/// Retired past its date; in maintenance while a window in force names it; coming before
/// an announced start while not served; otherwise what its status says.
fn model_state(
    r: &ModelRow,
    all: &[&Announcement],
    statuses: &[ServiceStatus],
    served: bool,
    now: DateTime<Utc>,
) -> ModelState {
    let retired = r
        .deprecation
        .as_ref()
        .and_then(|d| d.retires)
        .is_some_and(|t| t <= now);
    if retired {
        return ModelState::Retired;
    }
    let status = statuses.iter().find(|s| s.service == r.id);
    if status.is_none_or(|s| s.source != "manual")
        && all.iter().any(|a| in_maintenance(a, &r.id, now))
    {
        return ModelState::Maintenance;
    }
    if !served && r.available_from.is_some_and(|t| t > now) && status.is_none() {
        return ModelState::Coming;
    }
    match status {
        None => ModelState::Unknown,
        Some(s) => match s.status {
            Health::Operational => ModelState::Up,
            Health::Degraded if s.source == "derived" => ModelState::Loading,
            Health::Degraded => ModelState::Degraded,
            Health::Down => ModelState::Down,
            Health::Maintenance => ModelState::Maintenance,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{at, Draft};
    use crate::store::Event;

    fn status(service: &str, h: Health, source: &str) -> ServiceStatus {
        ServiceStatus {
            service: service.into(),
            status: h,
            note: String::new(),
            source: source.into(),
            updated_at: at("2026-11-25T00:00:00Z"),
        }
    }

    fn state(drafts: Vec<Draft>) -> State {
        let mut s = State::default();
        for (i, d) in drafts.into_iter().enumerate() {
            let a = d
                .create(i as u64 + 1, at("2026-11-20T00:00:00Z"), "ops")
                .expect("valid");
            s.apply(Event::Put { announcement: a });
        }
        s
    }

    fn deprecation(model: &str, ends: &str, replacement: Option<&str>) -> Draft {
        Draft {
            title: Some(format!("{model} retires")),
            kind: Some(Kind::Deprecation),
            models: Some(vec![model.into()]),
            starts_at: Some(at("2026-11-01T00:00:00Z")),
            ends_at: Some(at(ends)),
            replacement: replacement.map(str::to_owned),
            ..Draft::default()
        }
    }

    fn served(ids: &[&str]) -> BTreeMap<String, ModelFacts> {
        ids.iter()
            .map(|i| ((*i).to_owned(), ModelFacts::default()))
            .collect()
    }

    #[test]
    fn a_model_past_its_retirement_is_retired_even_while_vllm_still_serves_it() {
        let now = at("2026-11-25T12:00:00Z");
        let s = state(vec![
            deprecation("old", "2026-11-24T00:00:00Z", Some("new")),
            deprecation("soon", "2026-12-24T00:00:00Z", None),
        ]);
        let statuses = [
            status("old", Health::Operational, "derived"),
            status("soon", Health::Operational, "derived"),
        ];
        let page = Page::new(&s, &statuses, &served(&["old", "soon"]), now);
        let by: Vec<(&str, ModelState)> = page
            .models
            .iter()
            .map(|m| (m.id.as_str(), m.state))
            .collect();
        assert_eq!(by, [("old", ModelState::Retired), ("soon", ModelState::Up)]);
        let old = &page.models[0];
        assert_eq!(
            old.deprecation
                .as_ref()
                .and_then(|d| d.replacement.as_deref()),
            Some("new")
        );
        assert_eq!(
            page.services
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>(),
            ["soon"],
            "a retired model is no longer a service"
        );
        assert_eq!(page.overall, Overall::Operational);
    }

    #[test]
    fn a_maintenance_window_in_force_puts_what_it_names_in_maintenance_unless_set_by_hand() {
        let now = at("2026-11-25T12:00:00Z");
        let s = state(vec![Draft {
            title: Some("Driver update".into()),
            kind: Some(Kind::Maintenance),
            services: Some(vec!["litellm".into(), "langfuse".into()]),
            models: Some(vec!["llama".into()]),
            starts_at: Some(at("2026-11-25T11:00:00Z")),
            ends_at: Some(at("2026-11-25T13:00:00Z")),
            ..Draft::default()
        }]);
        let statuses = [
            status("langfuse", Health::Down, "manual"),
            status("litellm", Health::Operational, "derived"),
            status("llama", Health::Operational, "derived"),
        ];
        let page = Page::new(&s, &statuses, &served(&["llama"]), now);
        let by: Vec<(&str, Health, &str)> = page
            .services
            .iter()
            .map(|r| (r.name.as_str(), r.health, r.source.as_str()))
            .collect();
        assert_eq!(
            by,
            [
                ("langfuse", Health::Down, "manual"),
                ("litellm", Health::Maintenance, "announced"),
                ("llama", Health::Maintenance, "announced"),
            ]
        );
        assert_eq!(page.models[0].state, ModelState::Maintenance);
        assert_eq!(page.overall, Overall::Partial);
        assert_eq!(page.maintenance.len(), 1);
        let later = Page::new(
            &s,
            &statuses,
            &served(&["llama"]),
            at("2026-11-25T14:00:00Z"),
        );
        assert!(
            later.maintenance.is_empty(),
            "an ended window is not listed"
        );
        assert_eq!(later.models[0].state, ModelState::Up);
    }

    #[test]
    fn the_overall_state_is_the_worst_of_the_services() {
        let row = |h: Health| ServiceRow {
            name: String::new(),
            health: h,
            note: String::new(),
            source: String::new(),
            updated_at: at("2026-11-25T00:00:00Z"),
        };
        use Health::*;
        for (hs, want) in [
            (vec![], Overall::Unknown),
            (vec![Operational, Operational], Overall::Operational),
            (vec![Operational, Maintenance], Overall::Maintenance),
            (vec![Maintenance, Degraded], Overall::Degraded),
            (vec![Degraded, Down], Overall::Partial),
            (vec![Down, Down], Overall::Major),
        ] {
            let rows: Vec<ServiceRow> = hs.iter().map(|h| row(*h)).collect();
            assert_eq!(overall(&rows), want, "{hs:?}");
        }
    }

    #[test]
    fn loading_is_told_apart_from_degraded_and_an_announced_model_is_coming() {
        let now = at("2026-11-25T12:00:00Z");
        let s = state(vec![Draft {
            title: Some("Qwen 4 arrives".into()),
            kind: Some(Kind::NewModel),
            models: Some(vec!["qwen4".into()]),
            starts_at: Some(at("2026-12-01T00:00:00Z")),
            ..Draft::default()
        }]);
        let statuses = [
            status("a", Health::Degraded, "derived"),
            status("b", Health::Degraded, "manual"),
        ];
        let page = Page::new(&s, &statuses, &served(&["a", "b", "c"]), now);
        let by: Vec<(&str, ModelState)> = page
            .models
            .iter()
            .map(|m| (m.id.as_str(), m.state))
            .collect();
        assert_eq!(
            by,
            [
                ("a", ModelState::Loading),
                ("b", ModelState::Degraded),
                ("c", ModelState::Unknown),
                ("qwen4", ModelState::Coming),
            ]
        );
    }

    #[test]
    fn the_banner_holds_critical_announcements_in_force_or_upcoming_only() {
        let now = at("2026-11-25T12:00:00Z");
        let critical = |title: &str, start: &str, end: &str| Draft {
            title: Some(title.into()),
            priority: Some(Priority::Critical),
            starts_at: Some(at(start)),
            ends_at: Some(at(end)),
            ..Draft::default()
        };
        let s = state(vec![
            critical("past", "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"),
            critical("now", "2026-11-25T00:00:00Z", "2026-11-26T00:00:00Z"),
            critical("soon", "2026-11-27T00:00:00Z", "2026-11-28T00:00:00Z"),
            Draft {
                title: Some("info".into()),
                ..Draft::default()
            },
        ]);
        let page = Page::new(&s, &[], &BTreeMap::new(), now);
        let titles: Vec<&str> = page.banner.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(titles, ["now", "soon"]);
        assert_eq!(page.recent.len(), 4);
    }
}
