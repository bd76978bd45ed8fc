//! English and Chinese docs end to end: `tests/english/bilingual/v20200101/` has an `api.json` in Chinese
//! and an `api_en.json` that translates some of it and has entries `api.json` lacks. Loaded from disk and
//! generated like a real product, the docs must put English first and the Chinese original after it, keep
//! Chinese alone where there is no English, and never use an English entry without a Chinese item.

mod common;

/// The generated file whose path ends with `suffix`, with each line's indentation removed, so a doc block
/// can be matched whatever the item's nesting.
fn generated(suffix: &str) -> String {
    let root = common::codegen_dir().join("tests/english");
    let options = codegen::Options {
        source_root: "codegen/tests/english".into(),
        ..codegen::Options::default()
    };
    let crates = codegen::generate_all(&root, &options).expect("fixture generates");
    let file = crates[0].files.iter().find(|f| f.path.ends_with(suffix)).unwrap();
    file.contents
        .lines()
        .map(str::trim_start)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Assert that some item in `text` has exactly these doc lines as its whole doc comment, followed by a
/// line starting with `next` (the item, or its first attribute).
#[track_caller]
fn assert_doc(text: &str, doc: &[&str], next: &str) {
    let lines: Vec<&str> = text.lines().collect();
    let expected: Vec<String> = doc.iter().map(|l| format!("/// {l}").trim_end().to_owned()).collect();
    let found = (0..lines.len().saturating_sub(expected.len())).any(|i| {
        let before_is_doc = i > 0 && lines[i - 1].starts_with("///");
        !before_is_doc && lines[i..i + expected.len()] == expected[..] && lines[i + expected.len()].starts_with(next)
    });
    assert!(
        found,
        "no item documented\n{}\nthen {next:?} in\n{text}",
        expected.join("\n")
    );
}

#[test]
fn english_first_then_the_chinese_original() {
    let models = generated("models.rs");
    assert_doc(
        &models,
        &["SendNote request structure.", "", "**中文**：SendNote请求参数结构体"],
        "#[derive(",
    );
    assert_doc(
        &models,
        &["Note text.", "", "Example: `你好`", "", "**中文**：便条内容。"],
        "pub ",
    );
    // A Chinese text that starts with a list keeps the label on a paragraph of its own.
    assert_doc(&models, &["Tags:", "", "**中文**：", "", "- 工作", "- 生活"], "pub ");
    let client = generated("v20200101/mod.rs");
    assert_doc(
        &client,
        &[
            "Sends a note (SendNote)",
            "",
            "This API is used to send a note.",
            "",
            "**中文**：发送便条",
            "",
            "本接口用于发送便条。",
            "",
            "# Example",
        ],
        "///",
    );
}

#[test]
fn chinese_alone_where_there_is_no_english() {
    let models = generated("models.rs");
    // Object without an English entry, and a member missing from an object that has one.
    assert_doc(&models, &["ListNotes请求参数结构体"], "#[derive(");
    assert_doc(&models, &["便条ID。"], "pub ");
    let client = generated("v20200101/mod.rs");
    assert_doc(
        &client,
        &["查询便条 (ListNotes)", "", "本接口用于查询便条。", "", "# Example"],
        "///",
    );
}

#[test]
fn english_entries_without_a_chinese_item_are_ignored() {
    let all = generated("models.rs") + &generated("v20200101/mod.rs");
    for stray in [
        "RETIRED-ACTION-TEXT",
        "RETIRED-OBJECT-TEXT",
        "COLOUR-MEMBER-TEXT",
        "retired",
        "colour",
    ] {
        assert!(
            !all.to_lowercase().contains(&stray.to_lowercase()),
            "{stray} was generated"
        );
    }
}
