//! `Debug` wrappers that generated types use for members the redaction policy hides (see
//! `codegen/src/redaction.rs` and docs/security.md): secrets and personal content print `***`, phone numbers
//! keep only their last 4 characters. Part of the contract with generated code.

use std::fmt;

/// Prints `***` whatever the value (and whether it is set: an `Option` is not revealed either).
pub struct Secret<'a, T: ?Sized>(pub &'a T);

impl<T: ?Sized> fmt::Debug for Secret<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Prints phone numbers with all but the last 4 characters hidden (`"***4444"`), through `Option` and lists.
pub struct Phone<'a, T: ?Sized>(pub &'a T);

impl<T: MaskPhone + ?Sized> fmt::Debug for Phone<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_masked(f)
    }
}

/// Types whose phone numbers [`Phone`] can mask.
pub trait MaskPhone {
    fn fmt_masked(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

impl MaskPhone for String {
    fn fmt_masked(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let chars: Vec<char> = self.chars().collect();
        let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
        write!(f, "\"***{tail}\"")
    }
}

impl<T: MaskPhone> MaskPhone for Option<T> {
    fn fmt_masked(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Some(v) => {
                f.write_str("Some(")?;
                v.fmt_masked(f)?;
                f.write_str(")")
            }
            None => f.write_str("None"),
        }
    }
}

impl<T: MaskPhone> MaskPhone for Vec<T> {
    fn fmt_masked(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter().map(Phone)).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        let numbers = Some(vec!["+8613800001234".to_owned(), "12".to_owned()]);
        assert_eq!(format!("{:?}", Phone(&numbers)), r#"Some(["***1234", "***12"])"#);
        assert_eq!(format!("{:?}", Secret(&Some("key"))), "***");
        assert_eq!(format!("{:#?}", Phone(&None::<String>)), "None");
    }
}
