//! `oaktree plugins`: the driver plugins the daemon has loaded now, with what each declares.

use std::process::ExitCode;

use serde_json::json;

use super::args::PluginsArgs;
use super::output::{call_failed, emit, emit_json};
use super::render::count;
use super::table::Table;
use super::{json, rpc};
use crate::proto::ListPluginsRequest;

pub async fn run(args: PluginsArgs) -> anyhow::Result<ExitCode> {
    let mut client = rpc::connect(&args.conn).await?;
    let request = rpc::request(ListPluginsRequest {}, &args.conn);
    let plugins = match client.list_plugins(request).await {
        Ok(response) => response.into_inner().plugins,
        Err(status) => return Ok(call_failed(&status)),
    };
    if args.json {
        emit_json(&json!({
            "plugins": plugins.iter().map(json::plugin_info).collect::<Vec<_>>(),
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::with_header(&[
        "NAME",
        "VERSION",
        "PROFILES",
        "CAPABILITIES",
        "FLOATING IPS",
        "FILE",
    ]);
    for info in &plugins {
        table.push(vec![
            info.name.clone(),
            info.version.clone(),
            info.profiles.join(","),
            info.capabilities.len().to_string(),
            info.floating_ips.clone(),
            info.file.clone(),
        ]);
    }
    emit(&table.render())?;
    emit(&format!(
        "\n{}\n",
        count(plugins.len(), "plugin", "plugins")
    ))?;
    Ok(ExitCode::SUCCESS)
}
