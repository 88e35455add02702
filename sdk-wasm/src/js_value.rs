//! JavaScript values to and from `serde_json::Value`, walked with js-sys instead of going
//! through JSON text: numbers cross as numbers, so the module needs neither a JSON parser nor
//! float formatting (a third of its size when it had both).

use alloc::vec::Vec;

use js_sys::{Array, Object, Reflect};
use serde_json::{Map, Number, Value};
use wasm_bindgen::{JsCast, JsValue};

use crate::error::{SdkError, SdkResult};

/// Deeper than any setting value or token response; guards the recursion.
const MAX_DEPTH: usize = 64;

/// A JSON-like JavaScript value as a `Value`. `undefined` is `null`, as JSON.stringify would
/// drop or null it; functions, symbols and bigints are refused.
pub fn to_value(js: &JsValue) -> SdkResult<Value> {
    to_value_at(js, 0)
}

fn to_value_at(js: &JsValue, depth: usize) -> SdkResult<Value> {
    if depth > MAX_DEPTH {
        return Err(SdkError::invalid_argument("the value is nested too deeply"));
    }
    if js.is_null() || js.is_undefined() {
        return Ok(Value::Null);
    }
    if let Some(flag) = js.as_bool() {
        return Ok(Value::Bool(flag));
    }
    if let Some(number) = js.as_f64() {
        return number_value(number);
    }
    if let Some(text) = js.as_string() {
        return Ok(Value::String(text));
    }
    if Array::is_array(js) {
        let array: &Array = js.unchecked_ref();
        let mut items = Vec::with_capacity(array.length() as usize);
        for item in array.iter() {
            items.push(to_value_at(&item, depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    if js.is_object() && !js.is_function() {
        let object: &Object = js.unchecked_ref();
        let mut map = Map::new();
        for entry in Object::entries(object).iter() {
            let entry: Array = entry.unchecked_into();
            let value = entry.get(1);
            if value.is_undefined() {
                continue; // as JSON.stringify leaves it out
            }
            if let Some(key) = entry.get(0).as_string() {
                map.insert(key, to_value_at(&value, depth + 1)?);
            }
        }
        return Ok(Value::Object(map));
    }
    Err(SdkError::invalid_argument(
        "only JSON values (objects, arrays, strings, numbers, booleans, null) are accepted",
    ))
}

/// Integers stay integers (JSON text `1` on the server is an integer too), other finite
/// numbers are floats.
fn number_value(number: f64) -> SdkResult<Value> {
    const SAFE: f64 = 9_007_199_254_740_991.0;
    if (-SAFE..=SAFE).contains(&number) && number == (number as i64) as f64 {
        return Ok(Value::Number(Number::from(number as i64)));
    }
    Number::from_f64(number)
        .map(Value::Number)
        .ok_or_else(|| SdkError::invalid_argument("NaN and infinities are not JSON numbers"))
}

/// A `Value` as a plain JavaScript value.
pub fn from_value(value: &Value) -> JsValue {
    match value {
        Value::Null => JsValue::NULL,
        Value::Bool(flag) => JsValue::from_bool(*flag),
        Value::Number(number) => JsValue::from_f64(number.as_f64().unwrap_or(f64::NAN)),
        Value::String(text) => JsValue::from_str(text),
        Value::Array(items) => items.iter().map(from_value).collect::<Array>().into(),
        Value::Object(map) => {
            // Object.fromEntries defines own properties: a key like `__proto__` stays a key
            // (an assignment would set the prototype instead).
            let entries: Array = map
                .iter()
                .map(|(key, item)| Array::of2(&JsValue::from_str(key), &from_value(item)))
                .collect();
            Object::from_entries(&entries)
                .map(JsValue::from)
                .unwrap_or(JsValue::NULL)
        }
    }
}

/// `{ code, message }`, what `js/errors.js` turns into an `OrgraphError`.
pub fn error(error: SdkError) -> JsValue {
    let object = Object::new();
    let _ = Reflect::set(&object, &"code".into(), &JsValue::from_str(&error.code));
    let _ = Reflect::set(
        &object,
        &"message".into(),
        &JsValue::from_str(&error.message),
    );
    object.into()
}
