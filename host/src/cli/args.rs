//! Arguments shared by the client commands, and their conversion into request messages.

use std::collections::HashMap;
use std::time::Duration;

use crate::proto::{
    CallOptions, Filter, GetRequest, ListLocationsRequest, ListRequest, LocationSelector,
    StatusKind,
};

/// The daemon address used when neither `--addr` nor `OAKTREE_ADDR` is given.
pub const DEFAULT_ADDR: &str = "http://127.0.0.1:50051";

/// The call deadline when `--timeout` is not given: long enough for a slow cloud, short
/// enough that a hung one is reported as TIMEOUT rather than waited on.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How to reach the daemon.
#[derive(clap::Args, Debug, Clone)]
pub struct ConnArgs {
    /// The daemon's gRPC address (`http://` is assumed when no scheme is given).
    #[arg(long, env = "OAKTREE_ADDR", default_value = DEFAULT_ADDR)]
    pub addr: String,
    /// The call's deadline in seconds; locations still working when it passes are reported
    /// as TIMEOUT.
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = parse_seconds)]
    pub timeout: Duration,
}

impl ConnArgs {
    pub fn new(addr: String) -> Self {
        Self {
            addr,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// Which cloud-regions to ask; nothing given means every configured one.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct WhereArgs {
    /// Only clouds matching this glob (repeatable; any may match).
    #[arg(long = "cloud", value_name = "GLOB")]
    pub clouds: Vec<String>,
    /// Only regions matching this glob (repeatable; any may match).
    #[arg(long = "region", value_name = "GLOB")]
    pub regions: Vec<String>,
}

impl WhereArgs {
    pub fn selector(&self) -> LocationSelector {
        LocationSelector {
            clouds: self.clouds.clone(),
            regions: self.regions.clone(),
        }
    }
}

/// How the daemon should run the call.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct CallArgs {
    /// Ask the clouds afresh instead of answering from the daemon's cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Report locations failing with this kind (e.g. forbidden) as empty instead of failed
    /// (repeatable).
    #[arg(long = "treat-as-empty", value_name = "KIND", value_parser = parse_kind)]
    pub treat_as_empty: Vec<StatusKind>,
}

impl CallArgs {
    pub fn options(&self) -> Option<CallOptions> {
        Some(CallOptions {
            bypass_cache: self.no_cache,
            treat_as_empty: self.treat_as_empty.iter().map(|k| *k as i32).collect(),
        })
    }
}

/// Parses a status kind by its short name (`forbidden`, `TIMEOUT`, ...).
fn parse_kind(text: &str) -> Result<StatusKind, String> {
    let wanted = format!("STATUS_KIND_{}", text.to_ascii_uppercase());
    StatusKind::from_str_name(&wanted)
        .filter(|k| !matches!(k, StatusKind::Unspecified | StatusKind::Ok))
        .ok_or_else(|| {
            format!(
                "'{text}' is not a failure kind; use one of unavailable, unauthorized, forbidden, \
                 timeout, throttled, invalid, internal, unsupported, not_found"
            )
        })
}

/// `<kind> list`.
#[derive(clap::Args, Debug, Clone)]
pub struct ListArgs {
    #[command(flatten)]
    pub location: WhereArgs,
    /// Only resources with this exact id or name, else matching it as a glob (`web-*`).
    #[arg(long, value_name = "NAME_OR_ID")]
    pub name_or_id: Option<String>,
    /// Only resources whose field or property KEY equals VALUE (repeatable; all must hold).
    #[arg(long = "filter", value_name = "KEY=VALUE", value_parser = parse_filter)]
    pub filters: Vec<(String, String)>,
    /// Print one JSON document `{"items":[...],"statuses":[...]}` instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Use the streaming call: print each location's rows as soon as it answers.
    #[arg(long)]
    pub stream: bool,
    #[command(flatten)]
    pub call: CallArgs,
    #[command(flatten)]
    pub conn: ConnArgs,
}

impl ListArgs {
    /// Everywhere, no filter, table output.
    pub fn everywhere(conn: ConnArgs) -> Self {
        Self {
            location: WhereArgs::default(),
            name_or_id: None,
            filters: Vec::new(),
            json: false,
            stream: false,
            call: CallArgs::default(),
            conn,
        }
    }

