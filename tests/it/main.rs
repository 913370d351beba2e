//! The one integration-test crate: real servers on real sockets, real databases, real
//! JavaScript peers. Each module is one area; `support` holds what they share.

mod admin_cli;
mod authz_matrix;
mod bad_input;
mod crash;
mod docs;
mod identity;
mod identity_bad_input;
mod interop;
mod oidc;
mod ops;
mod store;
mod store_identity;
mod support;
