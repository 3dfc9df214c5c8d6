//! Booting and deleting a server at one location, with the host doing the waiting.
//!
//! Create:
//! 1. Resolve image, flavor and networks by name or id at the location (cached listings).
//! 2. `create-server`; the server is recorded for cleanup (unless `keep_failed`).
//! 3. With auto IP on a cloud whose driver declares the `floating` model, a floating IP is
//!    found (an unattached one is reused) or allocated *while the server builds*.
//! 4. Poll `get-server` until ACTIVE or ERROR or the deadline, streaming every change. A
//!    server in ERROR is the cloud's failure (status kind CLOUD_FAULT, with its fault).
//! 5. On ACTIVE, attach the floating IP and poll until the server shows it; a server that
//!    came up with a public address of its own needs none, and one allocated for it is
//!    released at once.
//! 6. Any failure deletes what step 2 and 3 created, through the cleanup ledger.
//!
//! Delete: the name is resolved before the operation starts (several matches or none fail
//! the call, as a Get does); then the server is read afresh, its floating IPs optionally
//! deleted, `delete-server` sent, and the cloud polled until it no longer has it.
//!
//! Every location's final status counts the HTTP attempts of all its calls ([`CallTally`]).
//!
//! Steps 2 and 3 write their intent to the ledger before the create is sent and add the id
//! when the cloud answers, so a daemon killed meanwhile leaves nothing untracked.
//!

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::ledger::{Created, Ledger};
use super::record::{Hint, OperationKind};
use super::{OperationHandle, Operations};
use crate::error::Error;
use crate::federation::gather::stamp;
use crate::federation::kinds::{Flavors, Images, Networks, Servers};
use crate::federation::locate::CallTally;
use crate::federation::{CallOptions, LocationStatus, ResourceKind, Selector, Target};
use crate::location::{CloudRegion, Located};
use crate::plugin::bindings::wit;
use crate::plugin::{CallError, DriverCall, LoadedPlugin};

/// Longest single driver call inside an operation.
const CALL_DEADLINE: Duration = Duration::from_secs(60);
/// Consecutive failed polls tolerated before the wait gives up.
const POLL_FAILURES_TOLERATED: u32 = 5;
/// Polls after attaching a floating IP for the server record to show it.
const ADDRESS_POLLS: u32 = 30;

#[derive(Debug, Clone)]
pub struct CreateServer {
    pub at: CloudRegion,
    pub name: String,
    pub image: String,
    pub flavor: String,
    pub networks: Vec<String>,
    pub key_name: Option<String>,
    pub user_data: Option<String>,
    pub metadata: Vec<(String, String)>,
    pub security_groups: Vec<String>,
    pub zone: Option<String>,
    pub wait: bool,
    pub auto_ip: bool,
    pub keep_failed: bool,
    pub timeout: Duration,
    pub poll_interval: Duration,
}

#[derive(Debug, Clone)]
pub struct DeleteServer {
    pub at: CloudRegion,
    pub server: String,
    pub wait: bool,
    pub delete_floating_ips: bool,
    pub timeout: Duration,
    pub poll_interval: Duration,
}

/// One location's context while an operation runs there.
struct Site {
    federation: Arc<crate::federation::Federation>,
    target: Target,
    plugin: Arc<LoadedPlugin>,
    deadline: Instant,
    /// What this location's calls cost, for its status.
    tally: CallTally,
}

impl Site {
    fn call(&self) -> DriverCall {
        let deadline = self.deadline.min(Instant::now() + CALL_DEADLINE);
        self.tally.track(
            self.federation
                .driver_call(&self.target, self.plugin.clone(), deadline),
        )
    }

