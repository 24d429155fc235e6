import { expect } from 'chai';
import path from 'node:path';
import { tempDir, type TempDir } from '../../../support/foundation-plugins.js';
import { WriterThread } from '../../../../host/dist/store/sqlite/writer-thread.js';

describe('WriterThread', () => {
  let tmp: TempDir;
  beforeEach(async () => (tmp = await tempDir('jobhook-writer-')));
  afterEach(() => tmp.dispose());

  it('fails every write with STORE_WRITE_FAILED, and says why, when its thread cannot open the store', async () => {
    const writer = new WriterThread(path.join(tmp.path, 'missing', 'events.db'));
    let error: { code?: string; message: string } | undefined;
    try {
      await writer.enqueue({ kind: 'requeue' });
    } catch (e) {
      error = e as typeof error;
    }
    expect(error?.code).to.equal('STORE_WRITE_FAILED');
    expect(error?.message).to.match(/could not open the store/);
    expect(writer.error).to.match(/could not open the store/);
    await writer.close();
    let refused: { code?: string } | undefined;
    await writer.enqueue({ kind: 'requeue' }).catch((e: { code?: string }) => (refused = e));
    expect(refused?.code).to.equal('STORE_CLOSED');
  });
});
