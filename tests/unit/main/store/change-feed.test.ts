/** What another process changed reaches a studio; its own writes do not come back to it. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProjectStore } from '../../../../src-main/services/store/project-store.js';
import { tempDir } from '../../helpers/images.js';

const image = (n: number) => ({ hash: n.toString(16).padStart(64, '0'), ext: '.jpg', format: 'jpeg', name: `${n}.jpg`, originalPath: `/${n}.jpg`, width: 640, height: 480, bytes: 10 });

function twoConnections() {
  const dir = path.join(tempDir(), 'p');
  const studio = ProjectStore.create(dir, { name: 'p', task: 'detect' });
  const other = ProjectStore.open(dir);
  return { studio, other, feed: studio.changeFeed() };
}

describe('ChangeFeed', () => {
  it("reports another connection's new images, their labels and new classes, once", () => {
    const { studio, other, feed } = twoConnections();
    expect(feed.poll()).toBeNull();
    const { ids } = other.classes.ensure(['cat']);
    const a = other.images.insert(image(1));
    const b = other.images.insert(image(2));
    other.annotations.insertMany(b, [{ kind: 'box', classId: ids.get('cat')!, x: 1, y: 2, w: 3, h: 4 }]);
    const changes = feed.poll();
    expect(changes).toMatchObject({ imagesAdded: true, classes: true, annotations: [b], overflow: false });
    expect(a).toBeLessThan(b);
    expect(feed.poll()).toBeNull();
    studio.dispose();
    other.dispose();
  });

  it("leaves out this connection's own writes, also when both wrote between two looks", () => {
    const { studio, other, feed } = twoConnections();
    const { ids } = studio.classes.ensure(['cat']);
    const mine = studio.images.insert(image(1));
    studio.annotations.insertMany(mine, [{ kind: 'box', classId: ids.get('cat')!, x: 1, y: 2, w: 3, h: 4 }]);
    expect(feed.poll()).toBeNull();
    const theirs = other.images.insert(image(2));
    studio.images.setStatus([mine], 'done');
    other.annotations.insertMany(theirs, [{ kind: 'box', classId: ids.get('cat')!, x: 1, y: 2, w: 3, h: 4 }]);
    const changes = feed.poll();
    expect(changes).toMatchObject({ imagesAdded: true, imagesEdited: false, classes: false, annotations: [theirs] });
    studio.dispose();
    other.dispose();
  });

  it("keeps none of this connection's own rows once a look has passed them, while nobody else writes", () => {
    const { studio, other, feed } = twoConnections();
    const own = studio.db.prepare('SELECT COUNT(*) FROM temp.own_changes').pluck();
    for (let n = 1; n <= 50; n++) studio.images.insert(image(n));
    expect(own.get()).toBe(50);
    expect(feed.poll()).toBeNull();
    expect(own.get()).toBe(0);
    // The mark moved past them: another process's next write is still reported, once.
    const theirs = other.images.insert(image(99));
    expect(feed.poll()).toMatchObject({ imagesAdded: true });
    expect(theirs).toBe(51);
    expect(feed.poll()).toBeNull();
    studio.dispose();
    other.dispose();
  });

  it('reports runs and suggestions by id, and a change too large to list as an overflow', () => {
    const { studio, other, feed } = twoConnections();
    const { ids } = other.classes.ensure(['cat']);
    other.db
      .prepare("INSERT INTO runs (id, name, status, spec, model, epochs, created_at) VALUES ('r1', 'run 1', 'running', '{}', 'yolo11n', 3, 'now')")
      .run();
    const img = other.images.insert(image(1));
    other.db
      .prepare("INSERT INTO suggestions (id, image_id, class_id, kind, x, y, w, h, confidence, model_id, created_at) VALUES ('s1', ?, ?, 'box', 1, 1, 2, 2, 0.5, 'm', 'now')")
      .run(img, ids.get('cat')!);
    expect(feed.poll()).toMatchObject({ runs: ['r1'], suggestions: [img] });
    for (let n = 10; n < 5200; n++) other.images.insert(image(n));
    const big = feed.poll();
    expect(big).toMatchObject({ imagesAdded: true, overflow: true });
    // The rest comes with the next look; nothing is reported twice.
    expect(feed.poll()).toMatchObject({ imagesAdded: true, overflow: false });
    expect(feed.poll()).toBeNull();
    studio.dispose();
    other.dispose();
  });
});
