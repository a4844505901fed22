// The packaging page's dedicated Worker (started by main.js as a module
// Worker): the package imported inside a Worker, where OpfsHost writes its
// files itself (mode "direct"). Posts what hosts.js recorded.
import init, * as sessiontrail from "sessiontrail";
import { exercise } from "./hosts.js";

(async () => {
  await init();
  const result = await exercise(sessiontrail, "worker");
  delete result.events;
  return result;
})().then(
  (result) => postMessage(result),
  (e) => postMessage({ error: `${e.code ?? ""} ${e.stack ?? e}` }),
);
