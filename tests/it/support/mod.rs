//! Helpers shared by the integration tests.
pub mod api;
pub mod client;
pub mod debian;
pub mod http;
pub mod node;
pub mod postgres;
pub mod receiver;
pub mod server;
pub mod web;
