//! The read side of the contract, kind by kind: what a listed or fetched record must look
//! like (non-empty id, status case, owning project) reduced to [`Facts`] the checks compare.

use oaktree_simcloud::Inventory;

use crate::plugin::bindings::wit::{self, Capability};
use crate::plugin::{CallError, DriverCall};

/// A resource kind with a list and a get function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Images,
    Flavors,
    Servers,
    Networks,
    FloatingIps,
    Keypairs,
    SecurityGroups,
    Subnets,
    Volumes,
}

/// How a kind's `status` is written, per the WIT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    Upper,
    Lower,
    /// The kind has no status.
    None,
}

/// What the checks need of one record.
#[derive(Debug, Clone)]
pub struct Facts {
    pub id: String,
    pub status: String,
    /// Whether `placement.project` names the owner (by id or name).
    pub has_project: bool,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Servers,
        Kind::Images,
        Kind::Flavors,
        Kind::Networks,
        Kind::Subnets,
        Kind::FloatingIps,
        Kind::Keypairs,
        Kind::SecurityGroups,
        Kind::Volumes,
    ];

    pub fn list_capability(self) -> Capability {
        match self {
            Kind::Images => Capability::ListImages,
            Kind::Flavors => Capability::ListFlavors,
            Kind::Servers => Capability::ListServers,
            Kind::Networks => Capability::ListNetworks,
            Kind::FloatingIps => Capability::ListFloatingIps,
            Kind::Keypairs => Capability::ListKeypairs,
            Kind::SecurityGroups => Capability::ListSecurityGroups,
            Kind::Subnets => Capability::ListSubnets,
            Kind::Volumes => Capability::ListVolumes,
        }
    }

    pub fn get_capability(self) -> Capability {
        match self {
            Kind::Images => Capability::GetImage,
            Kind::Flavors => Capability::GetFlavor,
            Kind::Servers => Capability::GetServer,
            Kind::Networks => Capability::GetNetwork,
            Kind::FloatingIps => Capability::GetFloatingIp,
            Kind::Keypairs => Capability::GetKeypair,
            Kind::SecurityGroups => Capability::GetSecurityGroup,
            Kind::Subnets => Capability::GetSubnet,
            Kind::Volumes => Capability::GetVolume,
        }
    }

    /// The status case the WIT asks for.
    pub fn case(self) -> Case {
        match self {
            Kind::Servers | Kind::Networks | Kind::FloatingIps => Case::Upper,
            Kind::Images | Kind::Volumes => Case::Lower,
            Kind::Flavors | Kind::Keypairs | Kind::SecurityGroups | Kind::Subnets => Case::None,
        }
    }

    /// Whether every record of the kind belongs to a project the driver must name.
    pub fn needs_project(self) -> bool {
        matches!(self, Kind::Servers)
    }

    /// The ids the simulator seeded for this kind, where it keeps an inventory of them.
    pub fn seeded(self, inventory: &Inventory) -> Option<Vec<String>> {
        let items = match self {
            Kind::Images => &inventory.images,
            Kind::Flavors => &inventory.flavors,
            Kind::Servers => &inventory.servers,
            Kind::Networks => &inventory.networks,
            _ => return None,
        };
        Some(items.iter().map(|i| i.id.clone()).collect())
    }

    /// An id (a name, for keypairs) the cloud does not have, shaped like `listed` (an id the
    /// driver listed) so drivers that check an id's form (`ami-…`) still look it up.
    pub fn missing_id(self, listed: Option<&str>) -> String {
        if self == Kind::Keypairs {
            return super::probe::MISSING_KEYPAIR.to_owned();
        }
        match listed.and_then(|id| id.rsplit_once('-')) {
            Some((head, tail))
                if tail.len() >= 4 && tail.chars().all(|c| c.is_ascii_hexdigit()) =>
            {
                format!("{head}-{}c0de", "0".repeat(tail.len() - 4))
            }
            _ => super::probe::MISSING_ID.to_owned(),
        }
    }

    pub async fn list(self, call: &DriverCall) -> Result<Vec<Facts>, CallError> {
        Ok(match self {
            Kind::Images => call.list_images().await?.iter().map(image).collect(),
            Kind::Flavors => call.list_flavors().await?.iter().map(flavor).collect(),
            Kind::Servers => call.list_servers().await?.iter().map(server).collect(),
            Kind::Networks => call.list_networks().await?.iter().map(network).collect(),
            Kind::FloatingIps => call
                .list_floating_ips()
                .await?
                .iter()
                .map(floating_ip)
                .collect(),
            Kind::Keypairs => call.list_keypairs().await?.iter().map(keypair).collect(),
            Kind::SecurityGroups => call
                .list_security_groups()
                .await?
                .iter()
                .map(security_group)
                .collect(),
            Kind::Subnets => call.list_subnets().await?.iter().map(subnet).collect(),
            Kind::Volumes => call.list_volumes().await?.iter().map(volume).collect(),
        })
    }

    pub async fn get(self, call: &DriverCall, id: &str) -> Result<Facts, CallError> {
        Ok(match self {
            Kind::Images => image(&call.get_image(id).await?),
            Kind::Flavors => flavor(&call.get_flavor(id).await?),
            Kind::Servers => server(&call.get_server(id).await?),
            Kind::Networks => network(&call.get_network(id).await?),
            Kind::FloatingIps => floating_ip(&call.get_floating_ip(id).await?),
            Kind::Keypairs => keypair(&call.get_keypair(id).await?),
            Kind::SecurityGroups => security_group(&call.get_security_group(id).await?),
            Kind::Subnets => subnet(&call.get_subnet(id).await?),
            Kind::Volumes => volume(&call.get_volume(id).await?),
        })
    }
}

