//! Streaming actions: those the spec root's `streaming-actions.json` lists for this version
//! ([`tc_spec::ProductVersion::streaming`], from the official Python SDK's clients) get
//! [`Action::streaming`]: the name of their `<method>_stream` methods, and the input's boolean `Stream`
//! member those methods set to `true` (hunyuan `ChatCompletions` streams only when asked to). A listed
//! action the spec does not have is ignored: the list covers every SDK release, the spec one.

use tc_spec::ProductVersion;

use super::{Action, Streaming, Ty, Version};

/// Adds [`Action::streaming`] to the listed actions.
pub fn stream(pv: &ProductVersion, v: &mut Version) {
    if pv.streaming.is_empty() {
        return;
    }
    let taken: Vec<String> = v.actions.iter().map(|a| a.method.clone()).collect();
    let mut found = Vec::new();
    for (i, a) in v.actions.iter().enumerate() {
        if pv.streaming.contains(&a.wire) {
            found.push((i, streaming(v, a, &taken)));
        }
    }
    for (i, s) in found {
        v.actions[i].streaming = Some(s);
    }
}

fn streaming(v: &Version, a: &Action, taken: &[String]) -> Streaming {
    let base = a.method.trim_start_matches("r#");
    let mut method = format!("{base}_stream");
    // An action whose own name ends in `Stream` must keep its method.
    if taken.contains(&method) {
        method = format!("{base}_event_stream");
    }
    let flag = v
        .objects
        .iter()
        .find(|o| o.rust == a.input)
        .and_then(|o| o.fields.iter().find(|f| f.wire == "Stream" && f.ty == Ty::Bool))
        .map(|f| (f.rust.clone(), f.plain));
    Streaming { method, flag }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::ir;
    use crate::testing::spec;

    #[test]
    fn listed_actions_stream_and_set_their_stream_member() {
        let mut pv = spec(
            json!({
                "ChatRequest": {"members": [
                    {"name": "Model", "type": "string", "member": "string", "required": true},
                    {"name": "Stream", "type": "bool", "member": "bool"},
                ]},
                "PlainRequest": {"members": [{"name": "Stream", "type": "bool", "member": "bool", "required": true}]},
                "Out": {"members": []},
            }),
            json!({
                "Chat": {"input": "ChatRequest", "output": "Out"},
                "Plain": {"input": "PlainRequest", "output": "Out"},
                "Quiet": {"input": "Out", "output": "Out"},
                "ChatStream": {"input": "Out", "output": "Out"},
            }),
        );
        pv.streaming = ["Chat", "Plain", "Quiet", "Gone"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let v = ir::build(&pv, "specs").unwrap();
        let s = |wire: &str| v.actions.iter().find(|a| a.wire == wire).unwrap().streaming.clone();
        let chat = s("Chat").unwrap();
        // `chat_stream` is the method of the action `ChatStream`.
        assert_eq!(chat.method, "chat_event_stream");
        assert_eq!(chat.flag, Some(("stream".to_owned(), false)));
        assert_eq!(s("Plain").unwrap().flag, Some(("stream".to_owned(), true)));
        let quiet = s("Quiet").unwrap();
        assert_eq!((quiet.method.as_str(), quiet.flag), ("quiet_stream", None));
        assert!(s("ChatStream").is_none());
    }
}
