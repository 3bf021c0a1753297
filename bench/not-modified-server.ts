/**
 * Stand-in publishers for the poll-cycle benchmark, in a process of their own so their memory is not counted:
 * one HTTP server on each of 127.0.0.1 … 127.0.0.N (all loopback). Every path serves a one-item feed with
 * ETag "v1", and a 304 to a request that sends it back. Prints the base URLs as one JSON line, then runs
 * until stdin closes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const hosts = Number(process.argv[2] ?? 10);
const body = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Bench</title><link>https://news.example/</link>' +
    '<item><title>Eine Meldung</title><link>https://news.example/a</link><guid>a</guid><description>Text.</description></item></channel></rss>',
);

const servers = await Promise.all(
  Array.from({ length: hosts }, (_, i) =>
    new Promise<http.Server>((resolve) => {
      const server = http.createServer((req, res) => {
        if (req.headers['if-none-match'] === '"v1"') res.writeHead(304, { etag: '"v1"' }).end();
        else res.writeHead(200, { 'content-type': 'application/rss+xml', etag: '"v1"', 'content-length': body.length }).end(body);
      });
      server.listen(0, `127.0.0.${i + 1}`, () => resolve(server));
    }),
  ),
);
console.log(JSON.stringify(servers.map((s) => { const a = s.address() as AddressInfo; return `http://${a.address}:${a.port}`; })));
process.stdin.resume();
process.stdin.on('end', () => { for (const s of servers) s.close(); process.exit(0); });
