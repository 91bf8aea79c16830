// TEST DOUBLE: what Electron gives a utility process, `process.parentPort`, for a script that
// the Electron test double's `utilityProcess.fork` runs in a Node child. It is not Electron:
// messages cross Node's IPC channel and are delivered as Electron delivers them, as `{ data }`
// events, held until the script listens (Electron's port starts with its first listener).
import { EventEmitter } from 'node:events';

const parentPort = new EventEmitter();
const held = [];
parentPort.postMessage = (message) => process.send(message);
parentPort.on('newListener', (event) => {
  if (event === 'message') setImmediate(() => held.splice(0).forEach((data) => parentPort.emit('message', { data })));
});
process.on('message', (data) => {
  if (parentPort.listenerCount('message') === 0 || held.length) held.push(data);
  else parentPort.emit('message', { data });
});
process.parentPort = parentPort;