    /// The location's final status, with the HTTP attempts of every call it made.
    fn status(&self, outcome: Result<(), &BootFailure>, elapsed: Duration) -> LocationStatus {
        let at = self.target.at.clone();
        let mut status = match outcome {
            Ok(()) => LocationStatus::ok(at, 1, elapsed),
            Err(BootFailure::Call(error)) => LocationStatus::failed(at, error, elapsed),
            Err(fault @ BootFailure::ServerError { .. }) => {
                LocationStatus::cloud_fault(at, fault.to_string(), elapsed)
            }
        };
        self.tally.stamp(&mut status);
        status
    }

    fn located<T>(&self, resource: T, placement: &wit::Placement) -> Located<T> {
        Located {
            location: stamp(&self.target, placement),
            resource,
        }
    }

    fn offers(&self, capability: wit::Capability) -> bool {
        self.plugin.info.capabilities.contains(&capability)
    }

    async fn resolve<K: ResourceKind>(
        &self,
        field: &str,
        name_or_id: &str,
    ) -> Result<String, CallError> {
        let selector = Selector::one(&self.target.at.cloud, &self.target.at.region);
        let deadline = self.deadline.min(Instant::now() + CALL_DEADLINE);
        match self
            .federation
            .find::<K>(&selector, name_or_id, &CallOptions::default(), deadline)
            .await
        {
            Ok((found, statuses)) => {
                self.tally.add(&statuses);
                Ok(K::id(&found.resource).to_owned())
            }
            Err(error) => Err(CallError::Driver(wit::Error::Invalid(format!(
                "{field}: {error}"
            )))),
        }
    }
}

/// Why a boot failed: a call failed, or the cloud built the server and it went to ERROR.
#[derive(Debug, thiserror::Error)]
enum BootFailure {
    #[error(transparent)]
    Call(#[from] CallError),
    #[error("server {id} went to ERROR: {fault}")]
    ServerError { id: String, fault: String },
}

impl Operations {
    /// Starts booting a server; the returned handle reports until it is ACTIVE or failed
    /// (or, without `wait`, until the cloud accepted it).
    pub fn create_server(
        self: &Arc<Self>,
        request: CreateServer,
    ) -> Result<Arc<OperationHandle>, Error> {
        let site = self.site(
            "location",
            &request.at,
            request.timeout,
            wit::Capability::CreateServer,
        )?;
        for (field, value) in [
            ("name", &request.name),
            ("image", &request.image),
            ("flavor", &request.flavor),
        ] {
            if value.is_empty() {
                return Err(Error::InvalidArgument {
                    field: field.to_owned(),
                    message: format!("a server needs a {field}"),
                });
            }
        }
        let handle = self.registry.start(
            OperationKind::CreateServer,
            std::slice::from_ref(&request.at),
        );
        let operations = self.clone();
        let op = handle.clone();
        self.spawn(async move {
            let started = Instant::now();
            let mut created = Vec::new();
            let outcome = operations.boot(&site, &op, &request, &mut created).await;
            operations
                .settle(&op, &site, outcome, created, started, request.keep_failed)
                .await;
        });
        Ok(handle)
    }

    /// Starts deleting a server.
    pub fn delete_server(
        self: &Arc<Self>,
        request: DeleteServer,
    ) -> Result<Arc<OperationHandle>, Error> {
        let site = self.site(
            "location",
            &request.at,
            request.timeout,
            wit::Capability::DeleteServer,
        )?;
        if request.server.is_empty() {
            return Err(Error::InvalidArgument {
                field: "server".to_owned(),
                message: "name the server to delete, by name or id".to_owned(),
            });
        }
        let handle = self.registry.start(
            OperationKind::DeleteServer,
            std::slice::from_ref(&request.at),
        );
        let op = handle.clone();
        self.spawn(async move {
            let started = Instant::now();
            let outcome = delete(&site, &op, &request)
                .await
                .map_err(BootFailure::from);
            let status = site.status(outcome.as_ref().map(|_| ()), started.elapsed());
            site.federation.forget::<Servers>(&site.target.at);
            op.finish_location(status);
            op.finish(None);
        });
        Ok(handle)
    }

