use super::*;
use crate::fake::{FakeHost, error_body, sent, session};

/// moto's DescribeVolumes answer: a root volume in use and a new tagged volume.
const VOLUMES: &str = r#"<DescribeVolumesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><volumeSet><item><volumeType>gp2</volumeType><volumeId>vol-root</volumeId><size>8</size><availabilityZone>us-east-1a</availabilityZone><status>in-use</status><createTime>2026-11-24T23:36:34.000Z</createTime><attachmentSet><item><volumeId>vol-root</volumeId><instanceId>i-1</instanceId><device>/dev/sda1</device><status>attached</status></item></attachmentSet><encrypted>false</encrypted></item><item><iops>3000</iops><tagSet><item><key>Name</key><value>data</value></item><item><key>Description</key><value>scratch</value></item><item><key>team</key><value>oak</value></item></tagSet><volumeType>gp3</volumeType><volumeId>vol-data</volumeId><size>10</size><availabilityZone>us-east-1a</availabilityZone><status>available</status><createTime>2026-11-24T23:36:49.000Z</createTime><attachmentSet/><encrypted>false</encrypted></item></volumeSet></DescribeVolumesResponse>"#;

const CREATED: &str = r#"<CreateVolumeResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><tagSet><item><key>Name</key><value>data</value></item></tagSet><volumeType>gp3</volumeType><volumeId>vol-data</volumeId><size>10</size><availabilityZone>us-east-1b</availabilityZone><status>creating</status><createTime>2026-11-24T23:36:49.000Z</createTime><attachmentSet/></CreateVolumeResponse>"#;

const ZONES: &str = "<R><availabilityZoneInfo><item><zoneName>us-east-1c</zoneName></item><item>\
    <zoneName>us-east-1b</zoneName></item></availabilityZoneInfo></R>";

fn spec() -> VolumeCreate {
    VolumeCreate {
        name: "data".into(),
        size_gib: 10,
        description: String::new(),
        volume_type: Some("gp3".into()),
        zone: Some("us-east-1b".into()),
        image_id: None,
    }
}

#[test]
fn volumes_have_size_zone_status_attachments_and_tags() {
    let host = FakeHost::default();
    host.on("DescribeVolumes", 200, &[], VOLUMES);
    let volumes = session(&host).list_volumes().unwrap();
    assert_eq!(sent(&host, 0), "Action=DescribeVolumes&MaxResults=500");
    let (root, data) = (&volumes[0], &volumes[1]);
    assert_eq!(root.status, "in-use");
    assert_eq!(root.size_gib, 8);
    assert_eq!(root.placement.zone.as_deref(), Some("us-east-1a"));
    assert_eq!(root.attachments.len(), 1);
    assert_eq!(root.attachments[0].server_id, "i-1");
    assert_eq!(root.attachments[0].device.as_deref(), Some("/dev/sda1"));
    assert_eq!(data.name, "data");
    assert_eq!(data.description, "scratch");
    assert_eq!(data.volume_type.as_deref(), Some("gp3"));
    assert_eq!(data.created_at, "2026-11-24T23:36:49.000Z");
    assert!(data.properties.contains(&("tag:team".into(), "oak".into())));
    assert!(data.properties.contains(&("iops".into(), "3000".into())));
}

#[test]
fn get_volume_of_an_unknown_or_malformed_id_is_not_found() {
    for code in ["InvalidVolume.NotFound", "InvalidVolumeID.Malformed"] {
        let host = FakeHost::default();
        host.on("DescribeVolumes", 400, &[], &error_body(code, "no"));
        assert!(
            matches!(
                session(&host).get_volume("vol-0").unwrap_err(),
                Error::NotFound(_)
            ),
            "{code}"
        );
        assert_eq!(sent(&host, 0), "Action=DescribeVolumes&VolumeId.1=vol-0");
    }
}

