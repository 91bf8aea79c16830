/**
 * Publishes a training run's model to the team server's registry: its ONNX export (made now if
 * the run has none), its metrics, and the class names in the model's own order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { StudioError, type PublishedModel, type RunArtifact, type TaskType } from '@shared';
import type { TrainingSupervisor } from '../training/supervisor.js';
import { readOnnxMetadataFile, ultralyticsMetadata } from '../inference/onnx-metadata.js';
import type { TeamClient } from './team-client.js';

export interface PublishRequest {
  client: TeamClient;
  remoteProjectId: string;
  training: TrainingSupervisor;
  runId: string;
  name: string;
  task: TaskType;
  studioVersion: string;
}

export async function publishRun(request: PublishRequest): Promise<PublishedModel> {
  const run = request.training.get(request.runId);
  if (!run.artifacts.some((a) => a.kind === 'best')) {
    throw new StudioError('invalid_input', `Run "${run.name}" has no trained weights yet: publish it once it has finished an epoch.`);
  }
  const onnx = await onnxOf(request.training, request.runId, run.artifacts);
  const names = modelClassNames(onnx.path) ?? run.dataset?.classes ?? [];
  const metrics: Record<string, number> = {};
  for (const [key, value] of Object.entries(run.results?.metrics ?? run.best?.metrics ?? {})) {
    if (typeof value === 'number' && Number.isFinite(value)) metrics[key] = value;
  }
  const model = await request.client.createModel(request.remoteProjectId, {
    name: request.name,
    format: 'onnx',
    task: request.task,
    classes: names,
    metrics,
    source: { runId: run.id, runName: run.name, studioVersion: request.studioVersion },
  });
  const bytes = fs.statSync(onnx.path).size;
  const uploaded = await request.client.uploadModelFile(model.id, onnx.path, bytes);
  const sha256 = await hashFile(onnx.path);
  if (uploaded.fileHash !== sha256) {
    throw new StudioError('io', `The team server stored a different file than ${path.basename(onnx.path)} (hash ${uploaded.fileHash ?? 'none'}); publish the model again.`);
  }
  return uploaded;
}

/** The run's ONNX export of its best weights: the recorded one, or a new export. */
async function onnxOf(training: TrainingSupervisor, runId: string, artifacts: RunArtifact[]): Promise<RunArtifact> {
  const exported = artifacts.filter((a) => a.kind === 'onnx' && fs.existsSync(a.path));
  return exported.find((a) => /best/i.test(path.basename(a.path))) ?? exported[0] ?? (await training.exportModel({ runId, format: 'onnx', weights: 'best' }));
}

/** The class names the model itself carries (Ultralytics' metadata), in its own order; null when it has none. */
function modelClassNames(file: string): string[] | null {
  try {
    return ultralyticsMetadata(readOnnxMetadataFile(file)).names;
  } catch {
    // Not readable as ONNX metadata: the run's dataset names the classes instead.
    return null;
  }
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
