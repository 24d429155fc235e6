import { expect } from 'chai';
import { FolderQueue } from '../../../../host/dist/plugins/registry/folder-queue.js';

const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('FolderQueue: one piece of work per folder at a time', () => {
  it('runs the work of one folder in arrival order, never two at once', async () => {
    const q = new FolderQueue();
    const log: string[] = [];
    const job = (name: string) => async (): Promise<string> => {
      log.push(`${name} start`);
      await tick();
      log.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([q.run('a', job('1')), q.run('a', job('2')), q.run('a', job('3'))]);
    expect(results).to.deep.equal(['1', '2', '3']);
    expect(log).to.deep.equal(['1 start', '1 end', '2 start', '2 end', '3 start', '3 end']);
  });

  it('runs different folders side by side', async () => {
    const q = new FolderQueue();
    const log: string[] = [];
    const job = (name: string) => async (): Promise<void> => {
      log.push(`${name} start`);
      await tick();
      log.push(`${name} end`);
    };
    await Promise.all([q.run('a', job('a')), q.run('b', job('b'))]);
    expect(log.slice(0, 2)).to.deep.equal(['a start', 'b start']);
  });

  it('lets a request that has not started absorb the next equal ones, running once with the newest argument', async () => {
    const q = new FolderQueue();
    const seen: number[] = [];
    const work = async (n: number): Promise<number> => {
      seen.push(n);
      await tick();
      return n;
    };
    const first = q.merge('a', 'sync', 1, work);
    await tick(1); // the first has started: it can no longer absorb anything
    const second = q.merge('a', 'sync', 2, work);
    const third = q.merge('a', 'sync', 3, work);
    expect(await Promise.all([first, second, third])).to.deep.equal([1, 3, 3]);
    expect(seen).to.deep.equal([1, 3]);
  });

  it('does not let a request join one queued before different work', async () => {
    const q = new FolderQueue();
    const log: string[] = [];
    const work = (name: string) => async (): Promise<void> => {
      log.push(name);
      await tick();
    };
    const a = q.merge('f', 'sync', null, work('sync#1'));
    await tick(1);
    const b = q.merge('f', 'sync', null, work('sync#2'));
    const c = q.merge('f', 'remove', null, work('remove'));
    const d = q.merge('f', 'sync', null, work('sync#3'));
    const e = q.run('f', work('enable'));
    const f = q.merge('f', 'sync', null, work('sync#4'));
    await Promise.all([a, b, c, d, e, f]);
    expect(log).to.deep.equal(['sync#1', 'sync#2', 'remove', 'sync#3', 'enable', 'sync#4']);
  });

  it('keeps going after a piece of work fails, and idle() waits for everything, even work queued meanwhile', async () => {
    const q = new FolderQueue();
    const failed = q.run('a', () => Promise.reject(new Error('boom')));
    let later = false;
    void q.run('a', async () => {
      await tick();
      void q.run('b', async () => {
        await tick(20);
        later = true;
      });
    });
    await q.idle();
    expect(later).to.equal(true);
    try {
      await failed;
      expect.fail('should reject');
    } catch (e) {
      expect((e as Error).message).to.equal('boom');
    }
  });
});