    fn site(
        &self,
        field: &str,
        at: &CloudRegion,
        timeout: Duration,
        needs: wit::Capability,
    ) -> Result<Site, Error> {
        let target = self.federation.target(field, at)?;
        let plugin = self
            .federation
            .plugin_for(&target)
            .map_err(|e| Error::InvalidArgument {
                field: field.to_owned(),
                message: e.to_string(),
            })?;
        let site = Site {
            federation: self.federation.clone(),
            target,
            plugin,
            deadline: Instant::now() + timeout,
            tally: CallTally::default(),
        };
        if !site.offers(needs) {
            return Err(Error::InvalidArgument {
                field: field.to_owned(),
                message: format!(
                    "the {} driver serving {at} does not offer {}; pick a location whose driver does (see ListPlugins)",
                    site.plugin.name,
                    crate::plugin::bindings::capability_name(needs)
                ),
            });
        }
        Ok(site)
    }

    async fn boot(
        &self,
        site: &Site,
        op: &OperationHandle,
        request: &CreateServer,
        created: &mut Vec<Created>,
    ) -> Result<Option<Located<wit::Server>>, BootFailure> {
        let at = &site.target.at;
        op.phase(at, "resolving", "image, flavor and networks");
        let spec = wit::ServerCreate {
            name: request.name.clone(),
            image_id: site.resolve::<Images>("image", &request.image).await?,
            flavor_id: site.resolve::<Flavors>("flavor", &request.flavor).await?,
            network_ids: {
                let mut ids = Vec::new();
                for (i, network) in request.networks.iter().enumerate() {
                    ids.push(
                        site.resolve::<Networks>(&format!("networks[{i}]"), network)
                            .await?,
                    );
                }
                ids
            },
            key_name: request.key_name.clone(),
            user_data: request.user_data.clone(),
            metadata: request.metadata.clone(),
            security_groups: request.security_groups.clone(),
            zone: request.zone.clone(),
        };
        op.phase(at, "booting", "");
        let intent = (!request.keep_failed).then(|| {
            let hint = Hint {
                name: request.name.clone(),
                ..Hint::default()
            };
            self.ledger.intend(&op.id(), at, "server", "", hint)
        });
        let server = match site.call().create_server(&spec).await {
            Ok(server) => server,
            Err(error) => {
                if let Some(key) = intent {
                    self.ledger.failed_create(key, &error);
                }
                return Err(error.into());
            }
        };
        if let Some(key) = intent {
            self.ledger.identify(key, &server.id);
        }
        site.federation.forget::<Servers>(at);
        let id = server.id.clone();
        if !request.keep_failed {
            created.push(Created {
                at: at.clone(),
                kind: "server".to_owned(),
                id: id.clone(),
            });
        }
        op.progress(at, |p| p.resource_id = id.clone());
        op.server(site.located(server.clone(), &server.placement));
        op.phase(at, &server.status, "");
        if !request.wait {
            return Ok(Some(site.located(server.clone(), &server.placement)));
        }

        let wants_ip = request.auto_ip
            && site.plugin.info.floating_ips == wit::FloatingIpModel::Floating
            && site.offers(wit::Capability::AttachFloatingIp);
        let floating = if wants_ip {
            Some(tokio::spawn(find_or_allocate_ip(
                site.call(),
                site.offers(wit::Capability::ListFloatingIps),
                IntentScope {
                    ledger: self.ledger.clone(),
                    operation_id: op.id(),
                    at: at.clone(),
                },
            )))
        } else {
            None
        };
        let active = wait_for_status(site, op, &id, request.poll_interval).await;
        // Whatever happened to the server, learn what the IP task did so nothing leaks.
        let ip = match floating {
            Some(task) => match task.await {
                Ok(Ok(ip)) => {
                    if ip.allocated {
                        created.push(Created {
                            at: at.clone(),
                            kind: "floating-ip".to_owned(),
                            id: ip.record.id.clone(),
                        });
                    }
                    Some(Ok(ip))
                }
                Ok(Err(error)) => Some(Err(error)),
                Err(join) => Some(Err(CallError::Host(format!(
                    "the floating IP task failed: {join}"
                )))),
            },
            None => None,
        };
        let server = active?;
        let server = match ip {
            None => server,
            // Like shade's `_needs_floating_ip`: no floating network here means no floating
            // IP is needed, not a failed boot.
            Some(Err(CallError::Driver(
                wit::Error::Invalid(why) | wit::Error::Unsupported(why),
            ))) => {
                op.phase(at, "ACTIVE", format!("no floating IP: {why}"));
                server
            }
            Some(Err(error)) => return Err(error.into()),
            Some(Ok(ip)) if server.public_v4.is_some() => {
                if ip.allocated {
                    self.release_unneeded_ip(op, at, &server, &ip.record, created)
                        .await;
                }
                server
            }
            Some(Ok(ip)) => attach_ip(site, op, &server, &ip.record, request.poll_interval).await?,
        };
        Ok(Some(site.located(server.clone(), &server.placement)))
    }

