/** `reticle login`, `reticle push`, `reticle pull`: a project and a team server. */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline/promises';
import { PROJECT_DB } from '../services/store/project-folder.js';
import { StudioError, normalizeServerUrl, type JobResult, type StudioApi, type SyncConflict, type SyncReport } from '@shared';
import { UsageError, parse, print, waitForJob, withStudio } from './common.js';
import { ProgressLine } from './output.js';

export const TEAM_USAGE = `
Team server:
  reticle login URL [--email EMAIL] [--password-stdin] [--register [--name NAME]] [--json]
  reticle logout
  reticle push DIR [--json]
  reticle pull URL PROJECT DIR [--json]
  reticle conflicts DIR [--json]

  login asks for the password (or reads it from stdin with --password-stdin); the tokens are
  kept encrypted in the studio's folder. push sends DIR's images and labels to its shared
  project, making one the first time. pull makes DIR a new project from the shared PROJECT
  (its id or name), or brings DIR up to date if it is linked to it already. Images both sides
  changed are kept as conflicts: list them with reticle conflicts, settle them on the Team tab.
`;

function serverUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    return normalizeServerUrl(raw);
  } catch {
    throw new UsageError(`${raw} is not a server address: use http://… or https://…`);
  }
}

async function cmdLogin(argv: string[]): Promise<number> {
  const { positionals, values } = parse(argv, { email: { type: 'string' }, 'password-stdin': { type: 'boolean' }, register: { type: 'boolean' }, name: { type: 'string' } });
  const [url] = positionals;
  if (!url || positionals.length > 1) throw new UsageError('reticle login URL [--email EMAIL] [--password-stdin] [--register]');
  const server = serverUrl(url);
  const email = (values.email as string | undefined) ?? (await ask('Email: '));
  const password = values['password-stdin'] ? await readStdin() : await askHidden('Password: ');
  if (!password) throw new UsageError('no password given');
  return withStudio(async (api) => {
    const request = { serverUrl: server, email, password };
    const status = values.register ? await api.account.register({ ...request, name: values.name as string | undefined }) : await api.account.login(request);
    print(Boolean(values.json), status, `${values.register ? 'Registered and logged in' : 'Logged in'} to ${status.serverUrl} as ${status.user?.email} (${status.user?.name})`);
    return 0;
  });
}

async function cmdLogout(argv: string[]): Promise<number> {
  const { positionals, values } = parse(argv, {});
  if (positionals.length > 0) throw new UsageError('reticle logout takes no arguments');
  return withStudio(async (api) => {
    const before = await api.account.status();
    const status = await api.account.logout();
    print(Boolean(values.json), status, before.signedIn ? `Logged out of ${before.serverUrl}` : 'Not logged in.');
    return 0;
  });
}

/** A command on one project folder, `reticle CMD DIR`, with the project open. */
async function onProject(argv: string[], usage: string, run: (api: StudioApi, dir: string, json: boolean) => Promise<number>): Promise<number> {
  const { positionals, values } = parse(argv, {});
  const [dir] = positionals;
  if (!dir || positionals.length > 1) throw new UsageError(usage);
  const target = path.resolve(dir);
  return withStudio(async (api) => {
    await api.projects.open({ dir: target });
    return run(api, target, Boolean(values.json));
  });
}

const cmdPush = (argv: string[]) => onProject(argv, 'reticle push DIR', async (api, dir, json) => finish(api, (await api.sync.push()).jobId, 'push', json, dir));

const cmdConflicts = (argv: string[]) =>
  onProject(argv, 'reticle conflicts DIR', async (api, dir, json) => {
    const conflicts = await api.sync.conflicts();
    print(json, conflicts, formatConflicts(conflicts, dir));
    return 0;
  });

async function cmdPull(argv: string[]): Promise<number> {
  const { positionals, values } = parse(argv, {});
  const [url, project, dir] = positionals;
  if (!url || !project || !dir || positionals.length > 3) throw new UsageError('reticle pull URL PROJECT DIR : the server, the shared project (id or name), and the folder');
  const server = serverUrl(url);
  const target = path.resolve(dir);
  return withStudio(async (api) => {
    const account = await api.account.status();
    if (!account.signedIn || account.serverUrl !== server) {
      throw new StudioError('forbidden', `Log in to ${server} first: reticle login ${server}`);
    }
    const remote = await findRemoteProject(api, project);
    if (!fs.existsSync(path.join(target, PROJECT_DB))) {
      const { jobId } = await api.sync.clone({ serverUrl: server, remoteProjectId: remote.id, dir: target });
      return finish(api, jobId, 'pull', Boolean(values.json), target);
    }
    await api.projects.open({ dir: target });
    const { link } = await api.sync.status();
    if (!link || link.remoteProjectId !== remote.id || link.serverUrl !== server) {
      throw new StudioError(
        'invalid_input',
        `${target} holds a project that is ${link ? `linked to another shared project ("${link.remoteName ?? link.remoteProjectId}" on ${link.serverUrl})` : 'not linked to a shared project'}. Pull into a new folder instead.`,
      );
    }
    const { jobId } = await api.sync.pull();
    return finish(api, jobId, 'pull', Boolean(values.json), target);
  });
}

