//! Topic name rules, as Kafka's `Topic.validate`: legal characters `[a-zA-Z0-9._-]`, at most 249
//! characters, not "." or "..". Names that differ only by '.' versus '_' collide.

const MAX_NAME_LENGTH: usize = 249;

/// Kafka's message for an invalid name, or `None` when the name is legal.
pub fn invalid_reason(name: &str) -> Option<String> {
    let reason = if name.is_empty() {
        "the empty string is not allowed".to_string()
    } else if name == "." {
        "'.' is not allowed".to_string()
    } else if name == ".." {
        "'..' is not allowed".to_string()
    } else if name.chars().count() > MAX_NAME_LENGTH {
        format!("the length of '{name}' is longer than the max allowed length {MAX_NAME_LENGTH}")
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        format!(
            "'{name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"
        )
    } else {
        return None;
    };
    Some(format!("Topic name is invalid: {reason}"))
}

/// The form under which names with '.' and '_' collide (metric names cannot tell them apart).
pub fn collision_form(name: &str) -> String {
    name.replace('.', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_names_pass() {
        assert_eq!(invalid_reason("orders.v1_x-2"), None);
        assert_eq!(invalid_reason(&"a".repeat(249)), None);
    }

    #[test]
    fn illegal_names_give_kafkas_messages() {
        assert_eq!(
            invalid_reason("").as_deref(),
            Some("Topic name is invalid: the empty string is not allowed")
        );
        assert_eq!(
            invalid_reason("..").as_deref(),
            Some("Topic name is invalid: '..' is not allowed")
        );
        assert!(invalid_reason(&"a".repeat(250)).is_some());
        assert_eq!(
            invalid_reason("a b").as_deref(),
            Some("Topic name is invalid: 'a b' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'")
        );
    }

    #[test]
    fn dot_and_underscore_collide() {
        assert_eq!(collision_form("a.b"), collision_form("a_b"));
    }
}
