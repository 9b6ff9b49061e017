// The app side of an application process: what runs inside the user's Node
// process to load the app and serve Weft's traffic through its HTTP server.
export { AppHost } from './app-host.js';
export type { AppHostOptions } from './app-host.js';
export { AppHostError, AppHostErrorCodes } from './app-host-error.js';
export type { AppHostErrorCode } from './app-host-error.js';
export type { AppSpec } from './app-loader.js';
export { takeOverMain } from './main-takeover.js';
