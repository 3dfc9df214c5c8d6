//! Endpoint selection from keystone's service catalog.
//!
//! 1. `<service>_endpoint_override` wins (with `{region_name}` filled in).
//! 2. Otherwise the catalog's services of type `<service>_service_type` (default: the service
//!    type itself, or for block storage the first of its [`aliases`] the catalog has),
//!    optionally named `<service>_service_name`, give their endpoints. Setting keys spell
//!    `-` as `_` (`block_storage_endpoint_override`), as clouds.yaml keys are normalised.
//! 3. The endpoint must have the configured interface and the call's region (any region, first
//!    listed, when the call has none).
//! 4. The URL is answered as catalogued (without a trailing slash); which API version's
//!    root it is, and what requests go to, is `discovery`'s business.

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::oaktree::cloud::types::Error;

/// One service in the catalog.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogService {
    #[serde(rename = "type", default)]
    pub service_type: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
}

/// One endpoint of a service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    #[serde(default)]
    pub interface: String,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub region_id: Option<String>,
    #[serde(default)]
    pub url: String,
}

impl Endpoint {
    fn in_region(&self, region: &str) -> bool {
        self.region.as_deref() == Some(region) || self.region_id.as_deref() == Some(region)
    }

    fn region_name(&self) -> &str {
        self.region
            .as_deref()
            .or(self.region_id.as_deref())
            .unwrap_or("(none)")
    }
}

/// The catalog URL of `service` (compute, image, network, …) for this configuration.
pub fn endpoint(
    catalog: &[CatalogService],
    config: &Config,
    service: &str,
) -> Result<String, Error> {
    let region = config.region.as_str();
    let key = service.replace('-', "_");
    if let Some(url) = config.service_setting(&key, "endpoint_override") {
        return Ok(trimmed(&url.replace("{region_name}", region)));
    }
    let wanted = config
        .service_setting(&key, "service_type")
        .unwrap_or_else(|| default_type(catalog, service));
    let name = config.service_setting(&key, "service_name");
    let services: Vec<&CatalogService> = catalog
        .iter()
        .filter(|s| s.service_type == wanted)
        .filter(|s| name.is_none() || s.name == name)
        .collect();
    if services.is_empty() {
        let mut present: Vec<&str> = catalog.iter().map(|s| s.service_type.as_str()).collect();
        present.sort_unstable();
        present.dedup();
        let mut regions: Vec<&str> = catalog
            .iter()
            .flat_map(|s| s.endpoints.iter())
            .map(Endpoint::region_name)
            .collect();
        regions.sort_unstable();
        regions.dedup();
        return Err(Error::Unsupported(format!(
            "the service catalog has no {wanted} service{} for region {} (services: {}; regions: \
             {}); set {key}_endpoint_override in clouds.yaml if the cloud serves it elsewhere",
            name.map(|n| format!(" named {n}")).unwrap_or_default(),
            if region.is_empty() { "(any)" } else { region },
            join_or_none(&present),
            join_or_none(&regions)
        )));
    }
    let interface = config.interface(&key);
    let endpoints = || services.iter().flat_map(|s| s.endpoints.iter());
    let chosen = endpoints()
        .filter(|e| normalise_interface(&e.interface) == interface)
        .find(|e| region.is_empty() || e.in_region(region));
    if let Some(endpoint) = chosen {
        return Ok(trimmed(&endpoint.url));
    }
    let mut regions: Vec<&str> = endpoints()
        .filter(|e| normalise_interface(&e.interface) == interface)
        .map(Endpoint::region_name)
        .collect();
    regions.sort_unstable();
    regions.dedup();
    let mut interfaces: Vec<String> = endpoints()
        .map(|e| normalise_interface(&e.interface))
        .collect();
    interfaces.sort_unstable();
    interfaces.dedup();
    Err(Error::Invalid(format!(
        "the service catalog has no {interface} {wanted} endpoint in region {}; {interface} \
         {wanted} endpoints exist in regions: {} (interfaces offered: {}); check region_name and \
         interface in clouds.yaml",
        if region.is_empty() { "(any)" } else { region },
        join_or_none(&regions),
        interfaces.join(", ")
    )))
}

