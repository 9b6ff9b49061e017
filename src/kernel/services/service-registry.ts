// Services looked up by interface type and implementation name, as the
// seed's nxt_service_get(rt->services, "engine", name). An unknown name is a
// start-up error that lists what is registered, so a typo is obvious.
import { ErrorCodes, WeftError } from '../../errors.js';

export class ServiceRegistry {
  #services = new Map<string, Map<string, unknown>>();

  register<T>(type: string, name: string, service: T): void {
    let byName = this.#services.get(type);
    if (!byName) {
      byName = new Map();
      this.#services.set(type, byName);
    }
    if (byName.has(name)) {
      throw new WeftError(ErrorCodes.SERVICE, `service "${type}" named "${name}" is already registered`);
    }
    byName.set(name, service);
  }

  get<T>(type: string, name: string): T {
    const byName = this.#services.get(type);
    if (!byName || !byName.has(name)) {
      const known = byName ? [...byName.keys()].map((n) => `"${n}"`).join(', ') : 'none';
      throw new WeftError(ErrorCodes.SERVICE, `unknown ${type} "${name}" (registered: ${known})`);
    }
    return byName.get(name) as T;
  }

  names(type: string): string[] {
    return [...(this.#services.get(type)?.keys() ?? [])];
  }
}
