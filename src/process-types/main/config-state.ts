// The configuration as main keeps it: loaded at start from --config or the
// state dir, persisted atomically after every applied change (and written
// back to --config when asked). A corrupt or invalid state file is reported
// and the last good copy (conf.json.bak) is used instead.
import fs from 'node:fs';
import path from 'node:path';

import { parseJson } from '../../config/json.js';
import { locatePointer } from '../../config/locate.js';
import type { ValidationResult } from '../../config/validate.js';
import { ErrorCodes, WeftError } from '../../errors.js';
import type { Logger } from '../../kernel/log/logger.js';
import { writeFileAtomic } from './atomic-file.js';
import { prettyJson } from '../../config/pretty-json.js';

export type Validate = (config: unknown) => ValidationResult;

/** Writes a file atomically (atomic-file.ts's writeFileAtomic, wherever it runs). */
export type AtomicWriter = (file: string, data: string, options: { mode?: number; keepBackup?: boolean }) => Promise<void>;

const inPlace: AtomicWriter = async (file, data, options) => writeFileAtomic(file, data, options);

/** Parses and validates a config text; throws with "file:line:column: detail". */
export function checkConfigText(file: string, text: Buffer, validate: Validate): unknown {
  const parsed = parseJson(text, { allowComments: true, allowTrailingCommas: true });
  if (!parsed.ok) {
    const { line, column } = parsed.location;
    throw new WeftError(ErrorCodes.CONFIG_JSON, `${file}:${line}:${column}: ${parsed.detail}`);
  }
  const valid = validate(parsed.value);
  if (!valid.ok) {
    const at = locatePointer(text.toString('utf8'), valid.path);
    const where = at ? `${file}:${at.line}:${at.column}` : file;
    throw new WeftError(ErrorCodes.CONFIG_INVALID, `${where}: ${valid.detail} (at ${valid.path || '/'})`);
  }
  return parsed.value;
}

export class ConfigState {
  readonly stateFile: string;
  current: unknown = {};
  #configFile: string | undefined;
  #writeBack: boolean;
  #log: Logger;
  // A corrupt conf.json must not become the backup of the next one.
  #stateFileGood = true;

  #write: AtomicWriter;

  /** `write`: where the fsyncs happen (main passes its persistence thread); in place by default. */
  constructor(options: { stateDir: string; configFile?: string; writeBack?: boolean; log: Logger; write?: AtomicWriter }) {
    this.#write = options.write ?? inPlace;
    this.stateFile = path.join(options.stateDir, 'conf.json');
    this.#configFile = options.configFile;
    this.#writeBack = options.writeBack ?? false;
    this.#log = options.log;
  }

  /** At start: the --config file wins; otherwise the state dir. Throws only for a bad --config. */
  load(validate: Validate): unknown {
    if (this.#configFile !== undefined) {
      let text: Buffer;
      try {
        text = fs.readFileSync(this.#configFile);
      } catch (e) {
        throw new WeftError(ErrorCodes.CONFIG_JSON, `cannot read the config file: ${(e as Error).message}`);
      }
      this.current = checkConfigText(this.#configFile, text, validate);
      return this.current;
    }
    for (const file of [this.stateFile, `${this.stateFile}.bak`]) {
      if (!fs.existsSync(file)) continue;
      try {
        this.current = checkConfigText(file, fs.readFileSync(file), validate);
        if (file !== this.stateFile) this.#log.warn(`using the last good configuration, "${file}"`);
        return this.current;
      } catch (e) {
        if (file === this.stateFile) this.#stateFileGood = false;
        this.#log.error(`the stored configuration is unusable: ${(e as Error).message}`);
      }
    }
    this.current = {};
    return this.current;
  }

  /**
   * Persists an applied configuration; resolves once it is on disk (the
   * controller acknowledges a change only then). Rejects with the errno
   * (ENOSPC...). Stores run one at a time, in the order they were asked.
   */
  store(config: unknown): Promise<void> {
    const run = this.#last.then(async () => {
      await this.#write(this.stateFile, JSON.stringify(config), { keepBackup: this.#stateFileGood });
      this.#stateFileGood = true;
      if (this.#writeBack && this.#configFile !== undefined) {
        await this.#write(this.#configFile, `${prettyJson(config).replace(/\r\n/g, '\n')}\n`, { mode: 0o644 });
      }
      this.current = config;
    });
    this.#last = run.catch(() => undefined);
    return run;
  }

  #last: Promise<void> = Promise.resolve();
}
