// Which process classes keep a channel to which (the seed's connection
// matrix; REFERENCE.md "Processes"). Main connects to all; discovery only to
// main; the controller to the router; the router to the controller and
// applications. A process never gets a channel its row does not name.
export type ProcessClass = 'main' | 'discovery' | 'controller' | 'router' | 'app';

const MATRIX: Record<ProcessClass, readonly ProcessClass[]> = {
  main: ['main', 'discovery', 'controller', 'router', 'app'],
  discovery: ['main'],
  controller: ['main', 'router'],
  router: ['main', 'controller', 'app'],
  app: ['main', 'router'],
};

export function connects(from: ProcessClass, to: ProcessClass): boolean {
  return MATRIX[from].includes(to);
}

/** Peer classes a process of this class keeps channels to, main excluded. */
export function peersOf(cls: ProcessClass): ProcessClass[] {
  return MATRIX[cls].filter((c) => c !== 'main');
}
