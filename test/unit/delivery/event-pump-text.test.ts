import { expect } from 'chai';
import sinon from 'sinon';
import { normalizeEvent } from '@jobhook/host';
import { GUID_A, event, tempDir, type TempDir } from '../../support/foundation-plugins.js';
import { captureLogs } from '../../support/log-capture.js';
import { Dispatcher } from '../../../host/dist/delivery/dispatcher.js';
import { EventPump } from '../../../host/dist/delivery/event-pump.js';
import type { EventStore } from '../../../host/dist/store/event-store.js';
import { MemoryEventStore } from '../../../host/dist/store/memory/memory-event-store.js';
import { SqliteEventStore } from '../../../host/dist/store/sqlite/sqlite-event-store.js';
import type { Route } from '../../../host/dist/plugins/registry/routing-table.js';

// Only this event carries it, so any JSON call that touches the event shows it.
const MARKER = 'marker-5d1f0c6e';

const stores: Array<[string, (dir: string) => EventStore]> = [
  ['SQLite', (dir) => SqliteEventStore.open(dir)],
  ['memory', () => new MemoryEventStore()],
];

for (const [name, open] of stores) {
  describe(`the dispatcher loop over the ${name} store: an event's JSON text`, () => {
    let tmp: TempDir;
    let store: EventStore;
    beforeEach(async () => {
      tmp = await tempDir('jobhook-pump-text-');
      store = open(tmp.path);
    });
    afterEach(async () => {
      sinon.restore();
      await store.close();
      await tmp.dispose();
    });

    it('reaches the sandbox as the store holds it, neither parsed nor stringified on the way', async () => {
      const normalized = normalizeEvent(event(GUID_A, { username: MARKER }));
      const { id } = await store.append(normalized);
      const seen: string[] = [];
      // The plugin instance stands in for the sandbox: the text it is handed is what an isolate gets.
      const instance = {
        id: 'p.text',
        version: '1.0.0',
        invoke: async (_handler: string, _jobId: string, eventJson: string) => {
          seen.push(eventJson);
          return { outcome: 'succeeded' as const };
        },
      };
      const route = { instance, handler: 'H' } as unknown as Route;
      const routes = { routes: (t: string) => (t === GUID_A ? [route] : []) };
      const { logger } = captureLogs();
      const pump = new EventPump({ store, routes, logger, dispatcher: new Dispatcher(routes, logger) });
      const parse = sinon.spy(JSON, 'parse');
      const stringify = sinon.spy(JSON, 'stringify');
      const done = pump.whenDone(id, 10_000, async () => false);
      await pump.start();
      expect(await done).to.equal(true);
      await pump.stop(1000);
      const touched = (values: unknown[]) => values.some((v) => typeof v === 'string' && v.includes(MARKER)) || values.some((v) => (v as { username?: string } | null)?.username === MARKER);
      const parses = parse.getCalls().filter((c) => touched([...c.args, c.returnValue]));
      const stringifies = stringify.getCalls().filter((c) => touched([...c.args, c.returnValue]));
      sinon.restore();
      expect(parses.length, 'JSON.parse calls on the event from claim to sandbox').to.equal(0);
      expect(stringifies.length, 'JSON.stringify calls on the event from claim to sandbox').to.equal(0);
      expect(seen).to.deep.equal([JSON.stringify(normalized)]);
      expect((await store.get(id))?.outcomes.map((o) => o.outcome)).to.deep.equal(['succeeded']);
    });
  });
}