    /// Ends a create: success forgets the created list; failure cleans it up.
    async fn settle(
        &self,
        op: &OperationHandle,
        site: &Site,
        outcome: Result<Option<Located<wit::Server>>, BootFailure>,
        created: Vec<Created>,
        started: Instant,
        keep_failed: bool,
    ) {
        let at = site.target.at.clone();
        match outcome {
            Ok(server) => {
                if let Some(server) = server {
                    op.server(server);
                }
                op.finish_location(site.status(Ok(()), started.elapsed()));
            }
            Err(error) => {
                tracing::warn!(operation = op.id(), %at, %error, "server operation failed; cleaning up");
                if !created.is_empty() {
                    op.phase(&at, "cleaning-up", format!("{} item(s)", created.len()));
                }
                let server_ids: Vec<String> = created
                    .iter()
                    .filter(|c| c.kind == "server")
                    .map(|c| c.id.clone())
                    .collect();
                let entries = self.ledger.clean(&op.id(), created).await;
                if !keep_failed {
                    for id in server_ids {
                        op.drop_server(&id);
                    }
                }
                op.cleanup(entries);
                site.federation.forget::<Servers>(&at);
                op.finish_location(site.status(Err(&error), started.elapsed()));
            }
        }
        // Kept, or cleaned (what could not be deleted is pending now): nothing stays open.
        self.ledger.release(&op.id(), &at);
        op.finish(None);
    }

    /// Deletes a floating IP this boot allocated for a server that came up with a public
    /// address of its own (through the ledger: a failed delete is retried, never leaked),
    /// and takes it off the operation's created list.
    async fn release_unneeded_ip(
        &self,
        op: &OperationHandle,
        at: &CloudRegion,
        server: &wit::Server,
        ip: &wit::FloatingIp,
        created: &mut Vec<Created>,
    ) {
        let item = Created {
            at: at.clone(),
            kind: "floating-ip".to_owned(),
            id: ip.id.clone(),
        };
        created.retain(|c| *c != item);
        op.phase(
            at,
            "auto-ip",
            format!(
                "releasing floating IP {}: the server has public address {}",
                ip.floating_address,
                server.public_v4.as_deref().unwrap_or_default()
            ),
        );
        let entries = self.ledger.clean(&op.id(), vec![item]).await;
        op.cleanup(entries);
    }

