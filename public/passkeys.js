// Passkeys in the browser (WebAuthn): registering one from the profile, signing in with
// one from the login page (a button, and the username field's autofill). Plain
// JavaScript so the wasm bundle stays small. The server keeps each ceremony's state;
// this only converts between JSON (base64url) and the ArrayBuffers the browser wants.
// Elements are found by data attributes, whenever the page (re)renders them:
//   [data-passkey-ui]        hidden until passkeys can work here, then shown
//   [data-passkey-nojs]      shown without JavaScript (or support), hidden otherwise
//   [data-passkey-login]     the "Sign in with a passkey" button
//   form[data-passkey-register]  the profile's "Add a passkey" form (field `name`)
//   [data-passkey-check]     "verify" (a login's second step) or "confirm" (step-up):
//                            checks a passkey of the account, then goes to `next`
//   [data-passkey-error]     where a failure is said, beside the control that failed
(() => {
  'use strict';
  if (window.gatehousePasskeys) return;
  window.gatehousePasskeys = true;

  const supported =
    typeof window.PublicKeyCredential === 'function' &&
    !!navigator.credentials &&
    typeof navigator.credentials.create === 'function';

  const fromB64u = (text) => {
    const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0)).buffer;
  };
  const toB64u = (buffer) => {
    let binary = '';
    for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };

  /** POSTs JSON to one of our endpoints; throws an Error with the server's words. */
  async function post(path, body) {
    let res;
    try {
      res = await fetch(path, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body ?? {}),
      });
    } catch {
      throw new Error('Could not reach the server. Check your connection and try again.');
    }
    let data = null;
    try {
      data = await res.json();
    } catch {
      data = null;
    }
    if (!res.ok) {
      const field = data && data.fields && Object.values(data.fields)[0];
      throw new Error(field || (data && data.message) || `The server answered ${res.status}. Please try again.`);
    }
    return data;
  }

  function creationOptions(options) {
    const pk = options.publicKey;
    pk.challenge = fromB64u(pk.challenge);
    pk.user.id = fromB64u(pk.user.id);
    for (const c of pk.excludeCredentials || []) c.id = fromB64u(c.id);
    return { publicKey: pk };
  }

  function requestOptions(options) {
    const pk = options.publicKey;
    pk.challenge = fromB64u(pk.challenge);
    for (const c of pk.allowCredentials || []) c.id = fromB64u(c.id);
    return { publicKey: pk };
  }

  function registrationJSON(cred) {
    const r = cred.response;
    return {
      id: cred.id,
      rawId: toB64u(cred.rawId),
      type: cred.type,
      response: {
        attestationObject: toB64u(r.attestationObject),
        clientDataJSON: toB64u(r.clientDataJSON),
        transports: typeof r.getTransports === 'function' ? r.getTransports() : undefined,
      },
      extensions: cred.getClientExtensionResults(),
    };
  }

  function assertionJSON(cred) {
    const r = cred.response;
    return {
      id: cred.id,
      rawId: toB64u(cred.rawId),
      type: cred.type,
      response: {
        authenticatorData: toB64u(r.authenticatorData),
        clientDataJSON: toB64u(r.clientDataJSON),
        signature: toB64u(r.signature),
        userHandle: r.userHandle ? toB64u(r.userHandle) : null,
      },
      extensions: cred.getClientExtensionResults(),
    };
  }

  /** The browser's own refusals, in words. */
  function words(error) {
    switch (error && error.name) {
      case 'NotAllowedError':
        return 'The passkey request was cancelled or timed out. Please try again.';
      case 'InvalidStateError':
        return 'This device already holds a passkey for your account.';
      case 'SecurityError':
        return 'This browser does not allow passkeys at this address.';
      case 'NotSupportedError':
        return 'This device cannot make a passkey.';
      default:
        return (error && error.message) || 'Something went wrong. Please try again.';
    }
  }

  function say(near, message) {
    const box = near && near.querySelector('[data-passkey-error]');
    if (!box) return;
    box.textContent = message || '';
    box.hidden = !message;
  }

  function busy(button, on) {
    if (!button) return;
    button.disabled = on;
    if (on) button.setAttribute('aria-busy', 'true');
    else button.removeAttribute('aria-busy');
  }

  /** Where to go after signing in: the login page's `next` (the server checks it). */
  const next = () => new URLSearchParams(location.search).get('next');

  async function signIn(cred, autofill) {
    const done = await post('/auth/passkey/login/finish', { credential: assertionJSON(cred), next: next(), autofill });
    location.assign(done.next || '/profile');
  }

  // The autofill request (conditional mediation) waits while the login page is open;
  // any other ceremony cancels it first (a browser runs one at a time). The server keeps
  // its challenge apart from the button's.
  let autofill = null;
  // Its start request, while in flight: the browser state is saved whole per request,
  // so another ceremony starts only after it (or one could overwrite the other's).
  let autofillStarting = Promise.resolve();
  function stopAutofill() {
    if (autofill) autofill.abort();
    autofill = null;
    return autofillStarting;
  }

  // A ceremony the person started: no autofill request meanwhile.
  let running = false;

  async function startAutofill(input) {
    if (autofill || running || !supported) return;
    // Taken at once: the page's mutations call this again while it waits.
    const controller = new AbortController();
    autofill = controller;
    try {
      const available =
        typeof PublicKeyCredential.isConditionalMediationAvailable === 'function' &&
        (await PublicKeyCredential.isConditionalMediationAvailable().catch(() => false));
      if (!available || controller.signal.aborted || !input.isConnected) return;
      const starting = post('/auth/passkey/login/start', { autofill: true });
      autofillStarting = starting.then(
        () => {},
        () => {},
      );
      const options = await starting;
      if (controller.signal.aborted) return;
      const cred = await navigator.credentials.get({
        ...requestOptions(options),
        mediation: 'conditional',
        signal: controller.signal,
      });
      if (cred) await signIn(cred, true);
    } catch (error) {
      if (!controller.signal.aborted) say(document.querySelector('.passkey-sign-in'), words(error));
    } finally {
      if (autofill === controller) autofill = null;
    }
  }

  /** Runs a ceremony the person started from `button`: no autofill meanwhile, the
   * button busy, and a failure said in `box`. */
  async function run(button, box, work) {
    say(box, '');
    busy(button, true);
    running = true;
    try {
      await stopAutofill();
      await work();
    } catch (error) {
      say(box, words(error));
      busy(button, false);
    } finally {
      running = false;
    }
  }

  function signInWithButton(button) {
    return run(button, button.closest('.passkey-sign-in'), async () => {
      const options = await post('/auth/passkey/login/start');
      const cred = await navigator.credentials.get(requestOptions(options));
      await signIn(cred, false);
    });
  }

  /** A passkey as the second step of a login, or to confirm who you are (step-up). */
  function check(button) {
    const kind = button.dataset.passkeyCheck === 'confirm' ? 'confirm' : 'verify';
    return run(button, button.closest('.passkey-verify'), async () => {
      const options = await post(`/auth/passkey/${kind}/start`);
      const cred = await navigator.credentials.get(requestOptions(options));
      const done = await post(`/auth/passkey/${kind}/finish`, { credential: assertionJSON(cred), next: next() });
      location.assign(done.next || '/profile');
    });
  }

  function register(form) {
    return run(form.querySelector('button[type="submit"]'), form, async () => {
      const options = await post('/auth/passkey/register/start', { name: form.elements.name.value });
      const cred = await navigator.credentials.create(creationOptions(options));
      await post('/auth/passkey/register/finish', { credential: registrationJSON(cred) });
      // The profile shows the new passkey and the server's notice.
      location.reload();
    });
  }

  document.addEventListener('click', (event) => {
    const button = event.target instanceof Element && event.target.closest('[data-passkey-login]');
    if (button && supported) {
      event.preventDefault();
      signInWithButton(button);
    }
    const checker = event.target instanceof Element && event.target.closest('[data-passkey-check]');
    if (checker && supported) {
      event.preventDefault();
      check(checker);
    }
  });

  document.addEventListener('submit', (event) => {
    const form = event.target instanceof Element && event.target.closest('form[data-passkey-register]');
    if (form) {
      event.preventDefault();
      if (supported) register(form);
    }
  });

  /** Shows and hides what depends on support, and starts or stops the autofill. */
  function refresh() {
    if (supported) {
      for (const el of document.querySelectorAll('[data-passkey-nojs]')) el.hidden = true;
      for (const el of document.querySelectorAll('[data-passkey-ui][hidden]')) el.hidden = false;
    }
    const input = document.querySelector('input[autocomplete~="webauthn"]');
    if (input) startAutofill(input);
    else stopAutofill();
  }

  // Pages render (and re-render after client-side navigation) after this script ran.
  new MutationObserver(refresh).observe(document.documentElement, { childList: true, subtree: true });
  refresh();
})();
