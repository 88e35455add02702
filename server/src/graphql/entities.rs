//! Federation `_entities`: a representation that cannot be resolved answers `null`.
//!
//! async-graphql answers `_entities` itself (its internal query root): it asks the query
//! root's `find_entity` for each representation and fails the whole field when one answers
//! "no such entity" (an unknown `__typename`, a missing `id` or one of the wrong type) or
//! lacks a string `__typename`. The README promises a `null` entry for those, alike with an
//! id that doesn't exist or that the caller may not see, so this wrapper around the query
//! root turns them into `null` and leaves the other representations resolved. Errors of a
//! resolver (a missing token, an internal error) still fail the field.

use std::borrow::Cow;

use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::{resolve_container, ContainerType};
use async_graphql::{
    Context, ContextSelectionSet, ObjectType, OutputType, Positioned, ServerResult, Value,
};

use super::context::principal;

/// The query root `T`, with unresolvable entity representations answered as `null`.
#[derive(Default)]
pub struct NullForUnresolvable<T>(pub T);

impl<T: ObjectType> ContainerType for NullForUnresolvable<T> {
    async fn resolve_field(&self, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
        self.0.resolve_field(ctx).await
    }

    async fn find_entity(&self, ctx: &Context<'_>, params: &Value) -> ServerResult<Option<Value>> {
        // Without a token nothing resolves, malformed or not: the field fails, as it did.
        principal(ctx)
            .map_err(|error| ctx.set_error_path(error.into_server_error(ctx.item.pos)))?;
        if !has_typename(params) {
            return Ok(Some(Value::Null));
        }
        Ok(Some(
            self.0
                .find_entity(ctx, params)
                .await?
                .unwrap_or(Value::Null),
        ))
    }
}

/// An object with a string `__typename`: what the generated `find_entity` refuses otherwise.
fn has_typename(representation: &Value) -> bool {
    matches!(
        representation,
        Value::Object(fields) if matches!(fields.get("__typename"), Some(Value::String(_)))
    )
}

impl<T: ObjectType> OutputType for NullForUnresolvable<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        resolve_container(ctx, self).await
    }
}

impl<T: ObjectType> ObjectType for NullForUnresolvable<T> {}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::Name;

    fn object(fields: &[(&str, Value)]) -> Value {
        Value::Object(
            fields
                .iter()
                .map(|(k, v)| (Name::new(k), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn only_objects_with_a_string_typename_are_handed_on() {
        let typename = Value::String("Organization".into());
        assert!(has_typename(&object(&[("__typename", typename.clone())])));
        assert!(has_typename(&object(&[
            ("__typename", typename),
            ("id", Value::Boolean(true))
        ])));
        assert!(!has_typename(&object(&[("id", Value::String("x".into()))])));
        assert!(!has_typename(&object(&[("__typename", Value::from(7))])));
        assert!(!has_typename(&Value::String("Organization".into())));
        assert!(!has_typename(&Value::Null));
        assert!(!has_typename(&Value::List(vec![])));
    }
}
