import fs from 'node:fs';
import path from 'node:path';

/** Every `.tmp` file under `dir`: what a write that never finished leaves. */
export function temporaryFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith('.tmp')) out.push(full);
    }
  };
  walk(dir);
  return out;
}
