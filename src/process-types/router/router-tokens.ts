// What the router's module registers beyond the kernel's services, by
// token, so a test can put its own in their place.
import { token } from '../../kernel/tokens.js';
import type { ServerFactory } from './listeners/listener-set.js';
import type { RouterState } from './router-state.js';

/** Makes the HTTP(S) server of each listener. */
export const SERVER_FACTORY = token<(state: RouterState) => ServerFactory>('router.server-factory');
/** The configuration in force, the listeners, the applications. */
export const ROUTER_STATE = token<RouterState>('router.state');
