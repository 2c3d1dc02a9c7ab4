//! Compiles `minwon/v1/*.proto` with the pure-Rust `protox` compiler (no system `protoc`) and
//! writes the encoded descriptor set next to the generated code for server reflection.

use prost::Message;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = [
        "minwon/v1/common.proto",
        "minwon/v1/citizen_case.proto",
        "minwon/v1/knowledge.proto",
        "minwon/v1/audit.proto",
        "minwon/v1/admin.proto",
        "minwon/v1/self_service.proto",
        "minwon/v1/directory.proto",
    ];
    for f in &files {
        println!("cargo:rerun-if-changed={f}");
    }
    let fds = protox::compile(files, ["."])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("minwon_descriptor.bin"), fds.encode_to_vec())?;
    tonic_prost_build::configure()
        // A case's attributes arrive from the connectors as a BTreeMap: keeping that type
        // moves the map into the answer (no rehash, no new table per case) and encodes it in
        // key order, so the same case always encodes to the same bytes.
        .btree_map(".minwon.v1.Case.attributes")
        .build_client(true)
        .build_server(true)
        .compile_fds(fds)?;
    Ok(())
}
