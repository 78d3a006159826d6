//! The domain's typed values as the store's text columns: ids, roles and link purposes go
//! in and come out typed, so no query hands the flows a bare string.

use crate::domain::{Role, SessionId, TokenPurpose, UserId};
use crate::server::auth::audit::LoginMethod;
use sqlx::{
    Any, Database, Decode, Encode, Type, any::AnyTypeInfo, encode::IsNull, error::BoxDynError,
};

/// Stores `$t` as text: written with `$write`, read back with `$read` (which may fail on
/// a value this version does not know, and then the row does not load).
macro_rules! text_column {
    ($t:ty, $write:expr, $read:expr) => {
        impl Type<Any> for $t {
            fn type_info() -> AnyTypeInfo {
                <String as Type<Any>>::type_info()
            }
            fn compatible(ty: &AnyTypeInfo) -> bool {
                <String as Type<Any>>::compatible(ty)
            }
        }

        impl<'q> Encode<'q, Any> for $t {
            fn encode_by_ref(
                &self,
                buf: &mut <Any as Database>::ArgumentBuffer<'q>,
            ) -> Result<IsNull, BoxDynError> {
                let text: String = ($write)(self);
                <String as Encode<'q, Any>>::encode(text, buf)
            }
        }

        impl<'r> Decode<'r, Any> for $t {
            fn decode(value: <Any as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
                let text = <String as Decode<'r, Any>>::decode(value)?;
                ($read)(text)
            }
        }
    };
}

text_column!(UserId, |id: &UserId| id.to_string(), |t: String| Ok(
    UserId::from(t)
));
text_column!(SessionId, |id: &SessionId| id.to_string(), |t: String| Ok(
    SessionId::from(t)
));
text_column!(Role, |r: &Role| r.as_str().to_string(), |t: String| t
    .parse::<Role>()
    .map_err(|_| format!("unknown role {t:?}").into()));
text_column!(
    TokenPurpose,
    |p: &TokenPurpose| p.as_str().to_string(),
    |t: String| t
        .parse::<TokenPurpose>()
        .map_err(|_| format!("unknown link purpose {t:?}").into())
);
text_column!(
    LoginMethod,
    |m: &LoginMethod| String::from(m.clone()),
    |t: String| Ok(LoginMethod::from(t))
);
