import { expect } from 'chai';
import { FolderRecords } from '../../../../host/dist/plugins/registry/folder-records.js';

describe('FolderRecords: what the registry knows of each folder', () => {
  it('makes an empty record once and keeps it', () => {
    const records = new FolderRecords();
    const made = records.ensure('/p/a');
    expect(made).to.deep.equal({ id: null, error: null, hash: null, duplicateOf: null });
    made.id = 'acme.a';
    expect(records.ensure('/p/a')).to.equal(made);
    expect([...records.all.keys()]).to.deep.equal(['/p/a']);
  });

  it('forgets a folder and returns what it knew', () => {
    const records = new FolderRecords();
    records.ensure('/p/a').id = 'acme.a';
    expect(records.delete('/p/a')).to.include({ id: 'acme.a' });
    expect(records.get('/p/a')).to.equal(undefined);
    expect(records.delete('/p/a')).to.equal(undefined);
  });

  it('hands an id to the first duplicate by folder name, other than the folder letting it go, and clears its refusal', () => {
    const records = new FolderRecords();
    const error = { code: 'PLUGIN_DUPLICATE_ID', message: 'taken', at: new Date(0).toISOString() };
    for (const f of ['/p/c', '/p/b', '/p/a']) Object.assign(records.ensure(f), { duplicateOf: 'acme.x', error });
    records.ensure('/p/0').duplicateOf = 'acme.other';
    expect(records.takeHeir('acme.x', '/p/a')).to.equal('/p/b');
    expect(records.get('/p/b')).to.include({ duplicateOf: null, error: null });
    expect(records.get('/p/c')).to.include({ duplicateOf: 'acme.x' });
    expect(records.takeHeir('acme.x', '/p/c')).to.equal('/p/a');
    expect(records.takeHeir('acme.x', '/p/a')).to.equal('/p/c');
    expect(records.takeHeir('acme.x', '/p/a')).to.equal(null);
  });
});
