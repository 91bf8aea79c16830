/**
 * The contract's dataset domains: `images`, `classes`, `annotations` (the labeler's gestures),
 * `stats` and `splits`, each bound to the open project, each emitting what its writes changed.
 */
import type { StudioEmitter, StudioServices } from '@shared';
import type { ProjectSession } from '../project/project-session.js';
import type { ProjectEvents } from '../project/project-events.js';
import { datasetStats } from './stats.js';
import { datasetHealth } from './health.js';
import { applySplits, pinSplits, splitSummary } from './project-splits.js';

export interface DatasetServicesDeps {
  session: ProjectSession;
  emit: () => StudioEmitter;
  events: ProjectEvents;
}

export function createDatasetServices(deps: DatasetServicesDeps): Pick<StudioServices, 'images' | 'classes' | 'annotations' | 'stats' | 'splits'> {
  const { session, events } = deps;
  const store = () => session.require().store;
  const classesListed = () => deps.emit().classes.onChanged(store().classes.list());

  return {
    images: {
      list: ({ filter, offset, limit }) => store().images.list(filter, offset, limit),
      get: ({ id }) => store().images.get(id),
      counts: () => store().images.counts(),
      setStatus: ({ ids, status }) => {
        const updated = store().images.setStatus(ids, status);
        deps.emit().images.onChanged({ reason: 'edit' });
        return { updated };
      },
      next: ({ afterId, direction, filter }) => store().images.next(afterId, direction, filter),
    },
    classes: {
      list: () => store().classes.list(),
      create: ({ name, color }) => {
        const created = store().classes.create(name, color);
        classesListed();
        return created;
      },
      update: ({ id, name, color }) => {
        const updated = store().classes.update(id, { name, color });
        classesListed();
        return updated;
      },
      reorder: ({ ids }) => {
        const list = store().classes.reorder(ids);
        deps.emit().classes.onChanged(list);
        return list;
      },
      impact: ({ id }) => store().classes.impact(id),
      delete: ({ id }) => {
        const impact = store().classes.delete(id);
        events.classesChanged();
        return impact;
      },
      merge: ({ sourceId, targetId }) => {
        const impact = store().classes.merge(sourceId, targetId);
        events.classesChanged();
        return impact;
      },
    },
    annotations: {
      forImage: ({ imageId }) => {
        const s = store();
        s.images.get(imageId);
        return s.annotations.forImage(imageId);
      },
      apply: ({ imageId, changes }) => {
        const result = session.require().editor.apply(imageId, changes);
        deps.emit().annotations.onChanged({ imageId });
        events.imagesEdited();
        return result;
      },
    },
    stats: {
      dataset: () => datasetStats(store()),
      health: () => {
        const { store: s, media } = session.require();
        return datasetHealth(s, media);
      },
    },
    splits: {
      get: () => splitSummary(store()),
      apply: ({ ratios, seed }) => {
        const summary = applySplits(store(), { ratios, seed });
        deps.emit().images.onChanged({ reason: 'edit' });
        return summary;
      },
      pin: ({ ids, split }) => {
        const summary = pinSplits(store(), ids, split);
        deps.emit().images.onChanged({ reason: 'edit' });
        return summary;
      },
    },
  };
}