    /// The id of the server a delete names, resolved at its location before the operation
    /// starts: a name several servers share fails with the candidates (INVALID_ARGUMENT),
    /// none with NOT_FOUND, as a Get does.
    pub async fn resolve_server_to_delete(&self, request: &DeleteServer) -> Result<String, Error> {
        if request.server.is_empty() {
            return Err(Error::InvalidArgument {
                field: "server".to_owned(),
                message: "name the server to delete, by name or id".to_owned(),
            });
        }
        let target = self.federation.target("location", &request.at)?;
        let selector = Selector::one(&target.at.cloud, &target.at.region);
        let fresh = CallOptions {
            bypass_cache: true,
            ..CallOptions::default()
        };
        let deadline = Instant::now() + request.timeout.min(CALL_DEADLINE);
        let (found, _) = self
            .federation
            .find::<Servers>(&selector, &request.server, &fresh, deadline)
            .await?;
        Ok(found.resource.id)
    }
}

/// A floating IP for a booting server, and whether this operation allocated it.
struct FloatingIp {
    record: wit::FloatingIp,
    allocated: bool,
}

/// Where an operation writes its intents ahead of a create.
struct IntentScope {
    ledger: Arc<Ledger>,
    operation_id: String,
    at: CloudRegion,
}

async fn find_or_allocate_ip(
    call: DriverCall,
    can_list: bool,
    scope: IntentScope,
) -> Result<FloatingIp, CallError> {
    let mut existing = Vec::new();
    if can_list {
        let listed = call.list_floating_ips().await?;
        let free = listed
            .iter()
            .find(|ip| !ip.is_attached && ip.status != "ERROR");
        if let Some(record) = free {
            return Ok(FloatingIp {
                record: record.clone(),
                allocated: false,
            });
        }
        existing = listed.into_iter().map(|ip| ip.id).collect();
    }
    let spec = wit::FloatingIpCreate {
        network_id: None,
        server_id: None,
    };
    let hint = Hint {
        existing,
        ..Hint::default()
    };
    let key = scope
        .ledger
        .intend(&scope.operation_id, &scope.at, "floating-ip", "", hint);
    match call.create_floating_ip(&spec).await {
        Ok(record) => {
            scope.ledger.identify(key, &record.id);
            Ok(FloatingIp {
                record,
                allocated: true,
            })
        }
        Err(error) => {
            scope.ledger.failed_create(key, &error);
            Err(error)
        }
    }
}

/// Polls until ACTIVE (the server) or ERROR/deadline (an error), reporting every change.
async fn wait_for_status(
    site: &Site,
    op: &OperationHandle,
    id: &str,
    interval: Duration,
) -> Result<wit::Server, BootFailure> {
    let at = &site.target.at;
    let mut last = (String::new(), None);
    let mut failures = 0;
    loop {
        if Instant::now() + interval > site.deadline {
            return Err(BootFailure::Call(CallError::Driver(wit::Error::Timeout(
                format!(
                    "server {id} was not ACTIVE before the operation's deadline (last status {})",
                    if last.0.is_empty() {
                        "unknown"
                    } else {
                        &last.0
                    }
                ),
            ))));
        }
        tokio::time::sleep(interval).await;
        let server = match site.call().get_server(id).await {
            Ok(server) => {
                failures = 0;
                server
            }
            Err(CallError::Driver(wit::Error::NotFound(m))) => {
                return Err(BootFailure::Call(CallError::Driver(wit::Error::NotFound(
                    format!("server {id} disappeared while booting: {m}"),
                ))));
            }
            Err(error) => {
                failures += 1;
                if failures > POLL_FAILURES_TOLERATED {
                    return Err(error.into());
                }
                op.phase(at, &last.0, format!("poll failed ({error}); retrying"));
                continue;
            }
        };
        let seen = (server.status.clone(), server.progress);
        if seen != last {
            last = seen;
            op.server(site.located(server.clone(), &server.placement));
            op.phase(
                at,
                &server.status,
                server.progress.map(|p| format!("{p}%")).unwrap_or_default(),
            );
        }
        match server.status.as_str() {
            "ACTIVE" => return Ok(server),
            "ERROR" => {
                return Err(BootFailure::ServerError {
                    id: id.to_owned(),
                    fault: server
                        .fault
                        .clone()
                        .unwrap_or_else(|| "the cloud reported no fault".to_owned()),
                });
            }
            _ => {}
        }
    }
}

/// Attaches a floating IP and waits for the server record to show it.
async fn attach_ip(
    site: &Site,
    op: &OperationHandle,
    server: &wit::Server,
    ip: &wit::FloatingIp,
    interval: Duration,
) -> Result<wit::Server, CallError> {
    let at = &site.target.at;
    op.phase(at, "auto-ip", format!("attaching {}", ip.floating_address));
    site.call().attach_floating_ip(&ip.id, &server.id).await?;
    for _ in 0..ADDRESS_POLLS {
        if Instant::now() + interval > site.deadline {
            break;
        }
        tokio::time::sleep(interval).await;
        let seen = site.call().get_server(&server.id).await?;
        let shows = seen.public_v4.as_deref() == Some(ip.floating_address.as_str())
            || seen
                .addresses
                .iter()
                .any(|a| a.address == ip.floating_address);
        if shows {
            op.server(site.located(seen.clone(), &seen.placement));
            op.phase(
                at,
                "ACTIVE",
                format!("public address {}", ip.floating_address),
            );
            return Ok(seen);
        }
    }
    Err(CallError::Driver(wit::Error::Timeout(format!(
        "floating IP {} was attached to server {} but the server did not show it in time",
        ip.floating_address, server.id
    ))))
}

async fn delete(
    site: &Site,
    op: &OperationHandle,
    request: &DeleteServer,
) -> Result<(), CallError> {
    let at = &site.target.at;
    op.phase(at, "resolving", "");
    let selector = Selector::one(&at.cloud, &at.region);
    let fresh = CallOptions {
        bypass_cache: true,
        ..CallOptions::default()
    };
    let server = match site
        .federation
        .find::<Servers>(&selector, &request.server, &fresh, site.deadline)
        .await
    {
        Ok((found, statuses)) => {
            site.tally.add(&statuses);
            found.resource
        }
        Err(error @ Error::Ambiguous { .. }) => {
            return Err(CallError::Driver(wit::Error::Invalid(error.to_string())));
        }
        Err(error) => {
            return Err(CallError::Driver(wit::Error::NotFound(error.to_string())));
        }
    };
    op.progress(at, |p| p.resource_id = server.id.clone());
    if request.delete_floating_ips && site.offers(wit::Capability::ListFloatingIps) {
        op.phase(at, "floating-ips", "");
        let addresses: Vec<&str> = server
            .addresses
            .iter()
            .map(|a| a.address.as_str())
            .collect();
        for ip in site.call().list_floating_ips().await? {
            let attached = ip.server_id.as_deref() == Some(server.id.as_str())
                || addresses.contains(&ip.floating_address.as_str());
            if attached {
                match site.call().delete_floating_ip(&ip.id).await {
                    Ok(()) | Err(CallError::Driver(wit::Error::NotFound(_))) => {}
                    // Like shade, refuse to delete the server while one of its IPs stays.
                    Err(error) => return Err(error),
                }
            }
        }
    }
    op.phase(at, "deleting", "");
    site.call().delete_server(&server.id).await?;
    if !request.wait {
        return Ok(());
    }
    loop {
        if Instant::now() + request.poll_interval > site.deadline {
            return Err(CallError::Driver(wit::Error::Timeout(format!(
                "server {} was still there at the operation's deadline",
                server.id
            ))));
        }
        tokio::time::sleep(request.poll_interval).await;
        match site.call().get_server(&server.id).await {
            Err(CallError::Driver(wit::Error::NotFound(_))) => {
                op.phase(at, "DELETED", "");
                return Ok(());
            }
            Ok(seen) if seen.status == "DELETED" => {
                op.server(site.located(seen.clone(), &seen.placement));
                op.phase(at, "DELETED", "");
                return Ok(());
            }
            Ok(seen) => {
                op.phase(at, &seen.status, "");
            }
            Err(error) => op.phase(at, "deleting", format!("poll failed ({error}); retrying")),
        }
    }
}
