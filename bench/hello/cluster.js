// The same handler in Node's cluster with 2 workers (round robin, Node's default).
const cluster = require('cluster');
if (cluster.isPrimary) {
  for (let i = 0; i < 2; i++) cluster.fork();
} else {
  require('./app.js');
}
