//! Writes at one location: create, attach and delete of floating IPs, keypairs, security
//! groups (and rules), subnets and volumes.
//!
//! A write never fans out. [`Federation::write`]:
//! 1. resolves the request's cloud-region to exactly one configured target (an empty region
//!    is accepted when the cloud has one region);
//! 2. picks the target's plugin and checks that its `describe()` declares the capability;
//! 3. runs the driver function once, under the call's deadline, in its own task so a client
//!    that goes away does not cut a write the cloud may already have accepted;
//! 4. drops the cached listings the write made stale at that location, whatever the outcome
//!    (a write that timed out may still have happened);
//! 5. answers the driver's record with the target, for the caller to stamp its Location, or
//!    an [`Error::Write`] naming the location, the driver and the operation.
//!
//! Writes are never retried: a retried create could make two resources.

use std::future::Future;

use tokio::time::Instant;
use tracing::Instrument;

use super::gather::{location_deadline, stamp};
use super::{Federation, Target};
use crate::cache;
use crate::error::Error;
use crate::location::{CloudRegion, Located, Location};
use crate::plugin::bindings::wit;
use crate::plugin::{CallError, DriverCall};

/// What a write needs from the location's driver, and what it makes stale.
#[derive(Debug, Clone, Copy)]
pub struct Write {
    /// The capability the driver must declare (the WIT function the write calls).
    pub capability: wit::Capability,
    /// The WIT function's name, for messages: `create-keypair`.
    pub operation: &'static str,
    /// The cached kinds at the location this write makes out of date.
    pub stale: &'static [cache::ResourceKind],
}

use cache::ResourceKind as Kind;

macro_rules! writes {
    ($($name:ident = $capability:ident, $operation:literal, [$($stale:ident),+];)*) => {
        $(
            pub const $name: Write = Write {
                capability: wit::Capability::$capability,
                operation: $operation,
                stale: &[$(Kind::$stale),+],
            };
        )*
    };
}

// A floating IP write also changes the addresses of the server it is (or was) attached to.
writes! {
    CREATE_FLOATING_IP = CreateFloatingIp, "create-floating-ip", [FloatingIp, Server];
    ATTACH_FLOATING_IP = AttachFloatingIp, "attach-floating-ip", [FloatingIp, Server];
    DELETE_FLOATING_IP = DeleteFloatingIp, "delete-floating-ip", [FloatingIp, Server];
    CREATE_KEYPAIR = CreateKeypair, "create-keypair", [Keypair];
    DELETE_KEYPAIR = DeleteKeypair, "delete-keypair", [Keypair];
    CREATE_SECURITY_GROUP = CreateSecurityGroup, "create-security-group", [SecurityGroup];
    DELETE_SECURITY_GROUP = DeleteSecurityGroup, "delete-security-group", [SecurityGroup];
    CREATE_SECURITY_GROUP_RULE = CreateSecurityGroupRule, "create-security-group-rule", [SecurityGroup];
    DELETE_SECURITY_GROUP_RULE = DeleteSecurityGroupRule, "delete-security-group-rule", [SecurityGroup];
    // A network lists its subnet ids.
    CREATE_SUBNET = CreateSubnet, "create-subnet", [Subnet, Network];
    DELETE_SUBNET = DeleteSubnet, "delete-subnet", [Subnet, Network];
    CREATE_VOLUME = CreateVolume, "create-volume", [Volume];
    DELETE_VOLUME = DeleteVolume, "delete-volume", [Volume];
}

/// Why a write failed at its location.
#[derive(Debug, thiserror::Error)]
pub enum WriteFailure {
    /// No loaded plugin serves the location.
    #[error("{0}")]
    NoDriver(String),
    /// The location's driver does not declare the capability; it was not called.
    #[error("driver '{driver}' does not offer {operation} (its describe() does not declare it)")]
    Undeclared {
        driver: String,
        operation: &'static str,
    },
    /// The driver was called and failed, or the call did not finish.
    #[error("{0}")]
    Call(CallError),
}

/// A write's answer and where it happened.
#[derive(Debug)]
pub struct Written<T> {
    pub target: Target,
    pub value: T,
}

impl<T> Written<T> {
    /// The record stamped with its Location: cloud and region from the target, zone and
    /// project from the driver's placement.
    pub fn located(self, placement: impl FnOnce(&T) -> &wit::Placement) -> Located<T> {
        Located {
            location: stamp(&self.target, placement(&self.value)),
            resource: self.value,
        }
    }

    /// The record stamped with the target's cloud and region only, for records without a
    /// placement (a security group rule).
    pub fn at_target(self) -> Located<T> {
        Located {
            location: Location::stamp(&self.target.at, None, None),
            resource: self.value,
        }
    }
}

impl Federation {
    /// Runs one write at `at` (see the module docs). `run` gets the prepared driver call and
    /// calls exactly one driver function.
    pub async fn write<T, F, Fut>(
        self: &std::sync::Arc<Self>,
        at: &CloudRegion,
        write: Write,
        deadline: Instant,
        run: F,
    ) -> Result<Written<T>, Error>
    where
        T: Send + 'static,
        F: FnOnce(DriverCall) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, CallError>> + Send + 'static,
    {
        let target = self.target("location", at)?;
        let failed = |driver: &str, failure: WriteFailure| Error::Write {
            at: target.at.clone(),
            driver: driver.to_owned(),
            operation: write.operation,
            failure: Box::new(failure),
        };
        let plugin = self
            .plugin_for(&target)
            .map_err(|e| failed("", WriteFailure::NoDriver(e.to_string())))?;
        let driver = plugin.name.to_string();
        if !plugin.info.capabilities.contains(&write.capability) {
            return Err(failed(
                &driver,
                WriteFailure::Undeclared {
                    driver: driver.clone(),
                    operation: write.operation,
                },
            ));
        }
        let call = self.driver_call(&target, plugin, location_deadline(deadline));
        let span = tracing::info_span!("write", cloud = %target.at.cloud, region = %target.at.region, operation = write.operation, driver = %driver);
        let started = Instant::now();
        let task = tokio::spawn(run(call).instrument(span.clone()));
        let outcome = match task.await {
            Ok(outcome) => outcome,
            Err(error) => Err(CallError::Host(format!("the write's task failed: {error}"))),
        };
        for kind in write.stale {
            self.caches
                .invalidate(&target.at.cloud, &target.at.region, *kind);
        }
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match outcome {
            Ok(value) => {
                tracing::info!(parent: &span, elapsed_ms, "write done");
                Ok(Written { target, value })
            }
            Err(error) => {
                tracing::warn!(parent: &span, %error, elapsed_ms, "write failed");
                Err(failed(&driver, WriteFailure::Call(error)))
            }
        }
    }
}
