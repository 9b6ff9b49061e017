import { FdWatcher } from '../../native/index.js';
import type { FdEvents } from '../../native/index.js';
import type { Cancel, EventEngine } from './event-engine.js';

export class LibuvEngine implements EventEngine {
  readonly name = 'libuv';

  watchFd(fd: number, events: FdEvents, handler: (ready: Required<FdEvents>) => void): Cancel {
    const watcher = new FdWatcher(fd, (ready) => handler(ready));
    watcher.start(events);
    return () => watcher.close();
  }

  setTimer(ms: number, handler: () => void, options: { repeat?: boolean; unref?: boolean } = {}): Cancel {
    const timer = options.repeat ? setInterval(handler, ms) : setTimeout(handler, ms);
    if (options.unref) timer.unref();
    return () => (options.repeat ? clearInterval(timer) : clearTimeout(timer));
  }

  onSignal(signal: NodeJS.Signals, handler: (signal: NodeJS.Signals) => void): Cancel {
    process.on(signal, handler);
    return () => process.off(signal, handler);
  }

  post(work: () => void): void {
    setImmediate(work);
  }
}
