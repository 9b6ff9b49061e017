// A draining process closes a keep-alive connection only once it has stayed
// idle for the whole grace (src/request/idle-sweep.ts); the graceful-stop and
// recycling tests check the same through real servers.
import test from 'ava';

import { IdleSweep } from '../src/request/idle-sweep.js';

class FakeConnection {
  bytesRead = 0;
  bytesWritten = 0;
  destroyed = false;
  busy = false;
  constructor(readonly name: string) {}
  destroy(): void {
    this.destroyed = true;
  }
}

function sweeper(): { sweep: (now: number) => string[]; all: FakeConnection[] } {
  const all: FakeConnection[] = [];
  const idle = new IdleSweep<FakeConnection>(1000);
  return {
    all,
    sweep: (now) => {
      const before = new Set(all.filter((c) => c.destroyed));
      idle.sweep(all, (c) => c.busy, now);
      return all.filter((c) => c.destroyed && !before.has(c)).map((c) => c.name);
    },
  };
}

test('an idle connection closes once it has been idle for the grace, not at the first sweep that sees it idle', (t) => {
  const s = sweeper();
  const c = new FakeConnection('c');
  s.all.push(c);
  t.deepEqual(s.sweep(0), [], 'first seen idle');
  t.deepEqual(s.sweep(250), []);
  t.deepEqual(s.sweep(999), []);
  t.deepEqual(s.sweep(1000), ['c'], 'idle for the grace');
});

test('a connection that reads or writes between sweeps starts its grace anew', (t) => {
  const s = sweeper();
  const c = new FakeConnection('c');
  s.all.push(c);
  s.sweep(0);
  c.bytesRead += 80; // its client's next request is arriving
  t.deepEqual(s.sweep(900), []);
  t.deepEqual(s.sweep(1500), [], 'only 600 ms quiet since');
  c.bytesWritten += 100;
  t.deepEqual(s.sweep(1800), []);
  t.deepEqual(s.sweep(2799), []);
  t.deepEqual(s.sweep(2800), ['c']);
});

test('a busy connection is never closed, however quiet; once idle again its grace starts then', (t) => {
  const s = sweeper();
  const slow = new FakeConnection('slow');
  slow.busy = true; // a handler that takes seconds, nothing sent meanwhile
  s.all.push(slow);
  for (const now of [0, 1000, 5000, 9000]) t.deepEqual(s.sweep(now), []);
  slow.busy = false;
  t.deepEqual(s.sweep(9250), []);
  t.deepEqual(s.sweep(10000), []);
  t.deepEqual(s.sweep(10250), ['slow']);
});

test('connections are judged one by one; closed or gone ones are forgotten', (t) => {
  const s = sweeper();
  const [a, b] = [new FakeConnection('a'), new FakeConnection('b')];
  s.all.push(a, b);
  s.sweep(0);
  b.bytesRead++;
  t.deepEqual(s.sweep(1000), ['a']);
  s.all.splice(0, 2, new FakeConnection('c'));
  t.deepEqual(s.sweep(1500), []);
  t.deepEqual(s.sweep(2500), ['c']);
});
