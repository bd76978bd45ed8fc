//! Pass: attach each action's first example request from `examples.json` (its JSON body), for the example in
//! the method's docs ([`crate::emit::usage`]). An example without a JSON body (a GET query string) or whose
//! body is not a JSON object is skipped; an action with none gets no example.

use tc_spec::ProductVersion;

use super::Version;

pub fn examples(pv: &ProductVersion, version: &mut Version) {
    for action in &mut version.actions {
        let Some(examples) = pv.examples.actions.get(&action.wire) else {
            continue;
        };
        action.example = examples.iter().find_map(|e| {
            let value: serde_json::Value = serde_json::from_str(e.request_body()?).ok()?;
            value.is_object().then_some(value)
        });
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::testing;

    #[test]
    fn the_first_example_with_a_json_object_body() {
        let mut pv = testing::spec(
            json!({
                "GoRequest": {"members": [{"name": "A", "type": "string", "member": "string"}]},
                "GoResponse": {"members": []},
            }),
            json!({"Go": {"input": "GoRequest", "output": "GoResponse"}}),
        );
        let example = |input: &str| tc_spec::Example {
            title: String::new(),
            document: String::new(),
            input: input.into(),
            output: "{}".into(),
        };
        pv.examples.actions.insert(
            "Go".into(),
            vec![
                example("GET /?A=1 HTTP/1.1\nHost: x\n\n"),
                example("POST / HTTP/1.1\nHost: x\n\n[1]"),
                example("POST / HTTP/1.1\nHost: x\n\n{\"A\": \"b\"}"),
            ],
        );
        let v = super::super::build(&pv, "specs").unwrap();
        assert_eq!(v.actions[0].example, Some(json!({"A": "b"})));
    }
}
