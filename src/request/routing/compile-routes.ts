// The "routes" configuration compiled once per configuration: an array of
// steps (the route set "pass": "routes" names), or an object of named
// arrays ("pass": "routes/<name>"). A step is {match, action}; the first
// step whose match holds wins; a step without match always holds; no
// match is a 404 for the router. Matching allocates nothing: each step's
// result object is made here, once.
import { compileMatch } from './compile-match.js';
import type { RequestTest } from './compile-match.js';
import { describe, pathStep, RouteCompileError } from './route-compile-error.js';
import type { RouteRequest } from './route-request.js';

export type RouteAction = Readonly<Record<string, unknown>>;

export interface StepMatch {
  readonly matched: true;
  /** The route set's name; undefined for the unnamed array form. */
  readonly route: string | undefined;
  /** The step's index in its array ("routes/<name>/<index>" for logs). */
  readonly index: number;
  /** The step's "action" object, as configured. */
  readonly action: RouteAction;
}

export interface NoMatch {
  readonly matched: false;
  /** "no-match": no step held; "no-route": no route set of that name. Both are 404. */
  readonly reason: 'no-match' | 'no-route';
}

export type MatchResult = StepMatch | NoMatch;

const NO_MATCH: NoMatch = Object.freeze({ matched: false, reason: 'no-match' });
const NO_ROUTE: NoMatch = Object.freeze({ matched: false, reason: 'no-route' });

export class CompiledRoute {
  readonly name: string | undefined;
  readonly #tests: readonly RequestTest[];
  readonly #results: readonly StepMatch[];

  constructor(name: string | undefined, steps: unknown, path: string) {
    if (!Array.isArray(steps)) {
      throw new RouteCompileError(path, `a route must be an array of steps, not ${describe(steps)}`);
    }
    this.name = name;
    const tests: RequestTest[] = [];
    const results: StepMatch[] = [];
    steps.forEach((step, index) => {
      const at = pathStep(path, index);
      if (typeof step !== 'object' || step === null || Array.isArray(step)) {
        throw new RouteCompileError(at, `a route step must be an object, not ${describe(step)}`);
      }
      const { match, action } = step as { match?: unknown; action?: unknown };
      for (const key of Object.keys(step)) {
        if (key !== 'match' && key !== 'action') {
          throw new RouteCompileError(pathStep(at, key), `unknown route step member "${key}"`);
        }
      }
      if (typeof action !== 'object' || action === null || Array.isArray(action)) {
        const detail = `a route step needs an "action" object, not ${describe(action)}`;
        throw new RouteCompileError(pathStep(at, 'action'), detail);
      }
      tests.push(compileMatch(match, pathStep(at, 'match')));
      results.push(Object.freeze({ matched: true, route: name, index, action: action as RouteAction }));
    });
    this.#tests = tests;
    this.#results = results;
  }

  get length(): number {
    return this.#tests.length;
  }

  match(req: RouteRequest): MatchResult {
    const tests = this.#tests;
    for (let i = 0; i < tests.length; i++) if (tests[i](req)) return this.#results[i];
    return NO_MATCH;
  }
}

export class CompiledRoutes {
  readonly #named = new Map<string, CompiledRoute>();
  #unnamed: CompiledRoute | undefined;

  /** Throws RouteCompileError naming the JSON path ("routes/...") of what is wrong. */
  constructor(routes: unknown) {
    if (routes === undefined) return;
    if (Array.isArray(routes)) {
      this.#unnamed = new CompiledRoute(undefined, routes, 'routes');
    } else if (typeof routes === 'object' && routes !== null) {
      for (const [name, steps] of Object.entries(routes)) {
        this.#named.set(name, new CompiledRoute(name, steps, pathStep('routes', name)));
      }
    } else {
      const detail = `"routes" must be an array of steps or an object of named arrays, not ${describe(routes)}`;
      throw new RouteCompileError('routes', detail);
    }
  }

  /**
   * The route set a "pass" names: undefined for "routes", the name for
   * "routes/<name>". Resolve constant passes once, at configuration time.
   */
  route(name: string | undefined): CompiledRoute | undefined {
    return name === undefined ? this.#unnamed : this.#named.get(name);
  }

  names(): string[] {
    return [...this.#named.keys()];
  }

  /** For passes only known per request ("routes/$host"). */
  match(name: string | undefined, req: RouteRequest): MatchResult {
    const route = this.route(name);
    return route === undefined ? NO_ROUTE : route.match(req);
  }
}

export function compileRoutes(routes: unknown): CompiledRoutes {
  return new CompiledRoutes(routes);
}
