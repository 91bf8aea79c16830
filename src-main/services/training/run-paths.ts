/** Where a training run keeps its files: one folder a run, `<project>/runs/<id>/`. */
import path from 'node:path';

/** The files of a run folder. */
export interface RunPaths {
  dir: string;
  dataset: string;
  /** The runtime's spec (`train --spec`). */
  spec: string;
  stop: string;
  /** Everything the runtime wrote to stderr. */
  log: string;
  /** Ultralytics' run folder: weights/, results.csv. */
  train: string;
  last: string;
  best: string;
  results: string;
}

/** The files of the project run `id`, under the project's `runs/` folder. */
export function runPaths(runsDir: string, id: string): RunPaths {
  return runFolderPaths(path.join(runsDir, id));
}

/** The files of a run folder anywhere (a project's, or one a worker made for a job it received). */
export function runFolderPaths(dir: string): RunPaths {
  const train = path.join(dir, 'train');
  return {
    dir,
    dataset: path.join(dir, 'dataset'),
    spec: path.join(dir, 'spec.json'),
    stop: path.join(dir, 'stop'),
    log: path.join(dir, 'train.log'),
    train,
    last: path.join(train, 'weights', 'last.pt'),
    best: path.join(train, 'weights', 'best.pt'),
    results: path.join(train, 'results.csv'),
  };
}
