import { expect } from 'chai';
import { ManifestSchema } from '@jobhook/host';
import { parseJobTypeEntry } from '../../../host/dist/platform/job-type-names.js';
import { GUID_A, manifest } from '../../support/foundation-plugins.js';

const schema = new ManifestSchema();

describe('job-type entries of a manifest', () => {
  it('parses a GUID, a store type job and a custom job type', () => {
    expect(parseJobTypeEntry(`{${GUID_A.toUpperCase()}}`)).to.deep.equal({ kind: 'guid', text: `{${GUID_A.toUpperCase()}}`, guid: GUID_A });
    expect(parseJobTypeEntry('WinCert:Reenrollment')).to.deep.equal({ kind: 'store', text: 'WinCert:Reenrollment', storeType: 'WinCert', job: 'Reenrollment' });
    expect(parseJobTypeEntry('F5-SL-REST:Inventory')).to.include({ kind: 'store', storeType: 'F5-SL-REST' });
    expect(parseJobTypeEntry('custom:Rotate Keys')).to.deep.equal({ kind: 'custom', text: 'custom:Rotate Keys', name: 'Rotate Keys' });
    expect(parseJobTypeEntry('WinCert:Inventry')).to.equal(null);
  });

  it('lets the schema (and so jobhook validate, offline) accept symbolic names and refuse malformed ones', () => {
    expect(schema.problems(manifest('acme.symbolic', {}, [GUID_A, 'WinCert:Inventory', 'custom:RotateKeys']))).to.deep.equal([]);
    for (const bad of ['WinCert:Inventry', 'WinCert', 'custom:', ':Inventory', 'not-a-guid']) {
      const problems = schema.problems(manifest('acme.bad', {}, [bad]));
      expect(problems.map((p) => p.pointer), bad).to.include('/handlers/0/jobTypes/0');
    }
  });
});
