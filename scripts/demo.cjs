#!/usr/bin/env node
// `npm run demo`: refuses at once, in one line, when a demo already runs in DEMO_DIR (before
// building anything under it); builds only when a source is newer than the compiled demo;
// then runs it. Plain JavaScript, so that it runs before anything is built.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** What the build compiles (tsconfig.build.json) or generates (proto/generate.cjs) from. */
const SOURCES = ['proto/gitfleet', 'proto/src', 'core/src', 'cli/src', 'kube-sim/src', 'hub/src', 'agent/src', 'scripts'];
const FILES = ['package.json', 'package-lock.json', 'tsconfig.base.json', 'tsconfig.build.json'];
/** Generated or not compiled. */
const SKIP = new Set(['gen', 'node_modules']);

/** The newest modification time (ms) of a build input under root. */
function newestSource(root) {
  let newest = 0;
  const visit = (file) => {
    newest = Math.max(newest, fs.statSync(file).mtimeMs);
  };
  const walk = (dir) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP.has(entry.name)) walk(full);
      } else if (/\.(ts|proto|json|cjs)$/.test(entry.name) && !entry.name.endsWith('.spec.ts')) {
        visit(full);
      }
    }
  };
  for (const dir of SOURCES) walk(path.join(root, dir));
  for (const file of FILES) if (fs.existsSync(path.join(root, file))) visit(path.join(root, file));
  return newest;
}

/** Whether dist/ is missing or older than a source (tsc rewrites every output, the demo included). */
function needsBuild(root) {
  const built = path.join(root, 'dist', 'scripts', 'demo.js');
  if (!fs.existsSync(built) || !fs.existsSync(path.join(root, 'proto', 'src', 'gen'))) return true;
  return newestSource(root) > fs.statSync(built).mtimeMs;
}

function main() {
  const root = path.resolve(__dirname, '..');
  const lockModule = path.join(root, 'dist', 'scripts', 'demo-lock.js');
  // A running demo was built: its lock module is there to ask.
  if (fs.existsSync(lockModule)) {
    const { runningDemo, describeRunningDemo } = require(lockModule);
    const running = runningDemo(path.resolve(process.env.DEMO_DIR || '.gitfleet/demo'));
    if (running !== undefined) {
      process.stderr.write(`demo: ${describeRunningDemo(running)}\n`);
      process.exit(1);
    }
  }
  if (needsBuild(root)) {
    process.stderr.write('demo: sources changed since the last build: npm run build …\n');
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }
  void require(path.join(root, 'dist', 'scripts', 'demo.js')).runDemoProgram();
}

module.exports = { needsBuild, newestSource };

if (require.main === module) main();
