import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_KEYS, loadConfig, SPEC } from '../../src/config';

const documented: Record<string, string> = {};
for (const line of fs.readFileSync(path.join(__dirname, '..', '..', '.env.example'), 'utf8').split('\n')) {
  if (line.trim() === '' || line.startsWith('#')) continue;
  const [key, ...value] = line.split('=');
  documented[key!] = value.join('=');
}

test('when .env.example shows a value, then it is the default in SPEC; keys whose default loadConfig derives are left empty', () => {
  const wrong: string[] = [];
  for (const key of CONFIG_KEYS) {
    const { parse, default: fallback } = SPEC[key];
    const shown = documented[key] ?? '';
    const agrees =
      fallback === undefined
        ? shown === ''
        : shown !== '' && JSON.stringify(parse(key, shown)) === JSON.stringify(fallback);
    if (!agrees)
      wrong.push(`${key}: .env.example says "${shown}", SPEC's default is ${JSON.stringify(fallback)}`);
  }
  expect(wrong).toEqual([]);
});

test('when the values of .env.example are set, then the configuration is the one an empty environment gives', () => {
  expect(loadConfig(documented)).toEqual(loadConfig({}));
});
