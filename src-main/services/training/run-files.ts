/**
 * A run's file as a download (`reticle serve`'s `/files/runs/<run>/<kind>`): found by artifact
 * kind among the run's recorded artifacts, never by a path a page names, and checked to lie
 * inside the open project (symlinks included).
 */
import path from 'node:path';
import { StudioError, type RunArtifact } from '@shared';
import type { OpenProject } from '../project/project-session.js';

export interface RunFile {
  /** The real path, inside the project. */
  file: string;
  /** What the browser saves it as: `<run>-<file name>`, in safe characters. */
  downloadName: string;
}

export async function runArtifactFile(project: OpenProject, runId: string, artifacts: readonly Pick<RunArtifact, 'kind' | 'path'>[], kind: string): Promise<RunFile> {
  const artifact = artifacts.find((a) => a.kind === kind);
  if (!artifact) throw new StudioError('not_found', `Run ${runId} has no ${kind} file.`);
  const file = await project.media.containedRealpath(path.resolve(project.store.paths.root, artifact.path));
  return { file, downloadName: `${runId}-${path.basename(file)}`.replace(/[^A-Za-z0-9._-]/g, '_') };
}
