use super::*;
use crate::fake::FakeHost;

fn session(host: &FakeHost) -> Session<'_, FakeHost> {
    let config = Config::parse(
        r#"{"aws_access_key_id":"AK","aws_secret_access_key":"SK","endpoint_url":"http://moto:5000"}"#,
        "us-east-1",
    )
    .unwrap();
    Session::with_client(Client::with_clock(host, config, || {
        "20260101T000000Z".into()
    }))
}

fn page(ids: &[&str], next: Option<&str>) -> String {
    let instances: String = ids
        .iter()
        .map(|id| {
            format!(
                "<item><instanceId>{id}</instanceId><instanceState><code>16</code><name>running\
                 </name></instanceState></item>"
            )
        })
        .collect();
    let next = next
        .map(|t| format!("<nextToken>{t}</nextToken>"))
        .unwrap_or_default();
    format!(
        "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15\">\
         <reservationSet><item><ownerId>111122223333</ownerId><instancesSet>{instances}\
         </instancesSet></item></reservationSet>{next}</DescribeInstancesResponse>"
    )
}

#[test]
fn list_servers_follows_next_token_to_the_end() {
    let host = FakeHost::default();
    host.on(
        "DescribeInstances",
        200,
        &[],
        &page(&["i-1", "i-2"], Some("tok/1+")),
    );
    host.on("DescribeInstances", 200, &[], &page(&["i-3"], None));

    let servers = session(&host).list_servers().unwrap();

    let ids: Vec<&str> = servers.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["i-1", "i-2", "i-3"]);
    assert!(servers.iter().all(|s| s.status == "ACTIVE"));
    assert_eq!(
        host.bodies(),
        [
            "Action=DescribeInstances&Version=2016-11-15&MaxResults=1000",
            "Action=DescribeInstances&Version=2016-11-15&MaxResults=1000&NextToken=tok%2F1%2B",
        ]
    );
}

#[test]
fn a_failing_second_page_fails_the_list() {
    let host = FakeHost::default();
    host.on("DescribeInstances", 200, &[], &page(&["i-1"], Some("t")));
    host.on(
        "DescribeInstances",
        503,
        &[],
        "<Response><Errors><Error><Code>Unavailable</Code><Message>down</Message></Error>\
         </Errors></Response>",
    );
    let err = session(&host).list_servers().unwrap_err();
    assert!(matches!(err, Error::Unavailable(m) if m.contains("down")));
}

#[test]
fn get_server_of_an_unknown_id_is_not_found() {
    let host = FakeHost::default();
    host.on(
        "DescribeInstances",
        400,
        &[],
        "<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance \
         ID 'i-0' does not exist</Message></Error></Errors></Response>",
    );
    let err = session(&host).get_server("i-0").unwrap_err();
    assert!(matches!(err, Error::NotFound(m) if m.contains("does not exist")));
    assert_eq!(
        host.bodies(),
        ["Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-0"]
    );
}

#[test]
fn get_image_answered_with_an_empty_set_is_not_found() {
    let host = FakeHost::default();
    host.on(
        "DescribeImages",
        200,
        &[],
        "<DescribeImagesResponse><imagesSet/></DescribeImagesResponse>",
    );
    assert!(matches!(
        session(&host).get_image("ami-1").unwrap_err(),
        Error::NotFound(_)
    ));
}

#[test]
fn list_images_asks_for_the_configured_owners() {
    let host = FakeHost::default();
    host.on(
        "DescribeImages",
        200,
        &[],
        "<DescribeImagesResponse><imagesSet/></DescribeImagesResponse>",
    );
    let config = Config::parse(
        r#"{"aws_access_key_id":"AK","aws_secret_access_key":"SK","image_owners":["self","amazon"]}"#,
        "us-east-1",
    )
    .unwrap();
    Session::with_client(Client::new(&host, config))
        .list_images()
        .unwrap();
    assert_eq!(
        host.bodies(),
        ["Action=DescribeImages&Version=2016-11-15&Owner.1=self&Owner.2=amazon"]
    );
}

#[test]
fn get_flavor_of_an_unknown_type_is_not_found() {
    let host = FakeHost::default();
    host.on(
        "DescribeInstanceTypes",
        400,
        &[],
        "<Response><Errors><Error><Code>InvalidInstanceType</Code><Message>The following \
         supplied instance types do not exist: [x1.nope]</Message></Error></Errors></Response>",
    );
    assert!(matches!(
        session(&host).get_flavor("x1.nope").unwrap_err(),
        Error::NotFound(_)
    ));
}

#[test]
fn get_network_reads_the_vpc_and_its_subnets() {
    let host = FakeHost::default();
    host.on(
        "DescribeVpcs",
        200,
        &[],
        "<DescribeVpcsResponse><vpcSet><item><vpcId>vpc-1</vpcId><state>available</state>\
         <ownerId>111122223333</ownerId></item></vpcSet></DescribeVpcsResponse>",
    );
    host.on(
        "DescribeSubnets",
        200,
        &[],
        "<DescribeSubnetsResponse><subnetSet><item><subnetId>subnet-1</subnetId><vpcId>vpc-1\
         </vpcId><availabilityZone>us-east-1a</availabilityZone></item></subnetSet>\
         </DescribeSubnetsResponse>",
    );
    let n = session(&host).get_network("vpc-1").unwrap();
    assert_eq!(n.subnet_ids, ["subnet-1"]);
    assert_eq!(n.availability_zones, ["us-east-1a"]);
    assert_eq!(
        n.placement.project.and_then(|p| p.id).as_deref(),
        Some("111122223333")
    );
    assert_eq!(
        host.bodies()[1],
        "Action=DescribeSubnets&Version=2016-11-15&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1&\
         MaxResults=1000"
    );
}
