//! Helpers shared by the integration tests.
pub mod client;
pub mod http;
pub mod node;
pub mod postgres;
pub mod server;
