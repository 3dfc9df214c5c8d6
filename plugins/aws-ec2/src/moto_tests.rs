//! A smoke run of every write against a real moto server, over a plain TCP host.
//!
//! Ignored by default; run with a moto server on `OAKTREE_MOTO_ENDPOINT`:
//! `moto_server -p 5077 & OAKTREE_MOTO_ENDPOINT=http://127.0.0.1:5077 cargo test -p
//! oaktree-aws-ec2 -- --ignored`.

use std::io::{Read, Write};
use std::net::TcpStream;

use crate::driver::Session;
use crate::host::Host;
use crate::oaktree::cloud::http::{HttpError, Request, Response};
use crate::oaktree::cloud::log::Level;
use crate::oaktree::cloud::types::*;

/// HTTP/1.1 over `TcpStream`, one connection per request (moto answers with Content-Length).
struct TcpHost;

impl Host for TcpHost {
    fn send(&self, request: Request) -> Result<Response, HttpError> {
        let rest = request.url.trim_start_matches("http://");
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let mut stream =
            TcpStream::connect(authority).map_err(|e| HttpError::Connect(e.to_string()))?;
        let body = request.body.unwrap_or_default();
        let mut head = format!("POST /{path} HTTP/1.1\r\nhost: {authority}\r\n");
        for (k, v) in &request.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str(&format!(
            "content-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        ));
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(&body).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        Ok(Response {
            status,
            headers: Vec::new(),
            body: raw[split + 4..].to_vec(),
        })
    }

    fn log(&self, _level: Level, _message: &str) {}
}

#[test]
#[ignore = "needs a moto server on OAKTREE_MOTO_ENDPOINT"]
fn every_write_works_against_moto() {
    let endpoint = std::env::var("OAKTREE_MOTO_ENDPOINT").unwrap();
    let ctx = CallContext {
        cloud: "moto".into(),
        region: "us-east-1".into(),
        config: format!(
            r#"{{"aws_access_key_id":"AK","aws_secret_access_key":"SK","endpoint_url":"{endpoint}"}}"#
        ),
    };
    let s = Session::open(&TcpHost, &ctx).unwrap();
    let tag = std::process::id();

    let key = s
        .create_keypair(&KeypairCreate {
            name: format!("k{tag}"),
            public_key: None,
        })
        .unwrap();
    assert!(key.private_key.unwrap().contains("PRIVATE KEY"));
    assert!(!key.public_key.is_empty());

    let group = s
        .create_security_group(&SecurityGroupCreate {
            name: format!("g{tag}"),
            description: "smoke".into(),
        })
        .unwrap();
    assert!(group.rules.iter().any(|r| r.direction == "egress"));
    let rule = s
        .create_security_group_rule(&SecurityGroupRuleCreate {
            security_group_id: group.id.clone(),
            direction: "ingress".into(),
            ethertype: "IPv4".into(),
            protocol: Some("tcp".into()),
            port_range_min: Some(22),
            port_range_max: Some(22),
            remote_ip_prefix: Some("10.0.0.0/8".into()),
            remote_group_id: None,
        })
        .unwrap();
    assert!(rule.id.starts_with("sgr-"));
    let read = s.get_security_group(&group.id).unwrap();
    assert!(read.rules.iter().any(|r| r.id == rule.id));
    s.delete_security_group_rule(&rule.id).unwrap();
    assert!(matches!(
        s.delete_security_group_rule(&rule.id),
        Err(Error::NotFound(_))
    ));

    let vpc = s.list_networks().unwrap().remove(0).id;
    let octet = tag % 200 + 20;
    let subnet = s
        .create_subnet(&SubnetCreate {
            network_id: vpc,
            name: "smoke".into(),
            cidr: format!("172.31.{octet}.0/24"),
            ip_version: 4,
            gateway_ip: None,
            enable_dhcp: true,
            dns_nameservers: Vec::new(),
        })
        .unwrap();
    assert_eq!(s.get_subnet(&subnet.id).unwrap().name, "smoke");

    let server = s
        .create_server(&ServerCreate {
            name: "smoke".into(),
            image_id: "ami-03cf127a".into(),
            flavor_id: "t3.micro".into(),
            network_ids: vec![subnet.id.clone()],
            key_name: Some(key.name.clone()),
            user_data: Some("#!/bin/sh\necho hi\n".into()),
            metadata: vec![("team".into(), "oak".into())],
            security_groups: vec![group.id.clone()],
            zone: None,
        })
        .unwrap();
    assert_eq!(server.status, "BUILD");
    assert_eq!(server.name, "smoke");

    let ip = s
        .create_floating_ip(&FloatingIpCreate {
            network_id: None,
            server_id: Some(server.id.clone()),
        })
        .unwrap();
    assert_eq!(ip.server_id.as_deref(), Some(server.id.as_str()));
    assert_eq!(ip.status, "ACTIVE");
    assert!(s.list_floating_ips().unwrap().iter().any(|i| i.id == ip.id));
    s.delete_floating_ip(&ip.id).unwrap();
    assert!(matches!(s.get_floating_ip(&ip.id), Err(Error::NotFound(_))));

    s.delete_server(&server.id).unwrap();
    assert_eq!(s.get_server(&server.id).unwrap().status, "DELETED");
    assert!(matches!(
        s.delete_server(&server.id),
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        s.get_server("i-00000000000000000"),
        Err(Error::NotFound(_))
    ));

    let volume = s
        .create_volume(&VolumeCreate {
            name: "smoke".into(),
            size_gib: 2,
            description: "scratch".into(),
            volume_type: None,
            zone: None,
            image_id: None,
        })
        .unwrap();
    assert_eq!(volume.placement.zone.as_deref(), Some("us-east-1a"));
    assert_eq!(s.get_volume(&volume.id).unwrap().description, "scratch");
    s.delete_volume(&volume.id).unwrap();
    assert!(matches!(s.get_volume(&volume.id), Err(Error::NotFound(_))));

    s.delete_subnet(&subnet.id).unwrap();
    s.delete_security_group(&group.id).unwrap();
    assert!(matches!(
        s.get_security_group(&group.id),
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        s.create_keypair(&KeypairCreate {
            name: key.name.clone(),
            public_key: None
        }),
        Err(Error::Conflict(_))
    ));
    s.delete_keypair(&key.name).unwrap();
    assert!(matches!(
        s.delete_keypair(&key.name),
        Err(Error::NotFound(_))
    ));
}
