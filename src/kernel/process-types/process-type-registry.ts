// Process types register once, under "process.<type>"; a malformed or
// duplicate id fails loudly at registration, not later.
import { ErrorCodes, WeftError } from '../../errors.js';
import { ConnectionMatrix } from '../processes/connection-matrix.js';
import type { ProcessTypeDefinition, Registration } from './process-type.js';

const ID = /^process\.[a-z][a-z0-9-]*$/;

export class ProcessTypeRegistry {
  #types = new Map<string, ProcessTypeDefinition>();
  #extra = new Map<string, Registration[]>();

  register(def: ProcessTypeDefinition): void {
    if (!ID.test(def.id) || def.id !== `process.${def.type}`) {
      throw new WeftError(ErrorCodes.PROCESS_TYPE, `malformed process type id "${def.id}" (expected "process.${def.type}")`);
    }
    if (this.#types.has(def.type)) {
      throw new WeftError(ErrorCodes.PROCESS_TYPE, `process type "${def.type}" is registered twice`);
    }
    this.#types.set(def.type, def);
  }

  get(type: string): ProcessTypeDefinition {
    const def = this.#types.get(type);
    if (!def) {
      throw new WeftError(ErrorCodes.PROCESS_TYPE, `unknown process type "${type}" (registered: ${[...this.#types.keys()].join(', ')})`);
    }
    return def;
  }

  has(type: string): boolean {
    return this.#types.has(type);
  }

  /**
   * Registrations applied to a type's container after its own module's:
   * another implementation of any of its services (tests do this through
   * WEFT_PLUGINS). The type must be registered.
   */
  addRegistration(type: string, registration: Registration): void {
    this.get(type);
    this.#extra.set(type, [...(this.#extra.get(type) ?? []), registration]);
  }

  registrationsOf(type: string): Registration[] {
    return this.#extra.get(type) ?? [];
  }

  /** The connection matrix as the registered types declare it. */
  matrix(): ConnectionMatrix {
    return new ConnectionMatrix([...this.#types.values()].map((d) => ({ cls: d.cls, peers: d.peers })));
  }

  types(): string[] {
    return [...this.#types.keys()];
  }
}
