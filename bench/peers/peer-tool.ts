import type { RRset } from '../../src/plan/plan';

/**
 * A declarative peer (octoDNS, DNSControl): its user keeps the whole zone in files and runs the
 * tool, which reads the live zone, diffs and writes what differs.
 */
export interface PeerTool {
  /** How tables and the plot name it. */
  readonly label: string;
  /** Pinned or found version, for the report. */
  readonly version: string;
  /** Untimed: writes the tool's input (config and the zone as it should be, all of it). */
  stage(zone: string, rrsets: readonly RRset[]): void;
  /** A dry run on what stage() left: the changes the tool would make, one line each. */
  preview(zone: string): Promise<string[]>;
  /** Runs the tool for real on what stage() left; resolves on its exit with the changes it made. */
  apply(zone: string): Promise<string[]>;
}
