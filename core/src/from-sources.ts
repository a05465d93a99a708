/**
 * JavaScript that loads `entry`, a TypeScript module, compiling it and every .ts module it
 * requires as they load, with the TypeScript compiler the tests already have. How a worker
 * thread or child process runs when its parent runs from sources (tests); built code runs the
 * compiled file instead. Run it with `--conditions=source` so that `#core` resolves to sources.
 *
 * What was compiled is kept in the system's temporary directory, keyed by file name and
 * content: loading the compiler and compiling took about a second per start, and tests start
 * such processes with every hub. One version per file is kept: compiling a changed file removes
 * what was kept for its earlier versions, so the directory stays as large as the sources. The
 * key leaves out the compile options below: change them, and change the directory's number with
 * them.
 */
export function loadFromSources(entry: string): string {
  return `
const { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { join } = require('node:path');
const cacheDir = join(require('node:os').tmpdir(), 'gitfleet-from-sources-1');
const hex = (text) => createHash('sha256').update(text).digest('hex');
let ts;
require.extensions['.ts'] = (module, filename) => {
  const source = readFileSync(filename, 'utf8');
  // <file name's hash>.<content's hash>.js: a file's earlier versions share the first part.
  const file = hex(filename).slice(0, 32);
  const cached = join(cacheDir, file + '.' + hex(source).slice(0, 32) + '.js');
  let output;
  try {
    output = readFileSync(cached, 'utf8');
  } catch {
    ts ??= require('typescript');
    const options = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
    output = ts.transpileModule(source, { fileName: filename, compilerOptions: options }).outputText;
    try {
      mkdirSync(cacheDir, { recursive: true });
      for (const name of readdirSync(cacheDir)) if (name.startsWith(file + '.')) rmSync(join(cacheDir, name), { force: true });
      writeFileSync(cached + '.' + process.pid, output);
      renameSync(cached + '.' + process.pid, cached);
    } catch {
      // Not kept: compiled again next time.
    }
  }
  module._compile(output, filename);
};
require(${JSON.stringify(entry)});
`;
}
