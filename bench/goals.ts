import { table } from './stats';

/**
 * The performance goals the benchmark is held to, in one place: each section records what it
 * measured against them and shows the verdict beside its own figures, and the run ends with all
 * of them side by side. Where a goal is missed, `why` names the README section that gives the
 * measured distance's cause.
 */
export type GoalId =
  | 'peers-100'
  | 'peers-10000'
  | 'peers-growth'
  | 'cli-help'
  | 'cli-explain'
  | 'cli-status'
  | 'cli-approve'
  | 'load-throughput'
  | 'load-p50'
  | 'burst-throughput'
  | 'approval-to-write'
  | 'parked-memory';

export interface Goal {
  readonly section: string;
  readonly what: string;
  /** `max`: the measured value may be at most the target; `min`: at least. */
  readonly bound: 'max' | 'min';
  readonly target: number;
  readonly unit: 'x' | 'MB';
  /** The README section that explains a miss. */
  readonly why: string;
}

const command = 'Benchmark › The command';
const approvals = 'Benchmark › Approvals, bursts and memory';
const load = 'Benchmark › The governed path under load, history size, policy, governors, evidence';
const peers = 'Benchmark › Against the tools people use today';

export const goals: Readonly<Record<GoalId, Goal>> = {
  'peers-100': {
    section: 'i',
    what: 'one record, 100-record zone, vs octoDNS',
    bound: 'max',
    target: 0.75,
    unit: 'x',
    why: peers,
  },
  'peers-10000': {
    section: 'i',
    what: 'one record, 10,000-record zone, vs octoDNS',
    bound: 'max',
    target: 0.15,
    unit: 'x',
    why: peers,
  },
  'peers-growth': {
    section: 'i',
    what: 'growth from 100 to 100,000 records',
    bound: 'max',
    target: 1.5,
    unit: 'x',
    why: peers,
  },
  'cli-help': {
    section: 'g',
    what: 'countersign --help vs node -e 0',
    bound: 'max',
    target: 2,
    unit: 'x',
    why: command,
  },
  'cli-explain': {
    section: 'g',
    what: 'countersign policy explain vs node -e 0',
    bound: 'max',
    target: 2,
    unit: 'x',
    why: command,
  },
  'cli-status': {
    section: 'g',
    what: 'countersign status vs node -e 0',
    bound: 'max',
    target: 3,
    unit: 'x',
    why: command,
  },
  'cli-approve': {
    section: 'g',
    what: 'countersign approve vs node -e 0',
    bound: 'max',
    target: 3,
    unit: 'x',
    why: command,
  },
  'load-throughput': {
    section: 'a',
    what: 'auto path under load, throughput vs bare workflow',
    bound: 'min',
    target: 0.8,
    unit: 'x',
    why: load,
  },
  'load-p50': {
    section: 'a',
    what: 'auto path under load, p50 vs bare workflow',
    bound: 'max',
    target: 1.25,
    unit: 'x',
    why: load,
  },
  'burst-throughput': {
    section: 'k',
    what: '1,000-change burst, throughput vs bare workflows',
    bound: 'min',
    target: 0.8,
    unit: 'x',
    why: approvals,
  },
  'approval-to-write': {
    section: 'j',
    what: 'approval → write started, p50 vs bare update → activity',
    bound: 'max',
    target: 1.5,
    unit: 'x',
    why: approvals,
  },
  'parked-memory': {
    section: 'l',
    what: 'worker RSS with 1,000 changes parked',
    bound: 'max',
    target: 300,
    unit: 'MB',
    why: approvals,
  },
};

const withUnit = (digits: string, unit: Goal['unit']) => (unit === 'x' ? `${digits}×` : `${digits} MB`);
const shown = (value: number, unit: Goal['unit']) => withUnit(value.toFixed(unit === 'x' ? 2 : 0), unit);

export const isMet = (goal: Goal, value: number): boolean =>
  Number.isFinite(value) && (goal.bound === 'max' ? value <= goal.target : value >= goal.target);

/** `≤ 2×`, `≥ 0.8×`, `≤ 300 MB`. */
const targetText = (goal: Goal) =>
  `${goal.bound === 'max' ? '≤' : '≥'} ${withUnit(String(goal.target), goal.unit)}`;

/** The goal as a table cell: `≤ 2× met`, `≥ 0.8× MISSED`. */
export function goalCell(id: GoalId, value: number): string {
  const goal = goals[id];
  const state = !Number.isFinite(value) ? 'not measured' : isMet(goal, value) ? 'met' : 'MISSED';
  return `${targetText(goal)} ${state}`;
}

/** `met`, or how far the measured value is from the target (`missed by 0.34×`). */
export function verdict(goal: Goal, value: number): string {
  if (!Number.isFinite(value)) return 'not measured (no finite value)';
  if (isMet(goal, value)) return 'met';
  const distance = Math.abs(value - goal.target);
  const text = shown(distance, goal.unit);
  // A miss never reads as "missed by 0.00×": one significant digit instead.
  return `missed by ${/[1-9]/.test(text) ? text : withUnit(distance.toPrecision(1), goal.unit)}`;
}

interface Measurement {
  readonly id: GoalId;
  readonly value: number;
  /** What distinguishes this measurement from others of the same goal (a cache size). */
  readonly note?: string;
}

/** What one run measured against the goals, in the order recorded. */
export class GoalBoard {
  private readonly measurements: Measurement[] = [];

  record(id: GoalId, value: number, note?: string): void {
    this.measurements.push(note === undefined ? { id, value } : { id, value, note });
  }

  /** Records a measurement and returns its cell for the section's own table. */
  check(id: GoalId, value: number, note?: string): string {
    this.record(id, value, note);
    return goalCell(id, value);
  }

  get size(): number {
    return this.measurements.length;
  }

  /** Every recorded measurement beside its goal; goals no section of this run measured are left out. */
  table(): string {
    return table(
      ['section', 'goal', 'target', 'measured', 'verdict', 'why, where missed (README)'],
      this.measurements.map(({ id, value, note }) => {
        const goal = goals[id];
        return [
          `(${goal.section})`,
          note === undefined ? goal.what : `${goal.what} (${note})`,
          targetText(goal),
          Number.isFinite(value) ? shown(value, goal.unit) : '-',
          verdict(goal, value),
          Number.isFinite(value) && !isMet(goal, value) ? goal.why : '',
        ];
      }),
    );
  }
}
