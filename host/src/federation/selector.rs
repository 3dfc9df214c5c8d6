//! Resolving a selector into concrete cloud-regions.
//!
//! A target is selected when its cloud matches any cloud pattern and its region matches any
//! region pattern; an empty list matches all. Every pattern must match something, so a typo
//! is reported (NOT_FOUND with the known names) rather than silently selecting nothing.

use glob::Pattern;

use super::Target;
use crate::error::Error;

#[derive(Debug, Clone, Default)]
pub struct Selector {
    pub clouds: Vec<String>,
    pub regions: Vec<String>,
}

impl Selector {
    /// One location: exactly this cloud, and this region unless empty.
    pub fn one(cloud: &str, region: &str) -> Self {
        Self {
            clouds: vec![cloud.to_owned()],
            regions: if region.is_empty() {
                Vec::new()
            } else {
                vec![region.to_owned()]
            },
        }
    }
}

fn compile(field: &str, patterns: &[String]) -> Result<Vec<Pattern>, Error> {
    patterns
        .iter()
        .enumerate()
        .map(|(i, text)| {
            Pattern::new(text).map_err(|e| Error::InvalidArgument {
                field: format!("{field}[{i}]"),
                message: format!("'{text}' is not a valid glob pattern: {e}"),
            })
        })
        .collect()
}

/// Selects the targets, in configuration order.
pub fn resolve(targets: &[Target], selector: &Selector) -> Result<Vec<Target>, Error> {
    let clouds = compile("selector.clouds", &selector.clouds)?;
    let regions = compile("selector.regions", &selector.regions)?;

    let mut known_clouds: Vec<&str> = targets.iter().map(|t| t.at.cloud.as_str()).collect();
    known_clouds.dedup();
    for (i, pattern) in clouds.iter().enumerate() {
        if !known_clouds.iter().any(|c| pattern.matches(c)) {
            return Err(Error::UnknownLocation {
                field: format!("selector.clouds[{i}]"),
                message: format!(
                    "no configured cloud matches '{}'; known clouds: {}",
                    pattern.as_str(),
                    known_clouds.join(", ")
                ),
            });
        }
    }
    let in_clouds: Vec<&Target> = targets
        .iter()
        .filter(|t| clouds.is_empty() || clouds.iter().any(|p| p.matches(&t.at.cloud)))
        .collect();
    for (i, pattern) in regions.iter().enumerate() {
        if !in_clouds.iter().any(|t| pattern.matches(&t.at.region)) {
            let known: Vec<String> = in_clouds.iter().map(|t| t.at.to_string()).collect();
            return Err(Error::UnknownLocation {
                field: format!("selector.regions[{i}]"),
                message: format!(
                    "no region of the selected clouds matches '{}'; known: {}",
                    pattern.as_str(),
                    known.join(", ")
                ),
            });
        }
    }
    let selected: Vec<Target> = in_clouds
        .into_iter()
        .filter(|t| regions.is_empty() || regions.iter().any(|p| p.matches(&t.at.region)))
        .cloned()
        .collect();
    if selected.is_empty() {
        return Err(Error::UnknownLocation {
            field: "selector".to_owned(),
            message: "no cloud-regions are configured: add clouds to clouds.yaml".to_owned(),
        });
    }
    Ok(selected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::CloudRegion;

    fn targets() -> Vec<Target> {
        [
            ("alpha", "us-east"),
            ("alpha", "us-west"),
            ("alpha", "eu-central"),
            ("beta", "us-east"),
        ]
        .iter()
        .map(|(c, r)| Target {
            at: CloudRegion::new(*c, *r),
            config_json: "{}".into(),
            profile: None,
            driver: None,
        })
        .collect()
    }

    fn names(selected: &[Target]) -> Vec<String> {
        selected.iter().map(|t| t.at.to_string()).collect()
    }

    #[test]
    fn empty_selector_means_everywhere() {
        let selected = resolve(&targets(), &Selector::default()).unwrap();
        assert_eq!(selected.len(), 4);
    }

    #[test]
    fn region_patterns_select_across_clouds() {
        let selector = Selector {
            clouds: vec![],
            regions: vec!["us-*".into()],
        };
        let selected = resolve(&targets(), &selector).unwrap();
        assert_eq!(
            names(&selected),
            ["alpha/us-east", "alpha/us-west", "beta/us-east"]
        );
    }

    #[test]
    fn one_location_selects_exactly_that_cloud_region() {
        let selected = resolve(&targets(), &Selector::one("alpha", "eu-central")).unwrap();
        assert_eq!(names(&selected), ["alpha/eu-central"]);
    }

    #[test]
    fn an_unknown_cloud_is_reported_with_the_known_ones() {
        let error = resolve(&targets(), &Selector::one("gamma", "")).unwrap_err();
        let Error::UnknownLocation { field, message } = error else {
            panic!("expected UnknownLocation, got {error:?}");
        };
        assert_eq!(field, "selector.clouds[0]");
        assert!(message.contains("known clouds: alpha, beta"), "{message}");
    }

    #[test]
    fn an_unknown_region_of_a_known_cloud_is_reported() {
        let error = resolve(&targets(), &Selector::one("beta", "eu-central")).unwrap_err();
        assert!(
            matches!(error, Error::UnknownLocation { ref field, .. } if field == "selector.regions[0]")
        );
        assert!(error.to_string().contains("beta/us-east"));
    }

    #[test]
    fn a_malformed_glob_is_an_invalid_argument() {
        let selector = Selector {
            clouds: vec!["[".into()],
            regions: vec![],
        };
        let error = resolve(&targets(), &selector).unwrap_err();
        assert!(
            matches!(error, Error::InvalidArgument { ref field, .. } if field == "selector.clouds[0]")
        );
    }
}
