//! Every simulated role's exposition through the shared layer's renderers and readers: the
//! text rendering converted to OpenMetrics equals the native encoder's, and the fast
//! exposition reader takes all of it and reads it as the full parser does.

use llmmon_core::clock;
use llmmon_core::exposition::{canonical, render, render_openmetrics, to_openmetrics};
use llmmon_core::scrape::{fast::parse_common, parse, parse_full};
use llmmon_core::Role;
use llmmon_exporter::sim::{Conditions, Scenario, Simulator};

#[tokio::test]
async fn every_simulated_role_converts_to_what_the_native_encoder_writes() {
    // As a role serves: the simulator started now, read a minute later.
    let t = clock::now();
    let sim = Simulator::new(42, 1, Conditions::default(), t);
    for role in Role::ALL {
        let mut set = llmmon_exporter::wiring::sim_role_metrics(&sim, role, t + 60.0)
            .await
            .expect("metrics");
        set.extend(sim.status_metrics(t + 60.0));
        let om = to_openmetrics(&render(&set));
        assert_eq!(
            canonical(&om),
            canonical(&render_openmetrics(&set)),
            "{role}"
        );
        let parsed = openmetrics_parser::openmetrics::parse_openmetrics(&om)
            .unwrap_or_else(|e| panic!("{role}: {e:?}"));
        assert_eq!(parsed.families.len(), set.families().count(), "{role}");
    }
}

#[tokio::test]
async fn every_simulated_role_reads_the_same_and_quickly() {
    for scenario in [Scenario::Normal, Scenario::Degraded] {
        let conditions = Conditions {
            scenario,
            ..Conditions::default()
        };
        let sim = Simulator::new(7, 1, conditions, 1_795_611_600.0);
        for role in Role::ALL {
            let Ok(m) =
                llmmon_exporter::wiring::sim_role_metrics(&sim, role, 1_795_615_200.0).await
            else {
                continue;
            };
            let text = render(&m);
            assert!(
                parse_common(&text).is_some(),
                "{role} left to the full parser"
            );
            assert_eq!(parse(&text), parse_full(&text), "{role}");
        }
    }
}
