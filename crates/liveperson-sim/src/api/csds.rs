//! CSDS, LivePerson's domain API: which host serves which service for an account.
//!
//! Each simulated service listens on its own loopback port, so a client has to resolve every
//! service it uses; asking the wrong host gets a 404.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Check, Params};

/// The services the simulator serves, in the order CSDS lists them.
pub const SERVICES: [&str; 4] = [
    "agentActivityDomain",
    "leDataReporting",
    "agentManagerWorkspace",
    "sentinel",
];

fn check_version(p: &Params) -> Result<(), Vec<String>> {
    let mut c = Check::default();
    match p.get("version") {
        Some("1.0") => {}
        Some(v) => c.fail(format!("version: unsupported version {v}")),
        None => c.fail("version: must not be null"),
    }
    if c.causes.is_empty() {
        Ok(())
    } else {
        Err(c.causes)
    }
}

/// `GET /api/account/{a}/service/{name}/baseURI.json?version=1.0`.
pub fn one(
    account: &str,
    service: &str,
    hosts: &BTreeMap<String, String>,
    p: &Params,
) -> Result<(u16, Value), Vec<String>> {
    check_version(p)?;
    // Service names are case-sensitive, as in LivePerson.
    Ok(match hosts.get(service) {
        Some(host) => (
            200,
            json!({"service": service, "account": account, "baseURI": host}),
        ),
        None => (
            404,
            json!({"message": format!("service {service} not found")}),
        ),
    })
}

/// `GET /api/account/{a}/service/baseURI.json?version=1.0`.
pub fn all(
    account: &str,
    hosts: &BTreeMap<String, String>,
    p: &Params,
) -> Result<(u16, Value), Vec<String>> {
    check_version(p)?;
    let list: Vec<Value> = SERVICES
        .iter()
        .filter_map(|s| hosts.get(*s).map(|h| (s, h)))
        .map(|(s, h)| json!({"service": s, "account": account, "baseURI": h}))
        .collect();
    Ok((200, json!({ "baseURIs": list })))
}