    pub fn request(&self) -> ListRequest {
        ListRequest {
            selector: Some(self.location.selector()),
            filter: Some(Filter {
                name_or_id: self.name_or_id.clone().unwrap_or_default(),
                properties: self.filters.iter().cloned().collect::<HashMap<_, _>>(),
            }),
            options: self.call.options(),
        }
    }
}

/// `<kind> get`.
#[derive(clap::Args, Debug, Clone)]
pub struct GetArgs {
    /// An exact id or name, or a glob matching exactly one resource.
    pub name_or_id: String,
    #[command(flatten)]
    pub location: WhereArgs,
    /// Print one JSON document `{"item":...,"statuses":[...]}` instead of tables.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub call: CallArgs,
    #[command(flatten)]
    pub conn: ConnArgs,
}

impl GetArgs {
    pub fn request(&self) -> GetRequest {
        GetRequest {
            selector: Some(self.location.selector()),
            name_or_id: self.name_or_id.clone(),
            options: self.call.options(),
        }
    }
}

/// `locations`.
#[derive(clap::Args, Debug, Clone)]
pub struct LocationsArgs {
    #[command(flatten)]
    pub location: WhereArgs,
    /// Print one JSON document `{"locations":[...]}` instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub conn: ConnArgs,
}

impl LocationsArgs {
    pub fn request(&self) -> ListLocationsRequest {
        ListLocationsRequest {
            selector: Some(self.location.selector()),
        }
    }
}

/// `plugins`.
#[derive(clap::Args, Debug, Clone)]
pub struct PluginsArgs {
    /// Print one JSON document `{"plugins":[...]}` instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub conn: ConnArgs,
}

/// Parses `--filter key=value`; the value may itself contain `=`.
pub fn parse_filter(arg: &str) -> Result<(String, String), String> {
    match arg.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_string(), value.to_string()))
        }
        Some(_) => Err(format!("'{arg}' has an empty key; expected KEY=VALUE")),
        None => Err(format!("'{arg}' has no '='; expected KEY=VALUE")),
    }
}

/// Parses `--timeout`: positive seconds, fractions allowed.
pub fn parse_seconds(arg: &str) -> Result<Duration, String> {
    let seconds: f64 = arg
        .trim()
        .parse()
        .map_err(|_| format!("'{arg}' is not a number of seconds"))?;
    if seconds.is_nan() || seconds <= 0.0 {
        return Err(format!("'{arg}': the timeout must be more than 0 seconds"));
    }
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("'{arg}': {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_splits_at_the_first_equals_sign() {
        assert_eq!(
            parse_filter("status=ACTIVE"),
            Ok(("status".to_string(), "ACTIVE".to_string()))
        );
        assert_eq!(
            parse_filter("tag=a=b"),
            Ok(("tag".to_string(), "a=b".to_string()))
        );
        assert_eq!(
            parse_filter("zone="),
            Ok(("zone".to_string(), String::new()))
        );
    }

    #[test]
    fn filter_without_equals_or_key_is_rejected_naming_the_argument() {
        let error = parse_filter("ACTIVE").err().unwrap_or_default();
        assert!(
            error.contains("'ACTIVE'") && error.contains("no '='"),
            "{error}"
        );
        let error = parse_filter("=x").err().unwrap_or_default();
        assert!(
            error.contains("'=x'") && error.contains("empty key"),
            "{error}"
        );
    }

    #[test]
    fn filters_become_the_request_properties() {
        let mut args = ListArgs::everywhere(ConnArgs::new(DEFAULT_ADDR.to_string()));
        args.filters = vec![("status".into(), "ACTIVE".into())];
        args.location.regions = vec!["us-*".into()];
        let request = args.request();
        let filter = request.filter.unwrap_or_default();
        assert_eq!(
            filter.properties.get("status").map(String::as_str),
            Some("ACTIVE")
        );
        assert_eq!(request.selector.unwrap_or_default().regions, vec!["us-*"]);
    }

    #[test]
    fn timeout_accepts_fractions_and_rejects_zero() {
        assert_eq!(parse_seconds("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_seconds("0").is_err());
        assert!(parse_seconds("soon").is_err());
    }
}
