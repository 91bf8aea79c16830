/**
 * Progress of a backup or restore in files and bytes, reported a few times a second at most
 * (thousands of small media files would otherwise flood the jobs events).
 */
export interface TransferProgress {
  phase: 'scanning' | 'working' | 'finishing';
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  /** What it is doing now, in words. */
  activity: string;
}

const REPORT_EVERY_MS = 100;

export class TransferMeter {
  private readonly progress: TransferProgress = { phase: 'scanning', filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0, activity: '' };
  private lastReport = 0;

  constructor(private readonly report: ((p: TransferProgress) => void) | undefined) {}

  /** A new phase, reported at once. */
  phase(phase: TransferProgress['phase'], activity: string, totals?: { files: number; bytes: number }): void {
    Object.assign(this.progress, { phase, activity });
    if (totals) Object.assign(this.progress, { filesDone: 0, filesTotal: totals.files, bytesDone: 0, bytesTotal: totals.bytes });
    this.send(true);
  }

  /** More to do than the phase began with (the database copy after the files). */
  extend(more: { files: number; bytes: number }): void {
    this.progress.filesTotal += more.files;
    this.progress.bytesTotal += more.bytes;
    this.send(true);
  }

  activity(activity: string): void {
    this.progress.activity = activity;
    this.send(false);
  }

  bytes(n: number): void {
    this.progress.bytesDone += n;
    this.send(false);
  }

  fileDone(): void {
    this.progress.filesDone++;
    this.send(false);
  }

  private send(now: boolean): void {
    const t = Date.now();
    if (!this.report || (!now && t - this.lastReport < REPORT_EVERY_MS)) return;
    this.lastReport = t;
    // A part sent again (an upload the store forgot) must not push the bar past its end.
    this.report({ ...this.progress, bytesDone: Math.min(this.progress.bytesDone, this.progress.bytesTotal) });
  }
}
