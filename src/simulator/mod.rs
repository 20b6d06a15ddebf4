//! A simulated LivePerson: a living contact center behind every API the exporter scrapes.
//!
//! [`world`] generates an account's skills, groups and agents from a seed; [`engine`] moves them
//! through time and writes [`records`]; [`truth`] defines the exact quantities the APIs are computed
//! from. The simulator never uses the exporter's response types: it builds its JSON on its own, so a
//! misunderstanding of the documented shapes cannot hide on both sides at once.

pub mod auth;
pub mod engine;
pub mod records;
pub mod truth;
pub mod world;
