/**
 * The labeler's session: the stores of one open image (document, history, tool, viewport) and
 * the autosave queue, and the edits a user makes with the keyboard or the panels. Every edit is a
 * list of `AnnotationChange`s that goes through `commit`: applied to the document, recorded as
 * one undo step, and queued for the studio at once.
 *
 * History is kept per image for the whole session. Going back to an image finds its stack as it
 * was, unless the annotations the studio holds differ from what the labeler left there (another
 * window edited them, or a save was refused): then that image's stack is cleared, since its
 * diffs would no longer apply.
 */
import type { StoreApi } from 'zustand/vanilla';
import type { Annotation, AnnotationApplyResult, AnnotationChange, BoxAnnotation, ClassDef, ImageRecord, ProjectInfo, StudioApi, Suggestion } from '@shared';
import { createAutosaveStore, type AutosaveState } from './autosave-store.js';
import { copyBoxesTo, pasteBoxes, type BoxClipboard } from './clipboard.js';
import { findTarget, type FocusTarget, type LabelerFocus } from './focus.js';
import { createDocumentStore, effectiveChanges, sameAnnotations, type AnnotationMap, type DocumentState } from './document-store.js';
import { createHistoryStore, type HistoryState } from './history-store.js';
import { newAnnotationId } from './ids.js';
import { BoxTool } from './tools/box-tool.js';
import { createToolStore, type ToolStoreState } from './tools/tool-store.js';
import { createViewportStore, type ViewportState } from './viewport-store.js';
import { createSuggestionsStore, type SuggestionsState } from '../inference/suggestions-store.js';

interface LabelerSessionDeps {
  api: StudioApi;
  classes(): readonly ClassDef[];
  project(): ProjectInfo | null;
  /** The studio stored a batch: the image's status and count may have changed. */
  onImageSaved?(result: AnnotationApplyResult): void;
  newId?(): string;
  backoff?: { initialMs?: number; maxMs?: number };
}

export interface LabelerSession {
  document: StoreApi<DocumentState>;
  history: StoreApi<HistoryState>;
  autosave: StoreApi<AutosaveState>;
  tool: StoreApi<ToolStoreState>;
  viewport: StoreApi<ViewportState>;
  boxTool: BoxTool;
  /** The open image's model suggestions (not part of the document or its history). */
  suggestions: StoreApi<SuggestionsState>;

  /**
   * Opens an image: its size at once, its annotations once nothing of ours for it is unsaved.
   * `focus` names the drawn box to select and the suggestion to pick once they are there.
   */
  load(image: ImageRecord, isCurrent?: () => boolean, focus?: LabelerFocus): Promise<void>;
  /** Nothing open any more (the labeler closed). */
  unload(): void;
  /** The image whose annotations are loaded; null while loading or closed. */
  imageId(): number | null;
  /** One gesture: applies, records and saves it. False when it changed nothing. */
  commit(changes: AnnotationChange[]): boolean;
  undo(): boolean;
  redo(): boolean;
  /** Esc: cancels a gesture in progress, else lets go of the selection; false when neither. */
  cancel(): boolean;
  deleteSelection(): number;
  selectAll(): void;
  /** With a selection: sets its class (one undo step). Without: the class new boxes get. */
  setClass(classId: number): void;
  copySelection(): number;
  paste(): number;
  /** Copies every box of the image before this one (in the project's order) onto this one. */
  copyFromPrevious(): Promise<number>;
  /** Classification: one tag per image (replacing) or, multi-label, toggles it. */
  tag(classId: number): void;
  /** The pending suggestion `Y` and `X` act on: the one picked, else the most confident; null when none. */
  nextSuggestion(): Suggestion | null;
  /**
   * Accepts that suggestion (`all`: every pending one) once our own edits of the image are saved,
   * and selects the boxes it became. How many were accepted; null when none was pending.
   */
  acceptSuggestions(all: boolean): Promise<number | null>;
  /** Rejects that suggestion; false when none was pending. */
  rejectSuggestion(): Promise<boolean>;
  /** The studio says the image's annotations changed elsewhere. */
  changedElsewhere(imageId: number): Promise<void>;
  /** The classes changed: drop a vanished active class; deletions and merges make stacks stale. */
  classesChanged(classes: readonly ClassDef[], structural: boolean): void;
  /** Another project is open: forget everything, queued saves included (flush first). */
  reset(): void;
  dispose(): void;
}

/** Edits made while an image was loading are refused; this says why. */
const NOT_READY = 'The image is still loading.';

