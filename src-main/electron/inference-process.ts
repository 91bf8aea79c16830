/**
 * The desktop app's inference worker: an Electron utility process, the process Electron provides
 * for native work that must not share the main process's fate (a crash in ONNX Runtime or libvips
 * ends the utility process, not the app). Node's fork would need the RunAsNode fuse, which the
 * app turns off (electron-builder.yml).
 */
import { utilityProcess } from 'electron';
import { exitReason, inferenceWorkerEnv, type InferenceProcessLauncher } from '../services/inference/inference-process.js';
import type { WorkerMessage } from '../services/inference/worker-protocol.js';

export const utilityInferenceProcess: InferenceProcessLauncher = (script) => {
  const child = utilityProcess.fork(script, [], { serviceName: 'Reticle inference', stdio: 'inherit', env: inferenceWorkerEnv() });
  const exitListeners: ((why: string) => void)[] = [];
  let ended = false;
  child.on('exit', (code) => {
    if (ended) return;
    ended = true;
    for (const listener of exitListeners) listener(exitReason(code));
  });
  return {
    get pid() {
      return child.pid;
    },
    send: (message) => child.postMessage(message),
    onMessage: (listener) => child.on('message', (message: WorkerMessage) => listener(message)),
    onExit: (listener) => exitListeners.push(listener),
    // The app's life is not tied to its utility processes: Electron ends them when it quits.
    hold: () => undefined,
    kill: () => void child.kill(),
  };
};
