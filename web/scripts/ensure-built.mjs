#!/usr/bin/env node
// Builds the web client when dist/ is missing or older than its sources, so that one command
// (the README's `./serve`, or the tests) always serves the client that matches the code.
//
//   node scripts/ensure-built.mjs          install packages if needed, build if stale
//   node scripts/ensure-built.mjs --stamp  (run by `npm run build`) record what was built
//
// "Stale" is decided by content, not by time: a SHA-256 over every source file (and the
// lockfile) is written to dist/.source-hash after a build and compared next time, so a fresh
// clone, a `git checkout` or a clock skew cannot fool it.
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

// The Node the client's packages are pinned for (package.json: none of them asks for more;
// a newer one is fine). An older one fails to build in confusing ways, so say it plainly.
const NODE_MAJOR = 20
const major = Number(process.versions.node.split('.')[0])
if (major < NODE_MAJOR) {
  console.error(
    `web client: 需要 Node.js ${NODE_MAJOR} 或更新版本，当前为 ${process.versions.node}。\n` +
      `web client: needs Node.js ${NODE_MAJOR} or newer; this is ${process.versions.node}.`,
  )
  process.exit(1)
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const stampFile = join(root, 'dist', '.source-hash')
const SOURCES = ['src', 'public', 'index.html', 'package.json', 'package-lock.json', 'vite.config.ts', 'tsconfig.json']

function files(path) {
  if (!existsSync(path)) return []
  if (statSync(path).isDirectory()) {
    return readdirSync(path).sort().flatMap((name) => files(join(path, name)))
  }
  return [path]
}

function sourceHash() {
  const hash = createHash('sha256')
  for (const source of SOURCES) {
    for (const file of files(join(root, source))) {
      if (file.endsWith('.test.ts')) continue
      hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0')
    }
  }
  return hash.digest('hex')
}

function run(command, args) {
  execFileSync(command, args, { cwd: root, stdio: 'inherit' })
}

if (process.argv.includes('--stamp')) {
  writeFileSync(stampFile, sourceHash() + '\n')
  process.exit(0)
}

const wanted = sourceHash()
const built = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : null
if (built === wanted && existsSync(join(root, 'dist', 'index.html'))) {
  console.log('web client: dist/ is up to date')
  process.exit(0)
}
const lock = join(root, 'package-lock.json')
const installed = join(root, 'node_modules', '.package-lock.json')
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  console.log('web client: installing packages (npm ci)')
  run('npm', ['ci', '--no-audit', '--no-fund'])
}
console.log(built ? 'web client: sources changed, rebuilding' : 'web client: building')
run('npm', ['run', 'build'])
