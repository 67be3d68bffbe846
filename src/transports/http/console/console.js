// The console's shell: sign-in, the navigation between views (#/endpoints, #/inferences,
// #/agents, #/transcript/<session id>), the status line and the error banner.
import { api, ApiError, session } from "./api.js";
import { mountAgents } from "./agents.js";
import { mountEndpoints } from "./endpoints.js";
import { mountInferences } from "./inferences.js";
import { mountTranscript } from "./transcript.js";

const views = { endpoints: mountEndpoints, inferences: mountInferences, agents: mountAgents, transcript: mountTranscript };
const byId = (id) => document.getElementById(id);
let unmount = () => {};

/** What each view is given: where to say how it went, and how to move to another view. */
const context = {
  status(text) {
    byId("status").textContent = text;
  },
  /** Shows the failure above the view; a refused key signs out. Returns true when the view should stop. */
  failed(error) {
    if (error instanceof ApiError && error.status === 401) {
      signOut("The API key was refused; sign in again.");
      return true;
    }
    showBanner(`${error.code ?? "Error"}: ${error.message}`);
    return false;
  },
  succeeded() {
    showBanner(undefined);
  },
  go(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
};

function showBanner(text) {
  const banner = byId("banner");
  banner.hidden = text === undefined;
  banner.textContent = text ?? "";
}

/** `#/name/rest?query` → the view's name, the rest of the path and the query. */
function parseHash() {
  const [path, search = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const [name, ...rest] = path.split("/");
  return { name: views[name] ? name : "endpoints", rest: rest.map(decodeURIComponent).join("/"), params: new URLSearchParams(search) };
}

function route() {
  if (!session.signedIn()) return showLogin();
  byId("login").hidden = true;
  byId("app").hidden = false;
  const { name, rest, params } = parseHash();
  for (const link of document.querySelectorAll("nav a")) link.classList.toggle("active", link.dataset.view === name);
  unmount();
  showBanner(undefined);
  context.status("");
  const root = byId("view");
  root.replaceChildren();
  root.dataset.view = name;
  unmount = views[name](root, context, { rest, params }) ?? (() => {});
}

function showLogin(message) {
  unmount();
  unmount = () => {};
  byId("app").hidden = true;
  byId("login").hidden = false;
  const error = byId("login-error");
  error.hidden = message === undefined;
  error.textContent = message ?? "";
  byId("login-key").focus();
}

function signOut(message) {
  session.clear();
  showLogin(message);
}

/** A key is kept only once the API has taken it: a wrong one stays on the form, with the reason. */
async function signIn(event) {
  event.preventDefault();
  const key = byId("login-key").value.trim();
  const button = event.target.querySelector("button");
  button.disabled = true;
  try {
    await api("/v1/endpoints", { key });
    session.save(key);
    byId("login-key").value = "";
    route();
  } catch (error) {
    const refused = error instanceof ApiError && error.status === 401;
    showLogin(refused ? `That key was refused (${error.code}).` : `Cannot sign in: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

byId("login-form").addEventListener("submit", signIn);
byId("sign-out").addEventListener("click", () => signOut());
window.addEventListener("hashchange", route);
route();
