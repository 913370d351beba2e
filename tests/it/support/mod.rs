//! Helpers shared by the integration tests.
pub mod client;
pub mod postgres;
pub mod server;
