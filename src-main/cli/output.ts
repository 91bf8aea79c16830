/** How the CLI shows progress and reports to a person (stderr) rather than to a script. */
import type { DatasetStats, ImportReport, JobProgress } from '@shared';

export class ProgressLine {
  private last = 0;
  private readonly tty = Boolean(process.stderr.isTTY);
  private shown = false;

  constructor(private readonly label: string) {}

  update(p: JobProgress): void {
    const now = Date.now();
    if (now - this.last < (this.tty ? 100 : 2000)) return;
    this.last = now;
    const pct = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 0;
    const tallies = p.imported !== undefined ? ` · ${p.imported} new, ${p.duplicates ?? 0} duplicates, ${p.failed ?? 0} failed` : '';
    const line = p.phase === 'scanning' ? `${this.label}: reading…` : `${this.label}: ${p.done}/${p.total} (${pct}%)${tallies}`;
    if (this.tty) {
      process.stderr.write(`\r\x1b[2K${line}`);
      this.shown = true;
    } else {
      process.stderr.write(`${line}\n`);
    }
  }

  /** Shows a line of its own (a training batch, a pip line), at the same pace as `update`. */
  text(line: string): void {
    const now = Date.now();
    if (now - this.last < (this.tty ? 100 : 2000)) return;
    this.last = now;
    if (this.tty) {
      const width = process.stderr.columns || 120;
      process.stderr.write(`\r\x1b[2K${`${this.label}: ${line}`.slice(0, width - 1)}`);
      this.shown = true;
    } else {
      process.stderr.write(`${this.label}: ${line}\n`);
    }
  }

  note(text: string): void {
    process.stderr.write(`${this.tty && this.shown ? '\n' : ''}${this.label}: ${text}\n`);
    this.shown = false;
  }

  done(): void {
    if (this.tty && this.shown) process.stderr.write('\r\x1b[2K');
    this.shown = false;
  }
}

export function formatImportReport(r: ImportReport): string {
  const lines = [
    `${r.cancelled ? 'Import cancelled' : 'Imported'} (${r.format}): ${r.imported} new images, ${r.duplicates} duplicates, ${r.failed.length} failed` +
      (r.skipped ? `, ${r.skipped} non-image files skipped` : '') +
      ` in ${(r.durationMs / 1000).toFixed(1)} s`,
  ];
  if (r.annotations) lines.push(`  ${r.annotations} annotations`);
  if (r.classesCreated.length) lines.push(`  new classes: ${r.classesCreated.join(', ')}`);
  for (const f of r.failed.slice(0, 50)) lines.push(`  failed: ${f.path}: ${f.reason}`);
  if (r.failed.length > 50) lines.push(`  … and ${r.failed.length - 50} more (use --json for all)`);
  if (r.outside) {
    const one = r.outside === 1;
    lines.push(`${one ? '1 image lies' : `${r.outside} images lie`} outside the dataset's folder and ${one ? 'was' : 'were'} left out; run again with --allow-outside to import ${one ? 'it' : 'them'} too.`);
  }
  return lines.join('\n');
}

export function formatStats(s: DatasetStats): string {
  const lines = [
    `${s.images} images: ${s.labeled} labeled, ${s.unlabeled} unlabeled; ${s.annotations} annotations`,
    `split: train ${s.perSplit.train}, val ${s.perSplit.val}, test ${s.perSplit.test}, unassigned ${s.perSplit.unassigned}`,
  ];
  if (s.images > 0) {
    lines.push(`image sizes: ${s.imageSizes.minWidth}–${s.imageSizes.maxWidth} × ${s.imageSizes.minHeight}–${s.imageSizes.maxHeight} px`);
    for (const c of s.imageSizes.common.slice(0, 3)) lines.push(`  ${c.width}×${c.height}: ${c.count}`);
  }
  if (s.perClass.length) {
    lines.push('classes:');
    const width = Math.max(...s.perClass.map((c) => c.name.length));
    for (const c of s.perClass) lines.push(`  ${c.name.padEnd(width)}  ${String(c.annotations).padStart(7)} annotations on ${c.images} images`);
  }
  return lines.join('\n');
}
