// Injection tokens for what has no class of its own to be looked up by.
export const ENGINE = Symbol.for('weft.engine');
export const PROCESS_TYPES = Symbol.for('weft.process-types');
