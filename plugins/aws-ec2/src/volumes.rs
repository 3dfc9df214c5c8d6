//! EBS volumes.
//!
//! 1. list/get: `DescribeVolumes` (every page; `VolumeId.1` for one).
//! 2. create: `CreateVolume` with `Size`, `VolumeType` and an `AvailabilityZone`, which EBS
//!    requires: the spec's zone, else the region's first available zone by name
//!    (`DescribeAvailabilityZones`). A volume from an image starts from the AMI's root
//!    snapshot (`SnapshotId`, read with `DescribeImages`). The name and description are the
//!    `Name` and `Description` tags.
//! 3. delete: `DeleteVolume`.

use crate::convert_volumes::{self, DESCRIPTION_TAG};
use crate::driver::{Session, by_id, not_found, params};
use crate::host::Host;
use crate::oaktree::cloud::types::{Error, Volume, VolumeCreate};
use crate::servers_write::tag_specification;
use crate::xml::{items, path, text};

/// DescribeVolumes' largest page.
const PAGE: &str = "500";

impl<H: Host> Session<'_, H> {
    pub fn list_volumes(&self) -> Result<Vec<Volume>, Error> {
        self.describe_all(
            "DescribeVolumes",
            &params(&[("MaxResults", PAGE)]),
            "volumeSet",
            convert_volumes::volume,
        )
    }

    pub fn get_volume(&self, id: &str) -> Result<Volume, Error> {
        self.describe_ids(
            "DescribeVolumes",
            &params(&[("VolumeId.1", id)]),
            "volumeSet",
            convert_volumes::volume,
        )?
        .into_iter()
        .find(|v| v.id == id)
        .ok_or_else(|| not_found("volume", id))
    }

    pub fn create_volume(&self, spec: &VolumeCreate) -> Result<Volume, Error> {
        let zone = match &spec.zone {
            Some(zone) => zone.clone(),
            None => self.first_zone()?,
        };
        let size = spec.size_gib.to_string();
        let mut request = params(&[("Size", size.as_str()), ("AvailabilityZone", zone.as_str())]);
        if let Some(kind) = &spec.volume_type {
            request.push(("VolumeType".into(), kind.clone()));
        }
        if let Some(image) = &spec.image_id {
            request.push(("SnapshotId".into(), self.root_snapshot(image)?));
        }
        let description: Vec<(String, String)> = if spec.description.is_empty() {
            Vec::new()
        } else {
            vec![(DESCRIPTION_TAG.to_string(), spec.description.clone())]
        };
        request.extend(tag_specification("volume", &spec.name, &description));
        self.write("CreateVolume", &request, |doc| {
            convert_volumes::volume(doc.root_element())
        })
    }

    pub fn delete_volume(&self, id: &str) -> Result<(), Error> {
        self.client
            .call("DeleteVolume", &params(&[("VolumeId", id)]))
            .map_err(by_id)?;
        Ok(())
    }

    /// The region's first available zone by name.
    fn first_zone(&self) -> Result<String, Error> {
        let mut zones: Vec<String> = self
            .describe_ids(
                "DescribeAvailabilityZones",
                &params(&[
                    ("Filter.1.Name", "state"),
                    ("Filter.1.Value.1", "available"),
                ]),
                "availabilityZoneInfo",
                |zone| text(zone, "zoneName"),
            )?
            .into_iter()
            .flatten()
            .collect();
        zones.sort();
        zones.into_iter().next().ok_or_else(|| {
            Error::Unavailable("ec2: the region reports no available zone for a volume".into())
        })
    }

    /// The snapshot behind an AMI's root device.
    fn root_snapshot(&self, image: &str) -> Result<String, Error> {
        let body = self
            .client
            .call("DescribeImages", &params(&[("ImageId.1", image)]))
            .map_err(by_id)?;
        let doc = crate::client::parse("DescribeImages", &body)?;
        let item = items(doc.root_element(), "imagesSet")
            .into_iter()
            .find(|i| text(*i, "imageId").as_deref() == Some(image))
            .ok_or_else(|| not_found("image", image))?;
        let root = text(item, "rootDeviceName");
        let mappings = items(item, "blockDeviceMapping");
        mappings
            .iter()
            .find(|m| text(**m, "deviceName") == root)
            .and_then(|m| path(*m, &["ebs", "snapshotId"]))
            .or_else(|| {
                mappings
                    .iter()
                    .find_map(|m| path(*m, &["ebs", "snapshotId"]))
            })
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "image {image} has no EBS snapshot to create a volume from"
                ))
            })
    }
}

#[cfg(test)]
#[path = "volumes_tests.rs"]
mod tests;