/// What is wrong with one record, if anything.
pub fn problems(kind: Kind, facts: &Facts) -> Vec<String> {
    let mut found = Vec::new();
    let label = if facts.id.is_empty() {
        "(no id)"
    } else {
        facts.id.as_str()
    };
    if facts.id.trim().is_empty() {
        found.push("a record has an empty id".to_owned());
    }
    match kind.case() {
        Case::Upper if facts.status.is_empty() || facts.status != facts.status.to_uppercase() => {
            found.push(format!(
                "{label}: status {:?} must be upper case",
                facts.status
            ));
        }
        Case::Lower if facts.status.is_empty() || facts.status != facts.status.to_lowercase() => {
            found.push(format!(
                "{label}: status {:?} must be lower case",
                facts.status
            ));
        }
        _ => {}
    }
    if kind.needs_project() && !facts.has_project {
        found.push(format!(
            "{label}: placement.project is missing (name the owning project or account)"
        ));
    }
    found
}

fn has_project(placement: &wit::Placement) -> bool {
    placement.project.as_ref().is_some_and(|p| {
        p.id.as_deref().is_some_and(|s| !s.is_empty())
            || p.name.as_deref().is_some_and(|s| !s.is_empty())
    })
}

fn facts(id: &str, status: &str, placement: &wit::Placement) -> Facts {
    Facts {
        id: id.to_owned(),
        status: status.to_owned(),
        has_project: has_project(placement),
    }
}

fn image(r: &wit::Image) -> Facts {
    facts(&r.id, &r.status, &r.placement)
}
fn flavor(r: &wit::Flavor) -> Facts {
    facts(&r.id, "", &r.placement)
}
fn server(r: &wit::Server) -> Facts {
    facts(&r.id, &r.status, &r.placement)
}
fn network(r: &wit::Network) -> Facts {
    facts(&r.id, &r.status, &r.placement)
}
fn floating_ip(r: &wit::FloatingIp) -> Facts {
    facts(&r.id, &r.status, &r.placement)
}
fn keypair(r: &wit::Keypair) -> Facts {
    facts(&r.name, "", &r.placement)
}
fn security_group(r: &wit::SecurityGroup) -> Facts {
    facts(&r.id, "", &r.placement)
}
fn subnet(r: &wit::Subnet) -> Facts {
    facts(&r.id, "", &r.placement)
}
fn volume(r: &wit::Volume) -> Facts {
    facts(&r.id, &r.status, &r.placement)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, status: &str, has_project: bool) -> Facts {
        Facts {
            id: id.to_owned(),
            status: status.to_owned(),
            has_project,
        }
    }

    #[test]
    fn a_lower_case_server_status_is_a_problem_and_an_upper_case_one_is_not() {
        assert!(problems(Kind::Servers, &record("s1", "ACTIVE", true)).is_empty());
        let found = problems(Kind::Servers, &record("s1", "active", true));
        assert!(found[0].contains("upper case"), "{found:?}");
    }

    #[test]
    fn image_statuses_are_lower_case_and_ids_are_never_empty() {
        assert!(problems(Kind::Images, &record("i1", "active", false)).is_empty());
        assert_eq!(
            problems(Kind::Images, &record("", "ACTIVE", false)).len(),
            2
        );
    }

    #[test]
    fn an_unknown_id_keeps_the_shape_of_a_listed_one() {
        assert_eq!(
            Kind::Images.missing_id(Some("ami-1a2b3c4d5e")),
            "ami-000000c0de"
        );
        assert_eq!(
            Kind::Servers.missing_id(Some("4d3bd6a1-5613-4bd9-8877-8f3d8292f836")),
            "4d3bd6a1-5613-4bd9-8877-00000000c0de"
        );
        assert_eq!(
            Kind::Flavors.missing_id(Some("m1.small")),
            super::super::probe::MISSING_ID
        );
        assert_eq!(
            Kind::Keypairs.missing_id(None),
            super::super::probe::MISSING_KEYPAIR
        );
    }

    #[test]
    fn a_server_without_its_project_is_a_problem() {
        let found = problems(Kind::Servers, &record("s1", "ACTIVE", false));
        assert!(found[0].contains("placement.project"), "{found:?}");
    }
}
