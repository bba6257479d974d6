'use strict';
// A tiny Lambda Invoke API, the part AWS's Runtime Interface Emulator serves:
//   POST /2015-03-31/functions/{name}/invocations  (the event as the body)
// runs handler.js's `handler(event, context)` (a handler written as for AWS Lambda, async) and answers as the
// Invoke API does: 200 with the JSON of what it returned, or 200 with X-Amz-Function-Error: Unhandled and the
// error's JSON when it threw. Prints {"port":N} once listening; exits when stdin closes (the test ends it).
// No packages: node's http module only.
const http = require('http');
const path = require('path');

const { handler } = require(process.argv[2] || path.join(__dirname, 'handler.js'));

// WebSocket events seen (eventType, connectionId, routeKey, and the CONNECT's headers and query), for GET /__events.
const webSocketEvents = [];

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/__events') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(webSocketEvents));
    return;
  }

  const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(req.url.split('?')[0]);
  if (req.method !== 'POST' || !match) {
    res.writeHead(404, { 'Content-Type': 'application/json', 'X-Amzn-ErrorType': 'ResourceNotFoundException' });
    res.end(JSON.stringify({ Type: 'User', message: `Function not found: ${req.url}` }));
    return;
  }

  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    const raw = Buffer.concat(chunks);
    let event;
    try {
      event = JSON.parse(raw.toString('utf8'));
    } catch (e) {
      res.writeHead(400, { 'Content-Type': 'application/json', 'X-Amzn-ErrorType': 'InvalidRequestContentException' });
      res.end(JSON.stringify({ Type: 'User', message: 'Could not parse request body into json' }));
      return;
    }

    if (event && event.requestContext && event.requestContext.eventType) {
      webSocketEvents.push(event);
    }

    let rawAnswer;
    const context = {
      functionName: decodeURIComponent(match[1]),
      // What the invoke looked like, for tests that check the gateway's side of the call.
      invoke: {
        name: decodeURIComponent(match[1]),
        target: req.url,
        headers: req.headers,
        remotePort: req.socket.remotePort,
        bodyBase64: raw.toString('base64'),
      },
      // Answers with these bytes as they are (a function whose answer is not JSON).
      respondRaw: (text) => { rawAnswer = text; },
    };
    try {
      const result = await handler(event, context);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(rawAnswer !== undefined ? rawAnswer : JSON.stringify(result === undefined ? null : result));
    } catch (e) {
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Amz-Function-Error': 'Unhandled' });
      res.end(JSON.stringify({ errorType: e.name, errorMessage: e.message, trace: [] }));
    }
  });
});

server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
