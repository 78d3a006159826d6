//! The vocabulary both builds share: typed ids, roles, one-time link purposes and audit
//! event kinds. Parsed once at the edge, trusted after; the store's text columns convert
//! to and from these in `server/db/types.rs`.

mod audit_kind;
mod factor;
mod ids;
mod purpose;
mod role;

pub use audit_kind::AuditKind;
pub use factor::FactorMethod;
pub use ids::{SessionId, UserId};
pub use purpose::TokenPurpose;
pub use role::Role;
