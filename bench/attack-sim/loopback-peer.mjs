// The attack simulations' loopback peers (a C2 listener, a web server serving a small script, or
// just a free port), in a process of their own: an outside harness does not serve the network from
// the process that starts each action, and the analyzer judges a process that accepts connections
// and starts a shell as a network service (rule shell-from-network-service).
//
// The web server answers /x.sh with a small script, /file/download (a C2 server's agent download)
// with a copy of true, anything else with ok.
//
// usage: node loopback-peer.mjs listener|webserver|port — prints the port on stdout; runs until
// killed (port: exits at once).
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';

/** The program served as a downloaded agent: exits 0 whatever its arguments. */
const STAND_IN = existsSync('/usr/bin/true') ? '/usr/bin/true' : '/bin/true';

const mode = process.argv[2];
const server =
  mode === 'webserver'
    ? createHttpServer((req, res) =>
        // /file/download stands in for a C2 server's agent download: a harmless program (a copy of true)
        req.url === '/file/download'
          ? res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(STAND_IN))
          : res.writeHead(200, { 'content-type': 'text/plain' }).end(req.url === '/x.sh' ? 'id\nuname -a\n' : 'ok\n'),
      )
    : createTcpServer((c) => {
        c.on('error', () => undefined);
        // an operator's first command comes after a moment, not before the shell has started
        setTimeout(() => c.write('exit\n'), 500);
        setTimeout(() => c.destroy(), 1_500);
      });
if (!['listener', 'webserver', 'port'].includes(mode)) {
  console.error(`usage: loopback-peer.mjs listener|webserver|port (got ${mode})`);
  process.exit(2);
}
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
  if (mode === 'port') server.close(() => process.exit(0));
});
