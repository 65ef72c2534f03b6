// Every export of the package's types, and every method of its classes, carries a doc comment
// (wasm-bindgen copies Rust doc comments into the .d.ts), so users see them in their editor.
import { readFileSync } from 'node:fs';

const missing = [];
for (const file of process.argv.slice(2)) {
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    const item = /^(?:export (?:declare )?(?:function|class|interface|type|const|let) (\w+))|^ {4}(?!free\(|private constructor)(\w+)\(.*\): /.exec(line);
    if (!item) return;
    let j = i - 1;
    while (j >= 0 && lines[j].trim() === '') j--;
    if (!lines[j]?.trim().endsWith('*/')) missing.push(`${file}:${i + 1}: ${item[1] ?? item[2]}`);
  });
}
if (missing.length) {
  console.error(`types: exports without a doc comment:\n  ${missing.join('\n  ')}`);
  process.exit(1);
}
console.log('types: every export and method has a doc comment');
