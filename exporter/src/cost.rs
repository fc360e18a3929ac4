//! The configured prices (`[cost]`), exported by the `gpu` role so that the recording rules
//! can turn energy and GPU-hours into money (`src/rules/energy.rs`). A price not configured
//! is left out: the rules then give no cost, never $0.

use async_trait::async_trait;

use crate::config::Prices;
use llmmon_core::exposition::MetricSet;
use llmmon_core::schema::{COST_GPU_HOUR, COST_KWH};
use llmmon_core::source::{Collection, Collector, SourceError};

/// The prices as families.
pub fn render(prices: &Prices) -> MetricSet {
    let mut m = MetricSet::new();
    m.gauge_opt(&COST_GPU_HOUR, &[], prices.gpu_hour_usd);
    m.gauge_opt(&COST_KWH, &[], prices.kwh_usd);
    m
}

/// Serves the prices beside the GPU readings.
pub struct CostCollector {
    pub prices: Prices,
}

#[async_trait]
impl Collector for CostCollector {
    fn name(&self) -> &str {
        "cost"
    }

    async fn collect(&self) -> Result<Collection, SourceError> {
        Ok(render(&self.prices).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use llmmon_core::exposition::Value;

    #[test]
    fn a_price_not_configured_is_left_out() {
        let m = render(&Prices {
            gpu_hour_usd: Some(2.5),
            kwh_usd: None,
        });
        assert_eq!(m.value(&COST_GPU_HOUR, &[]), Some(&Value::Gauge(2.5)));
        assert!(m.value(&COST_KWH, &[]).is_none());
        assert_eq!(render(&Prices::default()).sample_count(), 0);
    }
}
