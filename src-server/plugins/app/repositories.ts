import type { FastifyInstance } from 'fastify';
import { AnalysisRepository } from '../../repositories/analysis.js';
import { LabelsRepository } from '../../repositories/labels.js';
import { MediaRepository } from '../../repositories/media.js';
import { ModelsRepository } from '../../repositories/models.js';
import { ProjectsRepository } from '../../repositories/projects.js';
import { RefreshTokensRepository } from '../../repositories/refresh-tokens.js';
import { TrainingRepository } from '../../repositories/training.js';
import { UsersRepository } from '../../repositories/users.js';
import { globalPlugin } from '../global-plugin.js';

export interface Repositories {
  users: UsersRepository;
  refreshTokens: RefreshTokensRepository;
  projects: ProjectsRepository;
  media: MediaRepository;
  labels: LabelsRepository;
  analysis: AnalysisRepository;
  training: TrainingRepository;
  models: ModelsRepository;
}

declare module 'fastify' {
  interface FastifyInstance {
    repos: Repositories;
  }
}

/** One repository per table group, over the one database. */
export default globalPlugin('repositories', async (app: FastifyInstance) => {
  const db = app.db;
  app.decorate('repos', {
    users: new UsersRepository(db),
    refreshTokens: new RefreshTokensRepository(),
    projects: new ProjectsRepository(db, app.readCache),
    media: new MediaRepository(db),
    labels: new LabelsRepository(db, app.readCache),
    analysis: new AnalysisRepository(db),
    training: new TrainingRepository(db),
    models: new ModelsRepository(db),
  });
});
