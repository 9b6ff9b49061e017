// An ordinary Node app: nothing in it knows about Weft. Weft takes over its
// listen() and feeds it the requests its router passes to "hello".
'use strict';
const http = require('node:http');

http
  .createServer((req, res) => {
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end(`Hello from process ${process.pid} (${req.method} ${req.url})\n`);
  })
  .listen(process.env.PORT || 3000);