/// The part of `catalog` that calls in `region` can use, to keep in the token cache: each
/// service with only its endpoints in `region`. A service with none there keeps all of its
/// endpoints, so [`endpoint`]'s error still names the regions and interfaces it is offered
/// in; an empty region (any region, first listed) keeps the whole catalog.
///
/// Keystone answers every region of the cloud; a cloud with 100 regions would otherwise have
/// each of its cloud-regions hold, and read on every call, all 100 regions' endpoints.
pub fn for_region(catalog: Vec<CatalogService>, region: &str) -> Vec<CatalogService> {
    if region.is_empty() {
        return catalog;
    }
    catalog
        .into_iter()
        .map(|mut service| {
            if service.endpoints.iter().any(|e| e.in_region(region)) {
                service.endpoints.retain(|e| e.in_region(region));
            }
            service
        })
        .collect()
}

/// The catalog types that serve `service`, preferred first. Block storage is registered as
/// `block-storage` on recent clouds and as the older versioned types elsewhere (the
/// service-types-authority aliases openstacksdk accepts).
pub fn aliases(service: &str) -> &'static [&'static str] {
    match service {
        "block-storage" => &["block-storage", "volumev3", "volumev2", "volume"],
        _ => &[],
    }
}

/// The type to look for when none is configured: the first alias present in the catalog,
/// else the service type itself.
fn default_type(catalog: &[CatalogService], service: &str) -> String {
    aliases(service)
        .iter()
        .find(|alias| catalog.iter().any(|s| s.service_type == **alias))
        .map_or_else(|| service.to_string(), |alias| (*alias).to_string())
}

fn trimmed(url: &str) -> String {
    url.trim_end_matches('/').to_string()
}

/// Keystone v2 spelled interfaces `publicURL`; v3 says `public`.
fn normalise_interface(interface: &str) -> String {
    let lower = interface.to_ascii_lowercase();
    lower.strip_suffix("url").unwrap_or(&lower).to_string()
}

