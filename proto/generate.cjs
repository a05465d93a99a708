#!/usr/bin/env node
// Generates the TypeScript contract (proto/src/gen) from proto/gitfleet/**.proto with
// ts-proto. The output is never edited by hand and is not committed: every build,
// type-check and test run calls this first.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = __dirname;
const out = path.join(root, 'src', 'gen');
const protoc = require.resolve('protoc/protoc.cjs');
const plugin = path.join(path.dirname(require.resolve('ts-proto/package.json')), 'protoc-gen-ts_proto');

const protos = [];
(function walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (entry.name.endsWith('.proto')) protos.push(path.relative(root, full));
  }
})(path.join(root, 'gitfleet'));

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const options = [
  'outputServices=grpc-js',
  'env=node',
  'esModuleInterop=true',
  'oneof=unions-value',
  'useOptionals=none',
  'forceLong=string',
  'useExactTypes=false',
  'outputTypeRegistry=false',
].join(',');
execFileSync(
  process.execPath,
  [protoc, `--plugin=protoc-gen-ts_proto=${plugin}`, `--ts_proto_out=${out}`, `--ts_proto_opt=${options}`, `-I${root}`, ...protos],
  {
    stdio: 'inherit',
    cwd: root,
  },
);
console.log(`proto: generated ${protos.length} file(s) into ${path.relative(process.cwd(), out) || out}`);
