//! Write round trips, kept small: boot and delete one server, create, fetch and delete one
//! keypair. They run only against the openstack-flavoured simulator; elsewhere they are
//! skipped with what they need.

use oaktree_simcloud::Vendor;

use super::checks::{CALL_DEADLINE, describe_error};
use super::report::Report;
use super::target::{Bench, Flavour, MAIN_REGION, SIM_CLOUD};
use crate::plugin::bindings::wit::{self, Capability};

pub async fn round_trips(report: &mut Report, bench: &Bench, declared: &[Capability]) {
    let server = declared.contains(&Capability::CreateServer)
        && declared.contains(&Capability::DeleteServer);
    let keypair = declared.contains(&Capability::CreateKeypair)
        && declared.contains(&Capability::DeleteKeypair);
    if !server && !keypair {
        return;
    }
    let sim = match (&bench.sim, &bench.flavour) {
        (Some(sim), Some(Flavour::OpenStack(Vendor::OpenStack))) => sim,
        _ => {
            for (declared, name) in [(server, "writes.server"), (keypair, "writes.keypair")] {
                if declared {
                    report.skip(name, "skipped: needs the openstack-flavoured simulator (write round trips run only there)");
                }
            }
            return;
        }
    };
    if server {
        let result = match sim.inventory(SIM_CLOUD, MAIN_REGION) {
            Ok(inventory) => server_round_trip(bench, &inventory).await,
            Err(e) => Err(format!("cannot read the simulator's inventory: {e}")),
        };
        report.record("writes.server", result);
    }
    if keypair {
        report.record("writes.keypair", keypair_round_trip(bench).await);
    }
}

async fn server_round_trip(
    bench: &Bench,
    inventory: &oaktree_simcloud::Inventory,
) -> Result<String, String> {
    let (Some(image), Some(flavor)) = (inventory.images.first(), inventory.flavors.first()) else {
        return Err("the simulator seeded no image or flavor".to_owned());
    };
    let network_ids = inventory
        .networks
        .iter()
        .find(|n| n.name == "private")
        .map(|n| vec![n.id.clone()])
        .unwrap_or_default();
    let spec = wit::ServerCreate {
        name: "oaktree-conformance".to_owned(),
        image_id: image.id.clone(),
        flavor_id: flavor.id.clone(),
        network_ids,
        ..super::probe::server_spec()
    };
    let call = bench
        .call(&bench.main, CALL_DEADLINE)
        .map_err(|e| format!("{e:#}"))?;
    let created = call
        .create_server(&spec)
        .await
        .map_err(|e| format!("create-server answered {}", describe_error(&e)))?;
    if created.id.is_empty() {
        return Err("create-server returned a server with an empty id".to_owned());
    }
    if created.status != created.status.to_uppercase() {
        return Err(format!(
            "create-server returned status {:?}; statuses are upper case",
            created.status
        ));
    }
    let call = bench
        .call(&bench.main, CALL_DEADLINE)
        .map_err(|e| format!("{e:#}"))?;
    call.delete_server(&created.id).await.map_err(|e| {
        format!(
            "delete-server of the new server {} answered {}",
            created.id,
            describe_error(&e)
        )
    })?;
    Ok(format!(
        "created {} ({}) and deleted it",
        created.id, created.status
    ))
}

async fn keypair_round_trip(bench: &Bench) -> Result<String, String> {
    let name = "oaktree-conformance-key";
    let call = bench
        .call(&bench.main, CALL_DEADLINE)
        .map_err(|e| format!("{e:#}"))?;
    let created = call
        .create_keypair(&wit::KeypairCreate {
            name: name.to_owned(),
            public_key: None,
        })
        .await
        .map_err(|e| format!("create-keypair answered {}", describe_error(&e)))?;
    if created.name != name {
        return Err(format!(
            "create-keypair of {name} returned {:?}",
            created.name
        ));
    }
    let call = bench
        .call(&bench.main, CALL_DEADLINE)
        .map_err(|e| format!("{e:#}"))?;
    call.delete_keypair(name)
        .await
        .map_err(|e| format!("delete-keypair answered {}", describe_error(&e)))?;
    let call = bench
        .call(&bench.main, CALL_DEADLINE)
        .map_err(|e| format!("{e:#}"))?;
    match call.delete_keypair(name).await {
        Err(crate::plugin::CallError::Driver(wit::Error::NotFound(_))) => Ok(format!(
            "created {name}, deleted it, and a second delete is not-found"
        )),
        other => Err(format!(
            "deleting an already deleted keypair must be not-found, got {}",
            match other {
                Ok(()) => "success".to_owned(),
                Err(e) => describe_error(&e),
            }
        )),
    }
}
