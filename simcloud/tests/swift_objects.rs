//! Swift: containers and objects with a v2.0 (Rackspace) or v3 token, listings, refusals.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod uploads;

use reqwest::Method;
use serde_json::json;
use uploads::*;

#[tokio::test]
async fn an_object_goes_in_comes_back_byte_for_byte_and_is_deleted() {
    let sim = start_vendors().await;
    let token = rax_token(&sim).await;
    let account = swift(&sim, "rax", "DFW");
    let (status, _) = put_bytes(
        &format!("{account}/images"),
        &token,
        "text/plain",
        Vec::new(),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = put_bytes(
        &format!("{account}/images"),
        &token,
        "text/plain",
        Vec::new(),
    )
    .await;
    assert_eq!(status, 202);

    let bytes = disk_image("vpc");
    let object = format!("{account}/images/dir/disk.vhd");
    let (status, _) = put_bytes(&object, &token, "application/octet-stream", bytes.clone()).await;
    assert_eq!(status, 201);

    let response = client()
        .get(&object)
        .header("x-auth-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["etag"].to_str().unwrap(),
        md5_hex(&bytes)
    );
    assert_eq!(response.bytes().await.unwrap().to_vec(), bytes);

    let (status, listing) = send(
        Method::GET,
        &format!("{account}/images?format=json"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(listing[0]["name"], "dir/disk.vhd");
    assert_eq!(listing[0]["bytes"], bytes.len());
    assert_eq!(listing[0]["hash"], md5_hex(&bytes));
    let (_, containers) = send(
        Method::GET,
        &format!("{account}?format=json"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(
        containers,
        json!([{"name": "images", "count": 1, "bytes": bytes.len(),
                                   "last_modified": containers[0]["last_modified"]}])
    );

    assert_eq!(
        send(
            Method::DELETE,
            &format!("{account}/images"),
            Some(&token),
            None
        )
        .await
        .0,
        409
    );
    assert_eq!(
        send(Method::DELETE, &object, Some(&token), None).await.0,
        204
    );
    assert_eq!(send(Method::GET, &object, Some(&token), None).await.0, 404);
    assert_eq!(
        send(
            Method::DELETE,
            &format!("{account}/images"),
            Some(&token),
            None
        )
        .await
        .0,
        204
    );
}

#[tokio::test]
async fn a_large_object_streams_through_with_its_size_and_md5() {
    let sim = start_vendors().await;
    let token = v3_token(&sim, "stack").await;
    let account = swift(&sim, "stack", "RegionOne");
    put_bytes(&format!("{account}/big"), &token, "text/plain", Vec::new()).await;
    let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let object = format!("{account}/big/blob");
    let (status, _) = put_bytes(&object, &token, "application/octet-stream", bytes.clone()).await;
    assert_eq!(status, 201);
    let response = client()
        .head(&object)
        .header("x-auth-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-length"].to_str().unwrap(),
        bytes.len().to_string()
    );
    assert_eq!(
        response.headers()["etag"].to_str().unwrap(),
        md5_hex(&bytes)
    );
    let body = client()
        .get(&object)
        .header("x-auth-token", &token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(body.len(), bytes.len());
    assert_eq!(body[..1000], bytes[..1000]);
    assert_eq!(body[body.len() - 512..], bytes[bytes.len() - 512..]);
}

#[tokio::test]
async fn swift_refuses_missing_tokens_and_missing_things() {
    let sim = start_vendors().await;
    let token = rax_token(&sim).await;
    let account = swift(&sim, "rax", "ORD");
    assert_eq!(send(Method::GET, &account, None, None).await.0, 401);
    assert_eq!(
        send(Method::GET, &account, Some("bogus"), None).await.0,
        401
    );
    assert_eq!(
        send(Method::GET, &format!("{account}/nope"), Some(&token), None)
            .await
            .0,
        404
    );
    let (status, _) = put_bytes(
        &format!("{account}/nope/obj"),
        &token,
        "text/plain",
        b"x".to_vec(),
    )
    .await;
    assert_eq!(status, 404);
    put_bytes(&format!("{account}/here"), &token, "text/plain", Vec::new()).await;
    assert_eq!(
        send(
            Method::GET,
            &format!("{account}/here/nothing"),
            Some(&token),
            None
        )
        .await
        .0,
        404
    );
    let other = format!("{}/rax/ORD/swift/v1/AUTH_someone", sim.base_url());
    assert_eq!(send(Method::GET, &other, Some(&token), None).await.0, 403);
}
