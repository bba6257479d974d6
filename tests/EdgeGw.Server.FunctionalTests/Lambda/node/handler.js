'use strict';
// A Lambda handler written against API Gateway's proxy events (payload format 2.0 and 1.0), as it would be
// deployed on AWS: what it does is chosen by the request path's last segment.
exports.handler = async (event, context) => {
  const requestContext = event.requestContext || {};
  if (requestContext.eventType) {
    // A WebSocket API's event (AWS's WebSocket format).
    switch (requestContext.eventType) {
      case 'CONNECT':
        return event.queryStringParameters && event.queryStringParameters.deny ? { statusCode: 401, body: 'denied' } : { statusCode: 200 };
      case 'MESSAGE':
        return { statusCode: 200, body: JSON.stringify({ event }) };
      default:
        return { statusCode: 200 };
    }
  }

  const path = event.rawPath || event.path || '';
  const action = path.split('/').pop();
  switch (action) {
    case 'echo':
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ event, invoke: context.invoke }),
      };
    case 'binary': {
      // The request body's bytes (decoded from the event), back as a binary answer.
      const bytes = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body || '', 'utf8');
      return { statusCode: 200, headers: { 'content-type': 'application/octet-stream' }, body: bytes.toString('base64'), isBase64Encoded: true };
    }
    case 'full':
      return {
        statusCode: 201,
        headers: { 'x-one': 'a', 'x-both': 'from-headers', 'content-type': 'text/plain' },
        multiValueHeaders: { 'x-multi': ['1', '2'], 'x-both': ['m1', 'm2'] },
        cookies: ['a=1; Path=/', 'b=2'],
        body: 'created',
      };
    case 'inferred':
      return { hello: 'world', n: 1 };
    case 'string':
      return 'plain text';
    case 'malformed':
      context.respondRaw('this is not json');
      return undefined;
    case 'badstatus':
      return { statusCode: 'abc', body: 'x' };
    case 'objectbody':
      return { statusCode: 200, body: { not: 'a string' } };
    case 'throw':
      throw new Error('boom');
    case 'slow':
      // Never answers: the gateway's timeoutMs decides.
      return new Promise(() => {});
    default:
      return { statusCode: 404, body: `no action ${action}` };
  }
};
