//! One file of commands per screen. Each command parses its input, calls one
//! engine function and maps the error; the work itself is a plain function
//! beside it, so that it can be tested without a window.

pub mod conversation;
pub mod conversations;
pub mod dashboard;
pub mod data_store;
pub mod export;
pub mod import;
pub mod settings;
pub mod welcome;
