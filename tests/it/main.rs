//! The one integration-test crate: real servers on real sockets, real databases, real
//! JavaScript peers. Each module is one area; `support` holds what they share.

mod admin_cli;
mod authz_matrix;
mod bad_input;
mod bundle_fixtures;
mod crash;
mod docs;
mod email;
mod hostile;
mod identity;
mod identity_bad_input;
mod interop;
mod jobs;
mod layering;
mod meetings;
mod meetings_bad_input;
mod minutes;
mod minutes_rules;
mod notices;
mod oidc;
mod openapi;
mod ops;
mod pending;
mod signing_openssl;
mod spaces;
mod sse;
mod store;
mod store_identity;
mod store_work;
mod support;
mod tasks;
mod verify_bundle;
mod web;
mod webhooks;
mod work_authz;
mod work_bad_input;
