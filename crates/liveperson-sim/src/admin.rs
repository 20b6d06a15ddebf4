//! The admin endpoints under `/_sim/` on the CSDS listener, for scripts that drive the simulator:
//!
//! | Method and path | Does |
//! |---|---|
//! | `GET /_sim/requests`, `DELETE /_sim/requests` | request accounting by account, API and status; reset |
//! | `GET /_sim/faults`, `PUT /_sim/faults/{api}`, `DELETE /_sim/faults` | read, set (JSON [`FaultSpec`]) and clear faults |
//! | `GET /_sim/clock`, `POST /_sim/clock/advance?ms=N` | read the clock; step a manual clock |
//! | `GET /_sim/world/{account}` | skills, groups and agents with their ids |
//! | `GET /_sim/truth/{account}/{what}?from=&to=&skill=&agent=` | ground truth (`resolved`, `chats`, `intervals`, `time_in_state`, `segments`, `nht`, `current`, `queue_health`); `intervals` takes `grouping=skill|agent|skill,agent|agentGroup|skill,agentGroup`, `nht` takes `skill` and `interval=15|30|60` |

use axum::body::Bytes;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::faults::{Api, FaultSpec};
use super::truth::{Grouping, Scope, UserTypes};
use crate::state::Shared;

fn reply(status: u16, v: Value) -> Response {
    (
        axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::OK),
        axum::Json(v),
    )
        .into_response()
}

fn param<'a>(q: &'a [(String, String)], k: &str) -> Option<&'a str> {
    q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

/// Handles `/_sim/{rest}`.
pub async fn handle(
    shared: &Shared,
    method: &Method,
    rest: &[String],
    query: &[(String, String)],
    body: &Bytes,
) -> Response {
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    match (method.clone(), rest.as_slice()) {
        (Method::GET, ["requests"]) => reply(200, json!(shared.accounting.snapshot())),
        (Method::DELETE, ["requests"]) => {
            shared.accounting.reset();
            reply(200, json!({}))
        }
        (Method::GET, ["faults"]) => reply(200, json!(shared.faults.snapshot())),
        (Method::DELETE, ["faults"]) => {
            shared.faults.clear();
            reply(200, json!({}))
        }
        (Method::PUT, ["faults", api]) => {
            let Some(api) = Api::from_name(api) else {
                return reply(404, json!({"message": format!("unknown api {api}")}));
            };
            match serde_json::from_slice::<FaultSpec>(body) {
                Ok(spec) => {
                    shared.faults.set(api, spec);
                    reply(200, json!(shared.faults.snapshot()))
                }
                Err(e) => reply(400, json!({"message": e.to_string()})),
            }
        }
        (Method::GET, ["clock"]) => reply(
            200,
            json!({"now": shared.clock.now_ms(), "manual": shared.manual.is_some()}),
        ),
        (Method::POST, ["clock", "advance"]) => {
            let Some(manual) = &shared.manual else {
                return reply(409, json!({"message": "the clock is not manual"}));
            };
            match param(query, "ms").and_then(|m| m.parse::<i64>().ok()) {
                Some(ms) if ms >= 0 => {
                    manual.advance(ms);
                    reply(200, json!({"now": shared.clock.now_ms()}))
                }
                _ => reply(
                    400,
                    json!({"message": "ms: a non-negative integer is required"}),
                ),
            }
        }
        (Method::GET, ["world", account]) => match shared.accounts.get(*account) {
            Some(engine) => {
                let e = engine.lock();
                let w = &e.world;
                reply(
                    200,
                    json!({
                        "account": w.account_id,
                        "skills": w.skills.iter().map(|s| json!({"id": s.id, "name": s.name, "bot": s.bot})).collect::<Vec<_>>(),
                        "groups": w.groups.iter().map(|g| json!({"id": g.id, "name": g.name, "parent": g.parent.map(|p| w.groups[p as usize].id)})).collect::<Vec<_>>(),
                        "agents": w.agents.iter().map(|a| json!({"id": a.id, "name": a.name, "login": a.login, "employeeId": a.employee_id, "group": w.groups[a.group as usize].id, "skills": a.skills.iter().map(|&s| w.skills[s as usize].id).collect::<Vec<_>>(), "maxSlots": a.max_slots, "bot": a.user_type == super::world::UserType::Bot})).collect::<Vec<_>>(),
                    }),
                )
            }
            None => reply(404, json!({"message": "unknown account"})),
        },
        (Method::GET, ["truth", account, what]) => truth(shared, account, what, query),
        _ => reply(404, json!({"message": "unknown admin endpoint"})),
    }
}

