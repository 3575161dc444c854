// SPDX-License-Identifier: GPL-3.0-or-later
//
// OpenTok's own Node server SDK, pinned in package.json, drives a real confab-server on
// 127.0.0.1 through its `apiUrl`, while libconfab clients (confab-rest-client) sit in the
// session and report what they see as JSON lines.
//
//   node --test-reporter=tap interop.test.js PATH/TO/confab-rest-client
//
// CONFAB_SERVER_BINARY names the server. Without node_modules (run setup.sh) the test
// reports itself skipped.

'use strict';

const fs = require('node:fs');
const path = require('node:path');

if (!fs.existsSync(path.join(__dirname, 'node_modules', 'opentok'))) {
  console.log('1..0 # SKIP the opentok npm package is not installed; ' +
              'run tests/rest/interop/setup.sh');
  process.exit(0);
}

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const readline = require('node:readline');
const { test, after } = require('node:test');
const OpenTok = require('opentok');

const API_KEY = '4711';
const API_SECRET = 'interop-secret-0123456789abcdef';
const WAIT_MS = 15000;

const serverBinary = process.env.CONFAB_SERVER_BINARY;
const clientBinary = process.argv[2];
const children = [];

after(() => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null)
      child.kill('SIGTERM');
  }
});

// A child whose stdout lines are collected; `next (predicate)` waits for the first line not
// yet consumed that matches.
function watch(child, name) {
  const lines = [];
  const waiters = [];
  const stderr = [];

  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const waiter of waiters.splice(0))
      waiter();
  });
  child.stderr.on('data', (data) => stderr.push(data.toString()));
  // "close" comes after the last line has been read, unlike "exit".
  let closed = false;
  child.on('close', () => {
    closed = true;
    for (const waiter of waiters.splice(0))
      waiter();
  });

  const watched = {
    child,
    lines,
    consumed: 0,
    async next(what, predicate) {
      const deadline = Date.now() + WAIT_MS;

      for (;;) {
        for (let i = watched.consumed; i < lines.length; i++) {
          const value = predicate(lines[i]);
          if (value !== undefined && value !== false) {
            watched.consumed = i + 1;
            return value;
          }
        }
        if (closed)
          assert.fail(`${name} ended while waiting for ${what}; ` +
                      `it printed ${JSON.stringify(lines)} ` +
                      `and said ${stderr.join('')}`);
        if (Date.now() > deadline)
          assert.fail(`${name} did not show ${what} within ${WAIT_MS} ms; it printed ` +
                      JSON.stringify(lines));
        await new Promise((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    async nextEvent(what, match) {
      return watched.next(what, (line) => {
        const event = JSON.parse(line);
        return match(event) ? event : undefined;
      });
    },
  };
  return watched;
}

async function startServer() {
  const child = spawn(serverBinary, ['--listen', '127.0.0.1:0',
                                     '--api-key', API_KEY, '--api-secret', API_SECRET],
                      { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const server = watch(child, 'confab-server');
  const url = await server.next('its address', (line) => {
    const match = /^Listening on (ws:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
    return match ? { url: match[1], port: Number(match[2]) } : undefined;
  });
  return { ...server, ...url };
}

function startClient(serverUrl, sessionId, token, name) {
  const child = spawn(clientBinary, [serverUrl, sessionId, token],
                      { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  return watch(child, name);
}

function promisify(fn) {
  return new Promise((resolve, reject) => {
    fn((error, value) => (error ? reject(error) : resolve(value)));
  });
}

// The steps run in order and share one server and session; each is its own TAP test.
const ctx = {};

test('createSession, and clients join with a JWT and a T1 token', async () => {
  assert.ok(serverBinary, 'CONFAB_SERVER_BINARY must name confab-server');
  assert.ok(clientBinary, 'the path of confab-rest-client must be the first argument');

  const server = await startServer();
  const apiUrl = `http://127.0.0.1:${server.port}`;
  const opentok = new OpenTok(API_KEY, API_SECRET, { apiUrl });

  const session = await promisify((done) => opentok.createSession({ mediaMode: 'routed' }, done));
  const sessionId = session.sessionId;
  assert.match(sessionId, /^1_/);

  // The SDK's own token checks (the session's key) accept the id Confab made.
  const jwtToken = opentok.generateToken(sessionId, { role: 'publisher', data: 'name=Jay' });
  const legacyToken = opentok.generateToken(sessionId, { role: 'moderator', data: 'name=Tee & co' },
                                            true);
  assert.match(legacyToken, /^T1==/);
  assert.doesNotMatch(jwtToken, /^T1==/);

  const jay = startClient(server.url, sessionId, jwtToken, 'the JWT client');
  const jayConnected = await jay.nextEvent('connected', (e) => e.event === 'connected');
  assert.equal(jayConnected.data, 'name=Jay');

  const tee = startClient(server.url, sessionId, legacyToken, 'the T1 client');
  const teeConnected = await tee.nextEvent('connected', (e) => e.event === 'connected');
  assert.equal(teeConnected.data, 'name=Tee & co');

  const seen = await jay.nextEvent('the T1 client joining',
                                   (e) => e.event === 'connection-created' &&
                                          e.connection_id === teeConnected.connection_id);
  assert.equal(seen.data, 'name=Tee & co');

  Object.assign(ctx, { apiUrl, opentok, sessionId, jay, tee, jayConnected, teeConnected });
});

test('signal to the whole session arrives with no sender', async () => {
  const { opentok, sessionId, jay, tee } = ctx;

  await promisify((done) => opentok.signal(sessionId, null,
                                           { type: 'chat', data: 'Hello from the SDK' }, done));
  for (const client of [jay, tee]) {
    const signal = await client.nextEvent('the broadcast', (e) => e.event === 'signal');
    assert.deepEqual(signal, { event: 'signal', type: 'chat', data: 'Hello from the SDK',
                               from: null });
  }
});

test('signal to one connection reaches only it', async () => {
  const { opentok, sessionId, tee, teeConnected } = ctx;

  await promisify((done) => opentok.signal(sessionId, teeConnected.connection_id,
                                           { type: 'direct', data: 'Just for Tee' }, done));
  const direct = await tee.nextEvent('the direct signal', (e) => e.event === 'signal');
  assert.deepEqual(direct, { event: 'signal', type: 'direct', data: 'Just for Tee',
                             from: null });
});

test('refused calls deliver nothing', async () => {
  const { apiUrl, opentok, sessionId, jay, tee, teeConnected } = ctx;
  const wrongSecret = new OpenTok(API_KEY, 'not-the-secret', { apiUrl });
  const wrongKey = new OpenTok('999', API_SECRET, { apiUrl });

  await assert.rejects(promisify((done) => wrongSecret.signal(sessionId, null,
                                                              { type: 'x', data: 'forged' },
                                                              done)));
  await assert.rejects(promisify((done) => wrongKey.signal(sessionId, null,
                                                           { type: 'x', data: 'forged' }, done)));
  await assert.rejects(promisify((done) => wrongSecret.createSession(done)));
  await assert.rejects(promisify((done) => opentok.signal(sessionId, 'no-such-connection',
                                                          { type: 'x', data: 'lost' }, done)),
                       /not found/);
  await assert.rejects(promisify((done) => opentok.signal(sessionId, null,
                                                          { type: 't'.repeat(129), data: 'x' },
                                                          done)));
  await assert.rejects(promisify((done) => opentok.signal(sessionId, null,
                                                          { type: 'bad type', data: 'x' },
                                                          done)));
  await assert.rejects(promisify((done) => opentok.forceDisconnect(sessionId,
                                                                   'no-such-connection', done)),
                       /not found/);
  await assert.rejects(promisify((done) => wrongSecret.forceDisconnect(
    sessionId, teeConnected.connection_id, done)));

  // The next thing both clients see is this marker, so nothing came before it.
  await promisify((done) => opentok.signal(sessionId, null, { type: 'marker', data: 'end' },
                                           done));
  for (const client of [jay, tee]) {
    const next = await client.nextEvent('the marker', () => true);
    assert.deepEqual(next, { event: 'signal', type: 'marker', data: 'end', from: null });
  }
});

test('forceDisconnect ends that connection only', async () => {
  const { opentok, sessionId, jay, tee, jayConnected, teeConnected } = ctx;

  await promisify((done) => opentok.forceDisconnect(sessionId, teeConnected.connection_id,
                                                    done));
  const ended = await tee.nextEvent('its end', (e) => e.event === 'disconnected');
  assert.equal(ended.reason, 'forceDisconnected');

  const destroyed = await jay.nextEvent('the T1 client leaving',
                                        (e) => e.event === 'connection-destroyed');
  assert.deepEqual(destroyed, { event: 'connection-destroyed',
                                connection_id: teeConnected.connection_id,
                                reason: 'forceDisconnected' });

  // Jay is still in, and still hears the server.
  await promisify((done) => opentok.signal(sessionId, jayConnected.connection_id,
                                           { type: 'still', data: 'here' }, done));
  const still = await jay.nextEvent('a signal after the removal', (e) => e.event === 'signal');
  assert.equal(still.type, 'still');
});

test('a client leaves when asked', async () => {
  const { jay } = ctx;

  // Closing its input makes the client leave; it exits cleanly.
  const exited = new Promise((resolve) => jay.child.on('exit', (code) => resolve(code)));
  jay.child.stdin.end();
  assert.equal(await exited, 0);
});
