/**
 * The desktop app's inference worker: an Electron utility process, the process Electron provides
 * for native work that must not share the main process's fate (a crash in ONNX Runtime or libvips
 * ends the utility process, not the app). Node's fork would need the RunAsNode fuse, which the
 * app turns off (electron-builder.yml).
 */
import { utilityProcess } from 'electron';
import { exitNotice, exitReason, inferenceWorkerEnv, type InferenceProcessLauncher } from '../services/inference/inference-process.js';
import type { WorkerMessage } from '../services/inference/worker-protocol.js';

export const utilityInferenceProcess: InferenceProcessLauncher = (script) => {
  const child = utilityProcess.fork(script, [], { serviceName: 'Reticle inference', stdio: 'inherit', env: inferenceWorkerEnv() });
  const exit = exitNotice();
  child.on('exit', (code) => exit.end(exitReason(code)));
  return {
    get pid() {
      return child.pid;
    },
    send: (message) => child.postMessage(message),
    onMessage: (listener) => child.on('message', (message: WorkerMessage) => listener(message)),
    onExit: exit.listen,
    // The app's life is not tied to its utility processes: Electron ends them when it quits.
    hold: () => undefined,
    kill: () => void child.kill(),
  };
};
