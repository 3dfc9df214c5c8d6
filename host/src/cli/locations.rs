//! `oaktree locations`: the cloud-regions the daemon serves and the driver behind each.

use std::process::ExitCode;

use serde_json::json;

use super::args::LocationsArgs;
use super::output::{call_failed, emit, emit_json};
use super::render::count;
use super::table::Table;
use super::{json, rpc};

pub async fn run(args: LocationsArgs) -> anyhow::Result<ExitCode> {
    let mut client = rpc::connect(&args.conn).await?;
    let request = rpc::request(args.request(), &args.conn);
    let locations = match client.list_locations(request).await {
        Ok(response) => response.into_inner().locations,
        Err(status) => return Ok(call_failed(&status)),
    };
    if args.json {
        emit_json(&json!({
            "locations": locations.iter().map(json::location_info).collect::<Vec<_>>(),
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::with_header(&["CLOUD", "REGION", "DRIVER", "VERSION", "PROFILE"]);
    for info in &locations {
        let (cloud, region) = info
            .location
            .as_ref()
            .map(|l| (l.cloud.clone(), l.region.clone()))
            .unwrap_or_default();
        table.push(vec![
            cloud,
            region,
            info.driver.clone(),
            info.driver_version.clone(),
            info.profile.clone(),
        ]);
    }
    emit(&table.render())?;
    emit(&format!(
        "\n{}\n",
        count(locations.len(), "location", "locations")
    ))?;
    Ok(ExitCode::SUCCESS)
}
