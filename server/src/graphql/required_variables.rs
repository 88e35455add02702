//! A required variable left out is a request error (GraphQL spec §6.4.1, CoerceVariableValues):
//! the operation does not run at all. async-graphql notices only when a field reads the
//! variable, and answers a field error after running the rest of the operation.

use async_graphql::parser::types::{DocumentOperations, OperationDefinition};
use async_graphql::{
    ErrorExtensionValues, Pos, Request, ServerError, ServerResult, Value, Variables,
};
use orgraph_rules::ErrorCode;

/// Refuses an operation that leaves out a required variable. Made after
/// [`document_limits::check`](super::document_limits::check), whose scan runs before this
/// parse.
pub fn check(request: &mut Request) -> ServerResult<()> {
    // A document that does not parse is left to async-graphql, which says why (the parse is
    // kept and reused).
    // Set aside while the parsed document borrows the request.
    let name = request.operation_name.take();
    let variables = std::mem::take(&mut request.variables);
    let missing = match request.parsed_query() {
        Ok(document) => selected(&document.operations, name.as_deref())
            .and_then(|operation| first_missing(operation, &variables)),
        Err(_) => None,
    };
    request.operation_name = name;
    request.variables = variables;
    missing.map_or(Ok(()), Err)
}

/// The operation the request runs; `None` when that is unclear (async-graphql refuses it).
fn selected<'a>(
    operations: &'a DocumentOperations,
    name: Option<&str>,
) -> Option<&'a OperationDefinition> {
    match (operations, name) {
        (DocumentOperations::Single(operation), _) => Some(&operation.node),
        (DocumentOperations::Multiple(named), Some(name)) => {
            named.get(name).map(|operation| &operation.node)
        }
        (DocumentOperations::Multiple(named), None) if named.len() == 1 => {
            named.values().next().map(|operation| &operation.node)
        }
        _ => None,
    }
}

/// The first variable of a non-null type, without a default, that the request leaves out
/// or sets to null.
fn first_missing(operation: &OperationDefinition, variables: &Variables) -> Option<ServerError> {
    operation
        .variable_definitions
        .iter()
        .find_map(|definition| {
            let variable = &definition.node;
            if variable.var_type.node.nullable || variable.default_value.is_some() {
                return None;
            }
            let given = variables.get(&variable.name.node);
            let problem = match given {
                None => "was not given",
                Some(Value::Null) => "must not be null",
                Some(_) => return None,
            };
            Some(refusal(
                format!(
                    "variable `${}` of type `{}` {problem}",
                    variable.name.node, variable.var_type.node
                ),
                definition.pos,
            ))
        })
}

fn refusal(message: String, at: Pos) -> ServerError {
    let mut error = ServerError::new(message, Some(at));
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", ErrorCode::BadUserInput.as_str());
    error.extensions = Some(extensions);
    error
}
