//! EBS volumes → WIT records.
//!
//! EBS has no description field: the driver keeps one in the `Description` tag, as the AWS
//! console does for other resources. The `Name` tag is the name; other tags are `tag:<key>`
//! properties. Status is EC2's word (`creating`, `available`, `in-use`, ...), already lower case.

use roxmltree::Node;

use crate::convert::name_tag;
use crate::oaktree::cloud::types::{Placement, Volume, VolumeAttachment};
use crate::xml::{items, number, rest, tags, text};

/// The tag holding a volume's description.
pub const DESCRIPTION_TAG: &str = "Description";

const VOLUME_KEYS: &[&str] = &[
    "volumeId",
    "size",
    "availabilityZone",
    "status",
    "volumeType",
    "attachmentSet",
    "createTime",
    "tagSet",
];

/// One `volumeSet/item` of DescribeVolumes (or a CreateVolume answer).
pub fn volume(item: Node<'_, '_>) -> Volume {
    let tags = tags(item);
    let mut properties = rest(item, VOLUME_KEYS);
    properties.extend(
        tags.iter()
            .filter(|(k, _)| k != "Name" && k != DESCRIPTION_TAG)
            .map(|(k, v)| (format!("tag:{k}"), v.clone())),
    );
    Volume {
        id: text(item, "volumeId").unwrap_or_default(),
        name: name_tag(&tags),
        placement: Placement {
            zone: text(item, "availabilityZone"),
            project: None,
        },
        status: text(item, "status")
            .unwrap_or_default()
            .to_ascii_lowercase(),
        size_gib: number(item, &["size"]).unwrap_or(0),
        volume_type: text(item, "volumeType"),
        // EBS does not mark volumes bootable; any volume with an OS can be a root device.
        is_bootable: false,
        description: tags
            .iter()
            .find(|(k, _)| k == DESCRIPTION_TAG)
            .map(|(_, v)| v.clone())
            .unwrap_or_default(),
        attachments: items(item, "attachmentSet")
            .into_iter()
            .filter_map(|a| {
                Some(VolumeAttachment {
                    server_id: text(a, "instanceId")?,
                    device: text(a, "device"),
                })
            })
            .collect(),
        created_at: text(item, "createTime").unwrap_or_default(),
        updated_at: String::new(),
        properties,
    }
}
