// Passkeys (WebAuthn): the browser side of registering one and of signing in with one.
// Forms marked data-passkey stay hidden unless this browser can use passkeys; the server keeps
// the challenge and checks every answer (diaspora/factors). What the script tells people comes
// from the form, in the page's language (templates/factors/_passkey.html).

// A failure to show as it is: its message is the form's, or the server's.
class Refusal extends Error {}

const toBytes = (text) => {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "===".slice((base64.length + 3) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)).buffer;
};

const toText = (buffer) =>
  btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

const descriptors = (list) => (list || []).map((item) => ({ ...item, id: toBytes(item.id) }));

const send = (form, url, body) =>
  fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      "X-CSRFToken": form.querySelector("input[name=csrf_token]").value,
    },
    body: JSON.stringify(body),
  });

async function register(form, options) {
  const credential = await navigator.credentials.create({
    publicKey: {
      ...options,
      challenge: toBytes(options.challenge),
      user: { ...options.user, id: toBytes(options.user.id) },
      excludeCredentials: descriptors(options.excludeCredentials),
    },
  });
  const response = credential.response;
  return {
    name: form.querySelector("input[name=name]").value,
    credential: {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: toText(response.clientDataJSON),
        attestationObject: toText(response.attestationObject),
        transports: response.getTransports ? response.getTransports() : [],
      },
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment,
    },
  };
}

async function authenticate(form, options) {
  const credential = await navigator.credentials.get({
    publicKey: {
      ...options,
      challenge: toBytes(options.challenge),
      allowCredentials: descriptors(options.allowCredentials),
    },
  });
  const response = credential.response;
  const remember = document.querySelector("input[name=remember]");
  return {
    next: form.dataset.next,
    remember: Boolean(remember && remember.checked),
    credential: {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: toText(response.clientDataJSON),
        authenticatorData: toText(response.authenticatorData),
        signature: toText(response.signature),
        userHandle: response.userHandle ? toText(response.userHandle) : null,
      },
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment,
    },
  };
}

function showError(form, text) {
  const error = form.querySelector("#passkey-error");
  error.textContent = text;
  error.hidden = false;
}

async function ceremony(form) {
  const started = await send(form, form.dataset.options, {});
  if (!started.ok) {
    throw new Refusal(form.dataset.startFailed);
  }
  const options = await started.json();
  const body =
    form.dataset.passkey === "register"
      ? await register(form, options)
      : await authenticate(form, options);
  const answer = await send(form, form.action, body);
  const result = await answer.json().catch(() => ({}));
  if (!answer.ok) {
    throw new Refusal(result.detail || form.dataset.checkFailed);
  }
  window.location.assign(result.redirect);
}

const supported = Boolean(window.PublicKeyCredential && navigator.credentials);
for (const form of document.querySelectorAll("form[data-passkey]")) {
  if (!supported) {
    for (const note of document.querySelectorAll("[data-passkey-unsupported]")) {
      note.hidden = false;
    }
    continue;
  }
  form.hidden = false;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ceremony(form).catch((error) => {
      // The browser's own errors are in its language, not the page's: each gets the form's words.
      if (error instanceof Refusal) {
        showError(form, error.message);
      } else if (error.name === "NotAllowedError" || error.name === "AbortError") {
        showError(form, form.dataset.notUsed);
      } else {
        showError(form, form.dataset.checkFailed);
      }
    });
  });
}
