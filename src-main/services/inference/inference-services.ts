/**
 * The contract's `inference` and `suggestions` domains: models, predictions and auto-label, and
 * the review of what a model suggested. Accepting suggestions relabels images.
 */
import type { StudioServices } from '@shared';
import type { InferenceEngine } from './inference-engine.js';
import type { ExternalImages } from '../media/external-images.js';
import type { ProjectEvents } from '../project/project-events.js';

interface InferenceServicesDeps {
  inference: InferenceEngine;
  /** Folders outside the project opened for a model preview. */
  externalImages: ExternalImages;
  events: ProjectEvents;
}

export function createInferenceServices(deps: InferenceServicesDeps): Pick<StudioServices, 'inference' | 'suggestions'> {
  const { inference, events } = deps;
  return {
    inference: {
      loadModel: (source) => inference.loadModel(source),
      predict: (request) => inference.predict(request),
      autolabel: (request) => inference.autolabel(request),
      openFolder: ({ dir }) => deps.externalImages.open(dir),
    },
    suggestions: {
      forImage: ({ imageId }) => inference.forImage(imageId),
      accept: ({ ids }) => {
        const result = inference.accept(ids);
        if (result.accepted.length) events.imagesEdited();
        return result;
      },
      acceptAbove: ({ imageId, minConfidence }) => {
        const result = inference.acceptAbove(imageId, minConfidence);
        if (result.accepted.length) events.imagesEdited();
        return result;
      },
      reject: ({ ids }) => inference.reject(ids),
      reviewQueue: ({ limit, offset }) => inference.reviewQueue(limit, offset),
    },
  };
}
