'use strict';
// Scripted ws client for NodeInteropTests.cs.
//   node client.js <url> [steps-json | -] [protocol,protocol...]
// Steps (from argv, or from stdin when "-" or absent: a 100 KB payload does not fit one argv string):
//   [{"text":"hello"}, {"binary":"<base64>", "replies":1}, ...]   ("replies" defaults to 1)
// Prints one JSON line per event: {"open":true,"protocol":"...","extensions":"..."}, {"type":"text"|"binary","data":"..."}
// (binary data in base64), {"close":code,"reason":"..."}, or {"refused":status,"body":"..."} when the server
// answers the upgrade with a non-101 status. Exit 0 on a clean run or a refusal, non-zero on error or after 10 s.
const WebSocket = require('ws');

const [url, stepsArg = '-', protocolsArg = ''] = process.argv.slice(2);
const out = (line) => process.stdout.write(JSON.stringify(line) + '\n');
// Exits only once stdout has flushed (writes are asynchronous on some platforms' pipes), so no line is lost.
const finish = (code, line) => process.stdout.write(JSON.stringify(line) + '\n', () => process.exit(code));

if (!url) {
  finish(2, { error: 'usage: node client.js <url> [steps-json|-] [protocols]' });
} else {
  setTimeout(() => finish(1, { error: 'timeout after 10 s' }), 10000);
  if (stepsArg === '-') {
    let input = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk) => { input += chunk; });
    process.stdin.on('end', () => run(input));
  } else {
    run(stepsArg);
  }
}

function run(stepsJson) {
  let steps;
  try {
    steps = JSON.parse(stepsJson || '[]');
  } catch (e) {
    return finish(2, { error: 'bad steps JSON: ' + e.message });
  }

  const protocols = protocolsArg ? protocolsArg.split(',') : [];
  const ws = new WebSocket(url, protocols);
  let next = 0;
  let awaiting = 0;

  // Sends steps until one expects replies; the message handler resumes once they have all arrived.
  const advance = () => {
    while (awaiting === 0) {
      if (next === steps.length) {
        next++;
        ws.close(1000, 'done');
        return;
      }
      if (next > steps.length) return;
      const step = steps[next++];
      awaiting = step.replies ?? 1;
      ws.send(step.binary !== undefined ? Buffer.from(step.binary, 'base64') : String(step.text ?? ''), { binary: step.binary !== undefined });
    }
  };

  ws.on('open', () => {
    out({ open: true, protocol: ws.protocol, extensions: ws.extensions });
    advance();
  });
  ws.on('message', (data, isBinary) => {
    out(isBinary ? { type: 'binary', data: data.toString('base64') } : { type: 'text', data: data.toString('utf8') });
    if (awaiting > 0 && --awaiting === 0) advance();
  });
  // A closing handshake before every step has run is a failure, even with code 1000.
  ws.on('close', (code, reason) => finish(next > steps.length ? 0 : 1, { close: code, reason: reason.toString('utf8') }));
  ws.on('error', (e) => finish(1, { error: e.message }));
  // Without this listener ws reports a refused upgrade as an 'error'; with it, the status and body are ours to read.
  ws.on('unexpected-response', (req, res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => { body += chunk; });
    res.on('end', () => finish(0, { refused: res.statusCode, body }));
  });
}
