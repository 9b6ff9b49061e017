// `unit-http/websocket` under Weft: Unit's WebSocket API is not provided.
// Weft hands WebSocket upgrades to the app's own HTTP server, so any
// WebSocket library that attaches to a Node server works; say so instead of
// a bare "Cannot find module".
const error = new Error(
  "unit-http/websocket (NGINX Unit's WebSocket API) is not provided by Weft: WebSocket upgrades reach the app's own " +
    'HTTP server, so attach a WebSocket library to it instead, e.g. the ws package: new WebSocketServer({ server })',
);
(error as Error & { code: string }).code = 'ERR_UNIT_HTTP_WEBSOCKET';
throw error;
