// The hello-world handler every scenario serves, unchanged.
const http = require('http');
http.createServer((req, res) => res.end('hello world')).listen(Number(process.env.PORT || 8080), '127.0.0.1');
