/**
 * How a model's classes become the project's. By default by name (the same name, else the same
 * name in any case). With a class map (auto-label from a pretrained COCO detector: keep "car"
 * and "truck" as "vehicle", ignore the other 78), only the mapped classes are kept, and the
 * project classes the map names but the project lacks are created. A map that would make a
 * second class differing from an existing one only in case or spaces is refused before anything
 * is written.
 */
import { StudioError, type ClassDef, type ClassMappingEntry } from '@shared';

const loose = (name: string) => name.trim().toLowerCase();

/** Maps model class names to project classes: the same name, else the same name in any case. */
export function mapClasses(names: readonly string[], classes: readonly ClassDef[]): ClassMappingEntry[] {
  const exact = new Map(classes.map((c) => [c.name, c.id]));
  const byLoose = new Map(classes.map((c) => [loose(c.name), c.id]));
  return names.map((modelName, classIndex) => ({
    classIndex,
    modelName,
    classId: exact.get(modelName) ?? byLoose.get(loose(modelName)) ?? null,
  }));
}

export interface ClassMapPlan {
  /** Project classes to create first. */
  create: string[];
  /** Model index → the project class name it becomes, or null when it is ignored. */
  targets: (string | null)[];
}

/**
 * Checks a class map against the model's names and the project's classes.
 *
 * @throws StudioError `invalid_input` naming a model class the model does not have, or a target
 *   that clashes with an existing class (or another target) by case or spaces only
 */
export function planClassMap(names: readonly string[], classes: readonly ClassDef[], map: Readonly<Record<string, string | null>>): ClassMapPlan {
  const known = new Set(names);
  const unknown = Object.keys(map).filter((n) => !known.has(n));
  if (unknown.length) {
    throw new StudioError('invalid_input', `The model has no class ${unknown.slice(0, 5).map((n) => JSON.stringify(n)).join(', ')}${unknown.length > 5 ? ` (and ${unknown.length - 5} more)` : ''}. Its classes: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''}.`);
  }
  const existing = new Map(classes.map((c) => [loose(c.name), c.name]));
  const exact = new Set(classes.map((c) => c.name));
  const creating = new Map<string, string>();
  const clashes: string[] = [];
  for (const target of Object.values(map)) {
    if (target === null || exact.has(target)) continue;
    const other = existing.get(loose(target)) ?? creating.get(loose(target));
    if (other !== undefined && other !== target) clashes.push(`"${target}" clashes with ${exact.has(other) ? 'the project\'s class' : 'another mapped name,'} "${other}"`);
    else creating.set(loose(target), target);
  }
  if (clashes.length) {
    throw new StudioError('invalid_input', `The class mapping would make classes that differ only in case or spaces: ${clashes.join('; ')}. Map to the existing name instead. Nothing was written.`);
  }
  return { create: [...creating.values()], targets: names.map((n) => map[n] ?? null) };
}

/** The mapping a plan gives, once its classes exist. */
export function mappingFromPlan(names: readonly string[], plan: ClassMapPlan, classes: readonly ClassDef[]): ClassMappingEntry[] {
  const ids = new Map(classes.map((c) => [c.name, c.id]));
  return names.map((modelName, classIndex) => ({ classIndex, modelName, classId: plan.targets[classIndex] === null ? null : (ids.get(plan.targets[classIndex]!) ?? null) }));
}
