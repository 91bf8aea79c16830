/**
 * Binds the training supervisor to whichever project is open: one supervisor per open project,
 * made when it opens (which is when runs a crash left behind are found) and disposed before it
 * closes (which stops its trainer). The contract's `training` methods go through here.
 */
import type { ProjectSession } from '../project/project-session.js';
import type { ProjectStore } from '../store/project-store.js';
import type { RuntimeManager } from '../runtime/runtime-manager.js';
import type { WeightsLibrary } from '../weights/weights-library.js';
import { TrainingSupervisor, type TrainingEvents } from './supervisor.js';

interface ProjectTrainingOptions {
  session: ProjectSession;
  runtime: RuntimeManager;
  /** Where pretrained weights come from (`model: { kind: 'pretrained' }`). */
  weights: WeightsLibrary;
  events: TrainingEvents;
  stopGraceMs?: number;
  shutdownGraceMs?: number;
}

export class ProjectTraining {
  private supervisor: TrainingSupervisor | null = null;
  private boundTo: ProjectStore | null = null;

  constructor(private readonly options: ProjectTrainingOptions) {}

  /** The open project's supervisor (made on first use if `attach` was not called). */
  current(): TrainingSupervisor {
    const project = this.options.session.require();
    if (this.boundTo !== project.store || !this.supervisor) {
      this.supervisor = new TrainingSupervisor({
        store: project.store,
        media: project.media,
        runtime: this.options.runtime,
        weights: this.options.weights,
        events: this.options.events,
        stopGraceMs: this.options.stopGraceMs,
        shutdownGraceMs: this.options.shutdownGraceMs,
      });
      this.boundTo = project.store;
    }
    return this.supervisor;
  }

  /** Call after a project opened: runs left running by a crash show as interrupted at once. */
  attach(): void {
    if (this.options.session.project) this.current();
  }

  /** Call before the open project closes: stops its trainer politely and waits for it. */
  async detach(): Promise<void> {
    const supervisor = this.supervisor;
    this.supervisor = null;
    this.boundTo = null;
    await supervisor?.dispose();
  }

  dispose(): Promise<void> {
    return this.detach();
  }
}
