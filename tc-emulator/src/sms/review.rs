//! Things that go through review before use — signs and templates — in one generic store, and the SMS
//! actions over them (`AddSmsSign`, `ModifySmsSign`, `DeleteSmsSign`, `DescribeSmsSignList` and the same
//! four for templates).
//!
//! The store holds the rules both share: ids from the seed's + 1 up; a new or modified entry is under
//! review with no reply; an approved entry can no longer be modified; a review decision (from a test or
//! `POST /_emulator/sms/...`) sets the status and the reviewer's reply. What differs is only the codes
//! ([`ReviewCodes`]) and each kind's own fields.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::params::{international_of, obj, page, sms_type_of, str_of, u64_of, u64s_of};
use super::{ReviewStatus, Sign, Sms, Template, UnknownId};
use crate::response::ApiError;

/// A thing under review: its id, status and the reviewer's reply.
pub(crate) trait Reviewed {
    /// `sign`, `template`: how errors and [`UnknownId`] name it.
    const KIND: &'static str;
    /// What the service answers about this kind.
    const CODES: ReviewCodes;
    fn status(&self) -> ReviewStatus;
    /// Set the status and the reply.
    fn set_review(&mut self, status: ReviewStatus, reply: &str);
}

/// The error codes of one kind (all from `api-specs/sms/v20210111/errorcodes.json`).
pub(crate) struct ReviewCodes {
    /// Modify of an unknown id.
    pub missing_to_modify: &'static str,
    /// Modify of an approved entry.
    pub already_passed: &'static str,
    /// Delete of an unknown id.
    pub not_exist: &'static str,
    /// The member naming the id in answers (`SignId`).
    pub label: &'static str,
}

impl Reviewed for Sign {
    const KIND: &'static str = "sign";
    const CODES: ReviewCodes = ReviewCodes {
        missing_to_modify: "FailedOperation.MissingSignatureToModify",
        already_passed: "InvalidParameterValue.SignAlreadyPassedCheck",
        not_exist: "FailedOperation.SignIdNotExist",
        label: "Sign",
    };
    fn status(&self) -> ReviewStatus {
        self.status
    }
    fn set_review(&mut self, status: ReviewStatus, reply: &str) {
        self.status = status;
        self.review_reply = reply.to_owned();
    }
}

impl Reviewed for Template {
    const KIND: &'static str = "template";
    const CODES: ReviewCodes = ReviewCodes {
        missing_to_modify: "FailedOperation.MissingTemplateToModify",
        already_passed: "FailedOperation.TemplateAlreadyPassedCheck",
        not_exist: "FailedOperation.TemplateIdNotExist",
        label: "Template",
    };
    fn status(&self) -> ReviewStatus {
        self.status
    }
    fn set_review(&mut self, status: ReviewStatus, reply: &str) {
        self.status = status;
        self.review_reply = reply.to_owned();
    }
}

/// Entries of one kind by id, with the next id to give.
#[derive(Debug)]
pub(crate) struct ReviewStore<T> {
    items: BTreeMap<u64, T>,
    next_id: u64,
}

impl<T: Reviewed> ReviewStore<T> {
    /// A store holding the seed entry; new ids follow it.
    pub fn seeded(id: u64, seed: T) -> ReviewStore<T> {
        ReviewStore {
            items: BTreeMap::from([(id, seed)]),
            next_id: id + 1,
        }
    }

    pub fn get(&self, id: u64) -> Option<&T> {
        self.items.get(&id)
    }

