import path from 'node:path';
import { packageRoot } from '../package-root';

/** The policy shipped with the project. */
export const defaultPolicyPath = path.join(packageRoot, 'policies', 'default.yaml');
