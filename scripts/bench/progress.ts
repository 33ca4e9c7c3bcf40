/**
 * A progress bar on stderr, so stdout stays the table and the RESULT line.
 * On a terminal it redraws one line; piped (CI, a log file) it prints a
 * plain line at most every few seconds instead of escape codes.
 */
export interface Progress {
  tick(count?: number): void;
  done(): void;
}

const WIDTH = 28;
const PLAIN_EVERY_MS = 5_000;
const REDRAW_EVERY_MS = 100;

export function createProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const startedAt = Date.now();
  let current = 0;
  let drawnAt = 0;
  const tty = stream.isTTY === true;

  function line(): string {
    const fraction = total > 0 ? Math.min(1, current / total) : 1;
    const elapsed = (Date.now() - startedAt) / 1000;
    const rate = elapsed > 0 ? Math.round(current / elapsed) : 0;
    const filled = Math.round(fraction * WIDTH);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}`;
    return `${label.padEnd(22)} [${bar}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${current}/${total} ${rate}/s ${elapsed.toFixed(1)}s`;
  }

  function draw(force: boolean): void {
    const now = Date.now();
    if (!force && now - drawnAt < (tty ? REDRAW_EVERY_MS : PLAIN_EVERY_MS)) return;
    drawnAt = now;
    stream.write(tty ? `\r\x1b[2K${line()}` : `${line()}\n`);
  }

  return {
    tick(count = 1) {
      current += count;
      draw(false);
    },
    done() {
      draw(true);
      if (tty) stream.write('\n');
    },
  };
}
