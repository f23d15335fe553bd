//! The runtime's own starts: integration flows that start by themselves (a timer start event,
//! or a sender channel that polls or consumes, as `cpi_gitops_wire::adapters` judges them from
//! the flow's XML). A real tenant runs them on their schedule; the emulator runs each started one
//! once per `POST /admin/tick`, and `/admin/stats` logs which ran on which tick, so a test can
//! tick two tenants in lockstep and prove that no flow ran on both in the same tick.

use super::app::{App, Tick, lock};
use super::state::Tenant;
use cpi_gitops_wire::adapters;
use cpi_gitops_wire::designtime::ArtifactKind;
use cpi_gitops_wire::runtime::status;

/// The integration flows that run on a tick, by id: deployed integration flows that the runtime
/// shows `STARTED` (or `STOPPING`: a flow runs until its undeploy is done), and that start by
/// themselves (judged from the artifact's content). `steps` is the `deploy_steps` switch.
pub fn due(t: &Tenant, steps: u32) -> Vec<String> {
    t.deployments
        .iter()
        .filter(|(_, d)| {
            super::api::view(d, steps).is_some_and(|l| {
                (l.status == status::STARTED || l.status == status::STOPPING)
                    && l.kind == ArtifactKind::IntegrationFlow
            })
        })
        .filter(|(id, _)| {
            t.artifacts.get(*id).is_some_and(|a| {
                adapters::read_artifact(a.files.iter().map(|f| (f.name.as_str(), &f.data[..])))
                    .is_ok_and(|s| s.by_itself())
            })
        })
        .map(|(id, _)| id.clone())
        .collect()
}

/// One tick: every due flow runs once, then every deployment in flight is observed once. The
/// tick is logged in the statistics.
pub fn tick(app: &App) -> Tick {
    let n = app.switches().deploy_steps;
    let ran = {
        let mut tenant = lock(&app.tenant);
        let ran = due(&tenant, n);
        super::api::observe_all(&mut tenant, n);
        ran
    };
    app.stats.tick(ran)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::{self, Seed};

    #[test]
    fn the_demo_seeds_timer_and_poller_run_and_its_push_flows_do_not() {
        let t = seed::build(&Seed::Demo, 0);
        assert_eq!(
            due(&t, 2),
            vec!["Bank_Statements_SFTP_Poll", "Orders_Replicate_Timer"]
        );
    }
}