fn truth(shared: &Shared, account: &str, what: &str, q: &[(String, String)]) -> Response {
    let Some(engine) = shared.accounts.get(account) else {
        return reply(404, json!({"message": "unknown account"}));
    };
    let mut e = engine.lock();
    e.advance_to(shared.clock.now_ms());
    let num = |k: &str| param(q, k).and_then(|v| v.parse::<i64>().ok());
    let from = num("from").unwrap_or(e.start);
    let to = num("to").unwrap_or(e.now());
    let skill = num("skill").and_then(|id| e.world.skill_index(id));
    let agent = num("agent").and_then(|id| e.world.agent_index(id));
    let v = match what {
        "resolved" => json!(
            e.truth_resolved(from, to, skill, agent)
                .iter()
                .map(|(r, v)| (format!("{r:?}").to_lowercase(), json!({"count": v.count, "handlingMs": v.handling_ms})))
                .collect::<serde_json::Map<_, _>>()
        ),
        "chats" => {
            let c = e.truth_chats(from, to, skill, agent);
            json!({"interactive": c.interactive, "nonInteractive": c.non_interactive, "handlingS": c.handling_s, "nonInteractiveHandlingS": c.non_interactive_handling_s, "connected": c.connected})
        }
        "intervals" => {
            let grouping = match param(q, "grouping").unwrap_or("skill") {
                "skill" => Grouping::Skill,
                "agent" => Grouping::Agent,
                "skill,agent" => Grouping::SkillAgent,
                "agentGroup" => Grouping::AgentGroup,
                "skill,agentGroup" => Grouping::SkillAgentGroup,
                other => return reply(400, json!({"message": format!("grouping: unknown {other}")})),
            };
            json!(
                e.truth_intervals(from, to, grouping)
                    .iter()
                    .map(|((start, k), c)| json!({
                        "start": start, "skillId": k.skill, "agentId": k.agent, "agentGroupId": k.group,
                        "iftMs": c.ift_ms, "ehtMs": c.eht_ms, "workMs": c.work_ms,
                        "handledIft": c.handled_ift, "handledEht": c.handled_eht, "replied": c.replied,
                        "consumerMessages": c.consumer_messages, "agentMessages": c.agent_messages,
                        "arrivals": c.arrivals, "closed": c.closed, "humanTime": c.has_human_time(),
                    }))
                    .collect::<Vec<_>>()
            )
        }
        "nht" => {
            let Some(s) = skill else {
                return reply(400, json!({"message": "skill: required"}));
            };
            let minutes = num("interval").unwrap_or(60);
            if ![15, 30, 60].contains(&minutes) {
                return reply(400, json!({"message": "interval: 15, 30 or 60"}));
            }
            let step = minutes * 60_000;
            let mut t = from - from.rem_euclid(step);
            let mut out = Vec::new();
            while t < to {
                out.push(json!({"start": t, "values": e.truth_nht(s, t, minutes)}));
                t += step;
            }
            json!(out)
        }
        "time_in_state" => {
            let Some(a) = agent else {
                return reply(400, json!({"message": "agent: required"}));
            };
            let t = e.truth_time_in_state(a, from, to);
            json!({
                "ms": t.ms.iter().map(|(k, v)| (format!("{k:?}"), json!(v))).collect::<serde_json::Map<_, _>>(),
                "logins": t.logins, "logouts": t.logouts, "stateChanges": t.state_changes,
            })
        }
        "segments" => json!(
            e.truth_segments(from, to)
                .iter()
                .map(|s| json!({"id": s.id, "skillId": s.skill_id, "agentId": s.agent_id, "endReason": s.end_reason, "end": s.end, "handleMs": s.handle_ms}))
                .collect::<Vec<_>>()
        ),
        "current" => {
            let scope = skill.map_or(Scope::All, Scope::Skill);
            json!(e.truth_current(scope, UserTypes::ALL))
        }
        "queue_health" => json!(e.truth_queue_health(skill)),
        _ => return reply(404, json!({"message": format!("unknown truth {what}")})),
    };
    reply(200, v)
}
