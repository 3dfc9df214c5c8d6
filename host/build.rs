//! Compiles `proto/oaktree/v1/*.proto` with protox (pure Rust, no system protoc) and
//! generates tonic/prost code plus a file descriptor set for gRPC reflection.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_root = PathBuf::from("../proto");
    let files = [
        "oaktree/v1/location.proto",
        "oaktree/v1/query.proto",
        "oaktree/v1/resources.proto",
        "oaktree/v1/services.proto",
        "oaktree/v1/operations.proto",
    ];
    for file in &files {
        println!("cargo:rerun-if-changed=../proto/{file}");
    }
    let fds = protox::compile(files, [&proto_root])?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("oaktree_descriptor.bin"),
        prost::Message::encode_to_vec(&fds),
    )?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .compile_fds(fds)?;
    Ok(())
}
