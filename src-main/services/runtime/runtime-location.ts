/**
 * Where the `reticle_runtime` Python package is: beside the packaged app's archive
 * (`process.resourcesPath/python-runtime`, see electron-builder.yml), else the repository's
 * `python-runtime/` found by walking up from this module (dist/cli, dist/main, or the sources).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MARKER = path.join('reticle_runtime', '__main__.py');

function holdsRuntime(dir: string): boolean {
  return fs.existsSync(path.join(dir, MARKER));
}

/** The nearest `python-runtime/` folder at or above `from`, or null. */
export function findPythonRuntimeDir(from: string): string | null {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'python-runtime');
    if (holdsRuntime(candidate)) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

/** The runtime package this studio ships with; a clear error when the installation lacks it. */
export function defaultPythonRuntimeDir(): string {
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  if (resources && holdsRuntime(path.join(resources, 'python-runtime'))) return path.join(resources, 'python-runtime');
  const found = findPythonRuntimeDir(path.dirname(fileURLToPath(import.meta.url)));
  // A missing runtime surfaces in the runtime check ("cannot run the runtime"), not at startup.
  return found ?? path.join(resources ?? process.cwd(), 'python-runtime');
}
