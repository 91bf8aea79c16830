/**
 * The packaging check: electron-builder cannot run here (no Electron binary, no signing), so
 * this reads electron-builder.yml and package.json and checks them against the tree with
 * electron-builder's own pieces: its schema, and the FileMatcher it builds `files`,
 * `asarUnpack` and `extraResources` filters with (minimatch, dot files included).
 */
import fs from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const CONFIG = parse(fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as PackageJson;

interface BuilderConfig {
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  extraResources: { from: string; to: string; filter: string[] }[];
  npmRebuild?: boolean;
  electronFuses: Record<string, boolean>;
  linux: { target: Target[] };
  win: { target: Target[] };
  mac: { target: Target[] };
  [key: string]: unknown;
}
type Target = string | { target: string };

interface PackageJson {
  license: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

/** electron-builder's own modules, from where electron-builder installed them. */
const builder = createRequire(createRequire(import.meta.url).resolve('app-builder-lib/package.json'));
const { FileMatcher } = builder('./out/fileMatcher.js') as {
  FileMatcher: new (from: string, to: string, expand: (s: string) => string, patterns: string[]) => { createFilter(): (file: string, stat: { isDirectory(): boolean }) => boolean };
};
const { validateConfiguration } = builder('./out/util/config/config.js') as {
  validateConfiguration(config: unknown, debug: { isEnabled: boolean; add(): void }): Promise<void>;
};

const FILE = { isDirectory: () => false };

/** What a list of electron-builder patterns takes from `from` (paths relative to it). */
function matcher(from: string, patterns: string[]): (relative: string) => boolean {
  const filter = new FileMatcher(from, from, (s) => s, patterns).createFilter();
  return (relative) => filter(path.join(from, relative), FILE);
}

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else out.push(full);
  }
  return out;
}

const rel = (file: string) => path.relative(ROOT, file).split(path.sep).join('/');
const targets = (list: Target[]) => list.map((t) => (typeof t === 'string' ? t : t.target));

/** The packages the team server needs and the desktop app never loads (the brief's list). */
const SERVER_ONLY = ['fastify', '@fastify/cors', '@fastify/helmet', '@fastify/rate-limit', '@fastify/swagger', '@fastify/swagger-ui', 'fastify-type-provider-zod', 'pg', '@electric-sql/pglite', 'argon2', 'jose', 's3rver', 'autocannon'];

/** The desktop's native modules: each loads a `.node` file and the shared libraries beside it. */
const NATIVE_PACKAGES = ['better-sqlite3', 'sharp', '@img', 'onnxruntime-node'];
const NATIVE_FILE = /\.(node|dll|dylib|so(\.\d+)*)$/;