fn join_or_none(items: &[&str]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn catalog() -> Vec<CatalogService> {
        let value = json!([
            {"type": "identity", "endpoints": [
                {"interface": "public", "region": "us-east", "url": "http://h/identity"}]},
            {"type": "compute", "name": "nova", "endpoints": [
                {"interface": "public", "region": "us-east", "url": "http://h/east/compute/v2.1"},
                {"interface": "internal", "region": "us-east", "url": "http://internal/east/compute/v2.1"},
                {"interface": "public", "region_id": "us-west", "url": "http://h/west/compute/v2.1/"}]},
            {"type": "image", "endpoints": [
                {"interface": "public", "region": "us-east", "url": "http://h/image"},
                {"interface": "public", "region": "us-west", "url": "http://h/west/image/v2/"}]},
            {"type": "network", "endpoints": [
                {"interface": "public", "region": "us-east", "url": "http://h:9696"}]}
        ]);
        serde_json::from_value(value).unwrap_or_default()
    }

    fn config(extra: serde_json::Value, region: &str) -> Result<Config, Error> {
        let mut value = json!({"auth": {"auth_url": "http://h/identity", "token": "t", "project_id": "p"},
                                "auth_type": "token"});
        if let (Some(map), Some(extra)) = (value.as_object_mut(), extra.as_object()) {
            map.extend(extra.clone());
        }
        Config::parse(&value.to_string(), region)
    }

    fn message(result: Result<String, Error>) -> String {
        match result {
            Err(Error::Invalid(m) | Error::Unsupported(m)) => m,
            other => format!("unexpected: {other:?}"),
        }
    }

    #[test]
    fn the_public_endpoint_of_the_call_region_is_chosen() -> Result<(), Error> {
        assert_eq!(
            endpoint(&catalog(), &config(json!({}), "us-east")?, "compute")?,
            "http://h/east/compute/v2.1"
        );
        assert_eq!(
            endpoint(&catalog(), &config(json!({}), "us-west")?, "compute")?,
            "http://h/west/compute/v2.1"
        );
        Ok(())
    }

    #[test]
    fn the_configured_interface_is_honoured_in_either_spelling() -> Result<(), Error> {
        let internal = config(json!({"interface": "internalURL"}), "us-east")?;
        assert_eq!(
            endpoint(&catalog(), &internal, "compute")?,
            "http://internal/east/compute/v2.1"
        );
        let per_service = config(json!({"compute_interface": "internal"}), "us-east")?;
        assert_eq!(
            endpoint(&catalog(), &per_service, "compute")?,
            "http://internal/east/compute/v2.1"
        );
        Ok(())
    }

    #[test]
    fn without_a_region_the_first_endpoint_of_the_type_is_chosen() -> Result<(), Error> {
        assert_eq!(
            endpoint(&catalog(), &config(json!({}), "")?, "image")?,
            "http://h/image"
        );
        Ok(())
    }

    #[test]
    fn catalog_urls_are_answered_as_catalogued_without_a_trailing_slash() -> Result<(), Error> {
        let west = config(json!({}), "us-west")?;
        assert_eq!(
            endpoint(&catalog(), &west, "image")?,
            "http://h/west/image/v2"
        );
        let east = config(json!({}), "us-east")?;
        assert_eq!(endpoint(&catalog(), &east, "network")?, "http://h:9696");
        Ok(())
    }

    #[test]
    fn an_endpoint_override_wins_and_is_templated_with_the_region() -> Result<(), Error> {
        let config = config(
            json!({"compute_endpoint_override": "https://{region_name}.nova.example/v2.1"}),
            "us-east",
        )?;
        assert_eq!(
            endpoint(&catalog(), &config, "compute")?,
            "https://us-east.nova.example/v2.1"
        );
        assert_eq!(
            endpoint(&[], &config, "compute")?,
            "https://us-east.nova.example/v2.1"
        );
        Ok(())
    }

    #[test]
    fn a_service_missing_from_the_catalog_is_unsupported_and_lists_what_exists() -> Result<(), Error>
    {
        let message = message(endpoint(
            &catalog(),
            &config(json!({}), "us-east")?,
            "volumev3",
        ));
        assert_eq!(
            message,
            "the service catalog has no volumev3 service for region us-east (services: compute, \
             identity, image, network; regions: us-east, us-west); set volumev3_endpoint_override \
             in clouds.yaml if the cloud serves it elsewhere"
        );
        Ok(())
    }

    #[test]
    fn block_storage_is_found_under_its_older_versioned_types() -> Result<(), Error> {
        let mut services = catalog();
        services.push(CatalogService {
            service_type: "volumev2".into(),
            name: None,
            endpoints: vec![Endpoint {
                interface: "public".into(),
                region: Some("us-east".into()),
                region_id: None,
                url: "http://h/v2/p".into(),
            }],
        });
        let mut v3 = services[services.len() - 1].clone();
        v3.service_type = "volumev3".into();
        v3.endpoints[0].url = "http://h/v3/p".into();
        services.push(v3);
        let east = config(json!({}), "us-east")?;
        assert_eq!(
            endpoint(&services, &east, "block-storage")?,
            "http://h/v3/p"
        );
        let pinned = config(json!({"block-storage_service_type": "volumev2"}), "us-east")?;
        assert_eq!(
            endpoint(&services, &pinned, "block-storage")?,
            "http://h/v2/p"
        );
        let overridden = config(
            json!({"block_storage_endpoint_override": "http://o/v3/p"}),
            "us-east",
        )?;
        assert_eq!(
            endpoint(&services, &overridden, "block-storage")?,
            "http://o/v3/p"
        );
        Ok(())
    }

    #[test]
    fn a_region_missing_from_the_catalog_is_invalid_and_lists_the_regions() -> Result<(), Error> {
        let message = message(endpoint(
            &catalog(),
            &config(json!({}), "eu-north")?,
            "compute",
        ));
        assert!(
            message.starts_with(
                "the service catalog has no public compute endpoint in region eu-north;"
            ),
            "{message}"
        );
        assert!(message.contains("regions: us-east, us-west"), "{message}");
        Ok(())
    }

    #[test]
    fn the_cached_catalog_keeps_only_the_call_regions_endpoints_with_the_same_answers()
    -> Result<(), Error> {
        let west = config(json!({}), "us-west")?;
        let kept = for_region(catalog(), "us-west");
        let compute = kept.iter().find(|s| s.service_type == "compute");
        assert_eq!(compute.map(|s| s.endpoints.len()), Some(1));
        for service in ["compute", "image"] {
            assert_eq!(
                endpoint(&kept, &west, service)?,
                endpoint(&catalog(), &west, service)?
            );
        }
        // Network has no us-west endpoint: its us-east one stays, so the error still names it.
        assert_eq!(
            message(endpoint(&kept, &west, "network")),
            message(endpoint(&catalog(), &west, "network"))
        );
        assert_eq!(for_region(catalog(), ""), catalog());
        Ok(())
    }
}
