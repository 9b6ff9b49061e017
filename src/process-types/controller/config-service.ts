// The controller's copy of the configuration and every change to it:
// parse -> edit at the path -> If-Match -> no-op check -> validate -> the
// router applies it (all or nothing) -> main persists it -> commit. Changes
// run one at a time; a failure at any step leaves the old configuration in
// force, and the answer says why.
import { isDeepStrictEqual } from 'node:util';

import { applyEdit, configEtag, getAt, splitConfigPath } from '../../config/edit.js';
import { parseJson } from '../../config/json.js';
import { Replies } from './replies.js';
import type { Reply } from './replies.js';
import { SerialQueue } from './serial-queue.js';

export type Validation = { ok: true } | { ok: false; detail: string; path: string };

export interface ConfigBackends {
  validate(config: unknown): Validation;
  /** Throws with the router's reason (bind failure, app failed to start); `force`: even to routers that run it. */
  applyToRouter(config: unknown, force?: boolean): Promise<void>;
  /**
   * The configuration in force, to router workers that do not run it yet
   * while others do (a worker added or replaced): no change, so not counted
   * as a reload nor told to systemd. Throws like applyToRouter.
   */
  syncRouters(config: unknown): Promise<void>;
  /** Throws with the reason (e.g. ENOSPC). */
  store(config: unknown): Promise<void>;
}

export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

/** Does an If-Match header allow a change of the document whose ETag is `etag`? */
export function ifMatchAllows(header: string | undefined, etag: string): boolean {
  if (header === undefined) return true;
  const tags = header.split(',').map((t) => t.trim());
  return tags.includes('*') || tags.includes(etag);
}

export class ConfigService {
  #backends: ConfigBackends;
  #current: unknown;
  #etag: string;
  #queue = new SerialQueue();

  constructor(backends: ConfigBackends, initial: unknown = {}) {
    this.#backends = backends;
    this.#current = initial;
    this.#etag = configEtag(initial);
  }

  get current(): unknown {
    return this.#current;
  }

  get etag(): string {
    return this.#etag;
  }

  /** Changes wait for these to finish. */
  get busy(): boolean {
    return this.#queue.pending > 0;
  }

  get(path: string): Reply {
    const segments = splitConfigPath(path);
    if (segments === null) return Replies.notFound();
    const found = getAt(this.#current, segments);
    if (!found.ok) return Replies.notFound();
    return { status: 200, body: found.value, headers: { ETag: this.#etag } };
  }

  change(method: Exclude<Method, 'GET'>, path: string, body: Buffer, ifMatch: string | undefined): Promise<Reply> {
    return this.#queue.run(() => this.#change(method, path, body, ifMatch));
  }

  /** Runs `job` between changes (certificate stores wait like changes do). */
  exclusive<T>(job: () => Promise<T>): Promise<T> {
    return this.#queue.run(job);
  }

  /** Applies the current configuration again, to every router (its certificates changed); only from inside exclusive(). */
  reapplyNow(): Promise<void> {
    return this.#backends.applyToRouter(this.#current, true);
  }

  /** Gives up the current configuration for `config` (the router could not apply it at start). */
  fallBackTo(config: unknown): Promise<void> {
    return this.#queue.run(async () => {
      await this.#backends.applyToRouter(config);
      this.#current = config;
      this.#etag = configEtag(config);
    });
  }

  /**
   * Sends the current configuration to a (new) router again, unless
   * `needed` says, once its turn comes, that an earlier apply reached it.
   * `joining`: other workers run it already (a worker added or replaced
   * beside them), so it is no reload (syncRouters); otherwise it is the
   * routers' first configuration (at start, or after the only one died).
   */
  resync(needed: () => boolean = () => true, joining = false): Promise<void> {
    return this.#queue.run(async () => {
      if (!needed()) return;
      if (joining) await this.#backends.syncRouters(this.#current);
      else await this.#backends.applyToRouter(this.#current);
    });
  }

  async #change(method: Exclude<Method, 'GET'>, path: string, body: Buffer, ifMatch: string | undefined): Promise<Reply> {
    const segments = splitConfigPath(path);
    if (segments === null) return Replies.notFound();
    let value: unknown;
    if (method !== 'DELETE') {
      // Unit accepts comments and trailing commas in what it is sent.
      const parsed = parseJson(body, { allowComments: true, allowTrailingCommas: true });
      if (!parsed.ok) return Replies.invalidJson(parsed.detail, parsed.location);
      value = parsed.value;
    }
    const edited = applyEdit(this.#current, method, segments, value);
    if (!edited.ok) return { status: edited.status, body: { error: edited.error } };
    if (!ifMatchAllows(ifMatch, this.#etag)) {
      return Replies.preconditionFailed(
        `The configuration changed since it was read: If-Match ${ifMatch} does not match the current ETag ${this.#etag}.`,
      );
    }
    const next = edited.value;
    if (isDeepStrictEqual(next, this.#current)) return Replies.reconfigured(this.#etag);
    const valid = this.#backends.validate(next);
    if (!valid.ok) return Replies.invalidConfig(valid.detail, valid.path);
    try {
      await this.#backends.applyToRouter(next);
    } catch (e) {
      return Replies.applyFailed((e as Error).message);
    }
    try {
      await this.#backends.store(next);
    } catch (e) {
      // Not stored means not done: the router goes back to what is stored.
      await this.#backends.applyToRouter(this.#current).catch(() => undefined);
      return Replies.storeFailed((e as Error).message);
    }
    this.#current = next;
    this.#etag = configEtag(next);
    return Replies.reconfigured(this.#etag);
  }
}
