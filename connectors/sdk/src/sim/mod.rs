//! Simulator plumbing shared by every connector's back-end simulator: the fault switch
//! (`POST /_sim/fault`), a loopback HTTP server with clean shutdown, and the synthetic
//! population all simulators draw from, so one demo citizen has consistent records everywhere.

mod fault;
mod server;
pub mod synth;

pub use fault::{Fault, FaultAction, FaultMode, FaultSwitch, fault_router, set_fault};
pub use server::{SimHandle, tls_server_config};
pub use synth::{Population, SynthCitizen};
