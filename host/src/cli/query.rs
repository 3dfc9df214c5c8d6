//! `<kind> list` and `<kind> get`, written once over [`Resource`].
//!
//! A listing:
//! 1. connects and sends the List (or Stream) call with the deadline from `--timeout`;
//! 2. prints the items (a table, or one JSON document with `--json`);
//! 3. prints one status line per location and a summary, and exits 3 when any failed.

use std::collections::BTreeMap;
use std::process::ExitCode;

use serde_json::{Value, json};
use tonic::{Request, Status};

use crate::proto::{ListRequest, LocationStatus};

use super::args::{GetArgs, ListArgs};
use super::kinds::{Client, Event, Resource};
use super::output::{call_failed, emit, emit_json, exit_code};
use super::render::{self, Call, LOCATION_COLUMNS};
use super::table::Table;
use super::{json, rpc};

/// An empty table with the location columns and the kind's columns.
fn item_table<R: Resource>() -> Table {
    let header: Vec<&str> = LOCATION_COLUMNS.iter().chain(R::COLUMNS).copied().collect();
    Table::with_header(&header)
}

fn push_item<R: Resource>(table: &mut Table, item: &R) {
    let mut row = render::location_cells(item.location());
    row.extend(item.cells());
    table.push(row);
}

fn list_document(items: Vec<Value>, statuses: &[LocationStatus]) -> Value {
    json!({
        "items": items,
        "statuses": statuses.iter().map(json::status).collect::<Vec<_>>(),
    })
}

/// The status section and the summary line, after a blank line.
fn status_footer<R: Resource>(items: usize, statuses: &[LocationStatus]) -> String {
    format!(
        "\n{}{}\n",
        render::status_section(statuses),
        render::list_summary(items, (R::SINGULAR, R::PLURAL), statuses)
    )
}

pub async fn list<R: Resource>(args: ListArgs) -> anyhow::Result<ExitCode> {
    let mut client = rpc::connect(&args.conn).await?;
    let request = rpc::request(args.request(), &args.conn);
    if args.stream {
        return stream::<R>(&mut client, request, args.json).await;
    }
    let (items, statuses) = match R::list(&mut client, request).await {
        Ok(response) => response,
        Err(status) => return Ok(call_failed(&status)),
    };
    if args.json {
        emit_json(&list_document(
            items.iter().map(R::to_json).collect(),
            &statuses,
        ))?;
    } else {
        let mut table = item_table::<R>();
        for item in &items {
            push_item(&mut table, item);
        }
        emit(&table.render())?;
        emit(&status_footer::<R>(items.len(), &statuses))?;
    }
    Ok(exit_code(&statuses, Call::List))
}

/// The cloud-region an item or status belongs to, to batch a stream by location.
type Key = (String, String);

/// Column widths streaming starts from, so batches from different locations usually line up
/// without knowing the later rows: ids are UUIDs, and the rest are generous typical sizes. A
/// wider cell still widens its column from then on.
fn stream_widths<R: Resource>() -> Vec<usize> {
    LOCATION_COLUMNS
        .iter()
        .chain(R::COLUMNS)
        .map(|column| {
            let typical = match *column {
                "ID" => 36,
                "CLOUD" | "PROJECT" | "FLAVOR" | "DISK FORMAT" => 10,
                "REGION" | "ZONE" => 14,
                "NAME" => 24,
                "IP" => 15,
                _ => 0,
            };
            column.len().max(typical)
        })
        .collect()
}

/// The streaming listing. The daemon sends a location's items together, right before that
/// location's status, so rows are held until the status arrives and then printed as one
/// batch: this costs no latency, and columns line up within the batch and, through shared
/// widths that start at [`stream_widths`] and only grow, with earlier batches. The header
/// is printed once, with the first batch.
async fn stream<R: Resource>(
    client: &mut Client,
    request: Request<ListRequest>,
    as_json: bool,
) -> anyhow::Result<ExitCode> {
    let mut stream = match R::stream(client, request).await {
        Ok(stream) => stream,
        Err(status) => return Ok(call_failed(&status)),
    };
    let mut pending: BTreeMap<Key, Vec<R>> = BTreeMap::new();
    let mut statuses = Vec::new();
    let mut json_items = Vec::new();
    let mut widths = stream_widths::<R>();
    let mut header_printed = false;
    let mut item_count = 0;
    let mut flush = |batch: Vec<R>| -> anyhow::Result<()> {
        if as_json {
            json_items.extend(batch.iter().map(R::to_json));
        } else if !batch.is_empty() {
            let mut table = item_table::<R>();
            for item in &batch {
                push_item(&mut table, item);
            }
            emit(&table.render_with(&mut widths, !header_printed))?;
            header_printed = true;
        }
        item_count += batch.len();
        Ok(())
    };
    let failure: Option<Status> = loop {
        match stream.message().await {
            Ok(Some(event)) => match R::event(event) {
                Some(Event::Item(item)) => {
                    let key = item
                        .location()
                        .map(|l| (l.cloud.clone(), l.region.clone()))
                        .unwrap_or_default();
                    pending.entry(key).or_default().push(item);
                }
                Some(Event::Status(status)) => {
                    let key = status
                        .location
                        .as_ref()
                        .map(|l| (l.cloud.clone(), l.region.clone()))
                        .unwrap_or_default();
                    flush(pending.remove(&key).unwrap_or_default())?;
                    statuses.push(status);
                }
                None => {}
            },
            Ok(None) => break None,
            Err(status) => break Some(status),
        }
    };
    // Items whose status never came (the stream broke off): shown all the same.
    for (_, batch) in std::mem::take(&mut pending) {
        flush(batch)?;
    }
    if as_json {
        if let Some(status) = failure {
            return Ok(call_failed(&status));
        }
        emit_json(&list_document(json_items, &statuses))?;
    } else {
        if item_count == 0 {
            emit(&item_table::<R>().render())?;
        }
        emit(&status_footer::<R>(item_count, &statuses))?;
        if let Some(status) = failure {
            return Ok(call_failed(&status));
        }
    }
    Ok(exit_code(&statuses, Call::List))
}

pub async fn get<R: Resource>(args: GetArgs) -> anyhow::Result<ExitCode> {
    let mut client = rpc::connect(&args.conn).await?;
    let request = rpc::request(args.request(), &args.conn);
    let (item, statuses) = match R::get(&mut client, request).await {
        Ok(response) => response,
        Err(status) => return Ok(call_failed(&status)),
    };
    if args.json {
        emit_json(&json!({
            "item": item.as_ref().map_or(Value::Null, R::to_json),
            "statuses": statuses.iter().map(json::status).collect::<Vec<_>>(),
        }))?;
    } else {
        let mut table = Table::headless();
        if let Some(item) = &item {
            for (key, value) in json::flatten(&item.to_json()) {
                table.push(vec![key, value]);
            }
        }
        emit(&table.render())?;
        emit(&format!(
            "\n{}{}\n",
            render::status_section(&statuses),
            render::get_summary(item.as_ref().and_then(R::location), &statuses)
        ))?;
    }
    if item.is_none() {
        // The contract says NOT_FOUND comes as a call error; an empty answer is a daemon bug.
        eprintln!(
            "error: the daemon answered without a {} for '{}'",
            R::SINGULAR,
            args.name_or_id
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(exit_code(&statuses, Call::Get))
}
