// startServer(): runs the real longhaul binary ($LONGHAUL_BINARY) for one test. Writes a config
// (listen and admin on 127.0.0.1:0, a temp data dir) with the given functions:/routes: YAML,
// starts `longhaul serve`, and reads the bound ports from its ready line
// ("longhaul ready listen=127.0.0.1:P admin=127.0.0.1:Q").
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

// tests/node: where node_modules and the fixtures are.
export const nodeTestsDir = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function startServer(configBody, { readyTimeoutMs = 30000 } = {}) {
  const binary = process.env.LONGHAUL_BINARY;
  if (!binary) {
    throw new Error('LONGHAUL_BINARY must name the longhaul binary (ctest sets it)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'longhaul-node-'));
  const configPath = join(dir, 'longhaul.yaml');
  writeFileSync(
    configPath,
    'server:\n' +
      '  listen: 127.0.0.1:0\n' +
      '  admin: 127.0.0.1:0\n' +
      `  data_dir: ${join(dir, 'data')}\n` +
      '  node_id: node-test\n' +
      '  shutdown_grace: 5s\n' +
      configBody,
  );
  const child = spawn(binary, ['serve', '--config', configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    log += chunk;
  });
  const exited = once(child, 'exit');

  let ready;
  try {
    ready = await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ready line within ${readyTimeoutMs} ms; log:\n${log}`)),
        readyTimeoutMs,
      );
      createInterface({ input: child.stdout }).on('line', (line) => {
        const m = /^longhaul ready listen=(\S+) admin=(\S+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve({ listen: m[1], admin: m[2] });
        }
      });
      exited.then(([code, signal]) => {
        clearTimeout(timer);
        reject(new Error(`longhaul exited (${code ?? signal}) before it was ready; log:\n${log}`));
      });
    });
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    url: `http://${ready.listen}`,
    adminUrl: `http://${ready.admin}`,
    log: () => log,
    // SIGTERM, then SIGKILL if it has not exited after `graceMs`; removes the temp dir.
    async stop({ graceMs = 10000 } = {}) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
