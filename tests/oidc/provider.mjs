// A real OpenID provider (node-oidc-provider) for the Rust integration tests (tests/it/oidc.rs).
//
//   node provider.mjs --client-id ID --client-secret SECRET [--redirect-uri URL]
//                     [--post-logout-redirect-uri URL] [--accounts JSON]
//
// Listens on 127.0.0.1, port 0, and prints one line of JSON on stdout once it is ready:
// {"issuer":"http://127.0.0.1:PORT"}. Exits when its standard input closes, so it never outlives
// the test that started it.
//
// The server under test needs the issuer before it starts, and the provider needs the server's
// callback URL, so the client's URLs may also be given after start:
//   POST /__test/client  {"redirect_uri":URL,"post_logout_redirect_uri":URL}
// (until then every other request answers 503).
//
// Accounts: --accounts '{"alice":{"name":"…","org_code":"…"}}' (the key is the account id and
// the `sub`). Default: "alice" in organization TEST-ORG and "mallory" in NO-SUCH-ORG.
//
// Sign-in, over plain HTTP with no browser (devInteractions are disabled):
//   GET  /interaction/:uid             answers {"uid","prompt":"login"|"consent","client_id","scope"}
//   POST /interaction/:uid  login=ID   signs in as account ID (303 back to the provider)
//   POST /interaction/:uid  consent=yes  grants what the client asked for (303)
//   POST /interaction/:uid  abort=yes  refuses: the client gets error=access_denied (303)
//
// Tampering, for negative tests:
//   POST /__test/mode  {"id_token":"wrong_nonce"|"wrong_issuer"|"wrong_audience"|"expired"|null}
// From then on the id_token in every /token response is rewritten with that one claim wrong and
// re-signed with the provider's real key, so its signature stays valid. null switches it off.

import * as http from 'node:http'
import { parseArgs } from 'node:util'
import * as jose from 'jose'

// oidc-provider warns about what a test provider does on purpose (an in-memory store, a Node.js
// release it has not certified); those warnings would only clutter the test output.
const warn = console.warn
console.warn = (...args) => {
  if (!String(args[0]).startsWith('oidc-provider WARNING')) warn(...args)
}
const { default: Provider } = await import('oidc-provider')

const { values: args } = parseArgs({
  options: {
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'redirect-uri': { type: 'string' },
    'post-logout-redirect-uri': { type: 'string' },
    accounts: { type: 'string' }
  }
})
for (const required of ['client-id', 'client-secret']) {
  if (!args[required]) {
    console.error(`provider.mjs: --${required} is required`)
    process.exit(2)
  }
}

const accounts = args.accounts
  ? JSON.parse(args.accounts)
  : {
      alice: { name: '爱丽丝 Alice', org_code: 'TEST-ORG' },
      mallory: { name: 'Mallory', org_code: 'NO-SUCH-ORG' }
    }

const TAMPER_MODES = new Set(['wrong_nonce', 'wrong_issuer', 'wrong_audience', 'expired'])
let tamper = null

// The signing key, made fresh for each run. The tamper middleware signs with the same key.
const KID = 'test-key-1'
const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true })
const signingJwk = { ...(await jose.exportJWK(privateKey)), kid: KID, alg: 'RS256', use: 'sig' }

// The port is known only once listening, and the issuer URL must contain it: listen first,
// then build the provider (now, or when POST /__test/client names the client's URLs).
let provider = null
const server = http.createServer((req, res) => {
  route(req, res).catch((err) => {
    console.error('provider.mjs:', err)
    if (!res.headersSent) {
      res.statusCode = 500
      res.setHeader('Content-Type', 'application/json')
    }
    res.end(JSON.stringify({ error: 'server_error', error_description: String(err.message) }))
  })
})
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const issuer = `http://127.0.0.1:${server.address().port}`

