//! The long-operation commands: start an operation (or find one), then follow its event
//! stream the way a person reads it.
//!
//! - On a terminal, one live line per location (phase, a progress bar for uploads and
//!   conversions, the message), redrawn in place; elsewhere, a line whenever a location's
//!   phase or message changes or its progress passes another tenth.
//! - Server status changes (BUILD 40%, ACTIVE) print as status lines, once each: the daemon
//!   reports a server again after auto IP and at the end, and the location's phase repeats
//!   the status, but a line that says nothing new is not printed.
//! - At the end, a summary table per location, the servers or images made, and what was
//!   cleaned up. Exit status: 0 when the operation succeeded, 3 when it failed or only
//!   partly succeeded, 1 when the call itself failed.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Context;
use tonic::Streaming;
use tonic::transport::Endpoint;

use super::args::ConnArgs;
use super::operations_args::{
    ImageUploadArgs, OperationsAction, ServerCreateArgs, ServerDeleteArgs,
};
use super::output::{call_failed, emit, emit_json};
use super::render::human_size;
use super::table::Table;
use crate::proto::operation_service_client::OperationServiceClient;
use crate::proto::{
    self, CloudRegion, CreateImageRequest, ImageUploadStart, Operation, OperationEvent,
    OperationState, create_image_request::Part, operation_event,
};

const EXIT_OPERATION_FAILED: u8 = 3;
const CHUNK: usize = 1 << 20;

type Client = OperationServiceClient<tonic::transport::Channel>;

async fn connect(conn: &ConnArgs) -> anyhow::Result<Client> {
    let addr = if conn.addr.contains("://") {
        conn.addr.clone()
    } else {
        format!("http://{}", conn.addr)
    };
    let channel = Endpoint::from_shared(addr.clone())
        .with_context(|| format!("invalid --addr '{}'", conn.addr))?
        .connect_timeout(conn.timeout)
        .connect()
        .await
        .with_context(|| format!("cannot connect to the oaktree daemon at {addr}"))?;
    Ok(OperationServiceClient::new(channel).max_decoding_message_size(64 << 20))
}

fn at(args: &super::operations_args::AtArgs) -> Option<CloudRegion> {
    Some(CloudRegion {
        cloud: args.cloud.clone(),
        region: args.region.clone(),
    })
}

pub async fn create_server(args: ServerCreateArgs) -> anyhow::Result<ExitCode> {
    let user_data = match &args.user_data_file {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read --user-data-file {}", path.display()))?,
        None => String::new(),
    };
    let request = proto::CreateServerRequest {
        request_id: String::new(),
        location: at(&args.at),
        name: args.name,
        image: args.image,
        flavor: args.flavor,
        networks: args.networks,
        key_name: args.key_name.unwrap_or_default(),
        user_data,
        metadata: args.metadata.into_iter().collect(),
        security_groups: args.security_groups,
        zone: args.zone.unwrap_or_default(),
        wait: !args.follow.no_wait,
        auto_ip: !args.no_auto_ip,
        keep_failed: args.keep_failed,
        timeout_seconds: args.follow.wait_timeout,
        poll_interval_ms: 0,
    };
    let mut client = connect(&args.conn).await?;
    match client.create_server(request).await {
        Ok(events) => follow(events.into_inner(), args.follow.json).await,
        Err(status) => Ok(call_failed(&status)),
    }
}

pub async fn delete_server(args: ServerDeleteArgs) -> anyhow::Result<ExitCode> {
    let request = proto::DeleteServerRequest {
        location: at(&args.at),
        server: args.server,
        wait: !args.follow.no_wait,
        delete_floating_ips: args.delete_ips,
        timeout_seconds: args.follow.wait_timeout,
        poll_interval_ms: 0,
    };
    let mut client = connect(&args.conn).await?;
    match client.delete_server(request).await {
        Ok(events) => follow(events.into_inner(), args.follow.json).await,
        Err(status) => Ok(call_failed(&status)),
    }
}

