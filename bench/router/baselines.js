// Plain Node servers doing the same work as the router in each scenario.
//   MODE=return|stream|memory|proxy  PORT=...  FILE=... (static)  UPSTREAM=port (proxy)
const fs = require('fs');
const http = require('http');

const mode = process.env.MODE;
const port = Number(process.env.PORT);
let handler;
if (mode === 'return') {
  handler = (req, res) => {
    res.writeHead(200, { 'Content-Length': 0 });
    res.end();
  };
} else if (mode === 'stream') {
  // The naive static server: open and stream the file on every request.
  handler = (req, res) => {
    fs.stat(process.env.FILE, (err, st) => {
      if (err) return res.writeHead(404).end();
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': st.size });
      fs.createReadStream(process.env.FILE).pipe(res);
    });
  };
} else if (mode === 'memory') {
  const body = fs.readFileSync(process.env.FILE);
  handler = (req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
    res.end(body);
  };
} else if (mode === 'proxy') {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  handler = (req, res) => {
    const up = http.request({ host: '127.0.0.1', port: Number(process.env.UPSTREAM), path: req.url, method: req.method, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  };
} else {
  // The upstream of the proxy scenario.
  handler = (req, res) => res.end('hello world');
}
http.createServer(handler).listen(port, '127.0.0.1');
