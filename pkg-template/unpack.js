// Unpacks the client's wasm, which the package stores LZMA-compressed (README, "Size"): the
// decoder is a wasm of its own (unlzma/), run once over the packed bytes.
export function unpack(decoder, packed, size) {
  const { exports: unlzma } = new WebAssembly.Instance(new WebAssembly.Module(decoder));
  // Found, not named: the build gives the client wasm's `memory` a short name in the bundle.
  const memory = Object.values(unlzma).find((value) => value instanceof WebAssembly.Memory);
  const at = unlzma.__heap_base.value;
  const missing = at + packed.length + size - memory.buffer.byteLength;
  if (missing > 0) memory.grow(Math.ceil(missing / 65536));
  new Uint8Array(memory.buffer).set(packed, at);
  if (unlzma.decode(at, packed.length, at + packed.length, size) !== 0) {
    throw new Error('integrations-client: the packaged wasm is corrupt');
  }
  return new Uint8Array(memory.buffer, at + packed.length, size);
}
