/**
 * Builds pure-Python wheels for the provisioning tests with the standard library's zipfile (a
 * wheel is a zip with METADATA, WHEEL and RECORD in its .dist-info), so that `pip install
 * --no-index --find-links DIR` can run the whole install flow offline, in seconds.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const BUILD = String.raw`
import base64, hashlib, json, sys, zipfile
spec = json.load(sys.stdin)
name, version, files = spec["name"], spec["version"], spec["files"]
dist = f"{name}-{version}.dist-info"
meta = {
    f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: {spec['summary']}\n",
    f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: reticle-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
entries = {**files, **meta}
record = []
for path, text in entries.items():
    data = text.encode("utf-8")
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record.append(f"{path},sha256={digest},{len(data)}")
record.append(f"{dist}/RECORD,,")
out = f"{spec['dir']}/{name}-{version}-py3-none-any.whl"
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for path, text in entries.items():
        z.writestr(path, text)
    z.writestr(f"{dist}/RECORD", "\n".join(record) + "\n")
print(out)
`;

/** Writes `<name>-<version>-py3-none-any.whl` into `dir` holding `files` (path → text). */
export function buildWheel(dir: string, name: string, version: string, files: Record<string, string>, summary = 'built by a Reticle Studio test'): string {
  fs.mkdirSync(dir, { recursive: true });
  const r = spawnSync('python3', ['-c', BUILD], { input: JSON.stringify({ dir, name, version, files, summary }), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building ${name} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** A wheel of one of the runtime's test doubles (a package folder under python-runtime/tests/doubles). */
export function buildDoubleWheel(dir: string, doublesDir: string, pkg: string, version: string): string {
  const files: Record<string, string> = {};
  const root = path.join(doublesDir, pkg);
  for (const file of fs.readdirSync(root)) {
    if (file.endsWith('.py')) files[`${pkg}/${file}`] = fs.readFileSync(path.join(root, file), 'utf8');
  }
  return buildWheel(dir, pkg, version, files, `TEST DOUBLE of ${pkg}, from python-runtime/tests/doubles`);
}
