//! What a vendor declares to the frame, below everything that serves it: its [`VendorSpec`]
//! (slug, schema, routes, credential scheme, seed section, tenants) and its error texts and
//! body shape, with the one error type all its handlers return.

pub mod error;
pub mod spec;

pub use error::{
    Cause, Error, ErrorStyle, ErrorTexts, Failure, FieldError, Result, Styled, success_false,
};
pub use spec::VendorSpec;