pub async fn upload_image(args: ImageUploadArgs) -> anyhow::Result<ExitCode> {
    let name = match args.name.clone() {
        Some(name) => name,
        None => args
            .file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .context("name the image with --name")?,
    };
    let size = std::fs::metadata(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?
        .len();
    let source_path = if args.server_side {
        std::fs::canonicalize(&args.file)?.display().to_string()
    } else {
        String::new()
    };
    let start = ImageUploadStart {
        name,
        selector: Some(args.r#where.selector()),
        disk_format: args.disk_format.clone().unwrap_or_default(),
        min_disk_gib: args.min_disk.unwrap_or(0),
        min_ram_mib: args.min_ram.unwrap_or(0),
        properties: args.properties.iter().cloned().collect(),
        source_path,
        allow_duplicates: args.allow_duplicates,
        timeout_seconds: args.follow.wait_timeout,
        ..Default::default()
    };
    let (sender, receiver) = tokio::sync::mpsc::channel::<CreateImageRequest>(4);
    let file = args.file.clone();
    let server_side = args.server_side;
    let feeder = tokio::spawn(async move {
        let first = CreateImageRequest {
            part: Some(Part::Start(start)),
        };
        if sender.send(first).await.is_err() || server_side {
            return Ok::<(), std::io::Error>(());
        }
        let mut file = tokio::fs::File::open(&file).await?;
        let mut buffer = vec![0u8; CHUNK];
        let mut sent = 0u64;
        loop {
            let read = tokio::io::AsyncReadExt::read(&mut file, &mut buffer).await?;
            if read == 0 {
                break;
            }
            sent += read as u64;
            let part = CreateImageRequest {
                part: Some(Part::Chunk(buffer[..read].to_vec())),
            };
            if sender.send(part).await.is_err() {
                break;
            }
            if std::io::stderr().is_terminal() {
                eprint!("\rsending {} of {}", human_size(sent), human_size(size));
            }
        }
        if std::io::stderr().is_terminal() {
            eprintln!();
        }
        Ok(())
    });
    let mut client = connect(&args.conn).await?;
    let parts = futures::stream::unfold(receiver, |mut r| async move {
        r.recv().await.map(|part| (part, r))
    });
    let outcome = client.create_image(parts).await;
    feeder.await??;
    match outcome {
        Ok(events) => follow(events.into_inner(), args.follow.json).await,
        Err(status) => Ok(call_failed(&status)),
    }
}

pub async fn operations(action: OperationsAction) -> anyhow::Result<ExitCode> {
    match action {
        OperationsAction::List { conn, json } => {
            let mut client = connect(&conn).await?;
            let listed = match client
                .list_operations(proto::ListOperationsRequest {})
                .await
            {
                Ok(reply) => reply.into_inner().operations,
                Err(status) => return Ok(call_failed(&status)),
            };
            if json {
                let all: Vec<serde_json::Value> = listed.iter().map(operation_json).collect();
                emit_json(&serde_json::Value::Array(all))?;
            } else {
                let mut table = Table::with_header(&["ID", "KIND", "STATE", "LOCATIONS", "ERROR"]);
                for op in &listed {
                    table.push(vec![
                        op.id.clone(),
                        op.kind.clone(),
                        state_name(op.state()),
                        op.locations.len().to_string(),
                        op.error.clone(),
                    ]);
                }
                emit(&table.render())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        OperationsAction::Get { conn, id, json } => {
            let mut client = connect(&conn).await?;
            match client
                .get_operation(proto::GetOperationRequest { id })
                .await
            {
                Ok(reply) => {
                    let op = reply.into_inner();
                    if json {
                        emit_json(&operation_json(&op))?;
                    } else {
                        emit(&summary(&op))?;
                    }
                    Ok(exit_for(&op))
                }
                Err(status) => Ok(call_failed(&status)),
            }
        }
        OperationsAction::Watch { conn, id } => {
            let mut client = connect(&conn).await?;
            match id {
                Some(id) => match client
                    .watch_operation(proto::WatchOperationRequest { id })
                    .await
                {
                    Ok(events) => follow(events.into_inner(), false).await,
                    Err(status) => Ok(call_failed(&status)),
                },
                None => match client
                    .watch_operations(proto::WatchOperationsRequest {})
                    .await
                {
                    Ok(events) => {
                        let mut events = events.into_inner();
                        while let Some(event) = events.message().await? {
                            emit(&format!(
                                "{} {}\n",
                                event.operation_id,
                                describe_event(&event)
                            ))?;
                        }
                        Ok(ExitCode::SUCCESS)
                    }
                    Err(status) => Ok(call_failed(&status)),
                },
            }
        }
        OperationsAction::Cleanup { conn, json } => {
            let mut client = connect(&conn).await?;
            let entries = match client.list_cleanup(proto::ListCleanupRequest {}).await {
                Ok(reply) => reply.into_inner().entries,
                Err(status) => return Ok(call_failed(&status)),
            };
            if json {
                let all: Vec<serde_json::Value> = entries.iter().map(cleanup_json).collect();
                emit_json(&serde_json::Value::Array(all))?;
            } else {
                emit(&cleanup_table(&entries))?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Reads the stream to its end, showing progress, then the summary.
async fn follow(mut events: Streaming<OperationEvent>, json: bool) -> anyhow::Result<ExitCode> {
    let mut board = Board::new(!json && std::io::stdout().is_terminal());
    let mut last: Option<Operation> = None;
    loop {
        let event = match events.message().await {
            Ok(Some(event)) => event,
            Ok(None) => break,
            Err(status) => return Ok(call_failed(&status)),
        };
        if let Some(operation_event::Event::Finished(op)) = &event.event {
            last = Some(op.clone());
        } else if !json {
            board.show(&event)?;
        }
    }
    let op = last.context("the daemon ended the stream before the operation finished; `oaktree operations watch <id>` follows it")?;
    if json {
        emit_json(&operation_json(&op))?;
    } else {
        emit(&summary(&op))?;
    }
    Ok(exit_for(&op))
}

fn exit_for(op: &Operation) -> ExitCode {
    match op.state() {
        OperationState::Succeeded | OperationState::Running => ExitCode::SUCCESS,
        _ => ExitCode::from(EXIT_OPERATION_FAILED),
    }
}

fn state_name(state: OperationState) -> String {
    state
        .as_str_name()
        .trim_start_matches("OPERATION_STATE_")
        .to_owned()
}

fn where_(location: Option<&CloudRegion>) -> String {
    location
        .map(|l| place(&l.cloud, &l.region))
        .unwrap_or_default()
}

/// `cloud/region`, or the cloud alone when it has no regions.
fn place(cloud: &str, region: &str) -> String {
    if region.is_empty() {
        cloud.to_owned()
    } else {
        format!("{cloud}/{region}")
    }
}

/// A text bar for `done` of `total`.
fn bar(done: u64, total: u64) -> String {
    if total == 0 {
        return String::new();
    }
    let filled = ((done.min(total) * 20) / total) as usize;
    format!(
        "[{}{}] {:>3}%",
        "#".repeat(filled),
        ".".repeat(20 - filled),
        done.min(total) * 100 / total
    )
}

fn progress_line(p: &proto::LocationProgress) -> String {
    let amount = if p.bytes_total == 100 {
        String::new()
    } else if p.bytes_total > 0 {
        format!(
            "{} / {}",
            human_size(p.bytes_done),
            human_size(p.bytes_total)
        )
    } else {
        String::new()
    };
    format!(
        "{:<20} {:<12} {:<27} {:<22} {}",
        where_(p.location.as_ref()),
        p.phase,
        bar(p.bytes_done, p.bytes_total),
        amount,
        p.message
    )
    .trim_end()
    .to_owned()
}

fn describe_event(event: &OperationEvent) -> String {
    match &event.event {
        Some(operation_event::Event::Progress(p)) => progress_line(p),
        Some(operation_event::Event::Server(s)) => format!(
            "{:<20} server {} {} {}",
            s.location
                .as_ref()
                .map(|l| format!("{}/{}", l.cloud, l.region))
                .unwrap_or_default(),
            s.id,
            s.status,
            if s.progress > 0 {
                format!("{}%", s.progress)
            } else {
                String::new()
            }
        ),
        Some(operation_event::Event::Image(i)) => {
            format!("image {} {} ({})", i.id, i.status, i.disk_format)
        }
        Some(operation_event::Event::Finished(op)) => {
            format!("finished: {}", state_name(op.state()))
        }
        None => String::new(),
    }
}

/// What a location or server line last said, to print only what is new.
type Shown = (String, String, u64);

/// Live progress: one line per location, redrawn in place on a terminal.
struct Board {
    live: bool,
    lines: BTreeMap<String, String>,
    drawn: usize,
    /// Per location: the last (phase or server status, message, tenth) printed, for the
    /// line-per-change mode.
    printed: BTreeMap<String, Shown>,
    /// Per server id: the last (status, progress) printed.
    servers: BTreeMap<String, (String, u32)>,
}

impl Board {
    fn new(live: bool) -> Self {
        Self {
            live,
            lines: BTreeMap::new(),
            drawn: 0,
            printed: BTreeMap::new(),
            servers: BTreeMap::new(),
        }
    }

    fn show(&mut self, event: &OperationEvent) -> anyhow::Result<()> {
        match self.render(event) {
            Some(text) => emit(&text),
            None => Ok(()),
        }
    }

    /// The text an event adds to the output, if any.
    fn render(&mut self, event: &OperationEvent) -> Option<String> {
        match &event.event {
            Some(operation_event::Event::Progress(p)) => {
                let key = where_(p.location.as_ref());
                if self.live {
                    self.lines.insert(key, progress_line(p));
                    return Some(self.redraw());
                }
                let tenth = (p.bytes_done.min(p.bytes_total) * 10)
                    .checked_div(p.bytes_total)
                    .unwrap_or(0);
                // A byte count's message changes with every chunk: its tenths mark progress.
                let message = if p.bytes_total > 0 {
                    String::new()
                } else {
                    p.message.clone()
                };
                let now = (p.phase.clone(), message, tenth);
                (self.printed.get(&key) != Some(&now)).then(|| {
                    self.printed.insert(key, now);
                    format!("{}\n", progress_line(p))
                })
            }
            Some(operation_event::Event::Server(s)) if !self.live => {
                let now = (s.status.clone(), s.progress);
                if self.servers.get(&s.id) == Some(&now) {
                    return None;
                }
                self.servers.insert(s.id.clone(), now);
                // The location's phase that repeats this status adds nothing either.
                let percent = if s.progress > 0 {
                    format!("{}%", s.progress)
                } else {
                    String::new()
                };
                let key = s
                    .location
                    .as_ref()
                    .map(|l| place(&l.cloud, &l.region))
                    .unwrap_or_default();
                self.printed.insert(key, (s.status.clone(), percent, 0));
                Some(format!("{}\n", describe_event(event)))
            }
            _ => None,
        }
    }

    fn redraw(&mut self) -> String {
        let mut text = String::new();
        if self.drawn > 0 {
            text.push_str(&format!("\x1b[{}A", self.drawn));
        }
        for line in self.lines.values() {
            text.push_str("\x1b[2K");
            text.push_str(line);
            text.push('\n');
        }
        self.drawn = self.lines.len();
        text
    }
}

fn summary(op: &Operation) -> String {
    let mut out = format!(
        "\noperation {} ({}): {}",
        op.id,
        op.kind,
        state_name(op.state())
    );
    if !op.error.is_empty() {
        out.push_str(&format!(" — {}", op.error));
    }
    out.push('\n');
    let mut table = Table::with_header(&["LOCATION", "RESULT", "RESOURCE", "TOOK", "MESSAGE"]);
    for p in &op.locations {
        let (result, took, message) = match &p.status {
            Some(status) => (
                super::json::kind_name(status.kind),
                format!("{:.1}s", status.elapsed_ms as f64 / 1000.0),
                if status.message.is_empty() {
                    p.message.clone()
                } else {
                    status.message.clone()
                },
            ),
            None => (p.phase.clone(), String::new(), p.message.clone()),
        };
        table.push(vec![
            where_(p.location.as_ref()),
            result,
            p.resource_id.clone(),
            took,
            message,
        ]);
    }
    out.push_str(&table.render());
    if !op.servers.is_empty() {
        let mut servers = Table::with_header(&[
            "SERVER",
            "NAME",
            "STATUS",
            "PUBLIC V4",
            "PRIVATE V4",
            "FAULT",
        ]);
        for s in &op.servers {
            servers.push(vec![
                s.id.clone(),
                s.name.clone(),
                s.status.clone(),
                s.public_v4.clone(),
                s.private_v4.clone(),
                s.fault.clone(),
            ]);
        }
        out.push('\n');
        out.push_str(&servers.render());
    }
    if !op.images.is_empty() {
        let mut images = Table::with_header(&["LOCATION", "IMAGE", "FORMAT", "SIZE", "STATUS"]);
        for i in &op.images {
            images.push(vec![
                i.location
                    .as_ref()
                    .map(|l| format!("{}/{}", l.cloud, l.region))
                    .unwrap_or_default(),
                i.id.clone(),
                i.disk_format.clone(),
                human_size(i.size_bytes),
                i.status.clone(),
            ]);
        }
        out.push('\n');
        out.push_str(&images.render());
    }
    if !op.cleanup.is_empty() {
        out.push_str("\ncleaned up (what the operation created and no longer needs):\n");
        out.push_str(&cleanup_table(&op.cleanup));
    }
    out
}

fn cleanup_table(entries: &[proto::CleanupEntry]) -> String {
    let mut table =
        Table::with_header(&["LOCATION", "KIND", "ID", "STATE", "ATTEMPTS", "LAST ERROR"]);
    for e in entries {
        table.push(vec![
            where_(e.location.as_ref()),
            e.kind.clone(),
            e.id.clone(),
            e.state.clone(),
            e.attempts.to_string(),
            e.last_error.clone(),
        ]);
    }
    table.render()
}

fn cleanup_json(e: &proto::CleanupEntry) -> serde_json::Value {
    serde_json::json!({
        "location": where_(e.location.as_ref()),
        "kind": e.kind,
        "id": e.id,
        "operation_id": e.operation_id,
        "state": e.state,
        "attempts": e.attempts,
        "last_error": e.last_error,
    })
}

fn operation_json(op: &Operation) -> serde_json::Value {
    serde_json::json!({
        "id": op.id,
        "kind": op.kind,
        "state": state_name(op.state()),
        "error": op.error,
        "started_at_unix_ms": op.started_at_unix_ms,
        "finished_at_unix_ms": op.finished_at_unix_ms,
        "locations": op.locations.iter().map(|p| serde_json::json!({
            "location": where_(p.location.as_ref()),
            "phase": p.phase,
            "message": p.message,
            "resource_id": p.resource_id,
            "status": p.status.as_ref().map(super::json::status),
        })).collect::<Vec<_>>(),
        "servers": op.servers.iter().map(super::json::server).collect::<Vec<_>>(),
        "images": op.images.iter().map(super::json::image).collect::<Vec<_>>(),
        "cleanup": op.cleanup.iter().map(cleanup_json).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
#[path = "operations_tests.rs"]
mod tests;
