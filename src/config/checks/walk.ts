// Where the parts of a configuration are, with their JSON Pointers, so that
// each check reads as its rule rather than as a traversal.
import { childPointer, toPointer } from '../pointer.js';
import type { Action, Application, Listener, Match, RouteStep, WeftConfig } from '../types.js';

export interface At<T> {
  value: T;
  path: string;
}

export function* listeners(config: WeftConfig): Generator<At<Listener> & { address: string }> {
  for (const [address, listener] of Object.entries(config.listeners ?? {})) {
    yield { address, value: listener, path: toPointer(['listeners', address]) };
  }
}

export function* routeSteps(config: WeftConfig): Generator<At<RouteStep>> {
  const routes = config.routes;
  if (Array.isArray(routes)) {
    for (let i = 0; i < routes.length; i++) yield { value: routes[i], path: toPointer(['routes', i]) };
  } else if (routes) {
    for (const [name, steps] of Object.entries(routes)) {
      for (let i = 0; i < steps.length; i++) yield { value: steps[i], path: toPointer(['routes', name, i]) };
    }
  }
}

export function* matches(config: WeftConfig): Generator<At<Match>> {
  for (const step of routeSteps(config)) {
    if (step.value.match) yield { value: step.value.match, path: childPointer(step.path, 'match') };
  }
}

/** Every action, fallbacks included. */
export function* actions(config: WeftConfig): Generator<At<Action>> {
  for (const step of routeSteps(config)) {
    let action: Action | undefined = step.value.action;
    let path = childPointer(step.path, 'action');
    while (action) {
      yield { value: action, path };
      action = action.fallback;
      path = childPointer(path, 'fallback');
    }
  }
}

export function* applications(config: WeftConfig): Generator<At<Application> & { name: string }> {
  for (const [name, application] of Object.entries(config.applications ?? {})) {
    yield { name, value: application, path: toPointer(['applications', name]) };
  }
}

/** A string or an array of strings, each with its path. */
export function* strings(value: string | string[], path: string): Generator<At<string>> {
  if (typeof value === 'string') {
    yield { value, path };
  } else {
    for (let i = 0; i < value.length; i++) yield { value: value[i], path: childPointer(path, i) };
  }
}