/** A shared project by id, or by its name when exactly one has it. */
async function findRemoteProject(api: StudioApi, idOrName: string) {
  const projects = await api.sync.remoteProjects();
  const byId = projects.find((p) => p.id === idOrName);
  if (byId) return byId;
  const named = projects.filter((p) => p.name === idOrName);
  if (named.length === 1) return named[0];
  if (named.length > 1) throw new StudioError('invalid_input', `${named.length} shared projects are called "${idOrName}": name one by its id (${named.map((p) => p.id).join(', ')}).`);
  const known = projects.map((p) => `"${p.name}"`).join(', ');
  throw new StudioError('not_found', `No shared project you can see is called or has the id "${idOrName}".${known ? ` Yours: ${known}.` : ''}`);
}

async function finish(api: StudioApi, jobId: string, direction: 'push' | 'pull', json: boolean, dir: string): Promise<number> {
  const progress = new ProgressLine(direction);
  // Push and pull say what they are doing in words (bytes and images): show those.
  const result: JobResult = await waitForJob(api, jobId, progress, (p) => (p.current ? progress.text(p.current) : progress.update(p)));
  if (result.status === 'failed') throw new StudioError(result.error.code, result.error.message);
  if (result.kind !== direction) throw new StudioError('internal', 'unexpected job result');
  print(json, result.report, formatSyncReport(result.report, dir));
  return result.status === 'cancelled' ? 130 : 0;
}

function formatSyncReport(r: SyncReport, dir: string): string {
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  const lines =
    r.direction === 'push'
      ? [`${r.cancelled ? 'Push cancelled' : 'Pushed'}: labels of ${r.imagesSent} images, ${r.mediaUploaded} new media files (${mb(r.bytesUploaded)}) in ${(r.durationMs / 1000).toFixed(1)} s`]
      : [`${r.cancelled ? 'Pull cancelled' : 'Pulled'}: ${r.imagesReceived} images, ${r.mediaDownloaded} new media files (${mb(r.bytesDownloaded)}) in ${(r.durationMs / 1000).toFixed(1)} s`];
  if (r.classesCreated.length) lines.push(`  new classes: ${r.classesCreated.join(', ')}`);
  if (r.conflicts) lines.push(`  ${r.conflicts} image${r.conflicts === 1 ? '' : 's'} changed on both sides: see reticle conflicts ${dir}`);
  for (const f of r.failed.slice(0, 50)) lines.push(`  failed: ${f.name}: ${f.reason}`);
  if (r.failed.length > 50) lines.push(`  … and ${r.failed.length - 50} more (use --json for all)`);
  return lines.join('\n');
}

function formatConflicts(conflicts: SyncConflict[], dir: string): string {
  if (conflicts.length === 0) return `No conflicts in ${dir}.`;
  const side = (s: SyncConflict['mine']) => `${s.status}, ${s.annotations} label${s.annotations === 1 ? '' : 's'}${s.perClass.length ? ` (${s.perClass.map((c) => `${c.className} ${c.count}`).join(', ')})` : ''}`;
  const lines = [`${conflicts.length} image${conflicts.length === 1 ? '' : 's'} changed here and on the server; settle them on the Team tab:`];
  for (const c of conflicts) {
    lines.push(`  ${c.name} (image ${c.imageId})`, `    here:   ${side(c.mine)}`, `    server: ${side(c.theirs)} by ${c.theirs.updatedBy}, ${c.theirs.updatedAt}`);
  }
  return lines.join('\n');
}

async function ask(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new UsageError('give the email with --email when the input is not a terminal');
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/** Reads a password typed at the terminal without showing it. */
function askHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return Promise.reject(new UsageError('the input is not a terminal: pass the password with --password-stdin'));
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          done();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          done();
          reject(new UsageError('cancelled'));
          return;
        }
        value = ch === '\u007f' || ch === '\b' ? value.slice(0, -1) : value + ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** The password from stdin (`echo "$PW" | reticle login … --password-stdin`), without its line end. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export const TEAM_COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  login: cmdLogin,
  logout: cmdLogout,
  push: cmdPush,
  pull: cmdPull,
  conflicts: cmdConflicts,
};
