import { startProxyServer } from './latency-proxy.js';

/** Entry of the latency proxy process: `<target> <latencyMs>`; sends its port to the driver. */
const [target, latency] = process.argv.slice(2);
if (!target || !latency || !process.send) throw new Error('latency-proxy-process.ts is started by the bench driver');
const { port } = await startProxyServer(target, Number(latency));
process.send({ port });
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
