//! Nova keypairs (`os-keypairs`): list, show, import or generate, delete.
//!
//! Imported keys must look like OpenSSH public keys (`<type> <base64> [comment]`); their
//! fingerprint is the MD5 of the key blob, as nova prints it. Generated keys are not real
//! RSA keys: the public key is a well-formed `ssh-rsa` blob of random-looking bytes, the
//! private key a PEM block of the right size; nothing ever uses them for cryptography.
//! From microversion 2.2 create answers 201 and delete 204 (before: 200 and 202).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use md5::{Digest, Md5};
use serde_json::{Value, json};

use crate::faults::{self, Access};
use crate::live::now_stamp;
use crate::nova::{microversion, with_version};
use crate::seed::str_field;
use crate::state::SimState;
use crate::time::now_unix;
use crate::{ids, reply};

type Loc = Path<(String, String)>;
type Item = Path<(String, String, String)>;

/// Nova's limit on keypair names, and the characters it allows.
const MAX_NAME: usize = 255;

fn not_found(name: &str, user_id: &str) -> Response {
    reply::nova_error(
        StatusCode::NOT_FOUND,
        "itemNotFound",
        &format!("Keypair {name} not found for user {user_id}"),
    )
}

fn bad_request(message: &str) -> Response {
    reply::nova_error(StatusCode::BAD_REQUEST, "badRequest", message)
}

/// `aa:bb:…` MD5 of the base64 blob of an OpenSSH public key; `None` if it is not one.
fn fingerprint(public_key: &str) -> Option<String> {
    let mut parts = public_key.split_whitespace();
    let kind = parts.next()?;
    if !(kind.starts_with("ssh-") || kind.starts_with("ecdsa-")) {
        return None;
    }
    let blob = STANDARD.decode(parts.next()?).ok()?;
    let digest = Md5::digest(&blob);
    Some(
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":"),
    )
}

/// Pseudo-random bytes derived from `seed` (not secret; the key only has to look right).
fn noise(seed: &str, len: usize) -> Vec<u8> {
    (0u64..)
        .flat_map(|i| ids::hash64(i, &[seed]).to_be_bytes())
        .take(len)
        .collect()
}

/// An OpenSSH `ssh-rsa` public key (2048-bit modulus shape) and a PEM private key.
fn generate(name: &str) -> (String, String) {
    let (secs, micros) = now_unix();
    let seed = format!("{name}/{secs}/{micros}");
    let mut modulus = vec![0u8];
    modulus.extend(noise(&seed, 256));
    modulus[1] |= 0x80;
    let mut blob = Vec::new();
    for field in [b"ssh-rsa".as_slice(), &[1, 0, 1], &modulus] {
        blob.extend(u32::try_from(field.len()).unwrap_or(0).to_be_bytes());
        blob.extend_from_slice(field);
    }
    let public = format!("ssh-rsa {} Generated-by-Nova", STANDARD.encode(&blob));
    let mut der = vec![
        0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00, 0x02, 0x82, 0x01, 0x01,
    ];
    der.extend(&modulus);
    der.extend(noise(&format!("{seed}/private"), 1192 - der.len()));
    let body = STANDARD.encode(&der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    let private = format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n",
        lines.join("\n")
    );
    (public, private)
}

/// `GET …/os-keypairs`.
pub async fn list(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Loc,
    headers: HeaderMap,
) -> Response {
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let version = microversion(&headers);
    let live = target.live.lock();
    let keypairs: Vec<Value> = live
        .keypairs
        .iter()
        .map(|k| {
            let mut summary = json!({"name": k["name"], "public_key": k["public_key"], "fingerprint": k["fingerprint"]});
            if version >= (2, 2) {
                summary["type"] = k["type"].clone();
            }
            json!({ "keypair": summary })
        })
        .collect();
    with_version(
        reply::json(StatusCode::OK, json!({ "keypairs": keypairs })),
        version,
    )
}