    /// Entries in id order.
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.items.values()
    }

    /// A new entry under review, made from its id.
    pub fn add(&mut self, make: impl FnOnce(u64) -> T) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let mut item = make(id);
        item.set_review(ReviewStatus::UnderReview, "");
        self.items.insert(id, item);
        id
    }

    /// Change an entry that is not approved yet; it goes back under review.
    pub fn modify(&mut self, id: u64, change: impl FnOnce(&mut T)) -> Result<(), ApiError> {
        let label = T::CODES.label;
        let Some(item) = self.items.get_mut(&id) else {
            return Err(ApiError::new(
                T::CODES.missing_to_modify,
                format!("{label} {id} does not exist."),
            ));
        };
        if item.status() == ReviewStatus::Approved {
            return Err(ApiError::new(
                T::CODES.already_passed,
                format!("{label} {id} is approved and can no longer be modified."),
            ));
        }
        change(item);
        item.set_review(ReviewStatus::UnderReview, "");
        Ok(())
    }

    pub fn delete(&mut self, id: u64) -> Result<(), ApiError> {
        match self.items.remove(&id) {
            Some(_) => Ok(()),
            None => Err(ApiError::new(
                T::CODES.not_exist,
                format!("{} {id} does not exist.", T::CODES.label),
            )),
        }
    }

    /// A reviewer's decision.
    pub fn review(&mut self, id: u64, status: ReviewStatus, reply: &str) -> Result<(), UnknownId> {
        let item = self.items.get_mut(&id).ok_or(UnknownId { kind: T::KIND, id })?;
        item.set_review(status, reply);
        Ok(())
    }
}

fn create_time(now: i64) -> u64 {
    now.max(0) as u64
}

fn deleted(member: &str, now: i64) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        member.to_owned(),
        json!({"DeleteStatus": "return successfully!", "DeleteTime": now}),
    );
    m
}

fn check_sign_fields(name: &str, purpose: u64) -> Result<(), ApiError> {
    let len = name.chars().count();
    if len > 20 {
        return Err(ApiError::new(
            "InvalidParameterValue.SignNameLengthTooLong",
            format!("SignName has {len} characters; at most 20 are allowed."),
        ));
    }
    if purpose > 2 {
        return Err(ApiError::new(
            "InvalidParameterValue.InvalidSignPurpose",
            format!("SignPurpose must be 0, 1 or 2, got {purpose}."),
        ));
    }
    Ok(())
}

fn check_template_content(content: &str) -> Result<(), ApiError> {
    if content.trim().is_empty() {
        return Err(ApiError::new(
            "InvalidParameterValue.InvalidTemplateFormat",
            "TemplateContent is empty.",
        ));
    }
    Ok(())
}

/// The sign actions.
impl Sms {
    pub(super) fn add_sign(&self, body: &Value, now: i64) -> Result<Map<String, Value>, ApiError> {
        let name = str_of(body, "SignName").to_owned();
        let international = international_of(body)?;
        let sign_purpose = u64_of(body, "SignPurpose");
        check_sign_fields(&name, sign_purpose)?;
        let mut st = self.lock();
        let pending =
            |s: &Sign| s.name == name && s.international == international && s.status == ReviewStatus::UnderReview;
        if st.signs.values().any(pending) {
            return Err(ApiError::new(
                "InvalidParameterValue.SignExistAndUnapproved",
                format!("A sign named `{name}` is already under review."),
            ));
        }
        let id = st.signs.add(|id| Sign {
            id,
            name,
            international,
            status: ReviewStatus::UnderReview,
            review_reply: String::new(),
            create_time: create_time(now),
            sign_type: u64_of(body, "SignType"),
            document_type: u64_of(body, "DocumentType"),
            sign_purpose,
            remark: str_of(body, "Remark").to_owned(),
        });
        Ok(obj([("AddSignStatus", json!({"SignId": id, "SignApplyId": id}))]))
    }

    pub(super) fn modify_sign(&self, body: &Value) -> Result<Map<String, Value>, ApiError> {
        let id = u64_of(body, "SignId");
        let name = str_of(body, "SignName").to_owned();
        let international = international_of(body)?;
        let sign_purpose = u64_of(body, "SignPurpose");
        check_sign_fields(&name, sign_purpose)?;
        self.lock().signs.modify(id, |sign| {
            sign.name = name;
            sign.international = international;
            sign.sign_type = u64_of(body, "SignType");
            sign.document_type = u64_of(body, "DocumentType");
            sign.sign_purpose = sign_purpose;
            sign.remark = str_of(body, "Remark").to_owned();
        })?;
        Ok(obj([(
            "ModifySignStatus",
            json!({"SignId": id, "SignApplyId": id.to_string()}),
        )]))
    }

