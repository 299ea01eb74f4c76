import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  CONTRACT_VERSION,
  defineConnector,
  describeCredentials,
  emailField,
  markField,
  markSecret,
  redactCredentials,
  REDACTED,
  secretField,
  secretFieldNames,
  selectField,
  subdomainField,
  subdomainProblem,
} from '../src/index.js';
import { HOSTILE_SUBDOMAINS } from '../src/testing.js';
import { Redactor } from '../src/credentials/redact.js';

const schema = z.object({
  subdomain: subdomainField({ label: 'Subdomain', suffix: '.zendesk.com', help: 'acme from acme.zendesk.com' }),
  email: emailField({ label: 'Admin email' }),
  apiToken: secretField({ label: 'API token', help: 'Admin → Apps & Integrations → Zendesk API' }),
  region: selectField({ label: 'Region', choices: ['us', 'eu'] as const }).optional(),
});

describe('subdomain field', () => {
  it.each(HOSTILE_SUBDOMAINS)('rejects %j with a message that says why', (value) => {
    const result = schema.shape.subdomain.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.message).toMatch(/^Subdomain /);
  });

  it('accepts DNS labels, trimming and lower-casing', () => {
    expect(schema.shape.subdomain.parse('  AcmeCorp ')).toBe('acmecorp');
    expect(schema.shape.subdomain.parse('a-1')).toBe('a-1');
    expect(schema.shape.subdomain.safeParse('-a').success).toBe(false);
    expect(schema.shape.subdomain.safeParse('a'.repeat(64)).success).toBe(false);
  });

  it('explains URLs and dotted hosts specifically', () => {
    expect(subdomainProblem('https://acme.zendesk.com', '.zendesk.com')).toMatch(/not a URL/);
    expect(subdomainProblem('acme.zendesk.com', '.zendesk.com')).toMatch(/without dots/);
    expect(subdomainProblem('x@y')).toMatch(/not allowed/);
  });
});

describe('describeCredentials', () => {
  it('lists fields in order with their UI metadata', () => {
    const fields = describeCredentials(schema);
    expect(fields.map((f) => [f.name, f.kind, f.secret, f.required])).toEqual([
      ['subdomain', 'subdomain', false, true],
      ['email', 'email', false, true],
      ['apiToken', 'secret', true, true],
      ['region', 'select', false, false],
    ]);
    expect(fields[0]!.suffix).toBe('.zendesk.com');
    expect(fields[3]!.choices).toEqual(['us', 'eu']);
    expect(secretFieldNames(schema)).toEqual(['apiToken']);
  });
});

describe('redaction', () => {
  it('replaces secrets and their encodings in strings, values and errors', () => {
    const r = new Redactor(['s3cr3t-token', 'x']);
    expect(r.string('auth s3cr3t-token and czNjcjN0LXRva2Vu')).toBe(`auth ${REDACTED} and ${REDACTED}`);
    expect(r.string('x marks')).toBe('x marks');
    expect(r.value({ a: ['s3cr3t-token'], n: 1 })).toEqual({ a: [REDACTED], n: 1 });
    expect(r.error(new Error('bad s3cr3t-token')).message).toBe(`bad ${REDACTED}`);
  });

  it('replaces secrets in any letter case, longest first, even with RegExp characters in them', () => {
    const r = new Redactor(['Tok.en+(1)?', 'Tok.en+(1)?-extended', 'abcd']);
    expect(r.string('a TOK.EN+(1)? b tok.en+(1)?-EXTENDED c tokXen+(1)?')).toBe(`a ${REDACTED} b ${REDACTED} c tokXen+(1)?`);
    expect(r.string('ABCD abcd AbCd')).toBe(`${REDACTED} ${REDACTED} ${REDACTED}`);
    expect(new Redactor([]).string('nothing to hide')).toBe('nothing to hide');
  });

  it('redacts secret credential fields', () => {
    expect(redactCredentials({ subdomain: 'acme', apiToken: 'abc' }, ['apiToken'])).toEqual({ subdomain: 'acme', apiToken: REDACTED });
  });
});

describe('defineConnector', () => {
  const base = {
    id: 'plain',
    displayName: 'Plain',
    http: () => ({ baseUrl: 'https://plain.example', headers: {} }),
    testConnection: async () => ({ accountName: 'x' }),
    cursor: z.null(),
    async *pull() {},
    fetchTicket: async () => null,
  };

  it('refuses a credentials field built without a field helper, naming it', () => {
    expect(() => defineConnector({ ...base, credentials: z.object({ subdomain: subdomainField({ label: 'Subdomain', suffix: '.x' }), token: z.string() }) })).toThrow(
      /credentials field "token" carry no field metadata/,
    );
  });

  it('accepts markField and markSecret for other shapes, and stamps the contract version', () => {
    const connector = defineConnector({
      ...base,
      credentials: z.object({
        projects: markField(z.array(z.string()).optional(), { label: 'Project keys', help: 'Leave empty for every project' }),
        token: markSecret(z.string().min(1), { label: 'Token' }),
      }),
    });
    expect(connector.contractVersion).toBe(CONTRACT_VERSION);
    expect(describeCredentials(connector.credentials)).toEqual([
      { name: 'projects', required: false, label: 'Project keys', help: 'Leave empty for every project', kind: 'text', secret: false },
      { name: 'token', required: true, label: 'Token', kind: 'secret', secret: true },
    ]);
    expect(() => defineConnector({ ...base, contractVersion: 2 as never, credentials: z.object({}) })).toThrow(/contract v2/);
  });
});
