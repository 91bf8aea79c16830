/** The training page and its store, for the project view and the studio's composition. */
export { TrainingPage, type TrainingPageProps } from './TrainingPage.js';
export { createTrainingStore, type TrainingState } from './training-store.js';
export type { InstallMode, RuntimeInstall } from './runtime-slice.js';
