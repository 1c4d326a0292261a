//! Integration tests: one binary, one module per area.

mod batch;
mod cli;
mod corpus;
mod evidence;
mod extract;
mod formats;
mod mutations;
mod policy;
mod samples;
mod sdk;
mod support;
