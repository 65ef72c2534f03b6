// The decoder needs next to no stack: a small one puts its state at low addresses, which the
// wasm encodes in fewer bytes than the default 1 MB stack's.
fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg=-zstack-size=1024");
    }
}
