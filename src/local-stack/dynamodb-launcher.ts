import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DynamoDbLauncherBuildError } from '../errors.js';

const SOURCE = fileURLToPath(new URL('./java/BindHostLauncher.java', import.meta.url));
export const LAUNCHER_CLASS = 'BindHostLauncher';

/**
 * The directory holding BindHostLauncher.class, compiled against this
 * DynamoDB Local release. DynamoDB Local's own launcher binds every interface
 * (it has only -port); ours sets the host on the same Jetty connector (see
 * java/BindHostLauncher.java). It is compiled once per machine, source and
 * release (about a second) and cached in the temp directory; the cache entry
 * appears atomically, so parallel starts never see half a class file.
 */
export async function launcherClassDirectory(jarDir: string, classPath: string): Promise<string> {
  const source = readFileSync(SOURCE);
  const jar = statSync(join(jarDir, 'DynamoDBLocal.jar'));
  const key = createHash('sha256').update(source).update(`${jarDir}\0${jar.size}\0${jar.mtimeMs}`).digest('hex').slice(0, 16);
  const cached = join(tmpdir(), `wallet-dynamodb-launcher-${key}`);
  if (existsSync(join(cached, `${LAUNCHER_CLASS}.class`))) return cached;

  const building = mkdtempSync(join(tmpdir(), 'wallet-dynamodb-launcher-build-'));
  try {
    await promisify(execFile)(javac(), ['--release', '17', '-nowarn', '-d', building, '-cp', classPath, SOURCE], { timeout: 60_000 });
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new DynamoDbLauncherBuildError(
      missing
        ? 'listening on one address needs javac (a JDK 17+, not only a JRE) once, to build the DynamoDB Local launcher: install a JDK, or set WALLET_EMBEDDED_BIND_HOST=0.0.0.0 to use the stock launcher (every interface)'
        : `could not compile ${SOURCE}: ${(error as { stderr?: string }).stderr ?? String(error)}`,
      { cause: error },
    );
  }
  try {
    renameSync(building, cached);
  } catch {
    // Another process finished the same build first; its result is identical.
    rmSync(building, { recursive: true, force: true });
  }
  return cached;
}

function javac(): string {
  const fromJavaHome = process.env.JAVA_HOME && join(process.env.JAVA_HOME, 'bin', 'javac');
  return fromJavaHome && existsSync(fromJavaHome) ? fromJavaHome : 'javac';
}
