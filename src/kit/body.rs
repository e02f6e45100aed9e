//! A JSON body read as an object, as every vendor that takes a body reads it.

use serde_json::{Map, Value};

use crate::contract::Error;

/// The fields of a body that must be a JSON object; an empty body has none, so it fails as a
/// body lacking each required field would. Any other JSON value is the vendor's 400 with
/// `not_object`, its text for it.
pub fn fields<V>(
    body: Option<Value>,
    not_object: &'static str,
) -> Result<Map<String, Value>, Error<V>> {
    match body {
        None => Ok(Map::new()),
        Some(Value::Object(fields)) => Ok(fields),
        Some(_) => Err(Error::invalid(not_object)),
    }
}
