export * from './domain.js';
export * from './errors.js';
export * from './schemas.js';
export * from './contract/define.js';
export * from './contract/studio.js';
export * from './contract/client.js';
export * from './contract/wire.js';
export * from './runtime-protocol.js';
