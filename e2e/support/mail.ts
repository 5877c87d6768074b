// The mail this worker's server has sent: it writes each message as an `.eml` file in
// the worker's mail directory (`vaern serve --mail-dir e2e/.run/worker-N/mail`, see
// server.ts). File names start with the time of sending in nanoseconds, so they sort
// oldest first. Bodies are plain text, 8bit, so links and Danish letters can be read as
// they are.
import fs from 'node:fs';
import path from 'node:path';
import { thisWorkerFiles } from './env';

/** The mail directory of the server of the worker this runs in. */
function mailDir(): string {
  return thisWorkerFiles().mailDir;
}

export interface SentMail {
  file: string;
  to: string;
  subject: string;
  body: string;
}

/** The names of the messages sent so far, oldest first. */
export function mailFiles(): string[] {
  return fs
    .readdirSync(mailDir())
    .filter((name) => name.endsWith('.eml') && !name.startsWith('.'))
    .sort();
}

/** Reads one message: the To and Subject headers (unfolded) and the body. */
export function readMail(file: string): SentMail {
  const text = fs.readFileSync(path.join(mailDir(), file), 'utf8').replace(/\r\n/g, '\n');
  const split = text.indexOf('\n\n');
  const head = split === -1 ? text : text.slice(0, split);
  const body = split === -1 ? '' : text.slice(split + 2);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { file, to: headers.get('to') ?? '', subject: decodeHeader(headers.get('subject') ?? ''), body };
}

/** Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`). */
function decodeHeader(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (_all, _charset: string, encoding: string, data: string) =>
      encoding.toLowerCase() === 'b'
        ? Buffer.from(data, 'base64').toString('utf8')
        : Buffer.from(
            data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
            'latin1',
          ).toString('utf8'),
    );
}

/** The one-time link (`http://…/link/<token>`) in a message's body. */
export function linkIn(mail: SentMail): string {
  const found = mail.body.match(/https?:\/\/[^\s/]+\/link\/[A-Za-z0-9_-]+/);
  if (!found) throw new Error(`No /link/<token> in the mail ${mail.file}:\n${mail.body}`);
  return found[0];
}

/**
 * Waits for the newest message to `to` that is not among `before` (the names from
 * `mailFiles()` taken before the action that sends it) and returns it.
 */
export async function waitForMail(to: string, before: string[] = [], timeoutMs = 15_000): Promise<SentMail> {
  const seen = new Set(before);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const fresh = mailFiles()
      .filter((name) => !seen.has(name))
      .map(readMail)
      .filter((mail) => mail.to.toLowerCase().includes(to.toLowerCase()));
    if (fresh.length > 0) return fresh[fresh.length - 1];
    if (Date.now() > deadline) {
      throw new Error(`No new mail to ${to} in ${mailDir()} within ${timeoutMs / 1000} s (there: ${mailFiles().join(', ') || 'none'}).`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