#[test]
fn create_volume_in_the_given_zone_sends_size_type_and_tags() {
    let host = FakeHost::default();
    host.on("CreateVolume", 200, &[], CREATED);
    let spec = VolumeCreate {
        description: "scratch".into(),
        ..spec()
    };
    let v = session(&host).create_volume(&spec).unwrap();
    assert_eq!(
        sent(&host, 0),
        "Action=CreateVolume&Size=10&AvailabilityZone=us-east-1b&VolumeType=gp3&\
         TagSpecification.1.ResourceType=volume&TagSpecification.1.Tag.1.Key=Name&\
         TagSpecification.1.Tag.1.Value=data&TagSpecification.1.Tag.2.Key=Description&\
         TagSpecification.1.Tag.2.Value=scratch"
    );
    assert_eq!(v.id, "vol-data");
    assert_eq!(v.status, "creating");
}

#[test]
fn create_volume_without_a_zone_takes_the_regions_first_zone_by_name() {
    let host = FakeHost::default();
    host.on("DescribeAvailabilityZones", 200, &[], ZONES);
    host.on("CreateVolume", 200, &[], CREATED);
    let spec = VolumeCreate {
        zone: None,
        name: String::new(),
        volume_type: None,
        ..spec()
    };
    session(&host).create_volume(&spec).unwrap();
    assert_eq!(
        sent(&host, 0),
        "Action=DescribeAvailabilityZones&Filter.1.Name=state&Filter.1.Value.1=available"
    );
    assert_eq!(
        sent(&host, 1),
        "Action=CreateVolume&Size=10&AvailabilityZone=us-east-1b"
    );
}

#[test]
fn create_volume_from_an_image_starts_from_its_root_snapshot() {
    let host = FakeHost::default();
    host.on(
        "DescribeImages",
        200,
        &[],
        "<R><imagesSet><item><imageId>ami-1</imageId><rootDeviceName>/dev/xvda\
         </rootDeviceName><blockDeviceMapping><item><deviceName>/dev/sdb</deviceName><ebs>\
         <snapshotId>snap-data</snapshotId></ebs></item><item><deviceName>/dev/xvda\
         </deviceName><ebs><snapshotId>snap-root</snapshotId></ebs></item>\
         </blockDeviceMapping></item></imagesSet></R>",
    );
    host.on("CreateVolume", 200, &[], CREATED);
    let spec = VolumeCreate {
        image_id: Some("ami-1".into()),
        name: String::new(),
        volume_type: None,
        ..spec()
    };
    session(&host).create_volume(&spec).unwrap();
    assert_eq!(
        sent(&host, 1),
        "Action=CreateVolume&Size=10&AvailabilityZone=us-east-1b&SnapshotId=snap-root"
    );
}

#[test]
fn create_volume_from_an_image_without_snapshots_is_invalid() {
    let host = FakeHost::default();
    host.on(
        "DescribeImages",
        200,
        &[],
        "<R><imagesSet><item><imageId>ami-1</imageId></item></imagesSet></R>",
    );
    let spec = VolumeCreate {
        image_id: Some("ami-1".into()),
        ..spec()
    };
    assert!(matches!(
        session(&host).create_volume(&spec).unwrap_err(),
        Error::Invalid(_)
    ));
}

#[test]
fn delete_volume_deletes_it_and_a_volume_in_use_is_a_conflict() {
    let host = FakeHost::default();
    host.on("DeleteVolume", 200, &[], "<R><return>true</return></R>");
    host.on(
        "DeleteVolume",
        400,
        &[],
        &error_body("VolumeInUse", "attached to i-1"),
    );
    let s = session(&host);
    s.delete_volume("vol-1").unwrap();
    assert_eq!(sent(&host, 0), "Action=DeleteVolume&VolumeId=vol-1");
    assert!(matches!(
        s.delete_volume("vol-1").unwrap_err(),
        Error::Conflict(_)
    ));
}

#[test]
fn delete_image_deregisters_the_ami_and_an_unknown_one_is_not_found() {
    let host = FakeHost::default();
    host.on("DeregisterImage", 200, &[], "<R><return>true</return></R>");
    host.on(
        "DeregisterImage",
        400,
        &[],
        &error_body("InvalidAMIID.NotFound", "no ami"),
    );
    let s = session(&host);
    s.delete_image("ami-1").unwrap();
    assert_eq!(sent(&host, 0), "Action=DeregisterImage&ImageId=ami-1");
    assert!(matches!(
        s.delete_image("ami-1").unwrap_err(),
        Error::NotFound(_)
    ));
}
