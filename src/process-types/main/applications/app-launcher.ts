// How the processes of an application generation come to be: through a
// prototype created inside its isolation, or created by main itself when it
// has no isolation step that needs one (app-spawner.ts).
import type { Application } from '../../../config/types.js';
import { needsPrototype } from '../../../protocol/application.js';
import type { AppSpawner, SpawnerEvents } from './app-spawner.js';
import { DirectSpawner } from './direct-spawner.js';
import type { LauncherHost, LaunchRequest } from './launch-plan.js';
import { moduleOf } from './launch-plan.js';
import { trustedPlugin } from './plugin-loader.js';
import { PrototypeSpawner } from './prototype-spawner.js';

export class AppLauncher {
  readonly host: LauncherHost;

  constructor(host: LauncherHost) {
    this.host = host;
  }

  /** How this generation's processes come to be (nothing starts before its start()). */
  spawner(request: LaunchRequest, events: SpawnerEvents): AppSpawner {
    const cfg = request.config as Application;
    const file = moduleOf(cfg, this.host.modules)?.file;
    // A plugin main cannot trust (or none: start() says why) runs in a prototype only.
    if (needsPrototype(cfg) || file === undefined || !trustedPlugin(file)) return new PrototypeSpawner(this.host, request);
    return new DirectSpawner(this.host, request, events);
  }
}