export function createLabelerSession(deps: LabelerSessionDeps): LabelerSession {
  const { api } = deps;
  const newId = deps.newId ?? newAnnotationId;
  const document = createDocumentStore();
  const history = createHistoryStore();
  const tool = createToolStore();
  const viewport = createViewportStore();
  /** The annotations the labeler left each image with: compared on return to keep its history. */
  const lastKnown = new Map<number, AnnotationMap>();
  let image: ImageRecord | null = null;
  let clipboard: BoxClipboard | null = null;
  let loadTicket = 0;
  let disposed = false;
  /** The suggestion to pick once the open image's suggestions arrive (they load apart). */
  let suggestionFocus: { imageId: number; target: FocusTarget } | null = null;

  const autosave = createAutosaveStore({
    apply: (imageId, changes) => api.annotations.apply({ imageId, changes }),
    backoff: deps.backoff,
    onSaved(result, settled) {
      deps.onImageSaved?.(result);
      const doc = document.getState();
      // What the studio stored should be what the labeler shows; where it is not (the studio
      // clamped a box differently), take the studio's word once nothing more is on its way.
      if (settled && doc.imageId === result.imageId && tool.getState().state === 'idle' && !sameAnnotations(doc.byId, result.annotations)) {
        document.getState().load(result.imageId, result.annotations);
        pruneSelection();
      }
      if (settled && doc.imageId !== result.imageId) lastKnown.set(result.imageId, new Map(result.annotations.map((a) => [a.id, a])));
    },
    onRejected(imageId, error) {
      console.error(`Reticle: the studio refused changes to image ${imageId}`, error);
      history.getState().clear(imageId);
      lastKnown.delete(imageId);
      if (document.getState().imageId === imageId) void reloadOpen(imageId, true);
    },
  });

  const pruneSelection = () => {
    const { byId } = document.getState();
    const selected = tool.getState().selectedIds;
    if ([...selected].some((id) => !byId.has(id))) tool.getState().select([...selected].filter((id) => byId.has(id)));
  };

  const suggestions = createSuggestionsStore({
    api,
    // Accepted suggestions are annotations now: show them (unless our own edits are on their way).
    annotationsChanged: (imageId) => session.changedElsewhere(imageId),
  });

  /** The open image's suggestions, once loaded; empty while another image's are shown. */
  const pendingSuggestions = (): Suggestion[] => {
    const s = suggestions.getState();
    return s.imageId !== null && s.imageId === document.getState().imageId ? s.items : [];
  };

  /** Picks the suggestion the image was opened for, once the image's suggestions are there. */
  const pickFocusedSuggestion = () => {
    const { imageId, items } = suggestions.getState();
    if (!suggestionFocus || imageId !== suggestionFocus.imageId || items.length === 0) return;
    tool.getState().pickSuggestion(findTarget(items, suggestionFocus.target));
    suggestionFocus = null;
  };

  suggestions.subscribe((s) => {
    pickFocusedSuggestion();
    // A picked suggestion that was accepted or rejected (or belongs to another image) is gone.
    const picked = tool.getState().suggestionId;
    if (picked !== null && !s.items.some((sg) => sg.id === picked)) tool.getState().pickSuggestion(null);
  });

  const boxTool = new BoxTool({
    store: tool,
    image: () => (image && document.getState().imageId === image.id ? { width: image.width, height: image.height } : null),
    annotations: () => document.getState().byId,
    isHidden: (classId) => viewport.getState().hiddenClassIds.has(classId),
    scale: () => viewport.getState().scale,
    newId,
    commit: (changes) => void session.commit(changes),
  });

  const ensureActiveClass = () => {
    const classes = deps.classes();
    const active = tool.getState().activeClassId;
    if (active !== null && classes.some((c) => c.id === active)) return;
    tool.getState().setActiveClass(classes[0]?.id ?? null);
  };

  /** Replaces the open image's annotations with the studio's; `force` also when ours are pending. */
  const reloadOpen = async (imageId: number, force = false) => {
    if (!force && autosave.getState().hasPending(imageId)) return;
    await autosave.getState().flush(imageId);
    const version = document.getState().version;
    const annotations = await api.annotations.forImage({ imageId });
    const doc = document.getState();
    if (doc.imageId !== imageId || (!force && doc.version !== version) || autosave.getState().hasPending(imageId)) return;
    if (sameAnnotations(doc.byId, annotations)) return;
    boxTool.cancel();
    history.getState().clear(imageId);
    document.getState().load(imageId, annotations);
    pruneSelection();
  };

  const applyToDocument = (changes: readonly AnnotationChange[]): AnnotationChange[] | null => {
    try {
      return document.getState().apply(changes);
    } catch (err) {
      console.error('Reticle: an edit did not apply to the document', err);
      return null;
    }
  };

  const session: LabelerSession = {
    document,
    history,
    autosave,
    tool,
    viewport,
    boxTool,
    suggestions,

    async load(next, isCurrent = () => true, focus) {
      const ticket = ++loadTicket;
      session.unload();
      image = next;
      viewport.getState().setImageSize({ width: next.width, height: next.height });
      ensureActiveClass();
      // Our own unsaved edits of this image must land before we read it back.
      await autosave.getState().flush(next.id);
      const annotations = await api.annotations.forImage({ imageId: next.id });
      if (ticket !== loadTicket || !isCurrent() || disposed) return;
      const known = lastKnown.get(next.id);
      if (known && !sameAnnotations(known, annotations)) history.getState().clear(next.id);
      if (!known) history.getState().clear(next.id);
      document.getState().load(next.id, annotations);
      if (focus?.annotation) {
        const id = findTarget(annotations, focus.annotation);
        if (id !== null) tool.getState().select([id]);
      }
      if (focus?.suggestion) {
        suggestionFocus = { imageId: next.id, target: focus.suggestion };
        pickFocusedSuggestion();
      }
    },

    unload() {
      boxTool.cancel();
      const doc = document.getState();
      if (doc.imageId !== null) lastKnown.set(doc.imageId, doc.byId);
      tool.getState().select([]);
      tool.setState({ suggestionId: null, hoverId: null, hoverHandle: null, notice: null });
      suggestionFocus = null;
      viewport.getState().setPointer(null);
      if (doc.imageId !== null || doc.byId.size > 0) document.getState().load(null, []);
      if (suggestions.getState().imageId !== null) void suggestions.getState().load(null);
      image = null;
    },

    imageId() {
      return document.getState().imageId;
    },

    commit(changes) {
      const imageId = document.getState().imageId;
      if (imageId === null) {
        tool.getState().setNotice(NOT_READY);
        return false;
      }
      const effective = effectiveChanges(document.getState().byId, changes);
      if (effective.length === 0) return false;
      const inverse = applyToDocument(effective);
      if (!inverse) return false;
      history.getState().record(imageId, { redo: effective, undo: inverse });
      autosave.getState().enqueue(imageId, effective);
      tool.getState().setNotice(null);
      return true;
    },

    undo() {
      const imageId = document.getState().imageId;
      if (imageId === null) return false;
      boxTool.cancel();
      const entry = history.getState().takeUndo(imageId);
      if (!entry) return false;
      if (!applyToDocument(entry.undo)) {
        history.getState().clear(imageId);
        return false;
      }
      autosave.getState().enqueue(imageId, entry.undo);
      pruneSelection();
      return true;
    },

    redo() {
      const imageId = document.getState().imageId;
      if (imageId === null) return false;
      boxTool.cancel();
      const entry = history.getState().takeRedo(imageId);
      if (!entry) return false;
      if (!applyToDocument(entry.redo)) {
        history.getState().clear(imageId);
        return false;
      }
      autosave.getState().enqueue(imageId, entry.redo);
      pruneSelection();
      return true;
    },

    cancel() {
      if (boxTool.cancel()) return true;
      if (tool.getState().selectedIds.size > 0) {
        tool.getState().select([]);
        return true;
      }
      return false;
    },

    deleteSelection() {
      const ids = [...tool.getState().selectedIds].filter((id) => document.getState().byId.has(id));
      if (ids.length === 0) return 0;
      boxTool.cancel();
      session.commit(ids.map((id) => ({ op: 'delete', id })));
      tool.getState().select([]);
      return ids.length;
    },

    selectAll() {
      boxTool.cancel();
      const hidden = viewport.getState().hiddenClassIds;
      tool.getState().select([...document.getState().byId.values()].filter((a) => a.kind === 'box' && !hidden.has(a.classId)).map((a) => a.id));
    },

    setClass(classId) {
      if (!deps.classes().some((c) => c.id === classId)) return;
      const { byId } = document.getState();
      const ids = [...tool.getState().selectedIds].filter((id) => byId.has(id));
      if (ids.length > 0 && tool.getState().state === 'idle') {
        session.commit(ids.map((id) => ({ op: 'update', id, patch: { classId } })));
      }
      tool.getState().setActiveClass(classId);
    },

    copySelection() {
      const imageId = document.getState().imageId;
      if (imageId === null) return 0;
      const { byId } = document.getState();
      const boxes: BoxAnnotation[] = [];
      for (const id of tool.getState().selectedIds) {
        const a = byId.get(id);
        if (a?.kind === 'box') boxes.push(a);
      }
      if (boxes.length === 0) return 0;
      clipboard = { sourceImageId: imageId, boxes: boxes.map(({ classId, x, y, w, h }) => ({ classId, x, y, w, h })), pastes: 0 };
      return boxes.length;
    },

    paste() {
      const imageId = document.getState().imageId;
      if (!clipboard || imageId === null || !image) return 0;
      const { boxes, clipboard: next } = pasteBoxes(clipboard, imageId, image, newId);
      if (boxes.length === 0) return 0;
      boxTool.cancel();
      if (!session.commit(boxes.map((annotation) => ({ op: 'create', annotation })))) return 0;
      clipboard = next;
      tool.getState().select(boxes.map((b) => b.id));
      return boxes.length;
    },

    async copyFromPrevious() {
      const current = image;
      if (!current || document.getState().imageId !== current.id) return 0;
      const previous = await api.images.next({ afterId: current.id, direction: 'previous', filter: { kind: 'all' } });
      if (!previous) {
        tool.getState().setNotice('This is the first image: there is none before it.');
        return 0;
      }
      await autosave.getState().flush(previous.id);
      const theirs = (await api.annotations.forImage({ imageId: previous.id })).filter((a): a is BoxAnnotation => a.kind === 'box');
      if (image !== current || document.getState().imageId !== current.id) return 0;
      const boxes = copyBoxesTo(theirs, current, newId);
      if (boxes.length === 0) {
        tool.getState().setNotice(`${previous.name} has no boxes to copy.`);
        return 0;
      }
      boxTool.cancel();
      session.commit(boxes.map((annotation) => ({ op: 'create', annotation })));
      tool.getState().select(boxes.map((b) => b.id));
      return boxes.length;
    },

    tag(classId) {
      const { byId, imageId } = document.getState();
      if (imageId === null) {
        tool.getState().setNotice(NOT_READY);
        return;
      }
      if (!deps.classes().some((c) => c.id === classId)) return;
      const tags = [...byId.values()].filter((a): a is Annotation & { kind: 'tag' } => a.kind === 'tag');
      const existing = tags.find((t) => t.classId === classId);
      const changes: AnnotationChange[] = [];
      if (deps.project()?.multiLabel) {
        if (existing) changes.push({ op: 'delete', id: existing.id });
        else changes.push({ op: 'create', annotation: { id: newId(), classId, kind: 'tag', source: 'manual' } });
      } else {
        for (const t of tags) if (t !== existing) changes.push({ op: 'delete', id: t.id });
        if (!existing) changes.push({ op: 'create', annotation: { id: newId(), classId, kind: 'tag', source: 'manual' } });
      }
      if (changes.length > 0) session.commit(changes);
    },

    nextSuggestion() {
      const items = pendingSuggestions();
      const picked = tool.getState().suggestionId;
      return items.find((sg) => sg.id === picked) ?? items[0] ?? null;
    },

    async acceptSuggestions(all) {
      const imageId = document.getState().imageId;
      const chosen = all ? pendingSuggestions() : [session.nextSuggestion()].filter((sg) => sg !== null);
      if (imageId === null || chosen.length === 0) return null;
      // A box deleted just before must be gone in the studio before the model's box arrives, or
      // reloading the image to show the accepted box would wait for (and race) that save.
      boxTool.cancel();
      await autosave.getState().flush(imageId);
      const result = await suggestions.getState().accept(chosen.map((sg) => sg.id));
      if (!result) return 0;
      // The boxes it became are selected, as pasted ones are: a digit gives them another class.
      const { byId } = document.getState();
      if (document.getState().imageId === imageId) tool.getState().select(result.annotationIds.filter((id) => byId.get(id)?.kind === 'box'));
      return result.annotationIds.length;
    },

    async rejectSuggestion() {
      const chosen = session.nextSuggestion();
      if (!chosen) return false;
      return (await suggestions.getState().reject([chosen.id])) > 0;
    },

    async changedElsewhere(imageId) {
      if (document.getState().imageId === imageId) {
        await reloadOpen(imageId);
        return;
      }
      // Not open: its stack stays valid only if what we left there is still what it holds;
      // that is checked when the image is opened again.
    },

    classesChanged(classes, structural) {
      ensureActiveClass();
      if (structural) {
        // A class was deleted or merged: annotations moved or went away behind the stacks' backs.
        history.getState().clearAll();
        lastKnown.clear();
        const open = document.getState().imageId;
        if (open !== null) void reloadOpen(open, true);
      }
      const ids = new Set(classes.map((c) => c.id));
      const hidden = viewport.getState().hiddenClassIds;
      if ([...hidden].some((id) => !ids.has(id))) viewport.setState({ hiddenClassIds: new Set([...hidden].filter((id) => ids.has(id))) });
    },

    reset() {
      session.unload();
      // Anything still queued was made in the project that just closed: its image ids mean
      // other images in the next one.
      autosave.getState().reset();
      history.getState().clearAll();
      lastKnown.clear();
      clipboard = null;
      tool.getState().setActiveClass(null);
      viewport.getState().showAllClasses();
    },

    dispose() {
      disposed = true;
      autosave.getState().reset();
    },
  };
  return session;
}
