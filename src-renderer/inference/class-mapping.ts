/**
 * Which of a pretrained model's classes auto-label keeps, and as which project class. A COCO
 * detector has 80 classes and a project wants a few: a row per model class, kept at first only
 * where the project already has a class of that name (any case), under the project's spelling.
 * The kept rows become auto-label's `classMap` (model name → project class name).
 */

export interface ClassMappingRow {
  /** The class as the model names it. */
  modelName: string;
  keep: boolean;
  /** The project class its predictions become (created when the project lacks it). */
  target: string;
}

const fold = (name: string) => name.trim().toLowerCase();

/** The first rows for a model: a class is kept where the project has one of its name, in any case. */
export function initialMapping(modelNames: readonly string[], projectClasses: readonly string[]): ClassMappingRow[] {
  const byFolded = new Map(projectClasses.map((name) => [fold(name), name]));
  return modelNames.map((modelName) => {
    const existing = byFolded.get(fold(modelName));
    return { modelName, keep: existing !== undefined, target: existing ?? modelName };
  });
}

/** What auto-label is asked to keep: the kept rows, each as its project class. */
export function classMapOf(rows: readonly ClassMappingRow[]): Record<string, string> {
  return Object.fromEntries(rows.filter((r) => r.keep).map((r) => [r.modelName, r.target.trim()]));
}

/** Rows whose model class or project class contains the query (any case); all for an empty query. */
export function searchMapping(rows: readonly ClassMappingRow[], query: string): ClassMappingRow[] {
  const q = fold(query);
  return q ? rows.filter((r) => fold(r.modelName).includes(q) || fold(r.target).includes(q)) : [...rows];
}

/**
 * Why a kept row cannot be sent as it is, or null: an empty name, or one that differs from a
 * project class only in case (main refuses such a map before writing anything; saying so here
 * saves the round trip).
 */
export function mappingProblem(row: ClassMappingRow, projectClasses: readonly string[]): string | null {
  if (!row.keep) return null;
  const target = row.target.trim();
  if (!target) return 'name a project class';
  const clash = projectClasses.find((name) => name !== target && fold(name) === fold(target));
  return clash === undefined ? null : `differs from the project's class "${clash}" only in case`;
}
