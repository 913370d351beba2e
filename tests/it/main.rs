//! The one integration-test crate: real servers on real sockets, real databases, real
//! JavaScript peers. Each module is one area; `support` holds what they share.

mod bad_input;
mod crash;
mod docs;
mod interop;
mod ops;
mod store;
mod support;
