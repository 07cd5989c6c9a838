/**
 * @module bench/peers/quickstart-app
 * The conventional app of DESIGN §5: RingCentral's "Authorization Flow Authentication" quick start for
 * JavaScript (`/work/shared/seeds/004`, `index.js`), kept as the quick start writes it: express +
 * express-session with its defaults (in-memory store, `resave` and `saveUninitialized` on) + the official
 * `@ringcentral/sdk`, ONE SDK platform shared by every user, `platform.auth().setData(req.session.tokens)` on
 * each request, `platform.get(...)`, `resp.json()`, `res.send(JSON.stringify(jsonObj))`.
 *
 * Deliberate differences from the published file, none of which makes it slower: the port comes from `PORT`
 * (the harness picks a free one), the two pages are inline HTML instead of EJS files, PKCE is on (DESIGN
 * always uses PKCE; the seed has `usePKCE` as a switch), console output is left out of the hot path, and the
 * seed's undeclared `REDIRECT_URL` global is a `const`. The seed's bugs stay (shared platform, so concurrent
 * PKCE logins overwrite each other's code verifier: contract §8.1).
 */
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS, as the quick start is written */

const express = require('express');
const session = require('express-session');
const RC = require('@ringcentral/sdk').SDK;

const app = express();
const usePKCE = true;

app.use(session({ secret: 'somesecretstring', tokens: '' }));

const REDIRECT_URL = process.env.RC_REDIRECT_URL;

const rcsdk = new RC({
  server: process.env.RC_SERVER_URL,
  clientId: process.env.RC_CLIENT_ID,
  clientSecret: process.env.RC_CLIENT_SECRET,
  redirectUri: REDIRECT_URL,
});

const server = require('http').createServer(app);
server.listen(Number(process.env.PORT || 5000), '127.0.0.1');

function renderIndex(authorizeUri) {
  return `<!DOCTYPE html>
<html>
  <head>
    <meta charset="UTF-8">
    <title>RingCentral Authorization Code Flow Authentication</title>
  </head>
  <body>
    <h2>
        RingCentral Authorization Code Flow Authentication
    </h2>
    <a href="${authorizeUri}">Login RingCentral Account</a>
  </body>
</html>`;
}

const TEST_PAGE = `<!DOCTYPE html>
<html>
<head>
    <meta charset="UTF-8">
</head>
<body>
  <b><a href="/logout">Logout</a></b>
  <h2>Call APIs</h2>
  <ul>
      <li><a href="/test?api=extension">Read Extension Info</a></li>
      <li><a href="/test?api=extension-call-log">Read Extension Call Log</a></li>
      <li><a href="/test?api=account-call-log">Read Account Call Log</a></li>
  </ul>
</body>
</html>`;

app.get('/index', function (req, res) {
  res.redirect('/');
});

app.get('/', async function (req, res) {
  const platform = rcsdk.platform();
  if (req.session.tokens != undefined) {
    platform.auth().setData(req.session.tokens);
    if (await platform.loggedIn()) {
      return res.send(TEST_PAGE);
    }
  } else {
    res.send(
      renderIndex(
        platform.loginUrl({
          redirectUri: REDIRECT_URL,
          usePKCE,
        }),
      ),
    );
  }
});

app.get('/logout', async function (req, res) {
  if (req.session.tokens != undefined) {
    const platform = rcsdk.platform();
    platform.auth().setData(req.session.tokens);
    if (platform.loggedIn()) {
      try {
        await platform.logout();
      } catch {
        // the seed prints the error here
      }
    }
    req.session.tokens = null;
  }
  res.redirect('/');
});

app.get('/oauth2callback', async function (req, res) {
  if (req.query.code) {
    try {
      const platform = rcsdk.platform();
      const resp = await platform.login({
        code: req.query.code,
        redirectUri: REDIRECT_URL,
      });
      req.session.tokens = await resp.json();
      res.redirect('/test');
    } catch (e) {
      res.send('Login error ' + e);
    }
  } else {
    res.send('No Auth code');
  }
});

app.get('/test', function (req, res) {
  if (req.session.tokens != undefined) {
    const platform = rcsdk.platform();
    platform.auth().setData(req.session.tokens);
    if (platform.loggedIn()) {
      if (req.query.api == 'extension') {
        const endpoint = '/restapi/v1.0/account/~/extension';
        const params = {};
        return callGetMethod(platform, endpoint, params, res);
      } else if (req.query.api == 'extension-call-log') {
        const endpoint = '/restapi/v1.0/account/~/extension/~/call-log';
        const params = {};
        return callGetMethod(platform, endpoint, params, res);
      } else if (req.query.api == 'account-call-log') {
        const endpoint = '/restapi/v1.0/account/~/call-log';
        const params = {};
        return callGetMethod(platform, endpoint, params, res);
      }
    }
  }
  res.redirect('/');
});

async function callGetMethod(platform, endpoint, params, res) {
  try {
    const resp = await platform.get(endpoint, params);
    const jsonObj = await resp.json();
    res.send(JSON.stringify(jsonObj));
  } catch (e) {
    res.send('Error: ' + e.message);
  }
}

process.once('SIGTERM', function () {
  server.close();
  process.exit(0);
});
