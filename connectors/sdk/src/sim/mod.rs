//! Simulator plumbing shared by every connector's back-end simulator: the fault switch
//! (`POST /_sim/fault`), a loopback HTTP server with clean shutdown, the synthetic
//! population all simulators draw from, so one demo citizen has consistent records everywhere,
//! and an OAuth2 client-credentials token endpoint ([`oauth2`]) for back-ends behind one.

mod fault;
pub mod oauth2;
mod server;
pub mod synth;

pub use fault::{Fault, FaultAction, FaultMode, FaultSwitch, fault_router, set_fault};
pub use server::{SimHandle, tls_server_config};
pub use synth::{Population, SynthCitizen};
