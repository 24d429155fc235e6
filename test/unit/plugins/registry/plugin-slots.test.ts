import { expect } from 'chai';
import { FolderRecords } from '../../../../host/dist/plugins/registry/folder-records.js';
import { DEFAULT_FAULT_POLICY } from '../../../../host/dist/plugins/registry/plugin-faults.js';
import type { PluginInstance } from '../../../../host/dist/plugins/registry/plugin-instance.js';
import { PluginSlots } from '../../../../host/dist/plugins/registry/plugin-slots.js';

// Only identity matters to the table: it never calls into a version.
const version = (name: string): PluginInstance => ({ name }) as unknown as PluginInstance;

describe('PluginSlots: which folder provides each plugin id', () => {
  let folders: FolderRecords;
  let slots: PluginSlots;
  beforeEach(() => {
    folders = new FolderRecords();
    slots = new PluginSlots(folders, DEFAULT_FAULT_POLICY);
  });
  const claim = (folder: string, id: string) => slots.claim(folder, folders.ensure(folder), id);

  it('gives an id to the first folder that claims it and refuses a second with PLUGIN_DUPLICATE_ID, keeping it as an heir', () => {
    const first = claim('/p/a', 'acme.x');
    expect(first).to.have.property('slot').that.includes({ id: 'acme.x', folder: '/p/a', active: null });
    expect(folders.get('/p/a')).to.include({ id: 'acme.x', duplicateOf: null });
    const second = claim('/p/b', 'acme.x');
    if (!('refused' in second)) return expect.fail('the second folder should be refused');
    expect(second.refused).to.include({
      code: 'PLUGIN_DUPLICATE_ID',
      pluginId: 'acme.x',
      message: "plugin id 'acme.x' in folder '/p/b' is already provided by folder '/p/a'; each plugin id may be deployed once — remove one of the two folders",
    });
    expect(folders.get('/p/b')).to.include({ id: null, duplicateOf: 'acme.x' });
    expect(slots.ownedBy('/p/b', 'acme.x')).to.equal(undefined);
  });

  it('keeps the slot when its folder claims the id again, and names the id a folder gave up for another', () => {
    const first = claim('/p/a', 'acme.x');
    const again = claim('/p/a', 'acme.x');
    expect(again).to.deep.equal({ slot: (first as { slot: unknown }).slot, formerId: null });
    const other = claim('/p/a', 'acme.y');
    expect(other).to.include({ formerId: 'acme.x' });
  });

  it('passes a released id to its heir, marking a serving version orphaned until the heir loads', () => {
    const { slot } = claim('/p/a', 'acme.x') as { slot: { active: PluginInstance | null } };
    slot.active = version('1.0.0');
    claim('/p/b', 'acme.x');
    const released = slots.release('/p/a', 'acme.x');
    expect(released).to.include({ kind: 'moved', heir: '/p/b' });
    expect(slots.ownedBy('/p/b', 'acme.x')).to.include({ folder: '/p/b', orphaned: true });
    expect(folders.get('/p/b')).to.include({ duplicateOf: null });
  });

  it('drops a released id that no folder waits for, and ignores a folder that does not provide it', () => {
    claim('/p/a', 'acme.x');
    expect(slots.release('/p/z', 'acme.x')).to.deep.equal({ kind: 'none' });
    expect(slots.release('/p/a', 'acme.x')).to.include({ kind: 'unloaded' });
    expect(slots.get('acme.x')).to.equal(undefined);
  });

  it('drops a slot for its own folder only, heirs or not', () => {
    claim('/p/a', 'acme.x');
    claim('/p/b', 'acme.x');
    expect(slots.drop('/p/b', 'acme.x')).to.equal(undefined);
    expect(slots.drop('/p/a', 'acme.x')).to.include({ id: 'acme.x' });
    expect(slots.all.size).to.equal(0);
  });

  it('routes to active versions only, leaving out quarantined and disabled plugins', () => {
    const serving = version('serving');
    for (const [folder, id] of [['/p/a', 'a'], ['/p/b', 'b'], ['/p/c', 'c'], ['/p/d', 'd']] as const) claim(folder, id);
    slots.get('a')!.active = serving;
    slots.get('b')!.active = version('quarantined');
    slots.get('b')!.faults.record({ name: 'SandboxCrash', code: 'X', message: 'x' }, '1.0.0');
    slots.get('b')!.faults.record({ name: 'SandboxCrash', code: 'X', message: 'x' }, '1.0.0');
    slots.get('b')!.faults.record({ name: 'SandboxCrash', code: 'X', message: 'x' }, '1.0.0');
    slots.get('c')!.active = version('disabled');
    expect(slots.get('b')!.faults.quarantined).to.equal(true);
    expect(slots.routable(new Set(['c']))).to.deep.equal([serving]);
    expect(slots.clear().map((s) => s.id)).to.deep.equal(['a', 'b', 'c', 'd']);
    expect(slots.all.size).to.equal(0);
  });
});
