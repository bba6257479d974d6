// Mints the JWT authorizer tests' keys and tokens with jose (not EdgeGw's code): node mint-jwt.mjs <issuer> <audience> [hmac secret]
// Prints one JSON object: { jwks, rotatedJwks, tokens: { name: compact JWS } }.
import * as jose from 'jose';

const [issuer, audience, secret] = process.argv.slice(2);
const now = Math.floor(Date.now() / 1000);

const rsa = await jose.generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
const ec = await jose.generateKeyPair('ES256', { extractable: true });
const rotated = await jose.generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
const stranger = await jose.generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
const jwk = async (key, kid, alg) => ({ ...(await jose.exportJWK(key)), kid, alg, use: 'sig' });
const jwks = { keys: [await jwk(rsa.publicKey, 'rsa-1', 'RS256'), await jwk(ec.publicKey, 'ec-1', 'ES256')] };
const rotatedJwks = { keys: [await jwk(rotated.publicKey, 'rsa-2', 'RS256')] };

async function sign(claims, { key = rsa.privateKey, alg = 'RS256', kid = 'rsa-1', iss = issuer, aud = audience, exp = now + 3600 } = {}) {
  let jwt = new jose.SignJWT({ sub: 'user-1', scope: 'pets.read pets.write', ...claims })
    .setProtectedHeader({ alg, kid, typ: 'JWT' }).setIssuedAt(now - 10).setIssuer(iss).setExpirationTime(exp);
  if (aud !== null) jwt = jwt.setAudience(aud);
  return jwt.sign(key);
}

const valid = await sign({ email: 'user-1@example.com' });
const [h, p, s] = valid.split('.');
const tamperedPayload = Buffer.from(JSON.stringify({ ...jose.decodeJwt(valid), sub: 'admin' })).toString('base64url');
const publicPem = await jose.exportSPKI(rsa.publicKey);

const tokens = {
  valid,
  es256: await sign({}, { key: ec.privateKey, alg: 'ES256', kid: 'ec-1' }),
  expired: await sign({}, { exp: now - 3600 }),
  notYetValid: await sign({ nbf: now + 3600 }),
  wrongIssuer: await sign({}, { iss: 'https://evil.example.com/' }),
  wrongAudience: await sign({}, { aud: 'someone-else' }),
  clientId: await sign({ client_id: audience }, { aud: null }),
  clientIdWrong: await sign({ client_id: 'other' }, { aud: null }),
  none: new jose.UnsecuredJWT({ sub: 'user-1', iss: issuer, aud: audience, exp: now + 3600 }).encode(),
  hs256PublicKey: await sign({}, { key: new TextEncoder().encode(publicPem), alg: 'HS256' }),
  unknownKid: await sign({}, { key: stranger.privateKey, kid: 'nobody' }),
  rotated: await sign({ sub: 'user-2' }, { key: rotated.privateKey, kid: 'rsa-2' }),
  tampered: `${h}.${tamperedPayload}.${s}`,
  otherScope: await sign({ scope: 'orders.read' }),
  scpArray: await sign({ scope: undefined, scp: ['pets.read'] }),
};
if (secret) {
  tokens.hs256Secret = await sign({}, { key: new TextEncoder().encode(secret), alg: 'HS256', kid: 'hmac' });
  tokens.hs256WrongSecret = await sign({}, { key: new TextEncoder().encode(secret + 'x'), alg: 'HS256', kid: 'hmac' });
}

process.stdout.write(JSON.stringify({ jwks, rotatedJwks, tokens }));
