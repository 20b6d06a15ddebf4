//! Messaging current queue health against the simulator: every gauge equals the ground truth.

use crate::support::{exporter_config, one_collector};
use liveperson_exporter::collectors::messaging_queue_health::specs as qh;

use super::{count, sim};

#[tokio::test]
async fn queue_health_gauges_equal_the_ground_truth() {
    let s = sim(34, 60, 8).await;
    let cfg = exporter_config(&s);
    let mut c = one_collector(&s, &cfg, "messaging_queue_health");
    let snap = c.run().await;
    let acct = s.account_ids()[0].clone();
    let e = s.engine(&acct);
    let mut levels: Vec<(&qh::LevelMetrics, Vec<String>, Option<u32>)> = e
        .world
        .skills
        .iter()
        .enumerate()
        .map(|(i, sk)| {
            (
                &qh::skill::LEVEL,
                vec![acct.clone(), sk.id.to_string()],
                Some(i as u32),
            )
        })
        .collect();
    levels.push((&qh::account::LEVEL, vec![acct.clone()], None));
    for (level, key, skill) in &levels {
        let h = e.truth_queue_health(*skill);
        let k: Vec<&str> = key.iter().map(String::as_str).collect();
        let with = |x: &'static str| {
            let mut v = k.clone();
            v.push(x);
            v
        };
        // The API sends whole milliseconds.
        let ms = |v: Option<f64>| v.map(|x| x.round() / 1000.0);
        let checks = [
            (level.unassigned, k.clone(), count(h.unassigned)),
            (level.actionable, k.clone(), count(h.actionable)),
            (level.not_actionable, k.clone(), count(h.not_actionable)),
            (
                level.actionable_during_transfer,
                k.clone(),
                count(h.actionable_during_transfer),
            ),
            (
                level.not_actionable_during_transfer,
                k.clone(),
                count(h.not_actionable_during_transfer),
            ),
            (
                level.actionable_consumer_last_message,
                k.clone(),
                count(h.actionable_consumer_last),
            ),
            (
                level.first_time_consumer,
                k.clone(),
                count(h.first_time_consumer),
            ),
            (level.avg_wait_new, k.clone(), ms(h.avg_wait_new_ms)),
            (
                level.avg_wait_after_transfer,
                k.clone(),
                ms(h.avg_wait_after_transfer_ms),
            ),
            (
                level.max_wait,
                k.clone(),
                ms(h.max_wait_ms.map(|v| v as f64)),
            ),
            (level.wait, with("50"), ms(h.wait_p50_ms.map(|v| v as f64))),
            (level.wait, with("90"), ms(h.wait_p90_ms.map(|v| v as f64))),
            (level.overdue, with("in_queue"), count(h.overdue_in_queue)),
            (level.overdue, with("assigned"), count(h.overdue_assigned)),
        ];
        for (spec, labels, want) in checks {
            assert_eq!(snap.value(spec, &labels), want, "{} {labels:?}", spec.name);
        }
    }
}
