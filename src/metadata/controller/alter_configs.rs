//! IncrementalAlterConfigs, as KRaft's `ConfigurationControlManager`: SET, DELETE, APPEND and
//! SUBTRACT applied to a resource's current overrides, each resulting value checked by the
//! broker's validator, all written or none. The legacy AlterConfigs (its `legacyAlterConfigs`)
//! replaces the overrides: a SET of each given config and a DELETE of every other override.
//!
//! Deviation: kf's controller has no config schema, so APPEND and SUBTRACT work on the current
//! override as a comma-separated list (empty when unset) for any key; Kafka refuses them on
//! non-list keys and starts from the default value when there is no override.

use std::collections::BTreeSet;

use kafka_protocol::error::ResponseError;

use super::request::{
    AlterConfigOp, AlterConfigOpType, ApiError, ControllerResponse, ControllerSettings,
};
use super::Decision;
use crate::metadata::image::MetadataImage;
use crate::metadata::records::{ConfigResource, MetadataRecord};

pub fn alter_configs(
    image: &MetadataImage,
    settings: &ControllerSettings,
    resource: &ConfigResource,
    ops: &[AlterConfigOp],
    validate_only: bool,
) -> Decision {
    let (response, records) = match plan(image, settings, resource, ops) {
        Ok(_) if validate_only => (Ok(()), Vec::new()),
        Ok(records) => (Ok(()), records),
        Err(error) => (Err(error), Vec::new()),
    };
    Decision {
        response: ControllerResponse::AlterConfigs(response),
        records,
    }
}

/// AlterConfigs (key 33): the resource's overrides become exactly `configs`, decided against
/// the controller's own image, so that no other change slips in between.
pub fn replace_configs(
    image: &MetadataImage,
    settings: &ControllerSettings,
    resource: &ConfigResource,
    configs: &[(String, String)],
    validate_only: bool,
) -> Decision {
    let given: BTreeSet<&str> = configs.iter().map(|(name, _)| name.as_str()).collect();
    let sets = configs.iter().map(|(name, value)| AlterConfigOp {
        name: name.clone(),
        op: AlterConfigOpType::Set(value.clone()),
    });
    let deletes = image
        .configs_of(resource)
        .into_keys()
        .filter(|name| !given.contains(name.as_str()))
        .map(|name| AlterConfigOp {
            name,
            op: AlterConfigOpType::Delete,
        });
    let ops: Vec<AlterConfigOp> = sets.chain(deletes).collect();
    alter_configs(image, settings, resource, &ops, validate_only)
}

fn plan(
    image: &MetadataImage,
    settings: &ControllerSettings,
    resource: &ConfigResource,
    ops: &[AlterConfigOp],
) -> Result<Vec<MetadataRecord>, ApiError> {
    if let ConfigResource::Topic(name) = resource {
        if image.topic(name).is_none() {
            return Err(ApiError::new(
                ResponseError::UnknownTopicOrPartition,
                format!("The topic '{name}' does not exist."),
            ));
        }
    }
    let mut seen = BTreeSet::new();
    if !ops.iter().all(|op| seen.insert(op.name.as_str())) {
        return Err(ApiError::new(
            ResponseError::InvalidRequest,
            "Error due to duplicate config keys",
        ));
    }
    let current = image.configs_of(resource);
    let mut records = Vec::new();
    for op in ops {
        let old_value = current.get(&op.name).cloned();
        let new_value = match &op.op {
            AlterConfigOpType::Set(value) => Some(value.clone()),
            AlterConfigOpType::Delete => None,
            AlterConfigOpType::Append(values) => Some(append(old_value.as_deref(), values)),
            AlterConfigOpType::Subtract(values) => Some(subtract(old_value.as_deref(), values)),
        };
        (settings.validate_config)(resource, &op.name, new_value.as_deref())
            .map_err(|message| ApiError::new(ResponseError::InvalidConfig, message))?;
        // Broker configs are rewritten even when unchanged, so brokers reload them (KAFKA-14136).
        if new_value != old_value || matches!(resource, ConfigResource::Broker(_)) {
            records.push(MetadataRecord::Config {
                resource: resource.clone(),
                name: op.name.clone(),
                value: new_value,
            });
        }
    }
    Ok(records)
}

fn list_items(value: Option<&str>) -> Vec<String> {
    value
        .filter(|v| !v.is_empty())
        .map(|v| v.split(',').map(str::to_string).collect())
        .unwrap_or_default()
}

fn append(old_value: Option<&str>, values: &str) -> String {
    let mut items = list_items(old_value);
    for value in values.split(',') {
        if !items.iter().any(|item| item == value) {
            items.push(value.to_string());
        }
    }
    items.join(",")
}

fn subtract(old_value: Option<&str>, values: &str) -> String {
    let removed: Vec<&str> = values.split(',').collect();
    let items: Vec<String> = list_items(old_value)
        .into_iter()
        .filter(|item| !removed.contains(&item.as_str()))
        .collect();
    items.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_adds_only_missing_items() {
        assert_eq!(append(None, "a,b"), "a,b");
        assert_eq!(append(Some("a"), "a,b"), "a,b");
    }

    #[test]
    fn subtract_removes_items() {
        assert_eq!(subtract(Some("a,b,c"), "b"), "a,c");
        assert_eq!(subtract(None, "b"), "");
    }
}
