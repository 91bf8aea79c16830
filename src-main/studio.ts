/**
 * Builds the studio's services and the API host over them: the one composition used by the
 * desktop app (src-main/main.ts), `reticle serve` and the CLI. Plain Node; no Electron here.
 */
import path from 'node:path';
import { studioContract, type AppInfo, type ExecutionProvider, type StudioContract, type StudioServices } from '@shared';
import { ApiHost } from './host/api-host.js';
import { JobRunner, type JobEvents } from './services/jobs/job-runner.js';
import { ProjectSession } from './services/project/project-session.js';
import { emitExternalChanges } from './services/project/external-changes.js';
import { createProjectEvents } from './services/project/project-events.js';
import { createProjectServices } from './services/project/project-services.js';
import { createDatasetServices } from './services/dataset/dataset-services.js';
import { createImportServices } from './services/import/import-services.js';
import { createExportServices } from './services/export/export-services.js';
import { createRuntimeServices } from './services/runtime/runtime-services.js';
import { createTrainingServices } from './services/training/training-services.js';
import { createInferenceServices } from './services/inference/inference-services.js';
import { createJobsServices } from './services/jobs/jobs-services.js';
import { createTeamServices, type TeamServicesDeps } from './services/team/team-services.js';
import { FileSecretStore, type SecretStore } from './services/team/secret-store.js';
import { createBackupServices } from './services/backup/backup-services.js';
import { createEvaluationServices } from './services/evaluation/evaluation-services.js';
import { createWeightsServices } from './services/weights/weights-services.js';
import { WeightsLibrary } from './services/weights/weights-library.js';
import { weightsOnnx } from './services/weights/weights-onnx.js';
import { JsonFileSettings, studioHome, type SettingsStore } from './services/settings/settings-store.js';
import { RuntimeManager, type RuntimeManagerOptions } from './services/runtime/runtime-manager.js';
import { defaultPythonRuntimeDir } from './services/runtime/runtime-location.js';
import { ProjectTraining } from './services/training/project-training.js';
import { InferenceEngine } from './services/inference/inference-engine.js';
import type { InferenceProcessLauncher } from './services/inference/inference-process.js';
import { ExternalImages } from './services/media/external-images.js';

export const STUDIO_VERSION = '0.1.0';

export interface StudioOptions {
  mode: AppInfo['mode'];
  settings?: SettingsStore;
  pickDirectory?: (title?: string) => Promise<string | null>;
  /**
   * The studio's own data folder; the managed Python runtime goes in `runtime/venv` under it.
   * Default: `studioHome()` (`$RETICLE_HOME` or ~/.reticle). The desktop app passes
   * `app.getPath('userData')`.
   */
  dataDir?: string;
  /**
   * The folder holding the `reticle_runtime` Python package. Default: `process.resourcesPath/
   * python-runtime` in a packaged app, else the repository's `python-runtime/`.
   */
  pythonRuntimeDir?: string;
  /** Runtime details for tests and benchmarks: the environment runtime processes get, pip steps. */
  runtime?: Pick<RuntimeManagerOptions, 'env' | 'checkTimeoutMs' | 'installSteps' | 'detectHardware'>;
  /** How long a stopped run, or one stopped because the studio closes, may take before it is killed. */
  training?: { stopGraceMs?: number; shutdownGraceMs?: number };
  /**
   * Inference details: execution providers to try and the worker script (tests and benchmarks),
   * how the worker's process starts (the desktop app: an Electron utility process).
   */
  inference?: { providers?: ExecutionProvider[]; workerScript?: string; launchWorker?: InferenceProcessLauncher };
  /**
   * Where the team server's tokens are kept. The desktop app passes one backed by safeStorage;
   * default: an AES-256-GCM file under `dataDir` (never the settings file).
   */
  secrets?: SecretStore;
  /** Team sync details for tests: automatic sync's timings (false: none; the CLI has none). */
  team?: Pick<TeamServicesDeps, 'autoSync' | 'fetch'>;
}

export interface Studio {
  host: ApiHost<StudioContract>;
  session: ProjectSession;
  jobs: JobRunner;
  runtime: RuntimeManager;
  training: ProjectTraining;
  inference: InferenceEngine;
  /** Images outside the project opened for a model preview; the media routes serve them by token. */
  externalImages: ExternalImages;
  services: StudioServices;
  dispose(): Promise<void>;
}