function makeProvider ({ redirectUri, postLogoutRedirectUri }) {
  const made = new Provider(issuer, {
    clients: [
      {
        client_id: args['client-id'],
        client_secret: args['client-secret'],
        redirect_uris: [redirectUri],
        post_logout_redirect_uris: postLogoutRedirectUri ? [postLogoutRedirectUri] : [],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic'
      }
    ],
    jwks: { keys: [signingJwk] },
    cookies: { keys: ['concord-test-cookie-key'] },
    claims: {
      openid: ['sub'],
      profile: ['name', 'org_code']
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true }
    },
    pkce: { required: () => true },
    async findAccount (_ctx, id) {
      const account = accounts[id]
      if (!account) return undefined
      return { accountId: id, claims: async () => ({ sub: id, ...account }) }
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` }
  })
  made.use(tamperIdTokens)
  return made
}

// Rewrites the ID token of a successful token response when a tamper mode is on.
async function tamperIdTokens (ctx, next) {
  await next()
  if (!tamper || ctx.method !== 'POST' || ctx.path !== '/token' || ctx.status !== 200) return
  const body = ctx.body
  if (!body || typeof body.id_token !== 'string') return
  const claims = jose.decodeJwt(body.id_token)
  const now = Math.floor(Date.now() / 1000)
  switch (tamper) {
    case 'wrong_nonce':
      claims.nonce = 'not-the-nonce-of-this-sign-in'
      break
    case 'wrong_issuer':
      claims.iss = 'http://127.0.0.1:9/another-issuer'
      break
    case 'wrong_audience':
      claims.aud = 'another-client'
      if ('azp' in claims) claims.azp = 'another-client'
      break
    case 'expired':
      claims.iat = now - 7200
      claims.exp = now - 3600
      break
  }
  const idToken = await new jose.SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' })
    .sign(privateKey)
  ctx.body = { ...body, id_token: idToken }
}

if (args['redirect-uri']) {
  provider = makeProvider({
    redirectUri: args['redirect-uri'],
    postLogoutRedirectUri: args['post-logout-redirect-uri']
  })
}

async function route (req, res) {
  const url = new URL(req.url, issuer)
  if (url.pathname === '/__test/mode' && req.method === 'POST') {
    const mode = JSON.parse((await readBody(req)) || '{}').id_token ?? null
    if (mode !== null && !TAMPER_MODES.has(mode)) {
      return json(res, 400, { error: `unknown tamper mode ${JSON.stringify(mode)}` })
    }
    tamper = mode
    return json(res, 200, { id_token: tamper })
  }
  if (url.pathname === '/__test/client' && req.method === 'POST') {
    const body = JSON.parse((await readBody(req)) || '{}')
    if (!body.redirect_uri) return json(res, 400, { error: 'redirect_uri is required' })
    provider = makeProvider({
      redirectUri: body.redirect_uri,
      postLogoutRedirectUri: body.post_logout_redirect_uri
    })
    return json(res, 200, {})
  }
  if (!provider) return json(res, 503, { error: 'POST /__test/client first' })
  const interaction = /^\/interaction\/([^/]+)$/.exec(url.pathname)
  if (interaction) return handleInteraction(req, res)
  return provider.callback()(req, res)
}

async function handleInteraction (req, res) {
  const details = await provider.interactionDetails(req, res)
  const { uid, prompt, params, session } = details
  if (req.method === 'GET') {
    return json(res, 200, {
      uid,
      prompt: prompt.name,
      client_id: params.client_id,
      scope: params.scope
    })
  }
  if (req.method !== 'POST') return json(res, 405, { error: 'GET or POST' })
  const form = new URLSearchParams(await readBody(req))
  if (form.get('abort')) {
    return provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'the person refused to sign in'
    }, { mergeWithLastSubmission: false })
  }
  if (prompt.name === 'login') {
    const accountId = form.get('login')
    if (!accountId || !accounts[accountId]) {
      return json(res, 400, { error: `no account ${JSON.stringify(accountId)}` })
    }
    return provider.interactionFinished(req, res, { login: { accountId } }, {
      mergeWithLastSubmission: false
    })
  }
  if (prompt.name === 'consent') {
    if (form.get('consent') !== 'yes') return json(res, 400, { error: 'send consent=yes' })
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id })
    const missing = prompt.details
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '))
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims)
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '))
    }
    const grantId = await grant.save()
    const consent = details.grantId ? {} : { grantId }
    return provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true })
  }
  return json(res, 400, { error: `unsupported prompt ${prompt.name}` })
}

function readBody (req) {
  return new Promise((resolve, reject) => {
    let data = ''
    req.setEncoding('utf8')
    req.on('data', (chunk) => { data += chunk })
    req.on('end', () => resolve(data))
    req.on('error', reject)
  })
}

function json (res, status, body) {
  res.statusCode = status
  res.setHeader('Content-Type', 'application/json')
  res.end(JSON.stringify(body))
}

process.stdout.write(JSON.stringify({ issuer }) + '\n')
process.stdin.resume()
process.stdin.on('end', () => process.exit(0))