/// `GET …/os-keypairs/{name}`.
pub async fn show(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, name)): Item,
    headers: HeaderMap,
) -> Response {
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let live = target.live.lock();
    match live.keypairs.iter().find(|k| str_field(k, "name") == name) {
        Some(keypair) => with_version(
            reply::json(StatusCode::OK, json!({ "keypair": keypair })),
            microversion(&headers),
        ),
        None => not_found(&name, &target.live.ctx.user_id),
    }
}

/// `POST …/os-keypairs`: import `public_key`, or generate a pair when it is absent.
pub async fn create(
    State(state): State<Arc<SimState>>,
    Path((cloud, region)): Loc,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let version = microversion(&headers);
    let request = match serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("keypair").cloned())
    {
        Some(request) if request.is_object() => request,
        _ => return bad_request("Invalid input for field/attribute keypair."),
    };
    let name = str_field(&request, "name");
    let safe = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.' | '@'));
    if name.trim().is_empty() || name.len() > MAX_NAME || !safe {
        return bad_request("Keypair data is invalid: Keypair name contains unsafe characters");
    }
    let (public_key, private_key) = match request["public_key"].as_str() {
        Some(key) => (key.trim().to_string(), None),
        None if version >= (2, 92) => {
            return bad_request(
                "Invalid input for field/attribute keypair. Value: 'public_key' is a required property",
            );
        }
        None => {
            let (public, private) = generate(name);
            (public, Some(private))
        }
    };
    let Some(fingerprint) = fingerprint(&public_key) else {
        return bad_request("Keypair data is invalid: failed to generate fingerprint");
    };
    let ctx = &target.live.ctx;
    let mut live = target.live.lock();
    if live.keypairs.iter().any(|k| str_field(k, "name") == name) {
        return reply::nova_error(
            StatusCode::CONFLICT,
            "conflictingRequest",
            &format!("Key pair '{name}' already exists."),
        );
    }
    let number = live.keypairs.len() + 1;
    let stored = json!({
        "name": name,
        "public_key": public_key,
        "fingerprint": fingerprint,
        "type": request["type"].as_str().unwrap_or("ssh"),
        "user_id": ctx.user_id,
        "created_at": now_stamp(),
        "updated_at": null,
        "deleted": false,
        "deleted_at": null,
        "id": number,
    });
    live.keypairs.push(stored.clone());
    let mut answer = json!({
        "name": name,
        "public_key": stored["public_key"],
        "fingerprint": stored["fingerprint"],
        "user_id": ctx.user_id,
    });
    if version >= (2, 2) {
        answer["type"] = stored["type"].clone();
    }
    if let Some(private_key) = private_key {
        answer["private_key"] = json!(private_key);
    }
    let status = if version >= (2, 2) {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    with_version(reply::json(status, json!({ "keypair": answer })), version)
}

/// `DELETE …/os-keypairs/{name}`.
pub async fn delete(
    State(state): State<Arc<SimState>>,
    Path((cloud, region, name)): Item,
    headers: HeaderMap,
) -> Response {
    let target = match faults::enter(&state, &cloud, &region, &headers, Access::Token).await {
        Ok(target) => target,
        Err(response) => return response,
    };
    let version = microversion(&headers);
    let mut live = target.live.lock();
    let before = live.keypairs.len();
    live.keypairs.retain(|k| str_field(k, "name") != name);
    if live.keypairs.len() == before {
        return not_found(&name, &target.live.ctx.user_id);
    }
    let status = if version >= (2, 2) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::ACCEPTED
    };
    with_version(status.into_response(), version)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_well_formed_and_fingerprintable() {
        let (public, private) = generate("k");
        assert!(public.starts_with("ssh-rsa AAAAB3NzaC1yc2E"), "{public}");
        assert_eq!(fingerprint(&public).unwrap().len(), 47);
        assert!(private.starts_with("-----BEGIN RSA PRIVATE KEY-----\nMIIEpA"));
        assert!(private.lines().all(|l| l.len() <= 64));
    }

    #[test]
    fn garbage_is_not_a_public_key() {
        assert_eq!(fingerprint("not a key"), None);
        assert_eq!(fingerprint("ssh-rsa !!!"), None);
    }
}
