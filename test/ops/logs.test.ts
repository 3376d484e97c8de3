import { withoutCredentials } from '../../src/db';
import { wantsPrettyLogs } from '../../src/observability/logger';

test('when a person runs Atrium in development on a terminal, then the logs are readable lines', () => {
  expect(wantsPrettyLogs({ logLevel: 'info', nodeEnv: 'development' }, true, true)).toBe(true);
});

test.each([
  ['output goes to a file or a pipe', 'development', false, true],
  ['the process runs in production', 'production', true, true],
  ['the process runs under test', 'test', true, true],
  ['pino-pretty is not installed (a production image)', 'development', true, false],
] as const)('when %s, then the logs are JSON lines', (_, nodeEnv, isTTY, installed) => {
  expect(wantsPrettyLogs({ logLevel: 'info', nodeEnv }, isTTY, installed)).toBe(false);
});

test.each([
  ['mongodb://app:s3cret@db1,db2,db3/atrium?replicaSet=rs0', 'mongodb://db1,db2,db3/atrium?replicaSet=rs0'],
  ['mongodb+srv://app:p%40ss@cluster0.example.net/atrium', 'mongodb+srv://cluster0.example.net/atrium'],
  ['mongodb://127.0.0.1:27017/atrium', 'mongodb://127.0.0.1:27017/atrium'],
])('when the database is shown in the start line, then %s shows no credentials', (uri, shown) => {
  expect(withoutCredentials(uri)).toBe(shown);
});
