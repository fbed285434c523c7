// Forwards every request to the MCP endpoint with a bearer token added: the conformance suite has
// no option for a token. Usage: node mcp-token-proxy.mjs <port> <endpoint base> <token>
import http from 'http';
const [port, target, token] = process.argv.slice(2);
http.createServer((req, res) => {
  const u = new URL(target);
  const headers = {...req.headers, authorization: 'Bearer ' + token, host: u.host};
  const p = http.request({hostname: u.hostname, port: u.port, path: req.url, method: req.method, headers}, r => {
    res.writeHead(r.statusCode, r.headers); r.pipe(res);
  });
  p.on('error', e => { res.writeHead(502); res.end(String(e)); });
  req.pipe(p);
}).listen(port, '127.0.0.1');
