//! The configuration `demo` runs, for an in-process simulator. Shared by this crate's tests and
//! the root package's, which include this file by path.

use liveperson_exporter::config::{Auth, Config};
use liveperson_sim::Simulator;

/// The demo configuration for `sim`'s accounts and credentials, on a free loopback port.
pub fn demo_config(sim: &Simulator) -> Config {
    let keys = &sim.shared.credentials.oauth1;
    liveperson_exporter::app::demo_config(
        "127.0.0.1:0".parse().unwrap(),
        &sim.csds_url(),
        &sim.account_ids(),
        Auth::oauth1(
            &keys.consumer_key,
            &keys.consumer_secret,
            &keys.token,
            &keys.token_secret,
        ),
    )
}
