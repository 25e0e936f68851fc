// Loaded before every test file (vitest.config.ts setupFiles): each test first yields one turn of the
// event loop. Integration tests block the worker's event loop with spawnSync for seconds at a time; a
// file of such tests run back to back never lets the worker read vitest's RPC replies, and after 60 s
// (vitest's fixed worker RPC timeout) it reports `Timeout calling "onTaskUpdate"` and exits 1 although
// every test passed. setImmediate fires after the poll phase, so pending replies are read first; what
// remains is that no single test may block for 60 s (write such tests async, or yield inside them).
import { beforeEach } from "vitest";

beforeEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
