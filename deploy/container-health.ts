/**
 * The worker's ops server (WALLET_METRICS_PORT, off unless set) answers
 * /healthz while the process is alive and its event loop turns. The image
 * sets the port (Dockerfile ENV) and its HEALTHCHECK; the ECS task
 * definition runs the same probe, so ECS replaces a wedged task.
 * test/unit/dockerfile.test.ts keeps the two in step.
 */
export const WORKER_OPS_PORT = 9464;

/**
 * No curl or wget in the slim image: node's own fetch, exit 0 on a 2xx. The port comes from the
 * container's own WALLET_METRICS_PORT, so an operator who moves the ops server moves the probe too.
 */
export const HEALTH_PROBE = `fetch('http://127.0.0.1:' + (process.env.WALLET_METRICS_PORT || ${WORKER_OPS_PORT}) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`;

export const TASK_HEALTH_CHECK = {
  Command: ['CMD', 'node', '-e', HEALTH_PROBE],
  Interval: 30,
  Timeout: 5,
  Retries: 3,
  // Start-up looks the queues up and connects; failures before this do not count.
  StartPeriod: 30,
};
