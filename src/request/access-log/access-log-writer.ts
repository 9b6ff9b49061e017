// The access log file: main opens it (no other process is privileged), the
// router or an application process serving in place appends to it. Lines of one turn of the event loop go out in one
// write, from the log writer's own thread (native/log-writer.cc), so that a
// slow disk or a pipe nobody drains never stalls the requests; SIGUSR1
// (through main) swaps in a freshly opened file.
import { LogWriter } from '../../native/index.js';
import { byteStringBuffer } from '../routing/index.js';

export class AccessLogWriter {
  readonly path: string;
  #writer: LogWriter;
  #pending: string[] = [];
  #scheduled = false;

  /** Takes fd: the writer closes it. */
  constructor(path: string, fd: number) {
    this.path = path;
    this.#writer = new LogWriter(fd, { own: true });
  }

  append(line: string): void {
    this.#pending.push(line);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0) return;
    const data = byteStringBuffer(this.#pending.join(''));
    this.#pending = [];
    // false: the queue is full (the log is that far behind); the lines are
    // lost, as with a full disk, rather than the router's memory.
    this.#writer.write(data);
  }

  /** After a reopen: later lines go to `fd` (taken over); those before to the old file. */
  swap(fd: number): void {
    this.flush();
    this.#writer.setFd(fd, { own: true });
  }

  close(): void {
    this.flush();
    this.#writer.close(0);
  }
}
