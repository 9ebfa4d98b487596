// A static file server on 127.0.0.1 for the browser checks: `node serve.mjs DIR [PORT]` (PORT 0 = any free
// one). Prints "listening on http://127.0.0.1:PORT" once it accepts connections; stops on SIGTERM.
import { staticServer } from "../../scripts/static-server.mjs";

const [dir, portArg = "0"] = process.argv.slice(2);
if (!dir) throw new Error("usage: node serve.mjs DIR [PORT]");
const server = staticServer([["/", dir]]);
server.listen(Number(portArg), "127.0.0.1", () =>
  console.log(`listening on http://127.0.0.1:${server.address().port}`),
);
process.on("SIGTERM", () => server.close(() => process.exit(0)));