export function createStudio(options: StudioOptions): Studio {
  const settings = options.settings ?? new JsonFileSettings(path.join(studioHome(), 'settings.json'));
  let host: ApiHost<StudioContract> | null = null;
  let training: ProjectTraining | null = null;
  const session = new ProjectSession({
    onExternalChanges:
      options.mode === 'cli'
        ? undefined
        : (project, changes) => {
            if (!host) return;
            emitExternalChanges(
              {
                emit: () => host!.emit,
                runSummary: (runId) => {
                  try {
                    return training?.current().summary(runId) ?? null;
                  } catch {
                    return null;
                  }
                },
              },
              project.store,
              changes,
            );
          },
  });
  const jobEvents: JobEvents = {
    progress: (p) => host?.emit.jobs.onProgress(p),
    finished: (r) => host?.emit.jobs.onFinished(r),
  };
  const jobs = new JobRunner(jobEvents);
  const studioJobs = new JobRunner(jobEvents);
  const dataDir = options.dataDir ?? studioHome();
  const weights = new WeightsLibrary(path.join(dataDir, 'weights'));
  const runtime = new RuntimeManager({
    settings,
    dataDir,
    runtimeDir: options.pythonRuntimeDir ?? defaultPythonRuntimeDir(),
    weightsDir: weights.dir,
    ...options.runtime,
  });
  training = new ProjectTraining({
    session,
    runtime,
    weights,
    events: {
      status: (run) => host?.emit.training.onStatus(run),
      epoch: (e) => host?.emit.training.onEpoch(e),
      progress: (p) => host?.emit.training.onProgress(p),
    },
    ...options.training,
  });
  const inference = new InferenceEngine({
    session,
    jobs,
    training,
    weightsModel: (name, signal) => weightsOnnx(weights, runtime, name, signal),
    weightsFile: (name) => weights.get(name)?.path ?? null,
    runtime,
    events: {
      suggestionsChanged: (imageId) => host?.emit.suggestions.onChanged({ imageId }),
      annotationsChanged: (imageId) => host?.emit.annotations.onChanged({ imageId }),
      classesChanged: () => {
        const project = session.project;
        if (project) host?.emit.classes.onChanged(project.store.classes.list());
      },
    },
    ...options.inference,
  });
  const externalImages = new ExternalImages();
  const emit = () => host!.emit;
  const events = createProjectEvents(emit, session);
  // One factory per contract domain, each given the open project and `emit` the same way.
  const services: StudioServices = {
    ...createProjectServices({
      session,
      jobs,
      settings,
      training,
      emit,
      pickDirectory: options.pickDirectory,
      app: {
        version: STUDIO_VERSION,
        mode: options.mode,
        nativeDialogs: Boolean(options.pickDirectory),
        uploadsDroppedFiles: options.mode === 'serve',
      },
    }),
    ...createDatasetServices({ session, emit, events }),
    ...createImportServices({ session, jobs, emit }),
    ...createExportServices({ session, jobs }),
    ...createRuntimeServices({ runtime, studioJobs }),
    ...createTrainingServices({ training }),
    ...createInferenceServices({ inference, externalImages, events }),
    ...createJobsServices({ jobs, studioJobs }),
    ...createTeamServices({
      session,
      jobs,
      settings,
      emit,
      secrets: options.secrets ?? new FileSecretStore(options.dataDir ?? studioHome()),
      training,
      studioVersion: STUDIO_VERSION,
      autoSync: options.mode === 'cli' ? false : undefined,
      ...options.team,
    }),
    ...createBackupServices({ session, jobs, studioJobs, settings, emit }),
    ...createEvaluationServices({ session, jobs, inference, training, emit }),
    ...createWeightsServices({ library: weights, runtime, settings, studioJobs, env: options.runtime?.env }),
  };
  host = new ApiHost(studioContract, services);
  return {
    host,
    session,
    jobs,
    runtime,
    training,
    inference,
    externalImages,
    services,
    async dispose() {
      await Promise.all([jobs.cancelAll(), studioJobs.cancelAll()]);
      // Before the project's database closes: the trainer is stopped and its end recorded.
      await training.dispose();
      await inference.dispose();
      await externalImages.dispose();
      session.close();
    },
  };
}
