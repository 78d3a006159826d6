//! The OpenID Provider's tables: registered client apps, people's consent to them,
//! authorization codes, and grants (the tokens one code exchange issued).

pub(crate) mod clients;
pub(crate) mod codes;
pub(crate) mod consents;
pub(crate) mod grants;
