//! Several instances as one: the link to Redis, where the shared throttles live, and the
//! cache invalidations every instance hears.

pub mod invalidation;
pub mod redis;