describe('electron-builder.yml', () => {
  it('is a configuration electron-builder accepts', async () => {
    await expect(validateConfiguration(CONFIG, { isEnabled: false, add: () => undefined })).resolves.toBeUndefined();
  });

  it('builds an AppImage and a deb for Linux, an NSIS installer for Windows and a dmg for macOS', () => {
    expect(targets(CONFIG.linux.target)).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(targets(CONFIG.win.target)).toEqual(expect.arrayContaining(['nsis']));
    expect(targets(CONFIG.mac.target)).toEqual(expect.arrayContaining(['dmg']));
  });

  it('unpacks every native binary of better-sqlite3, sharp and onnxruntime-node from the archive, and nothing else', () => {
    expect(CONFIG.asar).toBe(true);
    const unpacked = matcher(ROOT, CONFIG.asarUnpack);
    const natives = NATIVE_PACKAGES.flatMap((p) => walk(path.join(ROOT, 'node_modules', p))).filter((f) => NATIVE_FILE.test(f)).map(rel);
    // The binaries this machine has: better-sqlite3's own build, sharp's and ONNX Runtime's prebuilds.
    expect(natives).toEqual(
      expect.arrayContaining([
        'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
        expect.stringMatching(/^node_modules\/@img\/sharp-[a-z0-9-]+\/lib\/.*\.node$/),
        // libvips: its own package on Linux and macOS, beside sharp's binding on Windows.
        expect.stringMatching(/^node_modules\/@img\/sharp-[a-z0-9-]+\/lib\/libvips/),
        expect.stringMatching(/^node_modules\/onnxruntime-node\/bin\/napi-v\d+\/.+\/onnxruntime_binding\.node$/),
      ]),
    );
    expect(natives.filter((f) => !unpacked(f))).toEqual([]);
    for (const packed of ['dist/main/main.mjs', 'dist/renderer/index.html', 'package.json', 'node_modules/zod/package.json', 'node_modules/yaml/package.json']) {
      expect(unpacked(packed), packed).toBe(false);
    }
  });

  it('ships python-runtime as source beside the archive: the package and its entry points, no tests, caches, wheels or site-packages', () => {
    const runtime = CONFIG.extraResources.find((r) => r.from === 'python-runtime');
    // runtime-location.ts looks for process.resourcesPath/python-runtime/reticle_runtime/__main__.py.
    expect(runtime?.to).toBe('python-runtime');
    const from = path.join(ROOT, 'python-runtime');
    const shipped = matcher(from, runtime!.filter);
    const files = walk(from)
      .map((f) => path.relative(from, f).split(path.sep).join('/'))
      .filter((f) => !f.includes('__pycache__/'));
    const packageFiles = files.filter((f) => f.startsWith('reticle_runtime/'));
    expect(packageFiles).toEqual(expect.arrayContaining(['reticle_runtime/__init__.py', 'reticle_runtime/__main__.py', 'reticle_runtime/train.py', 'reticle_runtime/env.py', 'reticle_runtime/export.py']));
    expect(packageFiles.filter((f) => !shipped(f))).toEqual([]);
    // The tests carry test doubles named torch and ultralytics: they must never ship.
    const tests = files.filter((f) => f.startsWith('tests/'));
    expect(tests).toEqual(expect.arrayContaining(['tests/doubles/torch/__init__.py']));
    expect(tests.filter((f) => shipped(f))).toEqual([]);
    expect(shipped('reticle_runtime/__pycache__/train.cpython-312.pyc')).toBe(false);
    // Ultralytics and torch are installed into a venv on first run, never bundled.
    expect(files.filter((f) => shipped(f) && /\.whl$|site-packages\/|(^|\/)(venv|\.venv|torch|ultralytics)\//.test(f))).toEqual([]);
    for (const resource of CONFIG.extraResources) expect(`${resource.from} ${resource.to}`).not.toMatch(/venv|site-packages|wheel|\.whl|torch|ultralytics/i);
  });

  it('rebuilds better-sqlite3 for Electron, the one native module without an N-API build', () => {
    expect(CONFIG.npmRebuild).toBe(true);
    const script = PACKAGE.scripts['rebuild:electron'];
    expect(script).toMatch(/^electron-rebuild\b/);
    expect(script).toMatch(/(^|\s)(-f|--force)(\s|$)/);
    expect(PACKAGE.devDependencies['@electron/rebuild']).toBeDefined();
    expect(fs.existsSync(path.join(ROOT, 'node_modules', '.bin', 'electron-rebuild'))).toBe(true);
    const only = /(?:-o|--only)[ =](\S+)/.exec(script)?.[1].split(',') ?? [];
    // An N-API module exports napi_register_module_v1 and runs in any ABI; the others need a rebuild.
    const natives = NATIVE_PACKAGES.flatMap((p) => walk(path.join(ROOT, 'node_modules', p))).filter((f) => f.endsWith('.node'));
    const needRebuild = new Set(natives.filter((f) => !fs.readFileSync(f).includes('napi_register_module_v1')).map((f) => rel(f).split('/')[1]));
    expect([...needRebuild]).toEqual(['better-sqlite3']);
    for (const name of needRebuild) expect(only).toContain(name);
  });

  it('sets the fuses docs/security.md says it sets', () => {
    const row = fs
      .readFileSync(path.join(ROOT, 'docs', 'security.md'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith('| 19 |'));
    expect(row).toBeDefined();
    const claims = row!.slice(row!.indexOf(': ') + 2);
    const claimed: Record<string, boolean> = {};
    for (const part of claims.split(';')) {
      const state = /\b(on|off)\b[^`]*$/.exec(part)?.[1];
      for (const [, name] of part.matchAll(/`(\w+)`/g)) claimed[name] = state === 'on';
    }
    expect(Object.keys(claimed)).toEqual(expect.arrayContaining(['runAsNode', 'onlyLoadAppFromAsar', 'enableNodeOptionsEnvironmentVariable', 'enableNodeCliInspectArguments']));
    expect(CONFIG.electronFuses).toMatchObject(claimed);
    expect(CONFIG.electronFuses).toMatchObject({ runAsNode: false, onlyLoadAppFromAsar: true, enableEmbeddedAsarIntegrityValidation: true });
  });

  it('packs the built app and its production dependencies, not sources, maps, tests or the team server', () => {
    const packed = matcher(ROOT, CONFIG.files);
    for (const file of ['dist/main/main.mjs', 'dist/main/inference-worker.mjs', 'dist/preload/preload.cjs', 'dist/renderer/index.html', 'package.json', 'node_modules/better-sqlite3/lib/index.js', 'node_modules/@aws-sdk/client-s3/package.json', 'node_modules/@aws-sdk/lib-storage/package.json', 'node_modules/zod/package.json']) {
      expect(packed(file), `${file} is packed`).toBe(true);
    }
    const mustNot = [
      'src-main/main.ts',
      'src-shared/index.ts',
      'src-renderer/main.tsx',
      'src-server/app.ts',
      'tests/unit/fuzz/coco.test.ts',
      'dist/main/main.mjs.map',
      'dist/renderer/assets/index.js.map',
      'dist/server/reticle-server.mjs',
      'dist/cli/reticle.mjs',
      'node_modules/zod/src/v4/core/core.ts',
      'node_modules/yaml/dist/index.d.ts',
      ...SERVER_ONLY.map((p) => `node_modules/${p}/package.json`),
    ];
    expect(mustNot.filter((f) => packed(f))).toEqual([]);
  });

  it('leaves out only packages the desktop app never imports, and packs every one it does', () => {
    const sources = ['src-main', 'src-preload', 'src-renderer', 'src-shared'].flatMap((d) => walk(path.join(ROOT, d))).filter((f) => /\.(ts|tsx|mts)$/.test(f));
    const imported = new Map<string, string>();
    for (const file of sources) {
      const text = fs.readFileSync(file, 'utf8');
      for (const [, spec] of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)) {
        if (spec.startsWith('.') || spec.startsWith('@shared') || spec.startsWith('node:') || builtinModules.includes(spec)) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (!imported.has(name)) imported.set(name, rel(file));
      }
    }
    expect(imported.has('better-sqlite3') && imported.has('sharp') && imported.has('@aws-sdk/client-s3')).toBe(true);
    expect(SERVER_ONLY.filter((p) => imported.has(p)).map((p) => `${p} (${imported.get(p)})`)).toEqual([]);

    // Main runs its imports from node_modules (bundled with packages external), so each must be
    // a production dependency that `files` packs. The renderer and preload are bundled whole.
    const packed = matcher(ROOT, CONFIG.files);
    const mainSide = sources.filter((f) => /^(src-main|src-shared)\//.test(rel(f)));
    const mainImports = new Set<string>();
    for (const file of mainSide) {
      for (const [, spec] of fs.readFileSync(file, 'utf8').matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)['"]([^'"./@][^'"]*|@[^'"/]+\/[^'"/]+)[^'"]*['"]/g)) {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (!spec.startsWith('node:') && !builtinModules.includes(name) && name !== '@shared') mainImports.add(name);
      }
    }
    // electron is the runtime itself; esbuild bundles the inference worker only in a checkout without dist/.
    const notShipped = new Set(['electron', 'esbuild']);
    const missing = [...mainImports].filter((n) => !notShipped.has(n) && (!PACKAGE.dependencies[n] || !packed(`node_modules/${n}/package.json`)));
    expect(missing).toEqual([]);
  });

  it('is licensed AGPL-3.0-or-later, with the license text beside it', () => {
    expect(PACKAGE.license).toBe('AGPL-3.0-or-later');
    const license = fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8');
    expect(license).toMatch(/GNU AFFERO GENERAL PUBLIC LICENSE\s+Version 3/);
  });
});
