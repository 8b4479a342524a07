import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli';

/** What the CLI does before it ever connects: the same clear errors with no server running. */
describe('countersign CLI without a server', () => {
  const nowhere = { TEMPORAL_ADDRESS: '127.0.0.1:1' };
  const dir = mkdtempSync(path.join(tmpdir(), 'countersign-cli-'));
  const examples = path.join(__dirname, '..', '..', 'examples');

  it('refuses a governor scope it cannot read with exit code 2, saying what a scope looks like', async () => {
    const run = await runCli(['governor', 'status', 'example.com'], { env: nowhere });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /expected zone:<zone>, tenant:<tenant> or global/);
    assert.doesNotMatch(run.stderr, /cannot reach Temporal|\n\s+at /);
  });

  for (const [args, named] of [
    [
      ['freeze', '--scope', 'zone:a.example.', '--reason', 'r', '--until', 'tomorrow', '--key', 'k'],
      /--until: "tomorrow" is neither a duration/,
    ],
    [['freeze', '--scope', 'example.com', '--reason', 'r', '--key', 'k'], /--scope: .*expected zone:<zone>/],
    [
      ['break-glass', '--scope', 'global', '--reason', 'r', '--key', 'k'],
      /required option '--for <duration>' not specified/,
    ],
    [
      ['break-glass', '--scope', 'global', '--for', 'half an hour', '--reason', 'r', '--key', 'k'],
      /--for: "half an hour" is not a duration/,
    ],
    [
      ['break-glass', 'review', 'bg-1', '--scope', 'global', '--reason', 'r', '--key', 'k'],
      /exactly one of --approve or --reject/,
    ],
    [
      [
        'exceptions',
        'grant',
        'x',
        '--scope',
        'global',
        '--effect',
        'relax',
        '--owner',
        'o',
        '--justification',
        'j',
        '--expires',
        '7d',
        '--key',
        'k',
      ],
      /--effect: .*tighten:<tier> or loosen:<tier>/,
    ],
    [
      [
        'exceptions',
        'grant',
        'Bad Id',
        '--scope',
        'global',
        '--effect',
        'loosen:0',
        '--owner',
        'o',
        '--justification',
        'j',
        '--expires',
        '7d',
        '--key',
        'k',
      ],
      /exception id: lowercase letters/,
    ],
  ] as const)
    it(`refuses \`${args.slice(0, 2).join(' ')} …\` input naming the option, before reading a key or connecting`, async () => {
      const run = await runCli([...args], { env: nowhere });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, named);
      assert.doesNotMatch(run.stderr, /cannot reach Temporal|\n\s+at /);
    });

  it('refuses malformed JSON with exit code 2 and says where', async () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{"id": "x",');
    const run = await runCli(['submit', file], { env: nowhere });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /broken\.json is not valid JSON/);
  });

  it('refuses an invalid recommendation naming each field, before connecting', async () => {
    const run = await runCli(['submit', path.join(examples, 'invalid-outside-zone.json')], { env: nowhere });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /\(root\): unknown field "priority"/);
    assert.doesNotMatch(run.stderr, /cannot reach Temporal/);
  });

  it('reports validation errors as JSON with --json', async () => {
    const bad = { id: 'bad one' };
    const run = await runCli(['--json', 'submit', '-'], { env: nowhere, stdin: JSON.stringify(bad) });
    assert.equal(run.code, 2);
    const out = JSON.parse(run.stdout) as {
      error: { code: number; details: { path: string; code: string }[] };
    };
    assert.equal(out.error.code, 2);
    assert.ok(out.error.details.some((d) => d.path === 'id' && d.code === 'invalid_format'));
    assert.ok(out.error.details.some((d) => d.path === 'source' && d.code === 'missing_field'));
  });

  it('exits 5 when a valid recommendation cannot reach Temporal', async () => {
    const run = await runCli(['submit', path.join(examples, 'staging-www-a.json')], { env: nowhere });
    assert.equal(run.code, 5);
    assert.match(run.stderr, /cannot reach Temporal|connect/i);
  });

  it('exits 2 on an unknown command or a missing required option', async () => {
    assert.equal((await runCli(['frobnicate'], { env: nowhere })).code, 2);
    assert.equal((await runCli(['approve', 'some-id', '--reason', 'x'], { env: nowhere })).code, 2);
  });

  it('every command that acts for a person takes --as beside --key, and refuses a --as the key does not belong to', async () => {
    const keyFile = path.join(dir, 'erin.key.json');
    const made = await runCli(['keygen', '--as', 'erin@example.com', '--out', keyFile], { env: nowhere });
    assert.equal(made.code, 0, made.stderr);
    for (const command of [
      ['approve'],
      ['reject'],
      ['freeze'],
      ['unfreeze'],
      ['governor', 'admit'],
      ['governor', 'reset'],
      ['break-glass', 'start'],
      ['break-glass', 'end'],
      ['break-glass', 'review'],
      ['exceptions', 'grant'],
      ['incident', 'open'],
      ['incident', 'close'],
      ['exceptions', 'approve'],
      ['exceptions', 'revoke'],
    ]) {
      const help = await runCli([...command, '--help'], { env: nowhere });
      assert.match(help.stdout, /--key <file>/, `${command.join(' ')} has no --key`);
      assert.match(
        help.stdout,
        /--as <principal> +who you are; must match the key file/,
        `${command.join(' ')} has no --as`,
      );
    }
    const wrong = await runCli(
      [
        'freeze',
        '--scope',
        'zone:a.example.',
        '--reason',
        'r',
        '--key',
        keyFile,
        '--as',
        'alice@example.com',
      ],
      { env: nowhere },
    );
    assert.equal(wrong.code, 2);
    assert.match(
      wrong.stderr,
      /--as alice@example\.com does not match the key file .*erin\.key\.json, which belongs to erin@example\.com/,
    );
    assert.doesNotMatch(wrong.stderr, /cannot reach Temporal/, 'refused before connecting');
  });
});
