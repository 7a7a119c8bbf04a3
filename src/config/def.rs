//! One config definition: its name, type, default as Kafka renders it, documentation and
//! validation, shared by the topic and broker tables.

use super::ConfigError;

/// A config's value type, with the code DescribeConfigs (v3+) reports as `configType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigType {
    Boolean,
    String,
    Int,
    Short,
    Long,
    Double,
    List,
    Class,
    Password,
}

impl ConfigType {
    /// Kafka's `DescribeConfigsResponse.ConfigType` id.
    pub fn describe_code(self) -> i8 {
        match self {
            Self::Boolean => 1,
            Self::String => 2,
            Self::Int => 3,
            Self::Short => 4,
            Self::Long => 5,
            Self::Double => 6,
            Self::List => 7,
            Self::Class => 8,
            Self::Password => 9,
        }
    }
}

/// The constraint a value must meet beyond its type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Validator {
    Any,
    AtLeast(i64),
    Between(i64, i64),
    DoubleBetween(f64, f64),
    /// One of these strings (Kafka's `ValidString.in`, case-sensitive).
    OneOf(&'static [&'static str]),
    /// A non-empty list whose every item is one of these (Kafka's `ValidList.in`).
    ListOf(&'static [&'static str]),
    /// `-1`, or a value in the range (gzip's level).
    MinusOneOrBetween(i64, i64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConfigDef {
    pub name: &'static str,
    pub config_type: ConfigType,
    /// The default as DescribeConfigs shows it; `None` when Kafka's default is null.
    pub default: Option<&'static str>,
    pub doc: &'static str,
    pub validator: Validator,
    /// Broker configs that set this topic config's default, most specific first.
    pub broker_synonyms: &'static [&'static str],
    pub read_only: bool,
    pub sensitive: bool,
}

/// A parsed config value.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigValue {
    Boolean(bool),
    String(String),
    Number(i64),
    Double(f64),
    List(Vec<String>),
}

impl ConfigDef {
    /// Parses and validates `value` as Kafka's ConfigDef would.
    pub fn parse(&self, value: &str) -> Result<ConfigValue, ConfigError> {
        let invalid = |reason: String| ConfigError::InvalidValue {
            name: self.name.to_owned(),
            value: value.to_owned(),
            reason,
        };
        let trimmed = value.trim();
        let parsed = match self.config_type {
            ConfigType::Boolean => match trimmed.to_ascii_lowercase().as_str() {
                "true" => ConfigValue::Boolean(true),
                "false" => ConfigValue::Boolean(false),
                _ => return Err(invalid("expected value to be either true or false".into())),
            },
            ConfigType::Int => ConfigValue::Number(i64::from(
                trimmed
                    .parse::<i32>()
                    .map_err(|_| invalid("not a number of type INT".into()))?,
            )),
            ConfigType::Short => ConfigValue::Number(i64::from(
                trimmed
                    .parse::<i16>()
                    .map_err(|_| invalid("not a number of type SHORT".into()))?,
            )),
            ConfigType::Long => ConfigValue::Number(
                trimmed
                    .parse::<i64>()
                    .map_err(|_| invalid("not a number of type LONG".into()))?,
            ),
            ConfigType::Double => ConfigValue::Double(
                trimmed
                    .parse::<f64>()
                    .map_err(|_| invalid("not a number of type DOUBLE".into()))?,
            ),
            ConfigType::List => ConfigValue::List(
                trimmed
                    .split(',')
                    .map(|item| item.trim().to_owned())
                    .filter(|item| !item.is_empty())
                    .collect(),
            ),
            ConfigType::String | ConfigType::Class | ConfigType::Password => {
                ConfigValue::String(trimmed.to_owned())
            }
        };
        self.check(&parsed).map_err(invalid)?;
        Ok(parsed)
    }

    fn check(&self, value: &ConfigValue) -> Result<(), String> {
        match (self.validator, value) {
            (Validator::AtLeast(min), ConfigValue::Number(n)) if *n < min => {
                Err(format!("value must be at least {min}"))
            }
            (Validator::Between(min, max), ConfigValue::Number(n)) if *n < min || *n > max => {
                Err(format!("value must be between {min} and {max}"))
            }
            (Validator::MinusOneOrBetween(min, max), ConfigValue::Number(n))
                if *n != -1 && (*n < min || *n > max) =>
            {
                Err(format!("value must be -1 or between {min} and {max}"))
            }
            (Validator::DoubleBetween(min, max), ConfigValue::Double(d))
                if !(min..=max).contains(d) =>
            {
                Err(format!("value must be between {min} and {max}"))
            }
            (Validator::OneOf(allowed), ConfigValue::String(s))
                if !allowed.contains(&s.as_str()) =>
            {
                Err(format!("string must be one of: {}", allowed.join(", ")))
            }
            (Validator::ListOf(allowed), ConfigValue::List(items)) => {
                if items.is_empty() {
                    return Err("list must not be empty".into());
                }
                match items.iter().find(|i| !allowed.contains(&i.as_str())) {
                    Some(bad) => Err(format!(
                        "invalid item {bad}; items must be one of: {}",
                        allowed.join(", ")
                    )),
                    None => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }
}

impl ConfigValue {
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Number(n) => Some(*n),
            _ => None,
        }
    }
}

/// The definition named `name` in `defs`.
pub fn find_def<'a>(defs: &'a [ConfigDef], name: &str) -> Option<&'a ConfigDef> {
    defs.iter().find(|d| d.name == name)
}
