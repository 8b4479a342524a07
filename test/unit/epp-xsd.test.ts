import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { validateEppFrameDir, validateEppFrames } from '../helpers/epp-xsd';

const frames = path.join(__dirname, '..', 'fixtures', 'epp-frames');

/** Each broken fixture and the element xmllint must name (as `Element '{namespace}local'`). */
const invalidFixtures: Record<string, { namespace: string; element: string; because: RegExp }> = {
  'command-clTRID-first.xml': { namespace: 'epp-1.0', element: 'clTRID', because: /not expected/ },
  'contact-create-missing-email.xml': {
    namespace: 'contact-1.0',
    element: 'authInfo',
    because: /contact-1\.0\}email/,
  },
  'domain-create-unknown-element.xml': { namespace: 'domain-1.0', element: 'color', because: /not expected/ },
  'domain-info-bad-namespace.xml': { namespace: 'domain-2.0', element: 'info', because: /strict wildcard/ },
  'domain-info-wrong-order.xml': {
    namespace: 'domain-1.0',
    element: 'authInfo',
    because: /domain-1\.0\}name/,
  },
  'hello-bad-namespace.xml': { namespace: 'epp-2.0', element: 'epp', because: /validation root/ },
  'host-create-bad-ip-attribute.xml': { namespace: 'host-1.0', element: 'addr', because: /'v5'/ },
  'login-unknown-element.xml': { namespace: 'epp-1.0', element: 'password', because: /epp-1\.0\}pw/ },
  'poll-trndata-wrong-order.xml': {
    namespace: 'domain-1.0',
    element: 'reDate',
    because: /domain-1\.0\}reID/,
  },
  'secdns-1.0-namespace.xml': { namespace: 'secDNS-1.0', element: 'create', because: /strict wildcard/ },
  'secdns-infdata-bad-digest.xml': { namespace: 'secDNS-1.1', element: 'digest', because: /hexBinary/ },
  'secdns-update-unknown-element.xml': {
    namespace: 'secDNS-1.1',
    element: 'keytag',
    because: /secDNS-1\.1\}keyTag/,
  },
  'transfer-bad-op.xml': { namespace: 'epp-1.0', element: 'transfer', because: /'steal'/ },
};

function elementPattern(namespace: string, element: string): RegExp {
  const name = `{urn:ietf:params:xml:ns:${namespace}}${element}`.replace(/[.{}]/g, '\\$&');
  return new RegExp(`Element '${name}'`);
}

const hello = (ns = 'urn:ietf:params:xml:ns:epp-1.0') => `<epp xmlns="${ns}"><hello/></epp>\n`;

describe('EPP frames against the IANA schemas (xmllint)', () => {
  it('every valid fixture (RFC 5730-5733 and RFC 5910 examples) validates', async () => {
    const verdicts = await validateEppFrameDir(path.join(frames, 'valid'));
    assert.ok(verdicts.length >= 15, `only ${verdicts.length} valid fixtures found`);
    for (const verdict of verdicts) assert.equal(verdict.valid, true, `${verdict.file}:\n${verdict.errors}`);
    for (const verdict of verdicts) assert.equal(verdict.errors, '', verdict.file);
  });

  it('every invalid fixture fails, naming the offending element', async () => {
    const verdicts = await validateEppFrameDir(path.join(frames, 'invalid'));
    assert.deepEqual(
      verdicts.map((v) => v.file),
      Object.keys(invalidFixtures).sort(),
      'each fixture in invalid/ needs its expected element in this table',
    );
    for (const verdict of verdicts) {
      const expected = invalidFixtures[verdict.file]!;
      assert.equal(verdict.valid, false, `${verdict.file} validated`);
      assert.match(verdict.errors, elementPattern(expected.namespace, expected.element), verdict.file);
      assert.match(verdict.errors, expected.because, verdict.file);
      assert.match(verdict.errors, new RegExp(`^${verdict.file.replace(/\./g, '\\.')}:\\d+: `), verdict.file);
    }
  });

  it('a directory is searched recursively and names files relative to it', async () => {
    const verdicts = await validateEppFrameDir(frames);
    const valid = readdirSync(path.join(frames, 'valid')).map((f) => path.join('valid', f));
    const invalid = readdirSync(path.join(frames, 'invalid')).map((f) => path.join('invalid', f));
    assert.deepEqual(verdicts.map((v) => v.file).sort(), [...valid, ...invalid].sort());
    for (const verdict of verdicts)
      assert.equal(verdict.valid, verdict.file.startsWith('valid'), verdict.file);
  });

  it('frames given as text keep their names and order; a frame that is not XML fails with the parser error', async () => {
    const login = readFileSync(path.join(frames, 'valid', 'login.xml'), 'utf8');
    const verdicts = await validateEppFrames([
      { name: 'login sent by the client', xml: login },
      { name: 'truncated', xml: '<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello>' },
      { name: 'wrong namespace', xml: hello('urn:example:not-epp') },
      { name: 'hello', xml: hello() },
    ]);
    assert.deepEqual(
      verdicts.map((v) => [v.file, v.valid]),
      [
        ['login sent by the client', true],
        ['truncated', false],
        ['wrong namespace', false],
        ['hello', true],
      ],
    );
    assert.match(verdicts[1]!.errors, /^truncated:1: parser error/);
    assert.doesNotMatch(
      verdicts[1]!.errors,
      /countersign-epp-xsd-/,
      'the temporary path leaked into the message',
    );
    assert.match(verdicts[2]!.errors, /Element '\{urn:example:not-epp\}epp'/);
  });

  it('many frames: batched over several xmllint runs, each verdict on its own frame', async () => {
    const broken = new Set([0, 199, 200, 449]);
    const many = Array.from({ length: 450 }, (_, i) => ({
      name: `frame ${i}`,
      xml: hello(broken.has(i) ? `urn:example:broken-${i}` : undefined),
    }));
    const verdicts = await validateEppFrames(many);
    assert.equal(verdicts.length, many.length);
    verdicts.forEach((verdict, i) => {
      assert.equal(verdict.file, `frame ${i}`);
      assert.equal(verdict.valid, !broken.has(i), verdict.file);
      if (broken.has(i)) assert.match(verdict.errors, new RegExp(`broken-${i}\\}epp'`));
    });
  });

  it('no frames: no xmllint run, no verdicts', async () => {
    assert.deepEqual(await validateEppFrames([]), []);
  });

  it('without xmllint: says how to install it', async () => {
    const saved = process.env.PATH;
    process.env.PATH = path.join(__dirname, 'no-such-directory');
    try {
      await assert.rejects(validateEppFrames([{ name: 'hello', xml: hello() }]), {
        message: 'xmllint is missing: run npm test, which installs libxml2-utils',
      });
    } finally {
      process.env.PATH = saved;
    }
  });
});
