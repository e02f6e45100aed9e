//! Record ids taken from the path.

use std::marker::PhantomData;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;

use crate::contract::{Error, Failure, Styled};

/// The `{…_id}` segment of a record's path. An id that does not even decode (bad UTF-8) names
/// no record, so it is answered like any unknown id: the vendor's 404.
pub struct RecordId<V> {
    pub id: String,
    vendor: PhantomData<fn() -> V>,
}

impl<S: Send + Sync, V: Styled> FromRequestParts<S> for RecordId<V> {
    type Rejection = Error<V>;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| Failure::UnknownRecord)?;
        Ok(Self {
            id,
            vendor: PhantomData,
        })
    }
}