    pub(super) fn delete_sign(&self, body: &Value, now: i64) -> Result<Map<String, Value>, ApiError> {
        self.lock().signs.delete(u64_of(body, "SignId"))?;
        Ok(deleted("DeleteSignStatus", now))
    }

    pub(super) fn describe_signs(&self, body: &Value) -> Result<Map<String, Value>, ApiError> {
        let international = international_of(body)?;
        let ids: Vec<u64> = u64s_of(body, "SignIdSet");
        let st = self.lock();
        let wanted = |s: &&Sign| s.international == international && (ids.is_empty() || ids.contains(&s.id));
        let items: Vec<Value> = page(body, st.signs.values().filter(wanted))?
            .map(|s| {
                json!({
                    "SignId": s.id,
                    "International": s.international,
                    "StatusCode": s.status.status_code(),
                    "ReviewReply": s.review_reply,
                    "SignName": s.name,
                    "CreateTime": s.create_time,
                })
            })
            .collect();
        Ok(obj([("DescribeSignListStatusSet", Value::Array(items))]))
    }
}

/// The template actions.
impl Sms {
    pub(super) fn add_template(&self, body: &Value, now: i64) -> Result<Map<String, Value>, ApiError> {
        let international = international_of(body)?;
        let sms_type = sms_type_of(body)?;
        let content = str_of(body, "TemplateContent").to_owned();
        check_template_content(&content)?;
        let id = self.lock().templates.add(|id| Template {
            id,
            name: str_of(body, "TemplateName").to_owned(),
            content,
            international,
            sms_type,
            status: ReviewStatus::UnderReview,
            review_reply: String::new(),
            create_time: create_time(now),
            remark: str_of(body, "Remark").to_owned(),
        });
        Ok(obj([("AddTemplateStatus", json!({"TemplateId": id.to_string()}))]))
    }

    pub(super) fn modify_template(&self, body: &Value) -> Result<Map<String, Value>, ApiError> {
        let id = u64_of(body, "TemplateId");
        let international = international_of(body)?;
        let sms_type = sms_type_of(body)?;
        let content = str_of(body, "TemplateContent").to_owned();
        check_template_content(&content)?;
        self.lock().templates.modify(id, |t| {
            t.name = str_of(body, "TemplateName").to_owned();
            t.content = content;
            t.international = international;
            t.sms_type = sms_type;
            t.remark = str_of(body, "Remark").to_owned();
        })?;
        Ok(obj([("ModifyTemplateStatus", json!({"TemplateId": id}))]))
    }

    pub(super) fn delete_template(&self, body: &Value, now: i64) -> Result<Map<String, Value>, ApiError> {
        self.lock().templates.delete(u64_of(body, "TemplateId"))?;
        Ok(deleted("DeleteTemplateStatus", now))
    }

    pub(super) fn describe_templates(&self, body: &Value) -> Result<Map<String, Value>, ApiError> {
        let international = international_of(body)?;
        let ids: Vec<u64> = u64s_of(body, "TemplateIdSet");
        let st = self.lock();
        let wanted = |t: &&Template| t.international == international && (ids.is_empty() || ids.contains(&t.id));
        let items: Vec<Value> = page(body, st.templates.values().filter(wanted))?
            .map(|t| {
                json!({
                    "TemplateId": t.id,
                    "International": t.international,
                    "StatusCode": t.status.status_code(),
                    "ReviewReply": t.review_reply,
                    "TemplateName": t.name,
                    "CreateTime": t.create_time,
                    "TemplateContent": t.content,
                })
            })
            .collect();
        Ok(obj([("DescribeTemplateStatusSet", Value::Array(items))]))
    }
}
