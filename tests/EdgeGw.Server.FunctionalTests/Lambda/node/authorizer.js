'use strict';
// A Lambda request authorizer written as for AWS API Gateway (payload format 2.0 with simple responses, 1.0 with an
// IAM policy): what it answers is chosen by the identity source's value (the X-Token header).
let calls = 0;

exports.handler = async (event, context) => {
  calls++;
  const token = Array.isArray(event.identitySource) ? event.identitySource[0] : String(event.identitySource || '').split(',')[0];
  switch (token) {
    case 'throw':
      throw new Error('authorizer crashed');
    case 'slow':
      // Never answers: the authorizer's timeoutMs decides.
      return new Promise(() => {});
    case 'huge':
      // Over the 150,000 bytes an authorizer's answer may have.
      return { isAuthorized: true, context: { padding: 'x'.repeat(200000) } };
    case 'malformed':
      context.respondRaw('this is not json');
      return undefined;
    case 'deny':
      return event.version === '1.0'
        ? { principalId: 'nobody', policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: event.methodArn }] } }
        : { isAuthorized: false };
    case 'signed': {
      // What the invoke looked like (for the SigV4 check), passed on as context.
      const h = context.invoke.headers;
      return {
        isAuthorized: true,
        context: { authorization: h.authorization || '', amzdate: h['x-amz-date'] || '', host: h.host || '', target: context.invoke.target, body: context.invoke.bodyBase64 },
      };
    }
    default:
      if (event.version === '1.0') {
        return {
          principalId: `user-${token}`,
          policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }] },
          context: { tenant: 't-policy', calls, fn: context.functionName },
        };
      }

      return { isAuthorized: true, context: { tenant: `t-${token}`, calls, route: event.routeKey, fn: context.functionName } };
  }
};
