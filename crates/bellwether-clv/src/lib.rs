//! Buy-till-you-die customer-lifetime-value models, fitted by maximum likelihood.
//!
//! No IO: callers hand in summaries (or stream transactions into a
//! `summary` builder) and get parameters, standard errors and predictions back.

pub mod bgbb;
pub mod bgnbd;
pub mod data;
pub mod error;
pub mod gamma_gamma;
pub mod hyp2f1;
pub mod mbgnbd;
pub mod optim;
pub mod pareto_nbd;
pub mod sbg;
pub mod simulate;
pub mod special;
pub mod summary;

pub use error::ClvError;
