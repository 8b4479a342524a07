import { z } from 'zod';
import type { WantedPort } from '../preflight/free-ports';

/** The demo's fixed loopback ports (fixed so the CLI and the printed commands find them). */
export interface DemoPorts {
  readonly temporal: number;
  readonly ui: number;
  readonly pdnsApi: number;
  readonly dns: number;
  readonly s3: number;
}

const specs: Record<keyof DemoPorts, { variable: string; fallback: number; purpose: string }> = {
  temporal: { variable: 'COUNTERSIGN_DEMO_TEMPORAL_PORT', fallback: 7233, purpose: 'Temporal frontend' },
  ui: { variable: 'COUNTERSIGN_DEMO_UI_PORT', fallback: 8233, purpose: 'Temporal Web UI' },
  pdnsApi: { variable: 'COUNTERSIGN_DEMO_PDNS_API_PORT', fallback: 8081, purpose: 'PowerDNS API' },
  dns: { variable: 'COUNTERSIGN_DEMO_DNS_PORT', fallback: 5300, purpose: 'PowerDNS DNS' },
  s3: { variable: 'COUNTERSIGN_DEMO_S3_PORT', fallback: 7070, purpose: 'S3 server (evidence, Object Lock)' },
};

const Port = z.coerce
  .number({ error: 'expected a port number' })
  .int('expected a whole port number')
  .min(1024, 'expected a port from 1024 to 65535 (below 1024 needs root)')
  .max(65535, 'expected a port from 1024 to 65535');

/** The port variables; an issue's path names the variable, its message what was expected. */
export const DemoPortsEnv = z
  .object({
    COUNTERSIGN_DEMO_TEMPORAL_PORT: Port.default(specs.temporal.fallback),
    COUNTERSIGN_DEMO_UI_PORT: Port.default(specs.ui.fallback),
    COUNTERSIGN_DEMO_PDNS_API_PORT: Port.default(specs.pdnsApi.fallback),
    COUNTERSIGN_DEMO_DNS_PORT: Port.default(specs.dns.fallback),
    COUNTERSIGN_DEMO_S3_PORT: Port.default(specs.s3.fallback),
  })
  .transform((env): DemoPorts => ({
    temporal: env.COUNTERSIGN_DEMO_TEMPORAL_PORT,
    ui: env.COUNTERSIGN_DEMO_UI_PORT,
    pdnsApi: env.COUNTERSIGN_DEMO_PDNS_API_PORT,
    dns: env.COUNTERSIGN_DEMO_DNS_PORT,
    s3: env.COUNTERSIGN_DEMO_S3_PORT,
  }))
  .superRefine((ports, ctx) => {
    const seen = new Map<number, string>();
    for (const key of Object.keys(specs) as (keyof DemoPorts)[]) {
      const other = seen.get(ports[key]);
      if (other !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [specs[key].variable],
          message: `port ${ports[key]} is already given to ${other}`,
        });
      seen.set(ports[key], specs[key].variable);
    }
  });

/** Reads the demo's ports; unset or empty variables take the defaults. */
export function demoPorts(env: NodeJS.ProcessEnv): z.ZodSafeParseResult<DemoPorts> {
  const present = Object.fromEntries(
    Object.values(specs)
      .map((spec) => [spec.variable, env[spec.variable]] as const)
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  return DemoPortsEnv.safeParse(present);
}

/** The same ports as the preflight check wants them: what each is for and which variable moves it. */
export function wantedDemoPorts(ports: DemoPorts): WantedPort[] {
  return (Object.keys(specs) as (keyof DemoPorts)[]).map((key) => ({
    port: ports[key],
    protocols: key === 'dns' ? ['tcp', 'udp'] : ['tcp'],
    purpose: specs[key].purpose,
    variable: specs[key].variable,
  }));
}
