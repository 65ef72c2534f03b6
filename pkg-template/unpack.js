// Unpacks the client's wasm, which the package stores LZMA-compressed (README, "Size"): the
// decoder is a wasm of its own (unlzma/), run once over the packed bytes.
export function unpack(decoder, packed, size) {
  const { exports: unlzma } = new WebAssembly.Instance(new WebAssembly.Module(decoder));
  const at = unlzma.__heap_base.value;
  const missing = at + packed.length + size - unlzma.memory.buffer.byteLength;
  if (missing > 0) unlzma.memory.grow(Math.ceil(missing / 65536));
  new Uint8Array(unlzma.memory.buffer).set(packed, at);
  if (unlzma.decode(at, packed.length, at + packed.length, size) !== 0) {
    throw new Error('integrations-client: the packaged wasm is corrupt');
  }
  return new Uint8Array(unlzma.memory.buffer, at + packed.length, size);
}
